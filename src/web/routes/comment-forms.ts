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
import type { IntentOutcome, IntentView } from '../pages/account.tsx';
import type { DiscussionViewer } from '../pages/comment-forms.tsx';
import { deleteCommentPage, editPage, refusedCommentPage, replyForm, replyPage } from '../pages/comment-pages.tsx';
import { type SignInIntent, signInForVote } from '../session.ts';
import { type IdParams, idParams, object, type SlugParams, slugParams } from '../route-schema.ts';
import { discussionViewer, viewerOf } from '../viewer.ts';

/** Where a comment is read in context: its article, on its thread's page when it is a reply. */
export async function commentAnchor(ctx: AppContext, commentId: string, slug?: string): Promise<string> {
  const where = await ctx.discussion.locate(commentId).catch(() => undefined);
  // A comment gone a moment ago: its article, where it was.
  if (!where) return slug ? `/writing/${slug}#comment-${commentId}` : '/';
  const thread = where.rootId !== commentId ? `?thread=${where.rootId}` : '';
  return `/writing/${where.articleSlug}${thread}#comment-${commentId}`;
}

/** A sign-in intent with the name of the comment's writer, or undefined when the comment is not public. */
export async function describeIntent(ctx: AppContext, intent: SignInIntent | undefined): Promise<IntentView | undefined> {
  if (!intent) return undefined;
  const comment = await ctx.discussion.commentView(intent.commentId, undefined);
  if (!comment || comment.deleted) return undefined;
  return { intent, writer: comment.authorName ?? '[deleted]' };
}

/**
 * Carries out what the reader meant to do, right after the sign-in they just made on our page: the
 * upvote is cast (and may be refused, as any vote); a reply comes back as a filled-in form.
 */
export async function carryOut(
  ctx: AppContext,
  req: FastifyRequest,
  viewer: Viewer,
  dViewer: DiscussionViewer,
  view: IntentView,
): Promise<IntentOutcome | undefined> {
  const { intent, writer } = view;
  if (intent.kind === 'vote') {
    try {
      await ctx.writes.vote(viewer, intent.commentId, true, prefixHash(ctx.config.secret, req));
      return { kind: 'voted', ok: true, message: `Your upvote of the comment by ${writer} is counted.` };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return { kind: 'voted', ok: false, message: `Your upvote of the comment by ${writer} could not be counted: ${err.message}` };
    }
  }
  const parent = await ctx.discussion.commentView(intent.commentId, viewer);
  if (!parent || parent.deleted) return undefined;
  const open = await ctx.discussion.isOpen(parent.articleSlug);
  if (!open) return undefined;
  const form = replyForm({
    viewer: dViewer,
    slug: parent.articleSlug,
    parent,
    idempotencyKey: randomId(20),
    draft: intent.draft,
    quote: true,
  });
  return { kind: 'reply', form };
}

const replyParams = object({ slug: { type: 'string' }, id: { type: 'string' } }, ['slug', 'id']);

/** The routes, one short handler each: this function is long only because it lists them all. */
export function registerCommentForms(app: FastifyInstance, ctx: AppContext): void {
  const { discussion, writes } = ctx;
  const prefix = (req: FastifyRequest) => prefixHash(ctx.config.secret, req);

  const anchorOf = (slug: string, commentId: string) => commentAnchor(ctx, commentId, slug);

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
        locked: await discussion.repliesLocked(parent),
      });
      return sendPage(reply, page);
    },
  );

  app.post<{ Params: IdParams }>(
    '/comments/:id/vote',
    { schema: { params: idParams } },
    form(ctx, async (req, reply, body, viewer) => {
      const { id } = req.params;
      // A visitor's upvote is remembered through sign-in (see SignInIntent) and cast after it.
      if (!viewer && body.action !== 'down' && (await describeIntent(ctx, { kind: 'vote', commentId: id }))) {
        return reply.redirect(signInForVote(id, await commentAnchor(ctx, id)), 303);
      }
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

  app.get<{ Params: IdParams }>('/comments/:id/delete', { schema: { params: idParams } }, async (req, reply) => {
    const viewer = await requireSignedIn(ctx, req, reply);
    if (!viewer) return reply;
    const comment = await discussion.commentView(req.params.id, viewer);
    if (!comment?.mine || comment.deleted) return reply.callNotFound();
    const title = ctx.content.site.articleBySlug(comment.articleSlug, { preview: ctx.config.dev })?.title ?? comment.articleSlug;
    const page = deleteCommentPage({
      ctx,
      viewer: discussionViewer(ctx, req, viewer)!,
      comment,
      articleTitle: title,
      back: await commentAnchor(ctx, comment.id),
    });
    return sendPage(reply, page);
  });

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
