import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Crockford's base32 alphabet: no I, L, O or U, so ids and keys read aloud or copied by hand survive.
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

// Ids are drawn from a pool of random bytes filled 4 KB at a time: one call into the system's
// generator serves hundreds of ids instead of one each. Every byte is handed out once and never
// again (a refill replaces the pool whole), so no two ids share randomness.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function pooledRandomBytes(n: number): Buffer {
  if (n > POOL_BYTES) return randomBytes(n);
  if (poolAt + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const bytes = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return bytes;
}

/** A random id of `length` base32 characters (5 bits each): 12 characters are 60 bits. */
export function randomId(length = 12): string {
  return base32(pooledRandomBytes(Math.ceil((length * 5) / 8))).slice(0, length);
}

/** A 256-bit session token. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A 160-bit recovery key, grouped for reading: xxxx-xxxx-… (32 base32 characters). */
export function newRecoveryKey(): string {
  return base32(randomBytes(20))
    .match(/.{1,4}/g)!
    .join('-');
}

/** Recovery keys are compared ignoring case, dashes and spaces, as people retype them. */
export function normalizeRecoveryKey(key: string): string {
  return key.toLowerCase().replace(/[\s-]/g, '');
}

/**
 * Tokens and keys are high-entropy random strings, so one SHA-256 is enough to make a stolen
 * database useless for signing in (no password-style stretching needed).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Keyed hash of a client address prefix: rate limits and vote rules can group by it, nobody can read it back. */
export function keyedHash(key: string, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url').slice(0, 22);
}
