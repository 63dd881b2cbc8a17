import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../discussion/errors.ts';
import { randomId } from '../../discussion/secrets.ts';
import { SORTS, type Sort } from '../../discussion/service.ts';
import type { StoredEvent } from '../../store/store.ts';
import type { AppContext } from '../context.ts';
import { contentSecurityPolicy } from '../security.ts';
import { prepareBody, sendDynamic, sendPrepared } from '../http.ts';
import { DiscussionSection } from '../pages/discussion.tsx';
import { renderCommentFragment } from '../fragments.tsx';
import { renderArticleDocument } from '../pages/article.tsx';
import { authorHintCookie, headerViewer as headerViewerOf, moderationServices } from './admin.tsx';
import { discussionViewer, viewerOf } from './discussion.ts';
import { clearSessionCookie, jsCookie, readCookie, sessionToken } from '../guard.ts';

function sortFrom(value: unknown): Sort {
  return typeof value === 'string' && (SORTS as readonly string[]).includes(value) ? (value as Sort) : 'top';
}

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
  app.get('/writing/:slug', async (req: FastifyRequest, reply: FastifyReply) => {
    const { slug } = req.params as { slug: string };
    const article = ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev });
    if (!article) return reply.callNotFound();
    const q = req.query as Record<string, unknown>;
    const sort = sortFrom(q.sort);
    const after = typeof q.after === 'string' ? q.after : undefined;
    const focus = typeof q.thread === 'string' ? q.thread : undefined;
    const signedIn = sessionToken(ctx, req) !== undefined;
    // A signed-in browser whose script runs gets the same shared page as everyone and asks for
    // its own state in one small call (GET …/viewer); without the script, the server renders
    // the reader's own page.
    // The author always gets the server's page: it carries the moderation controls and shows
    // hidden and held comments, which the shared page never holds.
    const overlay = signedIn && readCookie(req, jsCookie) === '1' && readCookie(req, authorHintCookie) !== '1';
    const viewer = signedIn && !overlay ? await viewerOf(ctx, req) : undefined;

    // Every anonymous reader sees the same bytes: serve them from the cache, compressed once.
    const cacheKey = `${ctx.content.version}|${slug}|${sort}|${after ?? ''}|${focus ?? ''}`;
    if (!viewer) {
      const cached = ctx.pageCache.get(cacheKey, ctx.now());
      if (cached) return sendPrepared(req, reply, cached, 'no-cache', 200, 'Accept-Encoding, Cookie');
    }
    const generation = ctx.pageCache.generation(slug);
    let page: Awaited<ReturnType<typeof ctx.discussion.threadPage>>;
    try {
      page = await ctx.discussion.threadPage(slug, viewer, { sort, after, focus });
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'bad_request' || err.code === 'not_found')) return reply.callNotFound();
      throw err;
    }
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
    const html = renderArticleDocument(ctx, article, discussion, headerViewer);
    if (viewer) return sendDynamic(req, reply, html, 'text/html; charset=utf-8', { cacheControl: 'private, no-cache' });
    const body = prepareBody(html, 'text/html; charset=utf-8');
    ctx.pageCache.set(cacheKey, slug, generation, body, ctx.now());
    return sendPrepared(req, reply, body, 'no-cache', 200, 'Accept-Encoding, Cookie');
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
    // The reader's own comments waiting for review are on nobody else's page, so not on the
    // shared one: send them along for the script to put in place.
    const pending = [];
    for (const own of state.own.filter((c) => c.held)) {
      const html = await renderCommentFragment(ctx, own.id, viewer, dViewer);
      const record = html ? await ctx.store.getComment(own.id) : undefined;
      if (html && record) pending.push({ id: own.id, parentId: record.parentId, html });
    }
    return { name: dViewer.name, isAuthor: dViewer.isAuthor, csrf: dViewer.csrf, idempotencyKey: randomId(20), unread, pending, ...state };
  });

  app.get('/api/v1/articles/:slug/events', async (req, reply) => {
    const { slug } = req.params as { slug: string };
    if (!ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev })) {
      return reply.code(404).send({ error: { code: 'not_found', message: 'There is no article at that address.' } });
    }
    const q = req.query as Record<string, unknown>;
    const header = req.headers['last-event-id'];
    const given = Number(typeof header === 'string' ? header : typeof q.since === 'string' ? q.since : Number.NaN);
    const lastEventId = Number.isInteger(given) && given >= 0 ? given : await ctx.store.latestEventId();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'Content-Security-Policy': contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
    });
    res.write('retry: 3000\n\n');
    await ctx.live.join(slug, res, lastEventId);
  });
}
