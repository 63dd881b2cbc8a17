// The author's desk: the moderation queue, comments, articles, the audit log, one identity, a
// comment's votes, and the moderation actions.
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../discussion/errors.ts';
import { COMMENT_ACTIONS, type CommentAction, IDENTITY_ACTIONS, type IdentityAction } from '../../discussion/moderation.ts';
import { adminAction, adminPage, adminShell } from '../admin-handlers.ts';
import { type IdParams, type SlugParams, idParams, object } from '../route-schema.ts';
import type { AppContext } from '../context.ts';
import { articlesPage, auditPage, commentsPage, identityPage, queuePage, votesPage } from '../pages/admin.tsx';

/** Admin pages read their query leniently: anything a link may carry, never an error. */
interface NoticeQuery {
  done?: unknown;
}
interface CommentsQuery extends NoticeQuery {
  article?: unknown;
  name?: unknown;
  state?: unknown;
}
interface ActionParams {
  action: string;
}

const noticeQuery = object({ done: { description: 'The signed notice of the last action.' } });
const commentsQuery = object({ done: {}, article: {}, name: {}, state: {} });
const actionParams = (key: 'id' | 'slug') => object({ [key]: { type: 'string' }, action: { type: 'string' } }, [key, 'action']);

const isCommentAction = (name: string): name is CommentAction => (COMMENT_ACTIONS as readonly string[]).includes(name);
const isIdentityAction = (name: string): name is IdentityAction => (IDENTITY_ACTIONS as readonly string[]).includes(name);

/** A filter field as the author typed it, cut to a sane length; anything but text is no filter. */
const filterText = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : '');

/** The routes, one short handler each: this function is long only because it lists them all. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { moderation, adminReads } = ctx;
  const site = () => ctx.content.site;

  app.get<{ Querystring: NoticeQuery }>(
    '/admin',
    { schema: { querystring: noticeQuery } },
    adminPage(ctx, async (req, a) => queuePage({ ...adminShell(ctx, req, a), held: await adminReads.heldQueue() })),
  );

  app.get<{ Querystring: CommentsQuery }>(
    '/admin/comments',
    { schema: { querystring: commentsQuery } },
    adminPage(ctx, async (req, a) => {
      const q = req.query;
      const filter = { article: filterText(q.article), name: filterText(q.name).trim(), state: filterText(q.state) };
      const comments = await adminReads.comments(filter);
      const articles = site().articles.map((art) => art.slug);
      const returnTo = req.url.replace(/([?&])done=[^&#]*&?/, '$1').replace(/[?&]$/, '');
      return commentsPage({ ...adminShell(ctx, req, a), comments, filter, articles, returnTo });
    }),
  );

  app.get<{ Querystring: NoticeQuery }>(
    '/admin/articles',
    { schema: { querystring: noticeQuery } },
    adminPage(ctx, async (req, a) => {
      const articles = await Promise.all(
        site().articles.map(async (art) => {
          const closed = await adminReads.closedByAuthor(art.slug);
          const open = await ctx.discussion.isOpen(art.slug);
          // Closed without the setting means the article itself (or its age) closed it.
          return { slug: art.slug, title: art.title, closed, policy: open || closed ? ('open' as const) : ('closed' as const) };
        }),
      );
      return articlesPage({ ...adminShell(ctx, req, a), articles });
    }),
  );

  app.get<{ Querystring: NoticeQuery }>(
    '/admin/audit',
    { schema: { querystring: noticeQuery } },
    adminPage(ctx, async (req, a) => auditPage({ ...adminShell(ctx, req, a), entries: await adminReads.audit() })),
  );

  app.get<{ Params: IdParams; Querystring: NoticeQuery }>(
    '/admin/identities/:id',
    { schema: { params: idParams, querystring: noticeQuery } },
    adminPage(ctx, async (req, a) => {
      const identity = await moderation.identity(req.params.id);
      const comments = await adminReads.commentsBy(identity.id);
      return identityPage({ ...adminShell(ctx, req, a), identity, comments, now: ctx.now() });
    }),
  );

  app.get<{ Params: IdParams; Querystring: NoticeQuery }>(
    '/admin/comments/:id/votes',
    { schema: { params: idParams, querystring: noticeQuery } },
    adminPage(ctx, async (req, a) => {
      const votes = await adminReads.votesOn(req.params.id);
      if (!votes) throw new DomainError('not_found', 'There is no comment with that id.');
      return votesPage({ ...adminShell(ctx, req, a), ...votes });
    }),
  );

  app.post<{ Params: IdParams & ActionParams }>(
    '/admin/comments/:id/:action',
    { schema: { params: actionParams('id') } },
    adminAction(ctx, async (req, body, a) => {
      const { id, action } = req.params;
      if (!isCommentAction(action)) throw new DomainError('not_found', 'There is no such action.');
      const result = await moderation.onComment(a.actor, action, id, body.reason);
      return { ...result, back: '/admin/comments' };
    }),
  );

  app.post<{ Params: SlugParams & ActionParams }>(
    '/admin/articles/:slug/:action',
    { schema: { params: actionParams('slug') } },
    adminAction(ctx, async (req, body, a) => {
      const { slug, action } = req.params;
      if (action !== 'close' && action !== 'reopen') throw new DomainError('not_found', 'There is no such action.');
      if (!site().articleBySlug(slug, { preview: ctx.config.dev }))
        throw new DomainError('not_found', 'There is no article at that address.');
      const result = await moderation.setArticleClosed(a.actor, slug, action === 'close', body.reason);
      return { ...result, back: '/admin/articles' };
    }),
  );

  app.post<{ Params: IdParams & ActionParams }>(
    '/admin/identities/:id/:action',
    { schema: { params: actionParams('id') } },
    adminAction(ctx, async (req, body, a) => {
      const { id, action } = req.params;
      if (!isIdentityAction(action)) throw new DomainError('not_found', 'There is no such action.');
      const days = body.days === undefined || body.days === '' ? undefined : Number(body.days);
      const result = await moderation.onIdentity(a.actor, action, id, {
        days,
        reason: typeof body.reason === 'string' ? body.reason : '',
        withPrefix: body.prefix === 'on' || body.prefix === 'true',
      });
      return { ...result, back: `/admin/identities/${id}` };
    }),
  );
}
