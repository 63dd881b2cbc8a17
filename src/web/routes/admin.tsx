import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, statusFor } from '../../discussion/errors.ts';
import { keyedHash, secretsEqual } from '../../discussion/secrets.ts';
import { HoldPolicy } from '../../discussion/holds.ts';
import { Inbox } from '../../discussion/inbox.ts';
import { type Actor, COMMENT_ACTIONS, type CommentAction, IDENTITY_ACTIONS, type IdentityAction, Moderation } from '../../discussion/moderation.ts';
import type { Viewer } from '../../discussion/service.ts';
import { ageBucket, groupVotes, voteCountRule } from '../../discussion/vote-rules.ts';
import type { CommentState } from '../../store/store.ts';
import type { AppContext } from '../context.ts';
import { csrfToken, csrfValid, sessionToken } from '../guard.ts';
import { safeReturn } from '../pages/account.tsx';
import {
  adminMessagePage,
  articlesPage,
  auditPage,
  commentsPage,
  identityPage,
  queuePage,
  votesPage,
} from '../pages/admin.tsx';
import type { Viewer as HeaderViewer } from '../pages/meta.tsx';
import { viewerOf } from './discussion.ts';

export interface ModerationServices {
  moderation: Moderation;
  inbox: Inbox;
  holds: HoldPolicy;
}

const services = new WeakMap<AppContext, ModerationServices>();

/**
 * The moderation services of one app, made on first use and plugged into the discussion: holds,
 * address-prefix bans, the vote rule and reply notifications all run inside Discussion.post/vote,
 * so the JSON API and the forms get them alike.
 */
export function moderationServices(ctx: AppContext): ModerationServices {
  let s = services.get(ctx);
  if (!s) {
    const inbox = new Inbox(ctx.store, ctx.now);
    const moderation = new Moderation(ctx.store, inbox, ctx.now);
    const holds = new HoldPolicy(ctx.store, ctx.config.moderation);
    s = { moderation, inbox, holds };
    services.set(ctx, s);
    ctx.discussion.hooks = {
      holdReason: (viewer, body, isAuthor) => holds.reasonFor(viewer.identity.id, body, isAuthor),
      prefixBan: (hash) => moderation.prefixBan(hash),
      voteRule: (voter) => voteCountRule(voter, ctx.now(), ctx.config.moderation),
      afterPost: async (comment, parent) => {
        if (comment.state === 'held') await inbox.held(comment);
        else await inbox.published(comment, parent);
      },
    };
  }
  return s;
}

/** The header's view of a signed-in reader, with the inbox count. */
export async function headerViewer(ctx: AppContext, viewer: Viewer | undefined): Promise<HeaderViewer | null> {
  if (!viewer) return null;
  const unread = await moderationServices(ctx).inbox.unread(viewer.identity.id);
  return { name: viewer.identity.name, isAuthor: ctx.discussion.isAuthor(viewer), unread };
}

type Body = Record<string, unknown>;

/**
 * Set when the author signs in with a one-time link. It grants nothing (every admin request checks
 * the session); it only tells the article route to render the author's own page rather than the
 * shared one, so the inline moderation controls are there with or without the script.
 */
export const authorHintCookie = 'byline_author';

export function setAuthorHint(ctx: AppContext, reply: FastifyReply): void {
  const secure = ctx.config.insecureCookies ? '' : '; Secure';
  // Fastify adds a Set-Cookie header to those already set, rather than replacing them.
  reply.header('Set-Cookie', `${authorHintCookie}=1; Path=/; SameSite=Lax; Max-Age=${ctx.config.sessions.maxDays * 24 * 3600}${secure}`);
}

interface AuthorRequest {
  viewer: Viewer;
  actor: Actor;
  csrf: string;
  header: HeaderViewer;
}

/**
 * The status notice after an action travels in the redirect's `done` parameter, signed with the
 * site's secret: a link from anyone else cannot make the author's desk show words of its choosing.
 */
function noticeSignature(ctx: AppContext, message: string): string {
  return keyedHash(ctx.config.secret, `admin-notice:${message}`);
}

function noticeFrom(ctx: AppContext, req: FastifyRequest): string | undefined {
  const { done } = req.query as Record<string, unknown>;
  if (typeof done !== 'string' || done.length > 400) return undefined;
  const dot = done.indexOf('.');
  if (dot < 0) return undefined;
  const message = done.slice(dot + 1);
  return secretsEqual(done.slice(0, dot), noticeSignature(ctx, message)) ? message : undefined;
}

function withNotice(ctx: AppContext, path: string, message: string): string {
  const [beforeHash, hash] = path.split('#', 2) as [string, string | undefined];
  // The article page is cached for visitors and keyed by its query: the note is for admin pages only.
  if (!beforeHash.startsWith('/admin')) return path;
  const sep = beforeHash.includes('?') ? '&' : '?';
  const signed = `${noticeSignature(ctx, message)}.${message}`;
  return `${beforeHash}${sep}done=${encodeURIComponent(signed)}${hash ? `#${hash}` : ''}`;
}

export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { moderation } = moderationServices(ctx);

  /**
   * Lets only the author through: a visitor is sent to sign in and comes back, a reader gets 403,
   * and a form without the session's token gets 403. Nothing is read or changed before this.
   */
  async function requireAuthor(req: FastifyRequest, reply: FastifyReply, body?: Body): Promise<AuthorRequest | undefined> {
    reply.header('Cache-Control', 'no-store');
    const viewer = await viewerOf(ctx, req);
    if (!viewer) {
      const back = req.method === 'GET' ? req.url : '/admin';
      reply.redirect(`/signin?return=${encodeURIComponent(back)}`, 303);
      return undefined;
    }
    const header = (await headerViewer(ctx, viewer))!;
    if (!ctx.discussion.isAuthor(viewer)) {
      reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(adminMessagePage({ ctx, viewer: header, title: 'Not allowed', message: 'These pages are for the author of this site only.' }));
      return undefined;
    }
    const token = sessionToken(ctx, req)!;
    if (body !== undefined && !csrfValid(ctx, token, body._csrf)) {
      reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(
          adminMessagePage({ ctx, viewer: header, title: 'Not allowed', message: 'This form has expired or did not come from this site. Reload the page and try again.' }),
        );
      return undefined;
    }
    return { viewer, actor: { id: viewer.identity.id, name: viewer.identity.name }, csrf: csrfToken(ctx, token), header };
  }

  const page =
    (handler: (req: FastifyRequest, reply: FastifyReply, a: AuthorRequest) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const a = await requireAuthor(req, reply);
      if (!a) return reply;
      try {
        return await handler(req, reply, a);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        return reply
          .code(statusFor(err.code))
          .type('text/html; charset=utf-8')
          .send(adminMessagePage({ ctx, viewer: a.header, title: 'That did not work', message: err.message }));
      }
    };

  const action =
    (handler: (req: FastifyRequest, body: Body, a: AuthorRequest) => Promise<{ articles: string[]; message: string; back: string }>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Body;
      const a = await requireAuthor(req, reply, body);
      if (!a) return reply;
      try {
        const result = await handler(req, body, a);
        for (const slug of result.articles) ctx.changed(slug);
        return reply.redirect(withNotice(ctx, safeReturn(body.return, result.back), result.message), 303);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        return reply
          .code(statusFor(err.code))
          .type('text/html; charset=utf-8')
          .send(adminMessagePage({ ctx, viewer: a.header, title: 'That did not work', message: err.message }));
      }
    };

  const html = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').send(body);
  const shell = (req: FastifyRequest, a: AuthorRequest) => ({ ctx, viewer: a.header, csrf: a.csrf, notice: noticeFrom(ctx, req) });

  app.get(
    '/admin',
    page(async (req, reply, a) => {
      const held = (await ctx.store.listCommentsFiltered({ state: 'held', limit: 500 })).reverse();
      return html(reply, queuePage({ ...shell(req, a), held }));
    }),
  );

  app.get(
    '/admin/comments',
    page(async (req, reply, a) => {
      const q = req.query as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : '');
      const filter = { article: str(q.article), name: str(q.name).trim(), state: str(q.state) };
      const states: CommentState[] = ['visible', 'held', 'hidden', 'deleted'];
      const state = (states as string[]).includes(filter.state) ? (filter.state as CommentState) : undefined;
      const comments = await ctx.store.listCommentsFiltered({
        articleSlug: filter.article || undefined,
        name: filter.name || undefined,
        state,
        limit: 200,
      });
      const articles = ctx.content.site.articles.map((art) => art.slug);
      const returnTo = req.url.replace(/([?&])done=[^&#]*&?/, '$1').replace(/[?&]$/, '');
      return html(reply, commentsPage({ ...shell(req, a), comments, filter, articles, returnTo }));
    }),
  );

  app.get(
    '/admin/articles',
    page(async (req, reply, a) => {
      const articles = await Promise.all(
        ctx.content.site.articles.map(async (art) => {
          const closed = await ctx.store.isCommentsClosed(art.slug);
          const open = await ctx.discussion.isOpen(art.slug);
          // Closed without the setting means the article itself (or its age) closed it.
          return { slug: art.slug, title: art.title, closed, policy: open || closed ? ('open' as const) : ('closed' as const) };
        }),
      );
      return html(reply, articlesPage({ ...shell(req, a), articles }));
    }),
  );

  app.get(
    '/admin/audit',
    page(async (req, reply, a) => html(reply, auditPage({ ...shell(req, a), entries: await ctx.store.listAudit(500) }))),
  );

  app.get(
    '/admin/identities/:id',
    page(async (req, reply, a) => {
      const identity = await moderation.identity((req.params as { id: string }).id);
      const comments = await ctx.store.listCommentsFiltered({ identityId: identity.id, limit: 200 });
      return html(reply, identityPage({ ...shell(req, a), identity, comments, now: ctx.now() }));
    }),
  );

  app.get(
    '/admin/comments/:id/votes',
    page(async (req, reply, a) => {
      const { id } = req.params as { id: string };
      const comment = await ctx.store.getComment(id);
      if (!comment) throw new DomainError('not_found', 'There is no comment with that id.');
      const votes = (await ctx.store.votesOn(id)).map((v) => ({
        ...v,
        ageLabel: ageBucket(v.createdAt - v.identityCreatedAt),
        prefix: v.ipPrefixHash ? v.ipPrefixHash.slice(0, 12) : 'unknown',
      }));
      return html(
        reply,
        votesPage({
          ...shell(req, a),
          comment,
          votes,
          byAge: groupVotes(votes, (v) => v.ageLabel),
          byPrefix: groupVotes(votes, (v) => v.prefix),
        }),
      );
    }),
  );

  app.post(
    '/admin/comments/:id/:action',
    action(async (req, body, a) => {
      const { id, action: name } = req.params as { id: string; action: string };
      if (!(COMMENT_ACTIONS as readonly string[]).includes(name)) throw new DomainError('not_found', 'There is no such action.');
      const result = await moderation.onComment(a.actor, name as CommentAction, id, body.reason);
      return { ...result, back: '/admin/comments' };
    }),
  );

  app.post(
    '/admin/articles/:slug/:action',
    action(async (req, body, a) => {
      const { slug, action: name } = req.params as { slug: string; action: string };
      if (name !== 'close' && name !== 'reopen') throw new DomainError('not_found', 'There is no such action.');
      if (!ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev })) throw new DomainError('not_found', 'There is no article at that address.');
      const result = await moderation.setArticleClosed(a.actor, slug, name === 'close', body.reason);
      return { ...result, back: '/admin/articles' };
    }),
  );

  app.post(
    '/admin/identities/:id/:action',
    action(async (req, body, a) => {
      const { id, action: name } = req.params as { id: string; action: string };
      if (!(IDENTITY_ACTIONS as readonly string[]).includes(name)) throw new DomainError('not_found', 'There is no such action.');
      const days = body.days === undefined || body.days === '' ? undefined : Number(body.days);
      const result = await moderation.onIdentity(a.actor, name as IdentityAction, id, {
        days,
        reason: typeof body.reason === 'string' ? body.reason : '',
        withPrefix: body.prefix === 'on' || body.prefix === 'true',
      });
      return { ...result, back: `/admin/identities/${id}` };
    }),
  );
}
