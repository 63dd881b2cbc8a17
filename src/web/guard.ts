// The cross-site guard: a state-changing request must come from our own pages (or from a client
// that carries no browser context at all), and a signed-in reader's forms carry a token bound
// to their session.
import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { secretsEqual } from '../discussion/secrets.ts';
import { apiError } from './api-error.ts';
import type { AppContext } from './context.ts';
import { messagePage } from './pages/account.tsx';

interface SecretContext {
  config: Pick<Config, 'secret'>;
}

// A signed-in reader's token is asked for on every page view they make (their own state, their
// page's forms), and the HMAC is a noticeable part of that answer's cost: the tokens of recently
// seen sessions are kept, per secret, up to a bound (then the whole set starts again).
const CSRF_KEPT = 4096;
const csrfKept = new Map<string, Map<string, string>>();

/** The token a signed-in reader's forms carry: bound to their session, useless to anyone else. */
export function csrfToken(ctx: SecretContext, session: string): string {
  const { secret } = ctx.config;
  let kept = csrfKept.get(secret);
  if (!kept) {
    kept = new Map();
    csrfKept.set(secret, kept);
  }
  let token = kept.get(session);
  if (token === undefined) {
    token = createHmac('sha256', secret).update(`csrf:${session}`).digest('base64url').slice(0, 32);
    // Only what could be a real session token (43 characters) is kept: a cookie of any length
    // could otherwise fill the set with big keys.
    if (session.length <= 64) {
      if (kept.size >= CSRF_KEPT) kept.clear();
      kept.set(session, token);
    }
  }
  return token;
}

export function csrfValid(ctx: SecretContext, session: string | undefined, given: unknown): boolean {
  return session !== undefined && typeof given === 'string' && secretsEqual(csrfToken(ctx, session), given);
}

export function ownOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/**
 * Refuses a state-changing request that a browser tells us came from another site. Browsers send
 * Sec-Fetch-Site and Origin on every POST; scripts and feed readers without cookies send neither,
 * and have no ambient session to abuse. Forms must also come from a browser on our origin.
 */
export function crossSiteReason(req: FastifyRequest, isForm: boolean): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return `Requests from other sites are refused (Sec-Fetch-Site: ${site}).`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== ownOrigin(req)) return 'Requests from other sites are refused (Origin does not match).';
  if (isForm && site === undefined && origin === undefined) return 'This form must be sent from a page of this site.';
  return undefined;
}

const isWrite = (method: string) => method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';

/**
 * Every state-changing request, sign-in included, must come from our own pages or from a client
 * that carries no browser context at all. Checked before the body is even parsed; API writes
 * that carry a body must also say it is JSON. A synchronous hook: reads (nearly every request)
 * pass at once, without a promise of their own.
 */
export function registerCrossSiteGuard(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', (req, reply, done) => {
    if (!isWrite(req.method)) return done();
    const refusal = writeRefusal(ctx, req, reply);
    // A refused request is answered here; answering and calling done() as well would run the route.
    if (refusal === undefined) done();
  });
}

/** Sends the refusal for a write that may not pass and returns the reply, or undefined when it may. */
function writeRefusal(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const contentType = req.headers['content-type'] ?? '';
  const reason = crossSiteReason(req, contentType.startsWith('application/x-www-form-urlencoded'));
  const isApi = req.url.startsWith('/api/');
  if (reason) {
    if (isApi) return reply.code(403).send(apiError('forbidden', reason));
    return reply
      .code(403)
      .type('text/html; charset=utf-8')
      .send(messagePage({ ctx, viewer: null, title: 'Not allowed', message: reason, back: '/' }));
  }
  if (isApi && req.method !== 'DELETE' && req.method !== 'PUT' && !contentType.startsWith('application/json')) {
    return reply.code(415).send(apiError('unsupported_media_type', 'Send JSON with Content-Type: application/json.'));
  }
  return undefined;
}
