// The wrappers every reader-facing handler goes through: they look up the reader, check a form's
// token, and turn the discussion's DomainErrors into the answer the client understands (JSON with
// the contract's status for the API, a page in the site's style for forms).
import type { FastifyReply, FastifyRequest, RouteGenericInterface } from 'fastify';
import { DomainError, statusFor } from '../discussion/errors.ts';
import type { Viewer } from '../discussion/service.ts';
import { apiError } from './api-error.ts';
import { refererPath } from './client.ts';
import type { AppContext } from './context.ts';
import { csrfValid } from './guard.ts';
import { RateLimitedError } from './limits.ts';
import { messagePage, safeReturn } from './pages/account.tsx';
import { sessionToken } from './session.ts';
import { discussionViewer, viewerOf } from './viewer.ts';

/** A form's fields as the form parser gives them; anything else (no body, JSON) reads as no fields. */
export type FormFields = Record<string, unknown>;

export const HTML = 'text/html; charset=utf-8';

export function formFields(body: unknown): FormFields {
  return body && typeof body === 'object' ? (body as FormFields) : {};
}

/** A page that is for this reader alone: never stored by a cache. */
export function sendPage(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).type(HTML).header('Cache-Control', 'no-store').send(html);
}

export function sendDomainErrorJson(reply: FastifyReply, err: DomainError): FastifyReply {
  if (err instanceof RateLimitedError) reply.header('Retry-After', String(err.retryAfterSeconds));
  return reply.code(statusFor(err.code)).header('Cache-Control', 'no-store').send(apiError(err.code, err.message));
}

type ApiHandler<R extends RouteGenericInterface> = (
  req: FastifyRequest<R>,
  reply: FastifyReply,
  viewer: Viewer | undefined,
) => Promise<unknown>;

/** Wraps a JSON handler: domain errors become {"error":{code,message}} with the contract's status. */
export function api<R extends RouteGenericInterface = RouteGenericInterface>(ctx: AppContext, handler: ApiHandler<R>) {
  return async (req: FastifyRequest<R>, reply: FastifyReply) => {
    const raw: unknown = req.body;
    if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
      return reply.code(400).send(apiError('bad_request', 'The request body must be a JSON object.'));
    }
    try {
      reply.header('Cache-Control', 'no-store');
      return await handler(req, reply, await viewerOf(ctx, req));
    } catch (err) {
      if (err instanceof DomainError) return sendDomainErrorJson(reply, err);
      throw err;
    }
  };
}

type FormHandler<R extends RouteGenericInterface> = (
  req: FastifyRequest<R>,
  reply: FastifyReply,
  body: FormFields,
  viewer: Viewer | undefined,
) => Promise<unknown>;

export interface FormOptions {
  /** The sign-in forms open a session, so there is none yet for a token to be bound to. */
  opensSession?: boolean;
  /** A page of the route's own for a refusal (e.g. the form again, with what was typed); undefined falls back to the message page. */
  onRefusal?: (
    err: DomainError,
    req: FastifyRequest,
    reply: FastifyReply,
    body: FormFields,
    viewer: Viewer | undefined,
  ) => Promise<unknown>;
}

const expiredForm = 'This form has expired or did not come from this site. Reload the page and try again.';

/** Wraps a form handler: domain errors become a page in the site's style with the right status. */
export function form<R extends RouteGenericInterface = RouteGenericInterface>(
  ctx: AppContext,
  handler: FormHandler<R>,
  options: FormOptions = {},
) {
  return async (req: FastifyRequest<R>, reply: FastifyReply) => {
    const body = formFields(req.body);
    const viewer = await viewerOf(ctx, req);
    // A signed-in reader's forms carry a token bound to their session.
    if (viewer && !options.opensSession && !csrfValid(ctx, sessionToken(ctx, req), body._csrf)) {
      return reply
        .code(403)
        .type(HTML)
        .send(messagePage({ ctx, viewer: null, title: 'Not allowed', message: expiredForm, back: '/' }));
    }
    try {
      return await handler(req, reply, body, viewer);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'unauthenticated') {
        const back = safeReturn(refererPath(req), '/');
        return reply.redirect(`/signin?return=${encodeURIComponent(back)}`, 303);
      }
      const own = await options.onRefusal?.(err, req, reply, body, viewer);
      if (own !== undefined) return own;
      if (err instanceof RateLimitedError) reply.header('Retry-After', String(err.retryAfterSeconds));
      const page = messagePage({
        ctx,
        viewer: discussionViewer(ctx, req, viewer),
        title: err.code === 'rate_limited' ? 'Slow down a little' : 'That did not work',
        message: err.message,
        back: safeReturn(body.return, safeReturn(refererPath(req), '/')),
      });
      return sendPage(reply, page, statusFor(err.code));
    }
  };
}

/** The signed-in reader, or undefined after sending a visitor to sign in and come back here. */
export async function requireSignedIn(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<Viewer | undefined> {
  const viewer = await viewerOf(ctx, req);
  if (!viewer) {
    reply.redirect(`/signin?return=${encodeURIComponent(req.url)}`, 303);
    return undefined;
  }
  return viewer;
}
