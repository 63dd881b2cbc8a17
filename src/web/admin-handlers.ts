// The wrappers of the author's desk: only the author gets through, a form must carry the
// session's token, and a refused action is shown on an admin page rather than as an error.
// The same forms, sent by the script with `Accept: application/json`, get the outcome as JSON
// (the message and the Undo) instead of a redirect, so the page can stay where it is.
import type { FastifyReply, FastifyRequest, RouteGenericInterface } from 'fastify';
import { DomainError, statusFor } from '../discussion/errors.ts';
import type { Actor, ModerationOutcome } from '../discussion/moderation.ts';
import type { Viewer } from '../discussion/service.ts';
import { apiError } from './api-error.ts';
import { RateLimitedError } from './limits.ts';
import { noticeFrom, withNotice } from './admin-notice.ts';
import type { AppContext } from './context.ts';
import { csrfToken, csrfValid } from './guard.ts';
import { type FormFields, HTML, formFields } from './handlers.ts';
import { safeReturn } from './pages/account.tsx';
import { type AdminShellProps, adminMessagePage } from './pages/admin.tsx';
import type { Viewer as HeaderViewer } from './pages/meta.tsx';
import { sessionToken } from './session.ts';
import { headerViewer, viewerOf } from './viewer.ts';

export interface AuthorRequest {
  viewer: Viewer;
  actor: Actor;
  csrf: string;
  header: HeaderViewer;
}

/** What an admin action did, and the page to go back to when the form names none. */
export interface ActionResult extends ModerationOutcome {
  back: string;
}

const expiredForm = 'This form has expired or did not come from this site. Reload the page and try again.';

/** Whether the desk's script sent this form and wants the outcome as JSON. */
const wantsJson = (req: FastifyRequest) => req.method === 'POST' && (req.headers.accept ?? '').startsWith('application/json');

/**
 * Lets only the author through: a visitor is sent to sign in and comes back, a reader gets 403,
 * and a form without the session's token gets 403. Nothing is read or changed before this.
 */
async function requireAuthor(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  body?: FormFields,
): Promise<AuthorRequest | undefined> {
  reply.header('Cache-Control', 'no-store');
  const viewer = await viewerOf(ctx, req);
  if (!viewer) {
    const back = req.method === 'GET' ? req.url : '/admin';
    reply.redirect(`/signin?return=${encodeURIComponent(back)}`, 303);
    return undefined;
  }
  const header = (await headerViewer(ctx, viewer))!;
  const refuse = (message: string) => {
    if (wantsJson(req)) reply.code(403).send(apiError('forbidden', message));
    else
      reply
        .code(403)
        .type(HTML)
        .send(adminMessagePage({ ctx, viewer: header, title: 'Not allowed', message }));
    return undefined;
  };
  if (!ctx.discussion.isAuthor(viewer)) return refuse('These pages are for the author of this site only.');
  const token = sessionToken(ctx, req)!;
  if (body !== undefined && !csrfValid(ctx, token, body._csrf)) return refuse(expiredForm);
  return { viewer, actor: { id: viewer.identity.id, name: viewer.identity.name }, csrf: csrfToken(ctx, token), header };
}

function refused(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, a: AuthorRequest, err: DomainError): FastifyReply {
  if (err instanceof RateLimitedError) reply.header('Retry-After', String(err.retryAfterSeconds));
  if (wantsJson(req)) return reply.code(statusFor(err.code)).send(apiError(err.code, err.message));
  return reply
    .code(statusFor(err.code))
    .type(HTML)
    .send(adminMessagePage({ ctx, viewer: a.header, title: 'That did not work', message: err.message }));
}

/** A desk page's own address without the notice on it: where its forms and an Undo come back to. */
export function withoutNotice(url: string): string {
  return url.replace(/([?&])done=[^&#]*&?/, '$1').replace(/[?&]$/, '');
}

/** The props every admin page shares, with the signed notice of the last action if there is one. */
export function adminShell(ctx: AppContext, req: FastifyRequest<{ Querystring: { done?: unknown } }>, a: AuthorRequest): AdminShellProps {
  return { ctx, viewer: a.header, csrf: a.csrf, notice: noticeFrom(ctx.config.secret, req.query.done), here: withoutNotice(req.url) };
}

/** An admin page: rendered for the author only. */
export function adminPage<R extends RouteGenericInterface>(
  ctx: AppContext,
  render: (req: FastifyRequest<R>, a: AuthorRequest) => Promise<string>,
) {
  return async (req: FastifyRequest<R>, reply: FastifyReply) => {
    const a = await requireAuthor(ctx, req, reply);
    if (!a) return reply;
    try {
      return reply.type(HTML).send(await render(req, a));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return refused(ctx, req, reply, a, err);
    }
  };
}

/** An admin form: the action runs, the changed articles are refreshed everywhere, and the author goes back with a notice. */
export function adminAction<R extends RouteGenericInterface>(
  ctx: AppContext,
  act: (req: FastifyRequest<R>, body: FormFields, a: AuthorRequest) => Promise<ActionResult>,
) {
  return async (req: FastifyRequest<R>, reply: FastifyReply) => {
    const body = formFields(req.body);
    const a = await requireAuthor(ctx, req, reply, body);
    if (!a) return reply;
    try {
      await ctx.writes.deskAction(a.viewer);
      const result = await act(req, body, a);
      for (const slug of result.articles) ctx.changed(slug);
      const { message, undo } = result;
      if (wantsJson(req))
        return reply.send({ message, undo: undo ? { url: `/admin/comments/${undo.commentId}/${undo.action}` } : undefined });
      return reply.redirect(withNotice(ctx.config.secret, safeReturn(body.return, result.back), { message, undo }), 303);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return refused(ctx, req, reply, a, err);
    }
  };
}
