import type { CommentState } from './records.ts';
import { SORT_ORDERS, type SortOrder, TOP_SORT_EXPLANATION } from './ranking.ts';

/** The discussion as readers see it: the shapes the service answers with and the pages render. */

export type Sort = SortOrder;
export const SORTS: readonly Sort[] = SORT_ORDERS;
export { TOP_SORT_EXPLANATION };

/** One comment as a reader sees it. */
export interface CommentView {
  id: string;
  parentId: string | null;
  articleSlug: string;
  authorName: string | null;
  isAuthor: boolean;
  /** Sanitized HTML of the body; empty for placeholders. */
  html: string;
  score: number;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  pinned: boolean;
  votedByMe: boolean;
  mine: boolean;
  canEdit: boolean;
  canVote: boolean;
  /** Waiting for review: only its writer and the author see it. */
  held: boolean;
  /** Hidden by the author: a placeholder for the public, the full comment for the author. */
  removed: boolean;
  locked: boolean;
  /** The writer's identity (for the author's moderation controls; never sent in JSON). */
  writerId: string | null;
  /** The stored state (for the author's moderation controls, see moderation-rules.ts; never sent in JSON). */
  state: CommentState;
}

export interface DisplayItem {
  comment: CommentView;
  indent: number;
  replyingTo?: string;
  /** Replies of this comment not shown on this page ("N more replies"). */
  hiddenReplies: number;
  rootId: string;
  /** The comment or one above it is locked: no Reply is offered (the service refuses one anyway). */
  inLockedThread?: boolean;
}

export interface ThreadPage {
  items: DisplayItem[];
  sort: Sort;
  /** Visible comments on the whole article. */
  total: number;
  /** Cursor for the next page of top-level threads, if any. */
  next?: string;
  /** Set when the page shows one thread in full (?thread=ID). */
  focus?: string;
  /** Top-level threads this viewer can see on the whole article (a cursor past them is no page). */
  threads: number;
}
