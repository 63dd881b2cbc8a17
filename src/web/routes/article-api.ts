// An article's calls for the page's script: the signed-in reader's own state over the shared
// page, and the live stream of the discussion's changes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { standingNotice, standingOf } from '../../discussion/comment-rules.ts';
import { randomId } from '../../discussion/secrets.ts';
import type { Viewer } from '../../discussion/service.ts';
import { type RouteSchema, type SlugParams, errorResponse, object, ok, slugParams } from '../route-schema.ts';
import { apiError } from '../api-error.ts';
import type { AppContext } from '../context.ts';
import { renderCommentFragment } from '../fragments.tsx';
import { type ResumeQuery, openLiveStream } from '../live-stream.ts';
import { csrfToken } from '../guard.ts';
import { clearSessionCookie, sessionToken } from '../session.ts';
import { discussionViewer, viewerOf } from '../viewer.ts';

/** Bounded, like the comments a writer can post. */
const MAX_PENDING = 200;

const viewerSchema: RouteSchema = {
  summary: 'The signed-in reader’s state on an article: their votes, their comments, and their own comments the shared page leaves out',
  params: slugParams,
  responses: {
    '200': ok(
      'The reader’s state, with the tokens their forms carry.',
      object({
        name: { type: 'string' },
        isAuthor: { type: 'boolean' },
        csrf: { type: 'string' },
        idempotencyKey: { type: 'string' },
        unread: { type: 'integer' },
        pending: {
          type: 'array',
          items: object({ id: { type: 'string' }, parentId: { type: ['string', 'null'] }, html: { type: 'string' } }),
        },
        voted: { type: 'array', items: { type: 'string' } },
        own: { type: 'array', items: object({ id: { type: 'string' }, canEdit: { type: 'boolean' }, held: { type: 'boolean' } }) },
        open: { type: 'boolean' },
        standing: object({
          kind: {
            type: 'string',
            enum: ['free', 'banned', 'muted'],
            description: 'Banned: may not comment or vote. Muted: what they write is shown only to them.',
          },
          notice: { type: ['string', 'null'], description: 'What the reader is told before they write (the ban’s end and reason).' },
        }),
      }),
    ),
    '401': errorResponse('Not signed in.'),
    '404': errorResponse('No such article.'),
  },
};

const eventsSchema: RouteSchema = {
  summary:
    'Server-Sent Events: comment, edit, delete, score (and reload). Every event has an id; reconnect with Last-Event-ID (or ?since=ID) to get what was missed.',
  params: slugParams,
  // Read leniently: a resume point that is not a plain event id means "from now".
  querystring: object({ since: { description: 'The id of the last event received (digits).' } }),
  headers: object({ 'last-event-id': { description: 'Sent by EventSource on reconnect; wins over ?since.' } }),
  responses: {
    '200': { description: 'text/event-stream' },
    '404': errorResponse('No such article.'),
    '429': errorResponse('Too many live streams; see Retry-After.'),
  },
};

const noArticle = apiError('not_found', 'There is no article at that address.');

export function registerArticleApi(app: FastifyInstance, ctx: AppContext): void {
  const exists = (slug: string) => ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev }) !== undefined;

  /**
   * The reader's own comments that the shared page leaves out (waiting for review, or the writer
   * is muted; `ids` from viewerState): rendered as their own page would show them, for the script
   * to put in place.
   */
  async function pendingComments(req: FastifyRequest, viewer: Viewer, ids: readonly string[]) {
    const pending = [];
    const dViewer = ids.length > 0 ? discussionViewer(ctx, req, viewer) : null;
    for (const id of ids.slice(0, MAX_PENDING)) {
      const html = await renderCommentFragment(ctx, id, viewer, dViewer);
      const record = html ? await ctx.reads.comment(id) : undefined;
      if (html && record) pending.push({ id, parentId: record.parentId, html });
    }
    return pending;
  }

  app.get<{ Params: SlugParams }>('/api/v1/articles/:slug/viewer', { schema: viewerSchema }, async (req, reply) => {
    const { slug } = req.params;
    reply.header('Cache-Control', 'private, no-store');
    if (!exists(slug)) return reply.code(404).send(noArticle);
    // Called once per page view by every signed-in reader whose script runs: no more store reads
    // than the answer needs (the session lookup writes only now and then, see Sessions.viewerFor).
    const viewer = await viewerOf(ctx, req);
    const token = sessionToken(ctx, req);
    if (!viewer || !token) {
      clearSessionCookie(ctx, reply);
      return reply.code(401).send(apiError('unauthenticated', 'Not signed in.'));
    }
    const [{ voted, own, open, offSharedPage }, unread] = await Promise.all([
      ctx.discussion.viewerState(viewer, slug),
      ctx.inbox.unread(viewer.identity.id),
    ]);
    // Only the reader's own comments can be missing from the shared page: a reader with none
    // of those (most readers) costs no further read.
    const pending = offSharedPage.length > 0 ? await pendingComments(req, viewer, offSharedPage) : [];
    const standing = standingOf(viewer.identity, ctx.now());
    return {
      name: viewer.identity.name,
      isAuthor: ctx.discussion.isAuthor(viewer),
      csrf: csrfToken(ctx, token),
      idempotencyKey: randomId(20),
      unread,
      pending,
      voted,
      own,
      open,
      standing: { kind: standing.kind, notice: standingNotice(standing) },
    };
  });

  app.get<{ Params: SlugParams; Querystring: ResumeQuery }>(
    '/api/v1/articles/:slug/events',
    { schema: eventsSchema },
    async (req, reply) => {
      const { slug } = req.params;
      if (!exists(slug)) return reply.code(404).send(noArticle);
      await openLiveStream(ctx, req, reply, slug);
    },
  );
}
