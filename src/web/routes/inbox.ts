// The reader's inbox: its page, its JSON, and the private feed with its secret address.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeNotification } from '../../discussion/inbox.ts';
import type { Viewer } from '../../discussion/service.ts';
import { type RouteSchema, errorResponse, object, ok } from '../route-schema.ts';
import { apiError } from '../api-error.ts';
import type { AppContext } from '../context.ts';
import { inboxFeed } from '../discussion-feeds.ts';
import { csrfToken, csrfValid } from '../guard.ts';
import { HTML, formFields } from '../handlers.ts';
import { RateLimitedError } from '../limits.ts';
import { messagePage } from '../pages/account.tsx';
import { inboxPage } from '../pages/inbox.tsx';
import { sessionToken } from '../session.ts';
import { headerViewer, viewerOf } from '../viewer.ts';

interface FeedParams {
  file: string;
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

  async function render(req: FastifyRequest, reply: FastifyReply, viewer: Viewer, extra: { feedUrl?: string; notice?: string } = {}) {
    const items = await inbox.list(viewer.identity.id);
    const html = inboxPage({
      ctx,
      viewer: (await headerViewer(ctx, viewer))!,
      csrf: csrfToken(ctx, sessionToken(ctx, req)!),
      items,
      hasFeed: await inbox.hasFeedToken(viewer.identity.id),
      ...extra,
    });
    // Shown once as unread, then read: the page itself is how a reader "opens" their inbox.
    await inbox.markRead(viewer.identity.id);
    return reply.type(HTML).send(html);
  }

  app.get('/inbox', async (req, reply) => {
    const viewer = await signedIn(req, reply);
    if (!viewer) return reply;
    return render(req, reply, viewer);
  });

  app.get('/api/v1/inbox', { schema: inboxSchema }, async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const viewer = await viewerOf(ctx, req);
    if (!viewer) return reply.code(401).send(apiError('unauthenticated', 'Not signed in.'));
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
    const items = await inbox.list(identity.id, 50);
    return reply
      .header('Cache-Control', 'private, no-store')
      .header('X-Robots-Tag', 'noindex')
      .type('application/atom+xml; charset=utf-8')
      .send(inboxFeed(ctx.baseUrl(), ctx.content.site.config.title, identity, items));
  });
}
