// The comments JSON API: list, post, edit, delete, vote, and one comment for permalinks.
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../discussion/errors.ts';
import { type CommentView, SORTS, type Sort, type Viewer } from '../../discussion/service.ts';
import {
  type RouteSchema,
  commentRef,
  errorResponse,
  idParams,
  type IdParams,
  object,
  ok,
  slugParams,
  type SlugParams,
  writeErrors,
} from '../route-schema.ts';
import { articleComments } from '../article-comments.ts';
import { prefixHash } from '../client.ts';
import type { AppContext } from '../context.ts';
import { renderCommentFragment } from '../fragments.tsx';
import { api } from '../handlers.ts';
import { sendShared } from '../fast-path.ts';
import { prepareBodyAsync } from '../http.ts';
import { discussionViewer } from '../viewer.ts';

interface ListQuery {
  sort?: Sort | '';
  after?: string;
}
interface PostBody {
  body: string;
  parentId?: string | null;
}
interface PostHeaders {
  'idempotency-key'?: string;
}
interface EditBody {
  body: string;
}

const commentSchema = (description: string) => ok(description, object({ comment: commentRef }));
const scoreSchema = ok('The exact score.', object({ score: { type: 'integer' }, votedByMe: { type: 'boolean' } }));

const listSchema: RouteSchema = {
  summary: 'One page of an article’s comments, in display order',
  params: slugParams,
  querystring: object({
    sort: { type: 'string', enum: [...SORTS, ''], description: 'The order of the threads; empty or absent: top.' },
    after: { type: 'string', description: 'The `next` cursor of the previous page.' },
  }),
  responses: {
    '200': ok(
      'Comments and the cursor of the next page.',
      object({ comments: { type: 'array', items: commentRef }, next: { type: ['string', 'null'] }, total: { type: 'integer' } }),
    ),
    '404': errorResponse('No such article.'),
    '400': errorResponse('Bad sort or cursor.'),
  },
};

const postSchema: RouteSchema = {
  summary: 'Post a comment or a reply',
  params: slugParams,
  headers: object({
    'idempotency-key': {
      type: 'string',
      description: '1 to 100 characters. A retry with the same key returns the first comment, never a second.',
    },
  }),
  body: object({ body: { type: 'string', description: '1 to 10,000 characters of Markdown.' }, parentId: { type: ['string', 'null'] } }, [
    'body',
  ]),
  responses: {
    '201': ok(
      'Posted.',
      object({ comment: commentRef, fragment: { type: 'string', description: 'The comment as the poster’s page shows it (HTML).' } }),
    ),
    '200': { description: 'A retry: the comment first posted with this Idempotency-Key.' },
    '401': errorResponse('Not signed in.'),
    '404': errorResponse('No such article.'),
    '422': errorResponse('Empty or over 10,000 characters, control characters, reply to a missing comment, too deep, or comments closed.'),
    ...writeErrors,
  },
};

const getSchema: RouteSchema = {
  summary: 'One comment, with its article and thread root (for permalinks)',
  params: idParams,
  responses: {
    '200': ok('The comment.', object({ comment: commentRef, article: { type: 'string' }, rootId: { type: 'string' } })),
    '404': errorResponse('No such comment.'),
  },
};

const editSchema: RouteSchema = {
  summary: 'Edit your own comment (within 15 minutes)',
  params: idParams,
  body: object({ body: { type: 'string' } }, ['body']),
  responses: {
    '200': commentSchema('Edited.'),
    '401': errorResponse('Not signed in.'),
    '404': errorResponse('No such comment.'),
    '422': errorResponse('Too late to edit, or a bad body.'),
    ...writeErrors,
  },
};

const deleteSchema: RouteSchema = {
  summary: 'Delete your own comment (a placeholder stays where replies hang on it)',
  params: idParams,
  responses: {
    '200': ok('Deleted.', object({ deleted: { type: 'boolean' }, placeholder: { type: 'boolean' } })),
    '401': errorResponse('Not signed in.'),
    ...writeErrors,
  },
};

const upvoteSchema: RouteSchema = {
  summary: 'Upvote (idempotent)',
  params: idParams,
  responses: {
    '200': scoreSchema,
    '401': errorResponse('Not signed in.'),
    '404': errorResponse('No such comment.'),
    '422': errorResponse('Your own comment, a deleted one, or comments closed.'),
    ...writeErrors,
  },
};

const unvoteSchema: RouteSchema = {
  summary: 'Take the upvote back',
  params: idParams,
  responses: { '200': scoreSchema, '401': errorResponse('Not signed in.'), ...writeErrors },
};

export function commentJson(c: CommentView) {
  return {
    id: c.id,
    parentId: c.parentId,
    author: c.deleted ? null : { name: c.authorName, isAuthor: c.isAuthor },
    html: c.html,
    score: c.score,
    createdAt: new Date(c.createdAt).toISOString(),
    editedAt: c.editedAt === null ? null : new Date(c.editedAt).toISOString(),
    deleted: c.deleted,
    pinned: c.pinned,
    votedByMe: c.votedByMe,
    // Only the writer (and the author) ever receive a held comment; it tells them why it is not public yet.
    ...(c.held ? { held: true } : {}),
  };
}

/** The comments cursor as a number (0: the first page); only the plain decimal the API gives out. */
function parseAfter(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (/^\d{1,9}$/.test(value)) return Number(value);
  throw new DomainError('bad_request', "The 'after' cursor is not one this site gave out.");
}

/** The address this API writes for one page of an article's comments: the one the fast path answers. */
function listUrl(slug: string, sort: Sort, offset: number): string {
  const query = [sort === 'top' ? '' : `sort=${sort}`, offset ? `after=${offset}` : ''].filter(Boolean).join('&');
  return `/api/v1/articles/${encodeURIComponent(slug)}/comments${query ? `?${query}` : ''}`;
}

/** The routes, one short handler each: this function is long only because it lists them all. */
export function registerCommentsApi(app: FastifyInstance, ctx: AppContext): void {
  const { discussion, writes, pageCache } = ctx;

  /** One page of comments as `as` (undefined: anyone) sees it. */
  async function listing(slug: string, sort: Sort, offset: number, as: Viewer | undefined) {
    const generation = pageCache.generation(slug);
    const page = await discussion.threadPage(slug, as, {
      sort,
      after: offset ? String(offset) : undefined,
      records: as ? undefined : () => articleComments(ctx, slug),
    });
    if (!as) pageCache.noteThreadCount(slug, generation, page.threads);
    return { comments: page.items.map((i) => commentJson(i.comment)), next: page.next ?? null, total: page.total };
  }

  app.get<{ Params: SlugParams; Querystring: ListQuery }>(
    '/api/v1/articles/:slug/comments',
    { schema: listSchema },
    api(ctx, async (req, reply, viewer) => {
      const { slug } = req.params;
      const sort = req.query.sort || 'top';
      const offset = parseAfter(req.query.after);
      // A signed-in reader's list says which comments they voted for: theirs alone, never shared.
      if (viewer) return listing(slug, sort, offset, viewer);
      const threads = pageCache.threadCount(slug);
      if (offset > 0 && threads !== undefined && offset >= threads)
        throw new DomainError('not_found', 'There is no such page of comments.');
      const key = `comments.json|${ctx.content.version}|${slug}|${sort}|${offset}`;
      const body = await pageCache.getOrRender(key, slug, ctx.now, async () =>
        prepareBodyAsync(JSON.stringify(await listing(slug, sort, offset, undefined)), 'application/json; charset=utf-8'),
      );
      return sendShared(ctx, req, reply, body, {
        url: listUrl(slug, sort, offset),
        vary: 'Accept-Encoding, Cookie',
        audience: 'anonymous',
      });
    }),
  );

  app.post<{ Params: SlugParams; Body: PostBody; Headers: PostHeaders }>(
    '/api/v1/articles/:slug/comments',
    { schema: postSchema },
    api(ctx, async (req, reply, viewer) => {
      const { slug } = req.params;
      const idempotencyKey = req.headers['idempotency-key'] ?? null;
      const result = await writes.post(
        viewer,
        slug,
        { body: req.body.body, parentId: req.body.parentId, idempotencyKey },
        prefixHash(ctx.config.secret, req),
      );
      // The poster's own comment as their page would show it, so the script can place it at once.
      const fragment = await renderCommentFragment(ctx, result.comment.id, viewer, discussionViewer(ctx, req, viewer));
      return reply.code(result.created ? 201 : 200).send({ comment: commentJson(result.comment), fragment });
    }),
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/comments/:id',
    { schema: getSchema },
    api(ctx, async (req, _reply, viewer) => {
      const { id } = req.params;
      const view = await discussion.commentView(id, viewer);
      if (!view) throw new DomainError('not_found', 'There is no comment with that id.');
      const where = await discussion.locate(id);
      return { comment: commentJson(view), article: where.articleSlug, rootId: where.rootId };
    }),
  );

  app.patch<{ Params: IdParams; Body: EditBody }>(
    '/api/v1/comments/:id',
    { schema: editSchema },
    api(ctx, async (req, _reply, viewer) => {
      const result = await writes.edit(viewer, req.params.id, req.body.body);
      return { comment: commentJson(result.comment) };
    }),
  );

  app.delete<{ Params: IdParams }>(
    '/api/v1/comments/:id',
    { schema: deleteSchema },
    api(ctx, async (req, reply, viewer) => {
      const result = await writes.remove(viewer, req.params.id);
      return reply.code(200).send({ deleted: true, placeholder: result.outcome === 'placeholder' });
    }),
  );

  app.put<{ Params: IdParams }>(
    '/api/v1/comments/:id/vote',
    { schema: upvoteSchema },
    api(ctx, async (req, _reply, viewer) => {
      const result = await writes.vote(viewer, req.params.id, true, prefixHash(ctx.config.secret, req));
      return { score: result.score, votedByMe: true };
    }),
  );

  app.delete<{ Params: IdParams }>(
    '/api/v1/comments/:id/vote',
    { schema: unvoteSchema },
    api(ctx, async (req, _reply, viewer) => {
      const result = await writes.vote(viewer, req.params.id, false, prefixHash(ctx.config.secret, req));
      return { score: result.score, votedByMe: false };
    }),
  );
}
