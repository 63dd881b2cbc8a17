// Shared bodies answered in front of the framework. An article page, its comment list or its
// comments feed that is already in the page cache, asked for at its canonical address by a
// request the shared bytes may answer, is written straight to Node's response: status, one
// precomputed header block, the bytes. Everything else (a miss, another address, another
// spelling of this one, a reader who gets their own page, a write, a closing server) goes to
// Fastify untouched, and Fastify's route fills the cache and publishes the address again.
//
// Why by hand: with the page already cached, what a request cost was the framework's own work
// per request (routing, hooks, the reply object, header handling). Measured with wrk (-t2 -c32,
// gzip, production build, medians of 3 interleaved rounds) against a bare Node server sending the
// same bytes: the anonymous article page went from 0.74× to 0.94× of bare Node's requests/s, the
// 10,000-comment article's first page from 0.70× to 0.90×, the comments JSON from 0.69× to 1.07×;
// the server's CPU time per request from 1.45× bare Node's to within 3% of it.
//
// What Fastify does that still holds here: the per-address connection cap and the server's
// timeouts live on the Node server (connections.ts), below both paths; a closing server sends
// everything to Fastify, which answers 503; the request log line is written the same way; and
// the headers are the ones sendPrepared and the security hook write, in the same order (the
// tests compare them byte for byte).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';
import { type Encoding, type PreparedBody, etagMatches, pickEncoding, sendPrepared, sharedCacheControlFor } from './http.ts';
import type { Audience, Publication } from './page-cache.ts';
import { securityHeaders } from './security.ts';
import { sessionToken, sharedCacheControl, takesSharedPage } from './session.ts';

/** Where a shared body is published, for the fast path: its canonical address, and who may have it. */
export interface SharedAt {
  url: string;
  vary: string;
  audience: Audience;
}

/**
 * Sends a shared body from the page cache through Fastify (the route ran) and publishes it at its
 * canonical address, so the next request for it takes the fast path.
 */
export function sendShared(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, body: PreparedBody, at: SharedAt): FastifyReply {
  ctx.pageCache.publish(body, { ...at, version: ctx.content.version });
  return sendPrepared(req, reply, body, sharedCacheControl(ctx, req), 200, at.vary);
}

/** One response's headers, as Node's writeHead takes them: name, value, name, value… */
type HeaderBlock = string[];

interface Heads {
  vary: string;
  identity: HeaderBlock;
  gzip: HeaderBlock;
  br: HeaderBlock;
  notModified: HeaderBlock;
}

const securityBlock: HeaderBlock = Object.entries(securityHeaders).flatMap(([name, value]) => [name.toLowerCase(), value]);

/** The header block sendPrepared and the security hook produce for this body, in their order. */
function headerBlock(body: PreparedBody, cacheControl: string, vary: string, encoding: Encoding | 'not-modified'): HeaderBlock {
  const block = ['etag', body.etag, 'cache-control', cacheControl, 'vary', vary, 'content-type', body.contentType];
  if (encoding === 'gzip' || encoding === 'br') block.push('content-encoding', encoding);
  block.push(...securityBlock);
  if (encoding !== 'not-modified') block.push('content-length', String(bytesFor(body, encoding).length));
  return block;
}

function bytesFor(body: PreparedBody, encoding: Encoding): Buffer {
  return encoding === 'br' ? body.br : encoding === 'gzip' ? body.gzip : body.raw;
}

function headsFor(body: PreparedBody, cacheControl: string, vary: string): Heads {
  return {
    vary,
    identity: headerBlock(body, cacheControl, vary, 'identity'),
    gzip: headerBlock(body, cacheControl, vary, 'gzip'),
    br: headerBlock(body, cacheControl, vary, 'br'),
    notModified: headerBlock(body, cacheControl, vary, 'not-modified'),
  };
}

export interface FastPath {
  /** Answers the request and says true, or leaves it untouched and says false. */
  answer(req: IncomingMessage, res: ServerResponse): boolean;
  /** Requests answered here so far. */
  readonly served: number;
}

export interface FastPathOptions {
  /** True once the server has begun to close: Fastify then answers 503. */
  closing: () => boolean;
  /** Write a line per request, as the framework's log hook does. */
  log: boolean;
}

export function createFastPath(ctx: AppContext, opts: FastPathOptions): FastPath {
  // Per body, per Cache-Control (anonymous or with a session): built on first use, gone with the body.
  const anonymousHeads = new WeakMap<PreparedBody, Heads>();
  const sessionHeads = new WeakMap<PreparedBody, Heads>();
  const anyone = (p: Publication) => p.version === ctx.content.version;
  const sharedPageOnly = (p: Publication) => p.audience === 'shared-page' && p.version === ctx.content.version;
  let served = 0;

  function answer(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method;
    if ((method !== 'GET' && method !== 'HEAD') || opts.closing()) return false;
    const url = req.url;
    if (url === undefined) return false;
    const started = opts.log ? performance.now() : 0;
    const signedIn = sessionToken(ctx, req) !== undefined;
    if (signedIn && !takesSharedPage(ctx, req)) return false;
    const found = ctx.pageCache.published(url, ctx.now(), signedIn ? sharedPageOnly : anyone);
    if (!found) return false;
    const { body, publication } = found;
    const cache = signedIn ? sessionHeads : anonymousHeads;
    let heads = cache.get(body);
    if (!heads || heads.vary !== publication.vary) {
      heads = headsFor(body, sharedCacheControlFor(signedIn), publication.vary);
      cache.set(body, heads);
    }
    const ifNoneMatch = req.headers['if-none-match'];
    let status = 200;
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, body.etag)) {
      status = 304;
      res.writeHead(304, heads.notModified);
      res.end();
    } else {
      const encoding = pickEncoding(req.headers['accept-encoding']);
      res.writeHead(200, heads[encoding]);
      if (method === 'HEAD') res.end();
      else res.end(bytesFor(body, encoding));
    }
    served++;
    if (opts.log) res.once('finish', () => console.log(`${method} ${url} ${status} ${(performance.now() - started).toFixed(1)}ms`));
    return true;
  }

  return {
    answer,
    get served() {
      return served;
    },
  };
}

/** Puts the fast path in front of the framework's own handler on the Node server. */
export function putInFront(server: Server, fastPath: FastPath): void {
  const framework = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (fastPath.answer(req, res)) return;
    for (const handle of framework) handle.call(server, req, res);
  });
}
