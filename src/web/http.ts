import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

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

export function pickEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  // Good enough for real clients: they list what they take; q=0 refusals are rare and honoured.
  const accepts = (name: string) => new RegExp(`(^|[,\\s])${name}(?!;q=0(\\.0+)?(,|$))`).test(acceptEncoding);
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return 'identity';
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
