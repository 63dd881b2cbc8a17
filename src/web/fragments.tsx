import type { Viewer } from '../discussion/service.ts';
import type { AppContext } from './context.ts';
import { CommentItem, type DiscussionViewer } from './pages/discussion.tsx';
import { renderFragment } from './render.ts';
import { placement } from '../discussion/threads.ts';

/** What rendering one comment needs; the live hub's formatter has it before the whole context exists. */
export type FragmentContext = Pick<AppContext, 'discussion' | 'reads' | 'now'>;

/**
 * One comment's <li>, rendered as the given viewer sees it, placed by depth the way the page
 * would place it. Used for live updates (viewer: nobody) and for the poster's own new comment.
 */
export async function renderCommentFragment(
  ctx: FragmentContext,
  commentId: string,
  viewer: Viewer | undefined,
  dViewer: DiscussionViewer | null,
): Promise<string | undefined> {
  const record = await ctx.reads.comment(commentId);
  const view = await ctx.discussion.commentView(commentId, viewer);
  if (!record || !view) return undefined;
  const parent = record.parentId ? await ctx.reads.comment(record.parentId) : undefined;
  const where = record.parentId ? await ctx.discussion.locate(record.id) : { rootId: record.id };
  const item = {
    comment: view,
    ...placement(record.depth, parent),
    hiddenReplies: 0,
    rootId: where.rootId,
  };
  return renderFragment(<CommentItem item={item} slug={record.articleSlug} viewer={dViewer} now={ctx.now()} />);
}
