import { StoreUnavailableError } from './driver.ts';

// Telling "the database is down" apart from "this statement is wrong", for node-postgres errors.

const unavailableErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const unavailableSqlStates = new Set([
  '57P01', // admin_shutdown: the server is stopping or our backend was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '53300', // too_many_connections: the server cannot take this node right now
]);

const unavailableMessages =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Connection refused/i;

/** True when `err` says the server can't be reached or dropped us, rather than that the SQL failed. */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  if (err instanceof StoreUnavailableError) return true;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string') {
    if (unavailableErrnos.has(e.code) || unavailableSqlStates.has(e.code)) return true;
    // Class 08: connection exceptions.
    if (/^08[0-9A-Z]{3}$/.test(e.code)) return true;
  }
  if (typeof e.message === 'string' && unavailableMessages.test(e.message)) return true;
  // Node reports a failed connect to a host with several addresses as an AggregateError.
  if (Array.isArray(e.errors)) return e.errors.some((inner) => isConnectionError(inner, depth + 1));
  return false;
}

/** Turns a connection failure into StoreUnavailableError (a 503); other errors pass through unchanged. */
export function mapError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isConnectionError(err)) return err;
  const mapped = new StoreUnavailableError(err);
  mapped.cause = err;
  return mapped;
}

/** Errors after which PostgreSQL has rolled the whole transaction back and asks for it to be retried. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}
