import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';
import { prefixHash } from './client.ts';
import { contentSecurityPolicy } from './security.ts';

/** The live stream's query: read leniently, any value that is not an event id means "from now". */
export interface ResumeQuery {
  since?: unknown;
}

/** The point a reader resumes from: Last-Event-ID (sent by EventSource on reconnect), else ?since=. */
function resumePoint(req: FastifyRequest<{ Querystring: ResumeQuery }>): number | undefined {
  const header = req.headers['last-event-id'];
  const since = req.query.since;
  const given = typeof header === 'string' ? header : typeof since === 'string' ? since : '';
  // Strict digits only: Number('') is 0, which would replay the article's whole history.
  return /^\d{1,15}$/.test(given.trim()) ? Number(given.trim()) : undefined;
}

const refusals = {
  prefix: {
    status: 429,
    retryAfter: 30,
    message: 'Too many live streams are open from your network. The page works without live updates; reload it later to see new comments.',
  },
  total: {
    status: 429,
    retryAfter: 30,
    message: 'The server is at its limit of live streams. The page works without live updates; reload it later to see new comments.',
  },
  closing: { status: 503, retryAfter: 5, message: 'The server is restarting. Try again in a moment.' },
} as const;

/**
 * Opens an article's live stream for a reader, if there is a place for one. The page needs no
 * stream to work, so a refusal costs the reader live updates and nothing else.
 */
export async function openLiveStream(
  ctx: AppContext,
  req: FastifyRequest<{ Querystring: ResumeQuery }>,
  reply: FastifyReply,
  slug: string,
): Promise<void> {
  const lastEventId = resumePoint(req) ?? (await ctx.reads.latestEventId());
  const slot = ctx.live.reserve(prefixHash(ctx.config.secret, req));
  if (typeof slot === 'string') {
    const refusal = refusals[slot];
    reply.code(refusal.status).header('Retry-After', String(refusal.retryAfter)).header('Cache-Control', 'no-store');
    await reply.send({ error: { code: slot === 'closing' ? 'unavailable' : 'too_many_streams', message: refusal.message } });
    return;
  }
  reply.hijack();
  const res = reply.raw;
  try {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // A stream is the whole life of its connection: when it ends, so does the connection,
      // which lets a stopping server finish instead of waiting for idle keep-alive sockets.
      Connection: 'close',
      'X-Accel-Buffering': 'no',
      'Content-Security-Policy': contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
    });
    res.write('retry: 3000\n\n');
    await ctx.live.join(slug, res, lastEventId, slot);
  } catch (err) {
    // Headers are gone already; the reader's EventSource reconnects on its own.
    console.error('Live stream failed:', err);
    slot.release();
    res.destroy();
  }
}
