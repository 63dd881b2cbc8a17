/**
 * Comment ordering: Top, New and Old.
 *
 * Byline has upvotes only, so the usual "best" formulas fail: a raw count buries late comments
 * under early ones, and Wilson's lower bound needs downvotes. Top is an age-gravity score in the
 * style of Hacker News, whose news.arc ranks by (P − 1) / (T + 2)^1.8:
 *
 *     rank = (score + 1) / (ageHours + 2)^1.5
 *
 * "+1" instead of "−1" because a Byline score never includes the commenter's own vote, so a fresh
 * comment with no votes still has weight (and a newer one outranks an older one); gravity 1.5 rather
 * than 1.8 decays more gently, since essays stay relevant for longer than news links. Why this and
 * not an upvote rate per reader who saw the comment, and when to revisit: docs/decisions/0003-top-ranking.md.
 *
 * Ties always break deterministically (the same input gives the same order on every node):
 * Top by more upvotes, then older first, then id; New by newest first, then id descending; Old by
 * oldest first, then id. Pinned comments come first in every sort.
 */

export type SortOrder = 'top' | 'new' | 'old';

export const SORT_ORDERS: readonly SortOrder[] = ['top', 'new', 'old'];

export interface Rankable {
  id: string;
  score: number;
  createdAt: number;
  pinned?: boolean;
}

/** One sentence for the page next to the sort control, saying how Top works. */
export const TOP_SORT_EXPLANATION =
  'Top ranks comments by their upvotes, weighed so that newer comments get a fair chance against older ones.';

/** Gravity exponent and offset (hours) of the Top formula. */
export const AGE_GRAVITY = 1.5;
export const AGE_OFFSET_HOURS = 2;

const HOUR_MS = 60 * 60 * 1000;

export interface TopOptions {
  nowMs: number;
}

function finiteOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * The Top value of a comment: (score + 1) / (ageHours + 2)^1.5. Higher ranks first. A comment
 * dated in the future (clock skew between nodes) counts as brand new. Never shown to readers;
 * they see the upvote count.
 */
export function rankScore(score: number, createdAtMs: number, nowMs: number): number {
  const points = Math.max(0, finiteOr(score, 0));
  const ageHours = Math.max(0, (finiteOr(nowMs, 0) - finiteOr(createdAtMs, 0)) / HOUR_MS);
  return (points + 1) / (ageHours + AGE_OFFSET_HOURS) ** AGE_GRAVITY;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePinned(a: Rankable, b: Rankable): number {
  return (b.pinned ? 1 : 0) - (a.pinned ? 1 : 0);
}

/** Oldest first, then id: the order a conversation reads in. Ignores pinning (used for replies). */
export function compareReadingOrder(a: Rankable, b: Rankable): number {
  return finiteOr(a.createdAt, 0) - finiteOr(b.createdAt, 0) || compareIds(a.id, b.id);
}

/** Old: pinned first, then oldest first, then id ascending. */
export function compareOld(a: Rankable, b: Rankable): number {
  return comparePinned(a, b) || compareReadingOrder(a, b);
}

/** New: pinned first, then newest first, then id descending. */
export function compareNew(a: Rankable, b: Rankable): number {
  return comparePinned(a, b) || compareReadingOrder(b, a);
}

/**
 * Returns a sorted copy. Top: pinned first, then Top value descending, more upvotes, older first,
 * id ascending; the values are computed once per item, not once per comparison.
 */
export function sortComments<T extends Rankable>(items: readonly T[], sort: SortOrder, options: TopOptions): T[] {
  if (sort === 'new') return [...items].sort(compareNew);
  if (sort === 'old') return [...items].sort(compareOld);
  const decorated = items.map((item) => ({ item, value: rankScore(item.score, item.createdAt, options.nowMs) }));
  decorated.sort(
    (a, b) =>
      comparePinned(a.item, b.item) ||
      b.value - a.value ||
      finiteOr(b.item.score, 0) - finiteOr(a.item.score, 0) ||
      compareReadingOrder(a.item, b.item),
  );
  return decorated.map((d) => d.item);
}
