import type { AppContext } from './context.ts';
import type { Viewer } from '../discussion/service.ts';
import { CommentItem, type DiscussionViewer } from './pages/discussion.tsx';
import { renderFragment } from './render.ts';

/**
 * One comment's <li>, rendered as the given viewer sees it, placed by depth the way the page
 * would place it. Used for live updates (viewer: nobody) and for the poster's own new comment.
 */
export async function renderCommentFragment(ctx: AppContext, commentId: string, viewer: Viewer | undefined, dViewer: DiscussionViewer | null): Promise<string | undefined> {
  const record = await ctx.store.getComment(commentId);
  const view = await ctx.discussion.commentView(commentId, viewer);
  if (!record || !view) return undefined;
  const parent = record.parentId ? await ctx.store.getComment(record.parentId) : undefined;
  const where = record.parentId ? await ctx.discussion.locate(record.id) : { rootId: record.id };
  const item = {
    comment: view,
    indent: Math.min(record.depth, 6),
    replyingTo: record.depth > 6 && parent?.state === 'visible' ? (parent.authorName ?? undefined) : undefined,
    hiddenReplies: 0,
    rootId: where.rootId,
  };
  return renderFragment(<CommentItem item={item} slug={record.articleSlug} viewer={dViewer} now={ctx.now()} />);
}
