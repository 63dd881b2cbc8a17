import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Piece, gzipOf, rawOf } from './gzip-segments.ts';

/**
 * Cache-Control of a response every anonymous reader shares (article pages, listings, the book,
 * comment lists and feeds). A shared cache (the deploy recipe's nginx, a CDN) may answer from its
 * copy for 1 s (s-maxage) and then, while it asks us again, for 4 s more (stale-while-revalidate):
 * a new comment reaches an anonymous reader through a shared cache within 1 + 4 = 5 seconds.
 * Browsers ignore s-maxage; max-age=0 with the ETag makes them revalidate each visit (a 304 when
 * nothing changed). Browsers that honour stale-while-revalidate themselves (Chrome 75+, Firefox 68+)
 * may show a copy at most 4 s old once while they fetch the new one; a reload always revalidates,
 * and the page's live stream brings new comments to readers whose script runs either way.
 */
export const SHARED_CACHE = 'public, max-age=0, s-maxage=1, stale-while-revalidate=4';

/**
 * The same shared bytes asked for with a session cookie: revalidated on every use and never kept
 * by a shared cache, so nothing a signed-in reader is sent can reach another reader.
 */
export const PRIVATE_REVALIDATE = 'private, no-cache';

/** The Cache-Control of shared bytes: a shared cache may keep them only when no session asked. */
export function sharedCacheControlFor(signedIn: boolean): string {
  return signedIn ? PRIVATE_REVALIDATE : SHARED_CACHE;
}

/** A response body kept ready in every encoding, with its strong validator. */
export interface PreparedBody {
  raw: Buffer;
  gzip: Buffer;
  br: Buffer;
  etag: string;
  contentType: string;
}

export function strongEtag(body: Buffer | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Compresses once, so every later request for the same bytes costs a lookup and a write. */
export function prepareBody(body: Buffer | string, contentType: string): PreparedBody {
  const raw = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    raw,
    gzip: gzipSync(raw, { level: 9 }),
    br: brotliCompressSync(raw, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    }),
    etag: strongEtag(raw),
    contentType,
  };
}

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** How hard to compress: `fast` for a response someone is waiting for, `best` for bytes kept long. */
export type Effort = 'fast' | 'best';

const brotliQuality: Record<Effort, number> = { fast: 5, best: 11 };
const gzipLevel: Record<Effort, number> = { fast: 6, best: 9 };

/**
 * Like `prepareBody`, but the compression runs on libuv's thread pool, so the event loop keeps
 * serving other readers while a large page is packed. Pages rendered on a request use `fast`;
 * the `best` pass can follow in the background and replace the cached bytes when it is done.
 */
export async function prepareBodyAsync(body: Buffer | string, contentType: string, effort: Effort = 'fast'): Promise<PreparedBody> {
  const raw = typeof body === 'string' ? Buffer.from(body) : body;
  const [gz, br] = await Promise.all([
    gzipAsync(raw, { level: gzipLevel[effort] }),
    brotliAsync(raw, {
      params: { [constants.BROTLI_PARAM_QUALITY]: brotliQuality[effort], [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    }),
  ]);
  return { raw, gzip: gz, br, etag: strongEtag(raw), contentType };
}

/** Memory a prepared body holds: every encoding is kept. */
export function preparedBytes(body: PreparedBody): number {
  return body.raw.length + body.gzip.length + body.br.length;
}

export type Encoding = 'br' | 'gzip' | 'identity';

// Good enough for real clients: they list what they take; q=0 refusals are rare and honoured.
const acceptsBr = /(^|[,\s])br(?!;q=0(\.0+)?(,|$))/;
const acceptsGzip = /(^|[,\s])gzip(?!;q=0(\.0+)?(,|$))/;

/** Browsers send a handful of distinct Accept-Encoding values: each is read once, then remembered. */
const encodingOf = new Map<string, Encoding>();
const ENCODINGS_REMEMBERED = 64;

export function pickEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  let encoding = encodingOf.get(acceptEncoding);
  if (encoding === undefined) {
    encoding = acceptsBr.test(acceptEncoding) ? 'br' : acceptsGzip.test(acceptEncoding) ? 'gzip' : 'identity';
    if (encodingOf.size >= ENCODINGS_REMEMBERED) encodingOf.clear();
    encodingOf.set(acceptEncoding, encoding);
  }
  return encoding;
}

export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Sends a prepared body with its validator, answering 304 when the client already has it. */
export function sendPrepared(
  req: FastifyRequest,
  reply: FastifyReply,
  body: PreparedBody,
  cacheControl: string,
  status = 200,
  vary = 'Accept-Encoding',
): FastifyReply {
  // One order of headers for every prepared body (a wrapper may have set Cache-Control earlier):
  // the fast path (fast-path.ts) writes the very same header block.
  reply.removeHeader('Cache-Control');
  reply.header('ETag', body.etag).header('Cache-Control', cacheControl).header('Vary', vary).type(body.contentType);
  if (status === 200 && etagMatches(req.headers['if-none-match'], body.etag)) return reply.code(304).send();
  const encoding = pickEncoding(req.headers['accept-encoding']);
  reply.code(status);
  if (encoding === 'identity') return reply.send(body.raw);
  return reply.header('Content-Encoding', encoding).send(encoding === 'br' ? body.br : body.gzip);
}

/**
 * Compresses a one-off dynamic body (quickly, on the thread pool, so a large page does not hold up
 * other requests) and sends it with an ETag.
 */
export async function sendDynamic(
  req: FastifyRequest,
  reply: FastifyReply,
  body: string | Buffer,
  contentType: string,
  opts: { status?: number; cacheControl?: string } = {},
): Promise<FastifyReply> {
  const raw = typeof body === 'string' ? Buffer.from(body) : body;
  const status = opts.status ?? 200;
  const etag = strongEtag(raw);
  reply
    .header('ETag', etag)
    .header('Cache-Control', opts.cacheControl ?? 'no-cache')
    .header('Vary', 'Accept-Encoding, Cookie')
    .type(contentType);
  if (status === 200 && etagMatches(req.headers['if-none-match'], etag)) return reply.code(304).send();
  reply.code(status);
  const encoding = raw.length < 1024 ? 'identity' : pickEncoding(req.headers['accept-encoding']);
  if (encoding === 'identity') return reply.send(raw);
  const packed =
    encoding === 'br'
      ? await brotliAsync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
      : await gzipAsync(raw, { level: 6 });
  return reply.header('Content-Encoding', encoding).send(packed);
}

/**
 * Sends a page joined from separately compressed pieces (gzip-segments.ts): gzip when the client
 * takes it, whatever else it prefers (brotli has no way to join such pieces), else the plain
 * bytes. No ETag: such a page carries a fresh form key every time, so none is worth revalidating.
 */
export function sendPieces(req: FastifyRequest, reply: FastifyReply, pieces: readonly Piece[], contentType: string): FastifyReply {
  reply.header('Cache-Control', 'private, no-cache').header('Vary', 'Accept-Encoding, Cookie').type(contentType);
  const acceptEncoding = req.headers['accept-encoding'];
  if (acceptEncoding && acceptsGzip.test(acceptEncoding)) return reply.header('Content-Encoding', 'gzip').send(gzipOf(pieces));
  return reply.send(rawOf(pieces));
}
