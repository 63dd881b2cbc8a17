import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../discussion/errors.ts';
import { randomId } from '../../discussion/secrets.ts';
import type { Viewer } from '../../discussion/service.ts';
import type { StoredEvent } from '../../store/store.ts';
import type { AppContext } from '../context.ts';
import { openLiveStream } from '../live-stream.ts';
import { type PreparedBody, prepareBodyAsync, sendDynamic, sendPrepared } from '../http.ts';
import { type DiscussionQuery, canonicalQueryString, parseDiscussionQuery, rawQueryOf } from '../discussion-query.ts';
import { articleComments } from '../article-comments.ts';
import { articlePath, DiscussionSection } from '../pages/discussion.tsx';
import { renderCommentFragment } from '../fragments.tsx';
import { renderArticleDocument } from '../pages/article.tsx';
import { authorHintCookie, headerViewer as headerViewerOf, moderationServices } from './admin.tsx';
import { discussionViewer, viewerOf } from './discussion.ts';
import { clearSessionCookie, jsCookie, readCookie, sessionToken } from '../guard.ts';

/** Renders a new comment the way an anonymous reader's page shows it, for live updates. */
export function liveEventFormatter(ctx: AppContext) {
  return async (ev: StoredEvent): Promise<{ event: string; data: unknown } | undefined> => {
    const payload = JSON.parse(ev.payload) as { id?: string; score?: number; outcome?: string };
    switch (ev.kind) {
      case 'comment':
      case 'edit': {
        const record = payload.id ? await ctx.store.getComment(payload.id) : undefined;
        if (record?.state !== 'visible' || record.authorMuted) return undefined;
        const html = await renderCommentFragment(ctx, record.id, undefined, null);
        if (!html) return undefined;
        return { event: ev.kind, data: { id: record.id, parentId: record.parentId, html, score: record.score, editedAt: record.editedAt } };
      }
      case 'delete':
        return { event: 'delete', data: { id: payload.id, outcome: payload.outcome } };
      case 'score':
        return { event: 'score', data: { id: payload.id, score: payload.score } };
      case 'reload':
        return { event: 'reload', data: {} };
      default:
        return undefined;
    }
  };
}

export function registerArticleRoute(app: FastifyInstance, ctx: AppContext): void {
  /** The article with one page of its discussion, as `viewer` (undefined: anyone) sees it. */
  async function renderArticlePage(req: FastifyRequest, slug: string, query: DiscussionQuery, viewer: Viewer | undefined): Promise<string> {
    const article = ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev })!;
    const generation = ctx.pageCache.generation(slug);
    const page = await ctx.discussion.threadPage(slug, viewer, {
      sort: query.sort,
      after: query.after ? String(query.after) : undefined,
      focus: query.thread,
      // Anonymous pages are cached per change of the article, so they can share one load of it.
      records: viewer ? undefined : () => articleComments(ctx, slug),
    });
    if (!viewer) ctx.pageCache.noteThreadCount(slug, generation, page.threads);
    const [open, lastEventId] = await Promise.all([ctx.discussion.isOpen(slug), ctx.store.latestEventId()]);
    const dViewer = discussionViewer(ctx, req, viewer);
    const discussion = (
      <DiscussionSection
        slug={slug}
        authorName={ctx.content.site.config.authorNames[0] ?? ctx.content.site.config.title}
        page={page}
        viewer={dViewer}
        open={open}
        now={ctx.now()}
        lastEventId={lastEventId}
        idempotencyKey={viewer ? randomId(20) : ''}
      />
    );
    const headerViewer = await headerViewerOf(ctx, viewer);
    return renderArticleDocument(ctx, article, discussion, headerViewer);
  }

  /**
   * Whether an anonymous request can name a real page, answered without loading the discussion:
   * a cursor past the threads we last counted, or a thread id that is not a public top-level
   * comment of this article, is no page. Keeps a stream of made-up values from costing renders.
   */
  async function mayExist(slug: string, query: DiscussionQuery): Promise<boolean> {
    const threads = ctx.pageCache.threadCount(slug);
    if (query.after && threads !== undefined && query.after >= threads) return false;
    if (!query.thread) return true;
    const root = await ctx.store.getComment(query.thread);
    return root !== undefined && root.articleSlug === slug && root.parentId === null && root.state !== 'held';
  }

  app.get('/writing/:slug', async (req: FastifyRequest, reply: FastifyReply) => {
    const { slug } = req.params as { slug: string };
    const article = ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev });
    if (!article) return reply.callNotFound();
    const parsed = parseDiscussionQuery(rawQueryOf(req.url), articlePath(slug));
    if (parsed.kind === 'invalid') return reply.callNotFound();
    if (parsed.kind === 'redirect') return reply.header('Cache-Control', 'public, max-age=86400').redirect(parsed.location, 301);
    const query = parsed.query;
    const signedIn = sessionToken(ctx, req) !== undefined;
    // A signed-in browser whose script runs gets the same shared page as everyone and asks for
    // its own state in one small call (GET …/viewer); without the script, the server renders
    // the reader's own page.
    // The author always gets the server's page: it carries the moderation controls and shows
    // hidden and held comments, which the shared page never holds.
    const overlay = signedIn && readCookie(req, jsCookie) === '1' && readCookie(req, authorHintCookie) !== '1';
    const viewer = signedIn && !overlay ? await viewerOf(ctx, req) : undefined;
    try {
      if (viewer) {
        const html = await renderArticlePage(req, slug, query, viewer);
        return await sendDynamic(req, reply, html, 'text/html; charset=utf-8', { cacheControl: 'private, no-cache' });
      }
      // Every anonymous reader sees the same bytes: one render per page and change, compressed once.
      const cacheKey = `page|${ctx.content.version}|${slug}|${canonicalQueryString(query)}`;
      let body = ctx.pageCache.get(cacheKey, ctx.now());
      if (!body) {
        if (!(await mayExist(slug, query))) return reply.callNotFound();
        body = await ctx.pageCache.getOrRender(cacheKey, slug, ctx.now, async (): Promise<PreparedBody> =>
          prepareBodyAsync(await renderArticlePage(req, slug, query, undefined), 'text/html; charset=utf-8'),
        );
      }
      return sendPrepared(req, reply, body, 'no-cache', 200, 'Accept-Encoding, Cookie');
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'bad_request' || err.code === 'not_found')) return reply.callNotFound();
      throw err;
    }
  });

  app.get('/api/v1/articles/:slug/viewer', async (req, reply) => {
    const { slug } = req.params as { slug: string };
    reply.header('Cache-Control', 'private, no-store');
    if (!ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev })) {
      return reply.code(404).send({ error: { code: 'not_found', message: 'There is no article at that address.' } });
    }
    const viewer = await viewerOf(ctx, req);
    const dViewer = discussionViewer(ctx, req, viewer);
    if (!viewer || !dViewer) {
      clearSessionCookie(ctx, reply);
      return reply.code(401).send({ error: { code: 'unauthenticated', message: 'Not signed in.' } });
    }
    const state = await ctx.discussion.viewerState(viewer, slug);
    const unread = await moderationServices(ctx).inbox.unread(viewer.identity.id);
    // The reader's own comments that the shared page leaves out (waiting for review, or the
    // writer is muted): send them along, rendered as their own page would show them, for the
    // script to put in place. Bounded, like the comments a writer can post.
    const pending = [];
    for (const id of (await ctx.discussion.ownCommentsOffSharedPage(viewer, slug)).slice(0, 200)) {
      const html = await renderCommentFragment(ctx, id, viewer, dViewer);
      const record = html ? await ctx.store.getComment(id) : undefined;
      if (html && record) pending.push({ id, parentId: record.parentId, html });
    }
    return { name: dViewer.name, isAuthor: dViewer.isAuthor, csrf: dViewer.csrf, idempotencyKey: randomId(20), unread, pending, ...state };
  });

  app.get('/api/v1/articles/:slug/events', async (req, reply) => {
    const { slug } = req.params as { slug: string };
    if (!ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev })) {
      return reply.code(404).send({ error: { code: 'not_found', message: 'There is no article at that address.' } });
    }
    await openLiveStream(ctx, req, reply, slug);
  });
}
