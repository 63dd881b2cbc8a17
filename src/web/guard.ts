// The cross-site guard: a state-changing request must come from our own pages (or from a client
// that carries no browser context at all), and a signed-in reader's forms carry a token bound
// to their session.
import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { secretsEqual } from '../discussion/secrets.ts';
import { apiError } from './api-error.ts';
import type { AppContext } from './context.ts';
import { messagePage } from './pages/account.tsx';

interface SecretContext {
  config: Pick<Config, 'secret'>;
}

/** The token a signed-in reader's forms carry: bound to their session, useless to anyone else. */
export function csrfToken(ctx: SecretContext, session: string): string {
  return createHmac('sha256', ctx.config.secret).update(`csrf:${session}`).digest('base64url').slice(0, 32);
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
 * that carry a body must also say it is JSON.
 */
export function registerCrossSiteGuard(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!isWrite(req.method)) return;
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
  });
}
