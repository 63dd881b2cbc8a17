import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Feed } from 'feed';
import { describeNotification } from '../../discussion/inbox.ts';
import type { Viewer } from '../../discussion/service.ts';
import type { AppContext } from '../context.ts';
import { csrfToken, csrfValid, sessionToken } from '../guard.ts';
import { prepareBodyAsync, sendPrepared } from '../http.ts';
import { RateLimitedError, take } from '../limits.ts';
import { messagePage } from '../pages/account.tsx';
import { articlePath } from '../pages/discussion.tsx';
import { inboxPage, notificationHref } from '../pages/inbox.tsx';
import { headerViewer, moderationServices } from './admin.tsx';
import { viewerOf } from './discussion.ts';

/** Entries in an article's public comments feed: the latest ones, as Atom feeds conventionally hold. */
export const FEED_COMMENTS = 50;

const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** The reader's inbox page, their private feed, and each article's public comments feed. */
export function registerInboxRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { inbox } = moderationServices(ctx);

  async function signedIn(req: FastifyRequest, reply: FastifyReply, body?: Record<string, unknown>): Promise<Viewer | undefined> {
    reply.header('Cache-Control', 'no-store');
    const viewer = await viewerOf(ctx, req);
    if (!viewer) {
      reply.redirect(`/signin?return=${encodeURIComponent(req.method === 'GET' ? req.url : '/inbox')}`, 303);
      return undefined;
    }
    if (body !== undefined && !csrfValid(ctx, sessionToken(ctx, req), body._csrf)) {
      reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(messagePage({ ctx, viewer: null, title: 'Not allowed', message: 'This form has expired or did not come from this site. Reload the page and try again.', back: '/inbox' }));
      return undefined;
    }
    // Every write path takes from a limiter: a new feed address is an account action.
    if (body !== undefined) {
      try {
        await take(ctx.limiters.accountActions, viewer.identity.id, 'changing your account');
      } catch (err) {
        if (!(err instanceof RateLimitedError)) throw err;
        reply
          .code(429)
          .header('Retry-After', String(err.retryAfterSeconds))
          .type('text/html; charset=utf-8')
          .send(messagePage({ ctx, viewer: null, title: 'Slow down a little', message: err.message, back: '/inbox' }));
        return undefined;
      }
    }
    return viewer;
  }

  async function render(req: FastifyRequest, reply: FastifyReply, viewer: Viewer, extra: { feedUrl?: string; notice?: string } = {}) {
    const items = await inbox.list(viewer.identity.id);
    const header = (await headerViewer(ctx, viewer))!;
    const html = inboxPage({
      ctx,
      viewer: header,
      csrf: csrfToken(ctx, sessionToken(ctx, req)!),
      items,
      hasFeed: await inbox.hasFeedToken(viewer.identity.id),
      ...extra,
    });
    // Shown once as unread, then read: the page itself is how a reader "opens" their inbox.
    await inbox.markRead(viewer.identity.id);
    return reply.type('text/html; charset=utf-8').send(html);
  }

  app.get('/inbox', async (req, reply) => {
    const viewer = await signedIn(req, reply);
    if (!viewer) return reply;
    return render(req, reply, viewer);
  });

  app.get('/api/v1/inbox', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const viewer = await viewerOf(ctx, req);
    if (!viewer) return reply.code(401).send({ error: { code: 'unauthenticated', message: 'Not signed in.' } });
    const items = await inbox.list(viewer.identity.id);
    return {
      unread: items.filter((n) => n.readAt === null).length,
      items: items.map((n) => ({
        kind: n.kind,
        text: describeNotification(n),
        article: n.articleSlug,
        commentId: n.commentId,
        actor: n.actorName,
        createdAt: new Date(n.createdAt).toISOString(),
        read: n.readAt !== null,
      })),
    };
  });

  app.post('/inbox/feed', async (req, reply) => {
    const viewer = await signedIn(req, reply, (req.body ?? {}) as Record<string, unknown>);
    if (!viewer) return reply;
    const token = await inbox.rotateFeedToken(viewer.identity.id);
    return render(req, reply, viewer, { feedUrl: `${ctx.baseUrl()}/feeds/inbox/${token}.xml`, notice: 'A new private feed address is ready; any earlier one stopped working.' });
  });

  app.post('/inbox/feed/revoke', async (req, reply) => {
    const viewer = await signedIn(req, reply, (req.body ?? {}) as Record<string, unknown>);
    if (!viewer) return reply;
    await inbox.revokeFeedToken(viewer.identity.id);
    return render(req, reply, viewer, { notice: 'Your private feed is turned off; its address answers “not found” now.' });
  });

  app.get('/feeds/inbox/:file', async (req, reply) => {
    const { file } = req.params as { file: string };
    const token = file.endsWith('.xml') ? file.slice(0, -4) : '';
    const identity = token ? await inbox.identityForFeedToken(token) : undefined;
    if (!identity) return reply.callNotFound();
    const base = ctx.baseUrl();
    const items = await inbox.list(identity.id, 50);
    const feed = new Feed({
      id: `${base}/inbox/${identity.id}`,
      title: `${ctx.content.site.config.title}: inbox of ${identity.name}`,
      description: `Replies and news for ${identity.name}`,
      link: `${base}/inbox`,
      updated: new Date(items[0]?.createdAt ?? identity.createdAt),
      copyright: '',
      generator: 'Byline',
    });
    for (const n of items) {
      feed.addItem({
        id: `${base}/inbox/${identity.id}/${n.id}`,
        title: `${describeNotification(n)} on ${n.articleSlug}`.replace(XML_FORBIDDEN, ''),
        link: `${base}${notificationHref(n)}`,
        date: new Date(n.createdAt),
      });
    }
    return reply
      .header('Cache-Control', 'private, no-store')
      .header('X-Robots-Tag', 'noindex')
      .type('application/atom+xml; charset=utf-8')
      .send(feed.atom1());
  });

  /** The public comments feed: the latest FEED_COMMENTS public comments, built once per change. */
  async function buildCommentsFeed(slug: string, article: { title: string; date: string }): Promise<string> {
    const base = ctx.baseUrl();
    // What a visitor may read: public comments only (nothing held, hidden, deleted or muted). Muted
    // writers' comments are dropped after the query, so ask for a margin beyond the feed's length.
    const latest = (await ctx.store.listCommentsFiltered({ articleSlug: slug, state: 'visible', limit: FEED_COMMENTS * 2 }))
      .filter((c) => !c.authorMuted)
      .slice(0, FEED_COMMENTS)
      .map((c) => ctx.discussion.toView(c, undefined, new Set(), false));
    const feed = new Feed({
      id: `${base}${articlePath(slug)}#comments`,
      title: `Comments on “${article.title}”`.replace(XML_FORBIDDEN, ''),
      description: `The readers' discussion of ${article.title}`.replace(XML_FORBIDDEN, ''),
      link: `${base}${articlePath(slug)}#comments`,
      updated: new Date(Math.max(0, ...latest.map((c) => c.editedAt ?? c.createdAt)) || Date.parse(`${article.date}T00:00:00Z`)),
      copyright: '',
      generator: 'Byline',
    });
    for (const c of latest.sort((a, b) => b.createdAt - a.createdAt)) {
      feed.addItem({
        id: `${base}${articlePath(slug)}#comment-${c.id}`,
        title: `${c.authorName ?? '[deleted]'}${c.isAuthor ? ' (author)' : ''}`.replace(XML_FORBIDDEN, ''),
        link: `${base}${articlePath(slug)}#comment-${c.id}`,
        date: new Date(c.editedAt ?? c.createdAt),
        author: [{ name: c.authorName ?? '[deleted]' }],
        // The body goes into CDATA: a literal "]]>" in it must not end the section early.
        content: c.html.replace(XML_FORBIDDEN, '').replace(/]]>/g, ']]&gt;'),
      });
    }
    return feed.atom1();
  }

  app.get('/writing/:slug/comments.xml', async (req, reply) => {
    const { slug } = req.params as { slug: string };
    const article = ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev });
    if (!article) return reply.callNotFound();
    // The feed has no parameters: one cached body per article and change, whatever the query says.
    const key = `comments.xml|${ctx.content.version}|${slug}`;
    const body = await ctx.pageCache.getOrRender(key, slug, ctx.now, async () =>
      prepareBodyAsync(await buildCommentsFeed(slug, article), 'application/atom+xml; charset=utf-8'),
    );
    return sendPrepared(req, reply, body, 'no-cache');
  });
}
