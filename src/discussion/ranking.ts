/**
 * Comment ordering: Top, New and Old.
 *
 * Byline has upvotes only, so the usual "best" formulas fail (publishing-and-ranking.md §2.2): a raw
 * count buries late comments under early ones, Wilson's lower bound needs downvotes, and Hacker
 * News' wall-clock gravity turns an evergreen article's Top into "recent with a vote".
 *
 * Top therefore follows the recommendation in publishing-and-ranking.md §2.3, a Bayesian upvote
 * rate per exposure:
 *
 *     Top_c = (k_c + m·p0) / (n_c + m)  with  m = 1/p0   =   (k_c + 1) / (n_c + 1/p0)
 *
 *   k_c  upvotes on the comment (exact, one per identity);
 *   n_c  exposures since it was posted: distinct visitor-days that rendered the comments section
 *        after the comment appeared, floored at k_c (every voter saw it);
 *   p0   the site's prior upvote rate per exposure (`sitePriorRate`), default 0.005.
 *
 * The prior is worth one upvote, so a brand-new comment (k = 0, n ≈ 0) starts at about the site
 * average and lands mid-list where readers see it; if it keeps being seen without votes it drifts
 * down, and if it earns votes faster per reader than the incumbents it passes them. There is no
 * wall-clock decay, so a launch-week favourite still leads years later if readers keep voting for it.
 *
 * When the store can't supply exposure counts, `rankScore` is an age-based fallback in the style of
 * Hacker News' gravity, (P − 1) / (T + 2)^1.8 from news.arc [HN1 in the same note]:
 *
 *     rank = (score + 1) / (ageHours + 2)^1.5
 *
 * "+1" instead of "−1" because a Byline score never includes the commenter's own vote, so a fresh
 * comment with no votes still has weight (and a newer one outranks an older one); gravity 1.5 rather
 * than 1.8 decays more gently, since essays stay relevant for longer than news links.
 *
 * Ties always break deterministically (the same input gives the same order on every node):
 * Top by more upvotes, then older first, then id; New by newest first, then id descending; Old by
 * oldest first, then id. Pinned comments come first in every sort.
 */

export type SortOrder = 'top' | 'new' | 'old';

export const SORT_ORDERS: readonly SortOrder[] = ['top', 'new', 'old'];

export function isSortOrder(value: unknown): value is SortOrder {
  return value === 'top' || value === 'new' || value === 'old';
}

export interface Rankable {
  id: string;
  score: number;
  createdAt: number;
  pinned?: boolean;
  /** Exposures since the comment was posted (n_c above); absent when the store doesn't count them. */
  exposures?: number;
}

export type Comparator<T> = (a: T, b: T) => number;

/**
 * One sentence for the page next to the sort control (§2.3, "How Top works"). It is true whichever
 * formula ranks the list; `topSortExplanation(basis)` gives the precise one.
 */
export const TOP_SORT_EXPLANATION =
  'Top ranks comments by their upvotes, weighed so that newer comments get a fair chance against older ones.';
/** The sentence §2.3 suggests, for lists ranked by exposures. */
export const TOP_SORT_EXPLANATION_BY_EXPOSURE =
  'Top ranks comments by upvotes per reader who saw them, so newer comments get a fair chance.';
/** The same, for lists ranked by the age-based fallback. */
export const TOP_SORT_EXPLANATION_BY_AGE =
  'Top ranks comments by upvotes, weighed against age so newer comments get a fair chance.';

/** Default p0 until the site has enough history (§2.3). */
export const DEFAULT_PRIOR_RATE = 0.005;
export const MIN_PRIOR_RATE = 0.0005;
export const MAX_PRIOR_RATE = 0.05;
/** p0 is learned only from comments at least this old, whose rate has settled. */
export const PRIOR_MIN_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** …and only once those comments have at least this many exposures between them. */
export const PRIOR_MIN_EXPOSURES = 2000;

/** Gravity exponent and offset (hours) of the age-based fallback. */
export const AGE_GRAVITY = 1.5;
export const AGE_OFFSET_HOURS = 2;

const HOUR_MS = 60 * 60 * 1000;

function finiteOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function clampPrior(rate: number): number {
  if (!Number.isFinite(rate)) return DEFAULT_PRIOR_RATE;
  return Math.min(MAX_PRIOR_RATE, Math.max(MIN_PRIOR_RATE, rate));
}

/**
 * The Top value of a comment: (k + 1) / (n + 1/p0), with n floored at k. Higher ranks first.
 * Never shown to readers; they see the upvote count.
 */
export function topScore(upvotes: number, exposures: number, priorRate: number = DEFAULT_PRIOR_RATE): number {
  const k = Math.max(0, finiteOr(upvotes, 0));
  const n = Math.max(k, finiteOr(exposures, 0));
  return (k + 1) / (n + 1 / clampPrior(priorRate));
}

/**
 * The site's prior upvote rate p0: Σk / Σn over comments older than seven days, clamped to
 * [0.0005, 0.05]; the default 0.005 until those comments have 2,000 exposures (§2.3).
 */
export function sitePriorRate(
  comments: Iterable<{ score: number; exposures?: number; createdAt: number }>,
  nowMs: number,
): number {
  let upvotes = 0;
  let exposures = 0;
  for (const c of comments) {
    if (nowMs - c.createdAt < PRIOR_MIN_AGE_MS) continue;
    const k = Math.max(0, finiteOr(c.score, 0));
    upvotes += k;
    exposures += Math.max(k, finiteOr(c.exposures, 0));
  }
  if (exposures < PRIOR_MIN_EXPOSURES) return DEFAULT_PRIOR_RATE;
  return clampPrior(upvotes / exposures);
}

/**
 * Age-based fallback: (score + 1) / (ageHours + 2)^1.5. A comment dated in the future (clock skew
 * between nodes) counts as brand new.
 */
export function rankScore(score: number, createdAtMs: number, nowMs: number): number {
  const points = Math.max(0, finiteOr(score, 0));
  const ageHours = Math.max(0, (finiteOr(nowMs, 0) - finiteOr(createdAtMs, 0)) / HOUR_MS);
  return (points + 1) / (ageHours + AGE_OFFSET_HOURS) ** AGE_GRAVITY;
}

export type TopBasis = 'exposures' | 'age';

export interface TopOptions {
  nowMs: number;
  /** p0 for the exposure formula; see `sitePriorRate`. */
  priorRate?: number;
  /**
   * Which formula ranks this list. One list must use one formula: the two scales are not
   * comparable. `chooseTopBasis` picks 'exposures' when every comment carries an exposure count.
   */
  basis?: TopBasis;
}

export function topSortExplanation(basis: TopBasis): string {
  return basis === 'exposures' ? TOP_SORT_EXPLANATION_BY_EXPOSURE : TOP_SORT_EXPLANATION_BY_AGE;
}

/** 'exposures' when every item has a finite exposure count, otherwise the age-based fallback. */
export function chooseTopBasis(items: Iterable<Rankable>): TopBasis {
  for (const item of items) {
    if (typeof item.exposures !== 'number' || !Number.isFinite(item.exposures)) return 'age';
  }
  return 'exposures';
}

/** The Top value of one comment under the given options (basis defaults to the exposure formula
 *  when the comment has an exposure count, else age). */
export function topValue(item: Rankable, options: TopOptions): number {
  const basis = options.basis ?? (typeof item.exposures === 'number' ? 'exposures' : 'age');
  return basis === 'exposures'
    ? topScore(item.score, item.exposures ?? 0, options.priorRate)
    : rankScore(item.score, item.createdAt, options.nowMs);
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
 * Top: pinned first, then Top value descending, more upvotes, older first, id ascending.
 * Returns a comparator because Top depends on the clock and the prior. Pass an explicit `basis`
 * (for instance from `chooseTopBasis`) when a list may mix comments with and without exposures.
 */
export function compareTop(options: TopOptions): Comparator<Rankable> {
  return (a, b) =>
    comparePinned(a, b) ||
    topValue(b, options) - topValue(a, options) ||
    finiteOr(b.score, 0) - finiteOr(a.score, 0) ||
    compareReadingOrder(a, b);
}

/** The comparator for a sort order; Top needs `options`. */
export function comparatorFor(sort: SortOrder, options: TopOptions): Comparator<Rankable> {
  if (sort === 'new') return compareNew;
  if (sort === 'old') return compareOld;
  return compareTop(options);
}

/**
 * Returns a sorted copy. For Top the values are computed once per item and the formula is chosen
 * for the whole list (`chooseTopBasis`) unless `options.basis` says otherwise.
 */
export function sortComments<T extends Rankable>(items: readonly T[], sort: SortOrder, options: TopOptions): T[] {
  if (sort !== 'top') return [...items].sort(comparatorFor(sort, options));
  const resolved: TopOptions = { ...options, basis: options.basis ?? chooseTopBasis(items) };
  const decorated = items.map((item) => ({ item, value: topValue(item, resolved) }));
  decorated.sort(
    (a, b) =>
      comparePinned(a.item, b.item) ||
      b.value - a.value ||
      finiteOr(b.item.score, 0) - finiteOr(a.item.score, 0) ||
      compareReadingOrder(a.item, b.item),
  );
  return decorated.map((d) => d.item);
}
