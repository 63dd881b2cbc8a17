// An article's page with its discussion, and its public comments feed. Anonymous readers share
// one cached render per page and change; a signed-in reader without the script gets their own.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../../discussion/errors.ts';
import { randomId } from '../../discussion/secrets.ts';
import type { Viewer } from '../../discussion/service.ts';
import { type SlugParams, slugParams } from '../route-schema.ts';
import { articleComments } from '../article-comments.ts';
import type { AppContext } from '../context.ts';
import { FEED_COMMENTS, commentsFeed } from '../discussion-feeds.ts';
import { HTML } from '../handlers.ts';
import { type DiscussionQuery, canonicalQueryString, parseDiscussionQuery, rawQueryOf } from '../discussion-query.ts';
import { type PreparedBody, prepareBodyAsync, sendDynamic, sendPrepared } from '../http.ts';
import { renderArticleDocument } from '../pages/article.tsx';
import { DiscussionSection, articlePath } from '../pages/discussion.tsx';
import { authorHintCookie, jsCookie, readCookie, sessionToken } from '../session.ts';
import { discussionViewer, headerViewer, viewerOf } from '../viewer.ts';
import { visibility } from '../../discussion/comment-rules.ts';

/** The routes, one short handler each: this function is long only because it lists them all. */
export function registerArticleRoutes(app: FastifyInstance, ctx: AppContext): void {
  const article = (slug: string) => ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev });

  /** The article with one page of its discussion, as `viewer` (undefined: anyone) sees it. */
  async function renderArticlePage(req: FastifyRequest, slug: string, query: DiscussionQuery, viewer: Viewer | undefined): Promise<string> {
    const generation = ctx.pageCache.generation(slug);
    const page = await ctx.discussion.threadPage(slug, viewer, {
      sort: query.sort,
      after: query.after ? String(query.after) : undefined,
      focus: query.thread,
      // Anonymous pages are cached per change of the article, so they can share one load of it.
      records: viewer ? undefined : () => articleComments(ctx, slug),
    });
    if (!viewer) ctx.pageCache.noteThreadCount(slug, generation, page.threads);
    const [open, lastEventId] = await Promise.all([ctx.discussion.isOpen(slug), ctx.reads.latestEventId()]);
    const discussion = (
      <DiscussionSection
        slug={slug}
        authorName={ctx.content.site.config.authorNames[0] ?? ctx.content.site.config.title}
        page={page}
        viewer={discussionViewer(ctx, req, viewer)}
        open={open}
        now={ctx.now()}
        lastEventId={lastEventId}
        idempotencyKey={viewer ? randomId(20) : ''}
      />
    );
    return renderArticleDocument(ctx, article(slug)!, discussion, await headerViewer(ctx, viewer));
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

  app.get<{ Params: SlugParams }>('/writing/:slug', { schema: { params: slugParams } }, async (req, reply) => {
    const { slug } = req.params;
    if (!article(slug)) return reply.callNotFound();
    const parsed = parseDiscussionQuery(rawQueryOf(req.url), articlePath(slug));
    if (parsed.kind === 'invalid') return reply.callNotFound();
    if (parsed.kind === 'redirect') return reply.header('Cache-Control', 'public, max-age=86400').redirect(parsed.location, 301);
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
        const html = await renderArticlePage(req, slug, parsed.query, viewer);
        return await sendDynamic(req, reply, html, HTML, { cacheControl: 'private, no-cache' });
      }
      const body = await sharedPage(req, slug, parsed.query);
      if (!body) return reply.callNotFound();
      return sendPrepared(req, reply, body, 'no-cache', 200, 'Accept-Encoding, Cookie');
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
    return sendPrepared(req, reply, body, 'no-cache');
  });
}
