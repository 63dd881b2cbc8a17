// The comments without a script: plain HTML forms, each answering with a redirect to the
// comment's anchor, and the reply and edit pages they are sent from.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, statusFor } from '../../discussion/errors.ts';
import { checkSubmitTime } from '../../discussion/holds.ts';
import { randomId } from '../../discussion/secrets.ts';
import type { Viewer } from '../../discussion/service.ts';
import { prefixHash } from '../client.ts';
import type { AppContext } from '../context.ts';
import { type FormFields, form, requireSignedIn, sendPage } from '../handlers.ts';
import { RateLimitedError } from '../limits.ts';
import { editPage, refusedCommentPage, replyPage } from '../pages/comment-pages.tsx';
import { type IdParams, idParams, object, type SlugParams, slugParams } from '../route-schema.ts';
import { discussionViewer, viewerOf } from '../viewer.ts';

const replyParams = object({ slug: { type: 'string' }, id: { type: 'string' } }, ['slug', 'id']);

/** The routes, one short handler each: this function is long only because it lists them all. */
export function registerCommentForms(app: FastifyInstance, ctx: AppContext): void {
  const { discussion, writes } = ctx;
  const prefix = (req: FastifyRequest) => prefixHash(ctx.config.secret, req);

  const anchorOf = async (slug: string, commentId: string) => {
    const where = await discussion.locate(commentId).catch(() => undefined);
    const thread = where && where.rootId !== commentId ? `?thread=${where.rootId}` : '';
    return `/writing/${slug}${thread}#comment-${commentId}`;
  };

  app.post<{ Params: SlugParams }>(
    '/writing/:slug/comments',
    { schema: { params: slugParams } },
    form(
      ctx,
      async (req, reply, body, viewer) => {
        const { slug } = req.params;
        // The page's form carries an empty trap field and its render time, signed: bots fill the
        // one and post faster than anyone can read and write. Either way: a friendly 422.
        if (viewer && typeof body.website === 'string' && body.website !== '') {
          throw new DomainError('rule_broken', 'Your comment could not be accepted. Please leave the field marked “leave empty” empty.');
        }
        if (viewer) {
          const timing = checkSubmitTime(ctx.config.secret, body._t, ctx.now(), ctx.config.moderation.minSubmitSeconds);
          if (timing) throw new DomainError('rule_broken', timing);
        }
        const idempotencyKey = typeof body.idempotencyKey === 'string' && body.idempotencyKey ? body.idempotencyKey : null;
        const result = await writes.post(viewer, slug, { body: body.body, parentId: body.parentId, idempotencyKey }, prefix(req));
        return reply.redirect(await anchorOf(slug, result.comment.id), 303);
      },
      { onRefusal: keepTextOnRefusal },
    ),
  );

  /**
   * A signed-in reader's comment refused by a rule or a limit comes back as a form holding their
   * text, with the reason beside it (the same idempotency key, so a retry never posts twice).
   * Anything else (not signed in, unknown article) takes the form wrapper's usual way.
   */
  async function keepTextOnRefusal(
    err: DomainError,
    req: FastifyRequest,
    reply: FastifyReply,
    body: FormFields,
    viewer: Viewer | undefined,
  ) {
    const slug = (req.params as SlugParams).slug;
    const article = ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev });
    const dViewer = discussionViewer(ctx, req, viewer);
    if (!article || !dViewer || err.code === 'unauthenticated' || err.code === 'not_found') return undefined;
    if (err instanceof RateLimitedError) reply.header('Retry-After', String(err.retryAfterSeconds));
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const page = refusedCommentPage({
      ctx,
      viewer: dViewer,
      slug,
      articleTitle: article.title,
      parentId: text(body.parentId) || undefined,
      body: text(body.body),
      error: err.message,
      idempotencyKey: text(body.idempotencyKey) || randomId(20),
    });
    return sendPage(reply, page, statusFor(err.code));
  }

  app.get<{ Params: SlugParams & IdParams }>(
    '/writing/:slug/comments/:id/reply',
    { schema: { params: replyParams } },
    async (req, reply) => {
      const { slug, id } = req.params;
      const article = ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev });
      const viewer = await viewerOf(ctx, req);
      const parent = article ? await discussion.commentView(id, viewer) : undefined;
      if (!article || !parent || parent.articleSlug !== slug || parent.deleted) return reply.callNotFound();
      const page = replyPage({
        ctx,
        viewer: discussionViewer(ctx, req, viewer),
        slug,
        articleTitle: article.title,
        parent,
        idempotencyKey: randomId(20),
        open: await discussion.isOpen(slug),
      });
      return sendPage(reply, page);
    },
  );

  app.post<{ Params: IdParams }>(
    '/comments/:id/vote',
    { schema: { params: idParams } },
    form(ctx, async (req, reply, body, viewer) => {
      const { id } = req.params;
      const result = await writes.vote(viewer, id, body.action !== 'down', prefix(req));
      return reply.redirect(await anchorOf(result.articleSlug, id), 303);
    }),
  );

  app.get<{ Params: IdParams }>('/comments/:id/edit', { schema: { params: idParams } }, async (req, reply) => {
    const viewer = await requireSignedIn(ctx, req, reply);
    if (!viewer) return reply;
    const { id } = req.params;
    const record = await ctx.reads.comment(id);
    if (!record || record.identityId !== viewer.identity.id || record.state === 'deleted') return reply.callNotFound();
    return sendPage(
      reply,
      editPage({
        ctx,
        viewer: discussionViewer(ctx, req, viewer)!,
        commentId: id,
        slug: record.articleSlug,
        body: record.body,
        articleTitle: ctx.content.site.articleBySlug(record.articleSlug, { preview: ctx.config.dev })?.title,
        editableUntil: discussion.editableUntil(record.createdAt),
        now: ctx.now(),
      }),
    );
  });

  app.post<{ Params: IdParams }>(
    '/comments/:id/edit',
    { schema: { params: idParams } },
    form(ctx, async (req, reply, body, viewer) => {
      const { id } = req.params;
      const result = await writes.edit(viewer, id, body.body);
      return reply.redirect(await anchorOf(result.comment.articleSlug, id), 303);
    }),
  );

  app.post<{ Params: IdParams }>(
    '/comments/:id/delete',
    { schema: { params: idParams } },
    form(ctx, async (req, reply, _body, viewer) => {
      const { id } = req.params;
      const parent = (await ctx.reads.comment(id))?.parentId ?? null;
      const result = await writes.remove(viewer, id);
      const target = result.outcome === 'placeholder' ? id : parent;
      return reply.redirect(target ? await anchorOf(result.articleSlug, target) : `/writing/${result.articleSlug}#comments`, 303);
    }),
  );
}
