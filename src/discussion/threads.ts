import type { CommentRecord, OwnComment } from './records.ts';
import { canEdit } from './comment-rules.ts';
import type { DiscussionCore } from './core.ts';
import { DomainError } from './errors.ts';
import type { Viewer } from './settings.ts';
import { buildThread, countDescendants, DEFAULT_MAX_INDENT, flattenForDisplay, type ThreadNode } from './thread.ts';
import type { CommentView, DisplayItem, Sort, ThreadPage } from './views.ts';

/**
 * What one page may hold, whatever the thread looks like: a page ends after the thread that
 * reaches either bound (a page always shows at least its first thread), and replies past the
 * bound are counted as "N more replies" instead of shown. This keeps the cost of one uncached
 * page, and its size in the page cache, bounded by these numbers rather than by the discussion.
 */
export const PAGE_BOUNDS = {
  /** Far above a page of ordinary comments (about 150 KB of HTML for 50 threads); caps 10,000-character ones. */
  list: { comments: 400, htmlBytes: 256 * 1024 },
  /** One thread in full (?thread=ID): more room, still bounded. */
  focus: { comments: 1000, htmlBytes: 512 * 1024 },
} as const;

type Budget = { comments: number; htmlBytes: number };

/**
 * The name a reply shown flat (past the deepest indent) says it answers: only a public comment's
 * writer is named, so a placeholder's writer is never revealed this way.
 */
export function replyingToName(answered: Pick<CommentRecord, 'state' | 'authorName'> | undefined): string | undefined {
  return answered?.state === 'visible' ? (answered.authorName ?? undefined) : undefined;
}

/**
 * Where one comment sits when it is shown on its own (a live update, the poster's new comment),
 * placed as a page would place it: see flattenForDisplay in thread.ts.
 */
export function placement(
  depth: number,
  parent: Pick<CommentRecord, 'state' | 'authorName'> | undefined,
  maxIndent: number = DEFAULT_MAX_INDENT,
): { indent: number; replyingTo?: string } {
  const indent = Math.min(depth, maxIndent);
  return depth > maxIndent ? { indent, replyingTo: replyingToName(parent) } : { indent };
}

/**
 * Drops placeholders that hold up no reply, repeatedly (removing one can free its parent): a
 * hidden comment leaves a "removed by the author" marker only where replies hang on it.
 */
function pruneLonePlaceholders(comments: CommentRecord[], isPlaceholder: (c: CommentRecord) => boolean): CommentRecord[] {
  let kept = comments;
  for (;;) {
    const parents = new Set(kept.map((c) => c.parentId).filter((p): p is string => p !== null));
    const next = kept.filter((c) => !isPlaceholder(c) || parents.has(c.id));
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

function parseCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  // Only the plain decimal the site writes: "1e2", " 5" or "0x10" are not cursors, however Number() reads them.
  if (!/^\d{1,9}$/.test(cursor)) throw new DomainError('bad_request', "The 'after' cursor is not one this site gave out.");
  return Number(cursor);
}

/**
 * Keeps the first `limit` replies under each comment, in display order, while the page's
 * budget lasts (the root is always kept), and counts what was left out under each parent.
 * Recursion is bounded by the stored depth limit (MAX_STORED_DEPTH in thread.ts).
 */
function trimReplies(root: ThreadNode<CommentRecord>, limit: number, budget: Budget, spend: (c: CommentRecord) => void) {
  const hidden = new Map<string, number>();
  const trim = (n: ThreadNode<CommentRecord>): ThreadNode<CommentRecord> => {
    const kept: ThreadNode<CommentRecord>[] = [];
    let dropped = 0;
    n.children.forEach((child, i) => {
      if (i < limit && budget.comments > 0 && budget.htmlBytes > 0) {
        spend(child.comment);
        kept.push(trim(child));
      } else {
        dropped += 1 + countDescendants(child);
      }
    });
    if (dropped > 0) hidden.set(n.comment.id, dropped);
    return { ...n, children: kept };
  };
  spend(root.comment);
  return { node: trim(root), hidden };
}

/** A signed-in reader's own state on an article, beside the shared page; see Threads.viewerState. */
export interface ViewerState {
  voted: string[];
  own: { id: string; canEdit: boolean; held: boolean }[];
  open: boolean;
  /** Ids of the reader's own comments the shared page does not show them in full. */
  offSharedPage: string[];
}

/**
 * Of a viewer's own comments, those the shared page of an article does not show them in full:
 * those waiting for review and, while the writer is muted, all their public ones (the shared
 * page leaves a muted writer's comments out, but the writer must still see them, unannounced).
 */
function offSharedPage(own: readonly OwnComment[], viewer: Viewer): string[] {
  return own.filter((c) => c.state === 'held' || (c.state === 'visible' && viewer.identity.muted)).map((c) => c.id);
}

/** Reading the discussion: pages of threads, single comments, and a signed-in reader's own state. */
export class Threads {
  constructor(private readonly core: DiscussionCore) {}

  /**
   * One page of an article's discussion: a constant handful of queries (comments, the viewer's
   * votes, the article's state) however large the thread. Top-level threads are sorted; replies
   * stay in reading order. The page holds at most PAGE_BOUNDS; a cursor past the last thread, or
   * a focus that is not a top-level comment this viewer can see, is 'not_found'. `records` loads
   * the article's comments from where the caller keeps them (as listComments answers them).
   */
  async page(
    slug: string,
    viewer: Viewer | undefined,
    opts: { sort?: Sort; after?: string; focus?: string; records?: () => Promise<readonly CommentRecord[]> } = {},
  ): Promise<ThreadPage> {
    const { core } = this;
    core.requireArticle(slug);
    const sort = opts.sort ?? 'top';
    const offset = parseCursor(opts.after);
    const [records, votedIds, open] = await Promise.all([
      opts.records ? opts.records() : core.store.listComments(slug),
      viewer ? core.store.votedCommentIds(viewer.identity.id, slug) : Promise.resolve([]),
      core.isOpen(slug),
    ]);
    const shown = pruneLonePlaceholders(
      records.filter((c) => core.visibleTo(c, viewer) !== 'none'),
      (c) => core.visibleTo(c, viewer) === 'placeholder',
    );
    const total = shown.filter((c) => c.state === 'visible' && core.visibleTo(c, viewer) === 'full').length;
    const roots = buildThread(shown, sort, core.now());
    if (offset > 0 && offset >= roots.length) throw new DomainError('not_found', 'There is no such page of comments.');
    const focused = opts.focus ? roots.find((n) => n.comment.id === opts.focus) : undefined;
    if (opts.focus && !focused) throw new DomainError('not_found', 'There is no such thread on this article.');
    const candidates = focused ? [focused] : roots.slice(offset, offset + core.settings.threadsPerPage);
    const voted = new Set(votedIds);
    const toView = (c: CommentRecord) => core.toView(c, viewer, voted, open);
    const { items, rootsShown } = this.itemsOf(candidates, focused !== undefined, toView);
    const nextOffset = offset + rootsShown;
    return {
      items,
      sort,
      total,
      next: !focused && nextOffset < roots.length ? String(nextOffset) : undefined,
      focus: focused ? opts.focus : undefined,
      threads: roots.length,
    };
  }

  /** The rows of a page: whole threads until the page's budget runs out, replies trimmed. */
  private itemsOf(candidates: ThreadNode<CommentRecord>[], focused: boolean, toView: (c: CommentRecord) => CommentView) {
    const { core } = this;
    const bounds = focused ? PAGE_BOUNDS.focus : PAGE_BOUNDS.list;
    const budget: Budget = { comments: bounds.comments, htmlBytes: bounds.htmlBytes };
    const limit = focused ? Number.POSITIVE_INFINITY : core.settings.repliesShown;
    const spend = (c: CommentRecord) => {
      budget.comments--;
      budget.htmlBytes -= c.state === 'visible' || c.state === 'held' ? core.renderedHtml(c).length : 0;
    };
    const items: DisplayItem[] = [];
    let rootsShown = 0;
    for (const root of candidates) {
      if (rootsShown > 0 && (budget.comments <= 0 || budget.htmlBytes <= 0)) break;
      rootsShown++;
      const trimmed = trimReplies(root, limit, budget, spend);
      for (const entry of flattenForDisplay([trimmed.node], core.settings.maxIndent, (c) => c.locked)) {
        items.push({
          comment: toView(entry.comment),
          indent: entry.indent,
          replyingTo: replyingToName(entry.replyingTo),
          hiddenReplies: trimmed.hidden.get(entry.comment.id) ?? 0,
          rootId: root.comment.id,
          inLockedThread: entry.inLockedThread,
        });
      }
    }
    return { items, rootsShown };
  }

  /**
   * The article and root thread of a comment, for permalinks that sit on a later page. Callers
   * check first that the viewer may see the comment (a held one is its writer's and the author's).
   */
  async locate(commentId: string): Promise<{ articleSlug: string; rootId: string }> {
    const c = await this.core.store.getComment(commentId);
    if (!c) throw new DomainError('not_found', 'There is no comment with that id.');
    return { articleSlug: c.articleSlug, rootId: (await this.core.store.threadRoot(commentId)) ?? commentId };
  }

  async commentView(id: string, viewer: Viewer | undefined): Promise<CommentView | undefined> {
    const { core } = this;
    const c = await core.store.getComment(id);
    if (!c || core.visibleTo(c, viewer) === 'none') return undefined;
    const voted = viewer ? new Set(await core.store.votedCommentIds(viewer.identity.id, c.articleSlug)) : new Set<string>();
    return core.toView(c, viewer, voted, await core.isOpen(c.articleSlug));
  }

  /**
   * What a signed-in reader's page shows differently from everyone else's: which comments they
   * upvoted, which are theirs, and which of theirs the shared page leaves off (`offSharedPage`,
   * see offSharedPage). Lets a signed-in reader get the shared cached page plus this, from one
   * read of their own comments.
   */
  async viewerState(viewer: Viewer, slug: string): Promise<ViewerState> {
    const { core } = this;
    core.requireArticle(slug);
    const [voted, own, open] = await Promise.all([
      core.store.votedCommentIds(viewer.identity.id, slug),
      core.store.ownComments(viewer.identity.id, slug),
      core.isOpen(slug),
    ]);
    const rules = { isWriter: true, open, now: core.now(), editWindowMs: core.settings.editWindowMs };
    return {
      voted,
      own: own.filter((c) => c.state !== 'deleted').map((c) => ({ id: c.id, canEdit: canEdit(c, rules), held: c.state === 'held' })),
      open,
      offSharedPage: offSharedPage(own, viewer),
    };
  }
}
