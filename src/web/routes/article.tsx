// An article's page with its discussion, and its public comments feed. Anonymous readers share
// one cached render per page and change; a signed-in reader without the script gets their own.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../../discussion/errors.ts';
import type { Viewer } from '../../discussion/service.ts';
import { type SlugParams, slugParams } from '../route-schema.ts';
import type { AppContext } from '../context.ts';
import { FEED_COMMENTS, commentsFeed } from '../discussion-feeds.ts';
import { HTML } from '../handlers.ts';
import { type DiscussionQuery, canonicalQueryString, parseDiscussionQuery, rawQueryOf } from '../discussion-query.ts';
import { type PreparedBody, prepareBodyAsync, sendDynamic, sendPieces } from '../http.ts';
import { articlePath } from '../pages/discussion.tsx';
import { sessionToken, takesSharedPage } from '../session.ts';
import { sendShared } from '../fast-path.ts';
import { discussionViewer, headerViewer, viewerOf } from '../viewer.ts';
import { visibility } from '../../discussion/comment-rules.ts';
import type { Piece } from '../gzip-segments.ts';
import { makeReaderTemplate, readerPieces } from '../reader-page.ts';
import { discussionAuthorName, renderArticlePage as renderFullPage } from '../article-page.tsx';

/** The routes, one short handler each: this function is long only because it lists them all. */
export function registerArticleRoutes(app: FastifyInstance, ctx: AppContext): void {
  const article = (slug: string) => ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev });

  /** The article with one page of its discussion, as `viewer` (undefined: anyone) sees it. */
  const renderArticlePage = (req: FastifyRequest, slug: string, query: DiscussionQuery, viewer: Viewer | undefined) =>
    renderFullPage(ctx, req, slug, query, viewer);

  /**
   * Whether an anonymous request can name a real page, answered without loading the discussion:
   * a cursor past the threads we last counted, or a thread id that is not a public top-level
   * comment of this article, is no page. Keeps a stream of made-up values from costing renders.
   */
  async function mayExist(slug: string, query: DiscussionQuery): Promise<boolean> {
    const threads = ctx.pageCache.threadCount(slug);
    if (query.after && threads !== undefined && query.after >= threads) return false;
    if (!query.thread) return true;
    const root = await ctx.reads.comment(query.thread);
    return root !== undefined && root.articleSlug === slug && root.parentId === null && visibility(root, 'other') !== 'none';
  }

  /** Every anonymous reader sees the same bytes: one render per page and change, compressed once. */
  async function sharedPage(req: FastifyRequest, slug: string, query: DiscussionQuery): Promise<PreparedBody | undefined> {
    const cacheKey = `page|${ctx.content.version}|${slug}|${canonicalQueryString(query)}`;
    const cached = ctx.pageCache.get(cacheKey, ctx.now());
    if (cached) return cached;
    if (!(await mayExist(slug, query))) return undefined;
    return ctx.pageCache.getOrRender(cacheKey, slug, ctx.now, async () =>
      prepareBodyAsync(await renderArticlePage(req, slug, query, undefined), HTML),
    );
  }

  /**
   * A signed-in reader's page made from the page every such reader shares (see reader-page.ts), or
   * undefined when this reader needs the full render.
   */
  async function readerPage(req: FastifyRequest, slug: string, query: DiscussionQuery, viewer: Viewer): Promise<Piece[] | undefined> {
    const dv = discussionViewer(ctx, req, viewer);
    // Checked again with the template; here it saves loading anything for them.
    if (!dv || dv.isAuthor || dv.standing?.kind === 'banned') return undefined;
    const name = `reader|${ctx.content.version}|${canonicalQueryString(query)}`;
    const [template, state, header] = await Promise.all([
      ctx.pageCache.data(
        name,
        slug,
        ctx.now,
        (t) => t?.bytes ?? 0,
        () => makeReaderTemplate(ctx, article(slug)!, query, discussionAuthorName(ctx)),
      ),
      ctx.discussion.viewerState(viewer, slug),
      headerViewer(ctx, viewer),
    ]);
    if (!template) return undefined;
    return readerPieces(template, { viewer, discussionViewer: dv, header, voted: state.voted, own: state.own, open: state.open });
  }

  app.get<{ Params: SlugParams }>('/writing/:slug', { schema: { params: slugParams } }, async (req, reply) => {
    const { slug } = req.params;
    if (!article(slug)) return reply.callNotFound();
    const parsed = parseDiscussionQuery(rawQueryOf(req.url), articlePath(slug));
    if (parsed.kind === 'invalid') return reply.callNotFound();
    if (parsed.kind === 'redirect') return reply.header('Cache-Control', 'public, max-age=86400').redirect(parsed.location, 301);
    const signedIn = sessionToken(ctx, req) !== undefined;
    // Who gets the shared page is one rule (session.ts), which the fast path follows too.
    const overlay = signedIn && takesSharedPage(ctx, req);
    const viewer = signedIn && !overlay ? await viewerOf(ctx, req) : undefined;
    try {
      if (viewer) {
        const pieces = await readerPage(req, slug, parsed.query, viewer);
        if (pieces) return sendPieces(req, reply, pieces, HTML);
        const html = await renderArticlePage(req, slug, parsed.query, viewer);
        return await sendDynamic(req, reply, html, HTML, { cacheControl: 'private, no-cache' });
      }
      const body = await sharedPage(req, slug, parsed.query);
      if (!body) return reply.callNotFound();
      const query = canonicalQueryString(parsed.query);
      const url = query ? `${articlePath(slug)}?${query}` : articlePath(slug);
      return sendShared(ctx, req, reply, body, { url, vary: 'Accept-Encoding, Cookie', audience: 'shared-page' });
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'bad_request' || err.code === 'not_found')) return reply.callNotFound();
      throw err;
    }
  });

  app.get<{ Params: SlugParams }>('/writing/:slug/comments.xml', { schema: { params: slugParams } }, async (req, reply) => {
    const { slug } = req.params;
    const found = article(slug);
    if (!found) return reply.callNotFound();
    // The feed has no parameters: one cached body per article and change, whatever the query says.
    const key = `comments.xml|${ctx.content.version}|${slug}`;
    const body = await ctx.pageCache.getOrRender(key, slug, ctx.now, async () => {
      const latest = (await ctx.reads.publicComments(slug, FEED_COMMENTS)).map((c) =>
        ctx.discussion.toView(c, undefined, new Set(), false),
      );
      return prepareBodyAsync(commentsFeed(ctx.baseUrl(), found, latest), 'application/atom+xml; charset=utf-8');
    });
    return sendShared(ctx, req, reply, body, {
      url: `${articlePath(slug)}/comments.xml`,
      vary: 'Accept-Encoding, Cookie',
      audience: 'anonymous',
    });
  });
}
