/**
 * Threads: from a flat list of comments to the tree a page shows. Paging through the tree, with
 * its bounds per page, is the reading service's (threads.ts).
 *
 * Ordering: top-level comments follow the chosen sort (Top, New or Old; see ranking.ts); replies
 * are ALWAYS in reading order, oldest first, under every sort, because a conversation must read
 * in order (Ghost orders replies `created_at ASC` the same way). Top ranks a thread by its
 * top-level comment only, not by its replies.
 *
 * Orphans: a comment whose parent is not in the input (moderated away, or not loaded) cannot be placed
 * without misrepresenting whom it answers, so it is left out of the tree and returned in `orphans`,
 * together with its own replies and any comments caught in a parent cycle. The caller decides
 * whether to show them; the tree never guesses.
 *
 * Everything here walks the tree with explicit stacks, never recursion, so even a reply chain
 * thousands deep (a hostile import, or a test that builds one) cannot overflow the call stack.
 */

import { DomainError } from './errors.ts';
import { compareReadingOrder, type Rankable, type SortOrder, sortComments } from './ranking.ts';

/** What a thread needs to know about a comment; anything else rides along untouched. */
export interface ThreadNodeInput extends Rankable {
  id: string;
  parentId: string | null;
  createdAt: number;
  score: number;
  pinned?: boolean;
}

/** A comment row with arbitrary extra fields (author, html, …). */
export type ThreadComment = ThreadNodeInput & { [k: string]: unknown };

export interface ThreadNode<T> {
  comment: T;
  children: ThreadNode<T>[];
  /** 0 for a top-level comment, parent's depth + 1 for a reply. */
  depth: number;
}

export interface Forest<T> {
  roots: ThreadNode<T>[];
  /** Comments that could not be attached to a top-level comment, in reading order. */
  orphans: T[];
}

/**
 * Deepest reply depth the store accepts (a top-level comment has depth 0). Deeper chains are refused
 * rather than re-parented, so nobody's reply silently ends up under a different comment.
 */
export const MAX_STORED_DEPTH = 50;

/** Indentation at which display stops nesting and shows "replying to NAME" instead. */
export const DEFAULT_MAX_INDENT = 6;

/**
 * Depth of a new comment: 0 for a top-level comment (`parentDepth` null), otherwise one more than
 * its parent. Throws a 'rule_broken' DomainError past MAX_STORED_DEPTH.
 */
export function depthOf(parentDepth: number | null): number {
  if (parentDepth === null) return 0;
  if (!Number.isInteger(parentDepth) || parentDepth < 0) {
    throw new RangeError(`parentDepth must be a non-negative integer, got ${parentDepth}`);
  }
  const depth = parentDepth + 1;
  if (depth > MAX_STORED_DEPTH) {
    throw new DomainError(
      'rule_broken',
      `Replies can nest at most ${MAX_STORED_DEPTH} levels deep. Please reply to an earlier comment in this conversation.`,
    );
  }
  return depth;
}

/**
 * Builds the tree and reports orphans. Input order never matters: the same comments in any order
 * give the same tree. Duplicate ids are a programming error and throw.
 */
export function buildForest<T extends ThreadNodeInput>(comments: readonly T[], sort: SortOrder, nowMs: number): Forest<T> {
  const byId = new Map<string, T>();
  for (const c of comments) {
    if (byId.has(c.id)) throw new Error(`Duplicate comment id in thread input: ${c.id}`);
    byId.set(c.id, c);
  }

  const tops: T[] = [];
  const repliesTo = new Map<string, T[]>();
  for (const c of comments) {
    if (c.parentId === null) {
      tops.push(c);
    } else {
      const list = repliesTo.get(c.parentId);
      if (list) list.push(c);
      else repliesTo.set(c.parentId, [c]);
    }
  }

  const sortedTops = sortComments(tops, sort, { nowMs });
  const placed = new Set<string>();
  const roots: ThreadNode<T>[] = [];
  const stack: ThreadNode<T>[] = [];
  for (const c of sortedTops) {
    const node: ThreadNode<T> = { comment: c, children: [], depth: 0 };
    roots.push(node);
    stack.push(node);
    placed.add(c.id);
  }
  while (stack.length > 0) {
    const node = stack.pop()!;
    const replies = repliesTo.get(node.comment.id);
    if (!replies) continue;
    for (const reply of [...replies].sort(compareReadingOrder)) {
      if (placed.has(reply.id)) continue;
      placed.add(reply.id);
      const child: ThreadNode<T> = { comment: reply, children: [], depth: node.depth + 1 };
      node.children.push(child);
      stack.push(child);
    }
  }

  const orphans = comments.filter((c) => !placed.has(c.id)).sort(compareReadingOrder);
  return { roots, orphans };
}

/** The tree alone; see `buildForest` for the orphans. */
export function buildThread<T extends ThreadNodeInput>(comments: readonly T[], sort: SortOrder, nowMs: number): ThreadNode<T>[] {
  return buildForest(comments, sort, nowMs).roots;
}

/** Number of comments below a node (children, their children, …), not counting the node itself. */
export function countDescendants<T>(node: ThreadNode<T>): number {
  let count = 0;
  const stack = [...node.children];
  while (stack.length > 0) {
    const next = stack.pop()!;
    count++;
    for (const child of next.children) stack.push(child);
  }
  return count;
}

export interface DisplayRow<T> {
  comment: T;
  /** 0 … maxIndent. */
  indent: number;
  /** Set when the comment is deeper than maxIndent: the comment it answers, for "replying to NAME". */
  replyingTo?: T;
  /** The comment or one above it is locked (by `isLocked`): a lock covers the whole thread below it. */
  inLockedThread: boolean;
}

/**
 * The tree as rows in display order (each comment followed by its replies). Comments deeper than
 * `maxIndent` stay at `maxIndent` and carry `replyingTo`, because at that point indentation alone
 * can no longer say whom they answer.
 */
export function flattenForDisplay<T>(
  nodes: readonly ThreadNode<T>[],
  maxIndent: number = DEFAULT_MAX_INDENT,
  isLocked: (comment: T) => boolean = () => false,
  lockedAbove = false,
): DisplayRow<T>[] {
  const limit = Math.max(0, Math.floor(maxIndent));
  const rows: DisplayRow<T>[] = [];
  const stack: Array<{ node: ThreadNode<T>; parent?: T; lockedAbove: boolean }> = [];
  for (let i = nodes.length - 1; i >= 0; i--) stack.push({ node: nodes[i]!, lockedAbove });
  while (stack.length > 0) {
    const { node, parent, lockedAbove: above } = stack.pop()!;
    const inLockedThread = above || isLocked(node.comment);
    const row: DisplayRow<T> = { comment: node.comment, indent: Math.min(node.depth, limit), inLockedThread };
    if (node.depth > limit && parent !== undefined) row.replyingTo = parent;
    rows.push(row);
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push({ node: node.children[i]!, parent: node.comment, lockedAbove: inLockedThread });
    }
  }
  return rows;
}
