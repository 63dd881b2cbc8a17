// The author's desk: the moderation queue, comments, articles, the audit log, one identity, a
// comment's votes, and the moderation actions.
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../discussion/errors.ts';
import {
  BULK_ACTIONS,
  type BulkAction,
  COMMENT_ACTIONS,
  type CommentAction,
  IDENTITY_ACTIONS,
  type IdentityAction,
} from '../../discussion/moderation.ts';
import { bulkIds } from '../../discussion/moderation-rules.ts';
import { adminAction, adminPage, adminShell, withoutNotice } from '../admin-handlers.ts';
import { type IdParams, type SlugParams, idParams, object } from '../route-schema.ts';
import type { AppContext } from '../context.ts';
import type { ArticleCommentsState } from '../pages/admin.tsx';
import { articlesPage, auditPage, commentsPage, identityPage, queuePage, votesPage } from '../pages/admin.tsx';
import { commentPermalink } from '../pages/admin-comments.tsx';
import {
  CONFIRMED_ACTIONS,
  type ConfirmedAction,
  banPage,
  bulkConfirmPage,
  commentConfirmPage,
  donePage,
} from '../pages/admin-confirm.tsx';
import { safeReturn } from '../pages/account.tsx';
import { deskOpened } from '../viewer.ts';

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
interface ReturnQuery extends NoticeQuery {
  return?: unknown;
  back?: unknown;
}
interface BulkQuery extends ReturnQuery {
  action?: unknown;
  ids?: unknown;
  listed?: unknown;
  all?: unknown;
}

const noticeQuery = object({ done: { description: 'The signed notice of the last action.' } });
const commentsQuery = object({ done: {}, article: {}, name: {}, state: {} });
const returnQuery = object({ done: {}, return: {}, back: {} });
const bulkQuery = object({ done: {}, return: {}, action: {}, ids: {}, listed: {}, all: {} });
const actionParams = (key: 'id' | 'slug') => object({ [key]: { type: 'string' }, action: { type: 'string' } }, [key, 'action']);

const isCommentAction = (name: string): name is CommentAction => (COMMENT_ACTIONS as readonly string[]).includes(name);
const isIdentityAction = (name: string): name is IdentityAction => (IDENTITY_ACTIONS as readonly string[]).includes(name);
const isConfirmed = (name: string): name is ConfirmedAction => (CONFIRMED_ACTIONS as readonly string[]).includes(name);
const isBulkAction = (name: unknown): name is BulkAction => typeof name === 'string' && (BULK_ACTIONS as readonly string[]).includes(name);

/** The ids a bulk form chose: "select all" sends every listed one, otherwise the ticked ones; refused before any work. */
function chosenIds(fields: { ids?: unknown; listed?: unknown; all?: unknown }): string[] {
  const chosen = bulkIds(fields.all === 'on' ? fields.listed : fields.ids);
  if ('refusal' in chosen) throw new DomainError('bad_request', chosen.refusal);
  return chosen.ids;
}

/** A filter field as the author typed it, cut to a sane length; anything but text is no filter. */
const filterText = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : '');

/** The routes, one short handler each: this function is long only because it lists them all. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { moderation, adminReads } = ctx;
  const site = () => ctx.content.site;
  const titleOf = (slug: string) => site().articleBySlug(slug, { preview: true })?.title ?? slug;

  app.get<{ Querystring: NoticeQuery }>(
    '/admin',
    { schema: { querystring: noticeQuery } },
    adminPage(ctx, async (req, a) => {
      const shell = adminShell(ctx, req, await deskOpened(ctx, a));
      const queue = await adminReads.heldQueue();
      return queuePage({ ...shell, held: queue.comments, more: queue.more, titleOf });
    }),
  );

  app.get<{ Querystring: CommentsQuery }>(
    '/admin/comments',
    { schema: { querystring: commentsQuery } },
    adminPage(ctx, async (req, a) => {
      const q = req.query;
      const filter = { article: filterText(q.article), name: filterText(q.name).trim(), state: filterText(q.state) };
      const comments = await adminReads.comments(filter);
      const articles = site().articles.map((art) => ({ slug: art.slug, title: art.title }));
      return commentsPage({ ...adminShell(ctx, req, a), comments, filter, articles, returnTo: withoutNotice(req.url), titleOf });
    }),
  );

  app.get<{ Querystring: NoticeQuery }>(
    '/admin/articles',
    { schema: { querystring: noticeQuery } },
    adminPage(ctx, async (req, a) => {
      const days = site().config.commentsCloseAfterDays;
      const articles = await Promise.all(
        site().articles.map(async (art) => {
          const [closedByAuthor, open] = await Promise.all([adminReads.closedByAuthor(art.slug), ctx.discussion.isOpen(art.slug)]);
          // Closed, and not by the author: the article's own setting, or else its age, closed it.
          const state: ArticleCommentsState = closedByAuthor
            ? { by: 'author' }
            : open
              ? { by: 'open' }
              : art.comments === 'closed'
                ? { by: 'article' }
                : { by: 'age', days };
          return { slug: art.slug, title: art.title, state };
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
      return identityPage({ ...adminShell(ctx, req, a), identity, comments, now: ctx.now(), titleOf });
    }),
  );

  app.get<{ Querystring: ReturnQuery }>(
    '/admin/done',
    { schema: { querystring: returnQuery } },
    adminPage(ctx, async (req, a) => donePage({ ...adminShell(ctx, req, a), back: safeReturn(req.query.back, '/admin') })),
  );

  app.get<{ Params: IdParams & ActionParams; Querystring: ReturnQuery }>(
    '/admin/comments/:id/:action',
    { schema: { params: actionParams('id'), querystring: returnQuery } },
    adminPage(ctx, async (req, a) => {
      const { id, action } = req.params;
      if (!isConfirmed(action)) throw new DomainError('not_found', 'There is no such page.');
      const comment = await adminReads.comment(id);
      if (!comment) throw new DomainError('not_found', 'There is no comment with that id.');
      const back = safeReturn(req.query.return, commentPermalink(comment.articleSlug, comment.id, comment.rootId));
      return commentConfirmPage({ ...adminShell(ctx, req, a), comment, action, back, titleOf });
    }),
  );

  app.get<{ Params: IdParams; Querystring: ReturnQuery }>(
    '/admin/identities/:id/ban',
    { schema: { params: idParams, querystring: returnQuery } },
    adminPage(ctx, async (req, a) => {
      const identity = await moderation.identity(req.params.id);
      const back = safeReturn(req.query.return, `/admin/identities/${identity.id}`);
      return banPage({ ...adminShell(ctx, req, a), identity, back, now: ctx.now() });
    }),
  );

  app.get<{ Querystring: BulkQuery }>(
    '/admin/bulk',
    { schema: { querystring: bulkQuery } },
    adminPage(ctx, async (req, a) => {
      const { action } = req.query;
      if (!isBulkAction(action)) throw new DomainError('bad_request', 'Choose what to do with the chosen comments.');
      const ids = chosenIds(req.query);
      const plan = await moderation.bulkPlan(action, ids);
      const desk = await Promise.all(plan.apply.map((c) => adminReads.comment(c.id)));
      const apply = desk.filter((c) => c !== undefined);
      const back = safeReturn(req.query.return, '/admin');
      return bulkConfirmPage({ ...adminShell(ctx, req, a), action, plan: { apply, skipped: plan.skipped }, back, titleOf, now: ctx.now() });
    }),
  );

  app.post(
    '/admin/bulk',
    adminAction(ctx, async (_req, body, a) => {
      if (!isBulkAction(body.action)) throw new DomainError('bad_request', 'Choose what to do with the chosen comments.');
      const ids = chosenIds(body);
      const days = body.days === undefined || body.days === '' ? undefined : Number(body.days);
      const result = await moderation.bulk(a.actor, body.action, ids, {
        days,
        reason: typeof body.reason === 'string' ? body.reason : '',
        withPrefix: body.prefix === 'on',
      });
      return { ...result, back: '/admin' };
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
