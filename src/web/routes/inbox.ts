// The reader's inbox: its page, its JSON, and the private feed with its secret address.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, statusFor } from '../../discussion/errors.ts';
import { parseInboxAmount } from '../../discussion/inbox.ts';
import { describeNotification } from '../../discussion/notification-text.ts';
import type { InboxAmount } from '../../discussion/records.ts';
import type { Viewer } from '../../discussion/service.ts';
import { type RouteSchema, errorResponse, object, ok } from '../route-schema.ts';
import { apiError } from '../api-error.ts';
import type { AppContext } from '../context.ts';
import { inboxFeed } from '../discussion-feeds.ts';
import { csrfToken, csrfValid } from '../guard.ts';
import { HTML, formFields } from '../handlers.ts';
import { RateLimitedError } from '../limits.ts';
import { messagePage } from '../pages/account.tsx';
import { articleTitle, inboxPage, notificationHref } from '../pages/inbox.tsx';
import { sessionToken } from '../session.ts';
import { headerViewer, viewerOf } from '../viewer.ts';

interface FeedParams {
  file: string;
}
interface InboxQuery {
  saved?: unknown;
}

const inboxSchema: RouteSchema = {
  summary: 'The signed-in reader’s notifications, newest first',
  responses: {
    '200': ok(
      'The unread count and the notifications.',
      object({
        unread: { type: 'integer' },
        items: {
          type: 'array',
          items: object({
            kind: { type: 'string' },
            text: { type: 'string' },
            article: { type: 'string' },
            articleTitle: { type: 'string' },
            excerpt: { type: ['string', 'null'] },
            url: { type: 'string' },
            commentId: { type: 'string' },
            actor: { type: ['string', 'null'] },
            createdAt: { type: 'string', format: 'date-time' },
            read: { type: 'boolean' },
          }),
        },
      }),
    ),
    '401': errorResponse('Not signed in.'),
  },
};

const feedParams = object({ file: { type: 'string' } }, ['file']);
const inboxQuery = object({ saved: { description: 'Set after the author saved the inbox setting.' } });

/** The routes, one short handler each: this function is long only because it lists them all. */
export function registerInboxRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { inbox } = ctx;
  const notAllowed = (reply: FastifyReply, status: number, title: string, message: string) =>
    reply
      .code(status)
      .type(HTML)
      .send(messagePage({ ctx, viewer: null, title, message, back: '/inbox' }));

  /** The signed-in reader; a form must also carry their token, and a write takes from their allowance. */
  async function signedIn(req: FastifyRequest, reply: FastifyReply, body?: Record<string, unknown>): Promise<Viewer | undefined> {
    reply.header('Cache-Control', 'no-store');
    const viewer = await viewerOf(ctx, req);
    if (!viewer) {
      reply.redirect(`/signin?return=${encodeURIComponent(req.method === 'GET' ? req.url : '/inbox')}`, 303);
      return undefined;
    }
    if (body === undefined) return viewer;
    if (!csrfValid(ctx, sessionToken(ctx, req), body._csrf)) {
      notAllowed(reply, 403, 'Not allowed', 'This form has expired or did not come from this site. Reload the page and try again.');
      return undefined;
    }
    // Every write path takes from a limiter: a new feed address is an account action.
    try {
      await ctx.writes.accountAction(viewer);
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      notAllowed(reply.header('Retry-After', String(err.retryAfterSeconds)), 429, 'Slow down a little', err.message);
      return undefined;
    }
    return viewer;
  }

  type Extra = { feedUrl?: string; notice?: string; error?: string; status?: number };

  async function render(req: FastifyRequest, reply: FastifyReply, viewer: Viewer, extra: Extra = {}) {
    const id = viewer.identity.id;
    const isAuthor = ctx.discussion.isAuthor(viewer);
    const header = (await headerViewer(ctx, viewer))!;
    const html = inboxPage({
      ctx,
      viewer: header,
      csrf: csrfToken(ctx, sessionToken(ctx, req)!),
      items: await inbox.entries(id, isAuthor),
      author: isAuthor && header.desk ? { amount: await inbox.amount(id), desk: header.desk } : undefined,
      hasFeed: await inbox.hasFeedToken(id),
      ...extra,
    });
    // Shown once as unread, then read: the page itself is how a reader "opens" their inbox.
    await inbox.markRead(id);
    return reply
      .code(extra.status ?? 200)
      .type(HTML)
      .send(html);
  }

  app.get<{ Querystring: InboxQuery }>('/inbox', { schema: { querystring: inboxQuery } }, async (req, reply) => {
    const viewer = await signedIn(req, reply);
    if (!viewer) return reply;
    return render(req, reply, viewer, req.query.saved === '1' ? { notice: 'Your inbox setting is saved.' } : {});
  });

  // The author's setting of how much reaches the inbox; a reader has none to set.
  app.post('/inbox/settings', async (req, reply) => {
    const body = formFields(req.body);
    const reader = await signedIn(req, reply);
    if (!reader) return reply;
    if (!ctx.discussion.isAuthor(reader)) return notAllowed(reply, 403, 'Not allowed', 'This setting is the author’s.');
    let amount: InboxAmount;
    try {
      amount = parseInboxAmount(body.amount);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // Refused input costs no allowance and changes nothing.
      return render(req, reply, reader, { error: err.message, status: statusFor(err.code) });
    }
    const viewer = await signedIn(req, reply, body);
    if (!viewer) return reply;
    await inbox.setAmount(viewer.identity.id, amount);
    return reply.redirect('/inbox?saved=1#inbox-settings', 303);
  });

  app.get('/api/v1/inbox', { schema: inboxSchema }, async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const viewer = await viewerOf(ctx, req);
    if (!viewer) return reply.code(401).send(apiError('unauthenticated', 'Not signed in.'));
    const entries = await inbox.entries(viewer.identity.id, ctx.discussion.isAuthor(viewer));
    return {
      unread: entries.filter((e) => e.notification.readAt === null).length,
      items: entries.map(({ notification: n, excerpt, rootId }) => ({
        kind: n.kind,
        text: describeNotification(n),
        article: n.articleSlug,
        articleTitle: articleTitle(ctx, n.articleSlug),
        excerpt,
        url: notificationHref(n, rootId),
        commentId: n.commentId,
        actor: n.actorName,
        createdAt: new Date(n.createdAt).toISOString(),
        read: n.readAt !== null,
      })),
    };
  });

  app.post('/inbox/feed', async (req, reply) => {
    const viewer = await signedIn(req, reply, formFields(req.body));
    if (!viewer) return reply;
    const token = await inbox.rotateFeedToken(viewer.identity.id);
    const feedUrl = `${ctx.baseUrl()}/feeds/inbox/${token}.xml`;
    return render(req, reply, viewer, { feedUrl, notice: 'A new private feed address is ready; any earlier one stopped working.' });
  });

  app.post('/inbox/feed/revoke', async (req, reply) => {
    const viewer = await signedIn(req, reply, formFields(req.body));
    if (!viewer) return reply;
    await inbox.revokeFeedToken(viewer.identity.id);
    return render(req, reply, viewer, { notice: 'Your private feed is turned off; its address answers “not found” now.' });
  });

  app.get<{ Params: FeedParams }>('/feeds/inbox/:file', { schema: { params: feedParams } }, async (req, reply) => {
    const { file } = req.params;
    const token = file.endsWith('.xml') ? file.slice(0, -4) : '';
    const identity = token ? await inbox.identityForFeedToken(token) : undefined;
    if (!identity) return reply.callNotFound();
    const isAuthor = identity.role === 'author';
    const feed = inboxFeed({
      base: ctx.baseUrl(),
      siteTitle: ctx.content.site.config.title,
      language: ctx.content.site.config.language,
      identity,
      items: await inbox.entries(identity.id, isAuthor, 50),
      summaries: isAuthor ? await inbox.dailySummary() : [],
      titleOf: (slug) => articleTitle(ctx, slug),
    });
    return reply
      .header('Cache-Control', 'private, no-store')
      .header('X-Robots-Tag', 'noindex')
      .type('application/atom+xml; charset=utf-8')
      .send(feed);
  });
}
