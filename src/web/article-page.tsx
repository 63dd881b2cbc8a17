// An article page rendered in full for one reader (or, without one, for everyone): what the
// article route sends when nothing cached fits, and what the signed-in page made from pieces
// must equal (test/signed-in-render.test.ts).
import type { FastifyRequest } from 'fastify';
import { randomId } from '../discussion/secrets.ts';
import type { Viewer } from '../discussion/service.ts';
import { articleComments } from './article-comments.ts';
import type { AppContext } from './context.ts';
import type { DiscussionQuery } from './discussion-query.ts';
import { renderArticleDocument } from './pages/article.tsx';
import { DiscussionSection } from './pages/discussion.tsx';
import { discussionViewer, headerViewer } from './viewer.ts';

/** Who the site's discussions say replies beside the readers. */
export function discussionAuthorName(ctx: AppContext): string {
  return ctx.content.site.config.authorNames[0] ?? ctx.content.site.config.title;
}

/** The article with one page of its discussion, as `viewer` (undefined: anyone) sees it. */
export async function renderArticlePage(
  ctx: AppContext,
  req: FastifyRequest,
  slug: string,
  query: DiscussionQuery,
  viewer: Viewer | undefined,
): Promise<string> {
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
      authorName={discussionAuthorName(ctx)}
      page={page}
      viewer={discussionViewer(ctx, req, viewer)}
      open={open}
      now={ctx.now()}
      lastEventId={lastEventId}
      idempotencyKey={viewer ? randomId(20) : ''}
    />
  );
  const article = ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev })!;
  return renderArticleDocument(ctx, article, discussion, await headerViewer(ctx, viewer));
}
