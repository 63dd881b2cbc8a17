import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  chooseTopBasis,
  compareNew,
  compareOld,
  compareReadingOrder,
  compareTop,
  DEFAULT_PRIOR_RATE,
  MAX_PRIOR_RATE,
  MIN_PRIOR_RATE,
  PRIOR_MIN_AGE_MS,
  type Rankable,
  type SortOrder,
  rankScore,
  sitePriorRate,
  sortComments,
  TOP_SORT_EXPLANATION,
  topScore,
  topSortExplanation,
} from '../src/discussion/ranking.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 5, 1, 12);

describe('topScore (Bayesian upvote rate per exposure)', () => {
  test('reproduces the worked example in publishing-and-ranking.md §2.3', () => {
    const p0 = 0.004;
    const rows = [
      { id: 'A', k: 40, n: 10_000, top: 0.004 },
      { id: 'B', k: 12, n: 1_000, top: 0.0104 },
      { id: 'D', k: 3, n: 1_000, top: 0.0032 },
      { id: 'E', k: 2, n: 60, top: 0.0097 },
      { id: 'C', k: 0, n: 20, top: 0.0037 },
    ];
    for (const row of rows) {
      assert.ok(Math.abs(topScore(row.k, row.n, p0) - row.top) < 0.00005, row.id);
    }
    const items: Rankable[] = rows.map((r) => ({ id: r.id, score: r.k, exposures: r.n, createdAt: NOW }));
    const order = sortComments(items, 'top', { nowMs: NOW, priorRate: p0 }).map((c) => c.id);
    assert.deepEqual(order, ['B', 'E', 'A', 'C', 'D']);
  });

  test('more votes rank higher at equal exposure', () => {
    assert.ok(topScore(5, 500) > topScore(4, 500));
  });

  test('a late comment with a few votes beats an old one with slightly more', () => {
    // 3 votes from 100 readers beats 5 votes from 2,000 readers.
    assert.ok(topScore(3, 100) > topScore(5, 2_000));
  });

  test('a brand-new comment starts near the site prior, above a comment shown to be weak', () => {
    const fresh = topScore(0, 0, 0.005);
    assert.ok(Math.abs(fresh - 0.005) < 1e-12);
    assert.ok(fresh > topScore(1, 1_000, 0.005));
  });

  test('exposures are floored at the vote count', () => {
    assert.equal(topScore(10, 3), topScore(10, 10));
  });

  test('bad numbers are treated as zero, and the prior is clamped', () => {
    assert.equal(topScore(Number.NaN, -5), topScore(0, 0));
    assert.equal(topScore(1, 10, 0), topScore(1, 10, MIN_PRIOR_RATE));
    assert.equal(topScore(1, 10, 1), topScore(1, 10, MAX_PRIOR_RATE));
  });

  test('is increasing in votes and decreasing in exposures', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.nat(1_000_000),
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: MIN_PRIOR_RATE, max: MAX_PRIOR_RATE, noNaN: true }),
        (k, n, extra, p0) => {
          const exposures = Math.max(n, k + extra);
          return (
            topScore(k + 1, exposures, p0) > topScore(k, exposures, p0) &&
            topScore(k, exposures + extra, p0) < topScore(k, exposures, p0)
          );
        },
      ),
    );
  });
});

describe('sitePriorRate', () => {
  test('uses the default until older comments have enough exposures', () => {
    assert.equal(sitePriorRate([], NOW), DEFAULT_PRIOR_RATE);
    assert.equal(sitePriorRate([{ score: 10, exposures: 100, createdAt: NOW - 30 * DAY }], NOW), DEFAULT_PRIOR_RATE);
  });

  test('is Σk/Σn over comments older than seven days', () => {
    const old = NOW - PRIOR_MIN_AGE_MS - 1;
    const comments = [
      { score: 20, exposures: 2_000, createdAt: old },
      { score: 10, exposures: 1_000, createdAt: old },
      { score: 500, exposures: 600, createdAt: NOW - DAY }, // too young: ignored
    ];
    assert.equal(sitePriorRate(comments, NOW), 30 / 3_000);
  });

  test('is clamped to [0.0005, 0.05]', () => {
    const old = NOW - 30 * DAY;
    assert.equal(sitePriorRate([{ score: 0, exposures: 5_000, createdAt: old }], NOW), MIN_PRIOR_RATE);
    assert.equal(sitePriorRate([{ score: 4_000, exposures: 5_000, createdAt: old }], NOW), MAX_PRIOR_RATE);
  });
});

describe('rankScore (age-based fallback)', () => {
  test('more votes rank higher at equal age', () => {
    assert.ok(rankScore(5, NOW - 3 * HOUR, NOW) > rankScore(4, NOW - 3 * HOUR, NOW));
  });

  test('a new comment with a few votes beats an old one with slightly more', () => {
    assert.ok(rankScore(3, NOW - HOUR, NOW) > rankScore(5, NOW - 2 * DAY, NOW));
  });

  test('a newer comment without votes outranks an older one without votes', () => {
    assert.ok(rankScore(0, NOW - HOUR, NOW) > rankScore(0, NOW - 5 * HOUR, NOW));
  });

  test('a comment dated in the future counts as brand new', () => {
    assert.equal(rankScore(2, NOW + HOUR, NOW), rankScore(2, NOW, NOW));
  });

  test('matches (score + 1) / (ageHours + 2)^1.5', () => {
    assert.ok(Math.abs(rankScore(7, NOW - 6 * HOUR, NOW) - 8 / 8 ** 1.5) < 1e-12);
  });

  test('is increasing in score and decreasing in age', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(5 * 365 * 24), fc.integer({ min: 1, max: 1_000 }), (score, hours, step) => {
        const created = NOW - hours * HOUR;
        return (
          rankScore(score + step, created, NOW) > rankScore(score, created, NOW) &&
          rankScore(score, created - step * HOUR, NOW) < rankScore(score, created, NOW)
        );
      }),
    );
  });
});

describe('comparators', () => {
  const base = { score: 0, createdAt: NOW };

  test('pinned comments come first in every sort', () => {
    const pinned: Rankable = { id: 'p', score: 0, createdAt: NOW - DAY, pinned: true };
    const popular: Rankable = { id: 'q', score: 100, createdAt: NOW - HOUR };
    const newer: Rankable = { id: 'r', score: 0, createdAt: NOW };
    for (const sort of ['top', 'new', 'old'] as const) {
      assert.equal(sortComments([popular, newer, pinned], sort, { nowMs: NOW })[0]?.id, 'p', sort);
    }
  });

  test('New is newest first, Old is oldest first, ties by id', () => {
    const a = { ...base, id: 'a', createdAt: NOW - 2 * HOUR };
    const b = { ...base, id: 'b', createdAt: NOW - HOUR };
    const c = { ...base, id: 'c', createdAt: NOW - HOUR };
    assert.deepEqual([a, b, c].sort(compareNew).map((x) => x.id), ['c', 'b', 'a']);
    assert.deepEqual([c, b, a].sort(compareOld).map((x) => x.id), ['a', 'b', 'c']);
  });

  test('Top ties break by more votes, then older first, then id', () => {
    // Same Top value: (k + 1) / (n + 200) with p0 = 0.005.
    const x: Rankable = { id: 'x', score: 1, exposures: 200, createdAt: NOW - HOUR };
    const y: Rankable = { id: 'y', score: 3, exposures: 600, createdAt: NOW };
    assert.equal(topScore(1, 200), topScore(3, 600));
    assert.deepEqual([x, y].sort(compareTop({ nowMs: NOW })).map((c) => c.id), ['y', 'x']);
    const older: Rankable = { id: 'z', score: 0, createdAt: NOW - HOUR, exposures: 0 };
    const sameTime: Rankable = { id: 'a', score: 0, createdAt: NOW - HOUR, exposures: 0 };
    const newer: Rankable = { id: 'b', score: 0, createdAt: NOW, exposures: 0 };
    assert.deepEqual(
      [newer, older, sameTime].sort(compareTop({ nowMs: NOW })).map((c) => c.id),
      ['a', 'z', 'b'],
    );
  });

  test('reading order ignores pinning', () => {
    const pinned: Rankable = { id: 'p', score: 0, createdAt: NOW, pinned: true };
    const first: Rankable = { id: 'f', score: 0, createdAt: NOW - HOUR };
    assert.deepEqual([pinned, first].sort(compareReadingOrder).map((c) => c.id), ['f', 'p']);
  });

  test('Top uses one formula per list', () => {
    assert.equal(chooseTopBasis([{ id: 'a', score: 1, createdAt: NOW, exposures: 5 }]), 'exposures');
    assert.equal(
      chooseTopBasis([
        { id: 'a', score: 1, createdAt: NOW, exposures: 5 },
        { id: 'b', score: 1, createdAt: NOW },
      ]),
      'age',
    );
  });

  const rankable = fc.record(
    {
      id: fc.string({ minLength: 1, maxLength: 4 }),
      score: fc.nat(50),
      createdAt: fc.integer({ min: NOW - 30 * DAY, max: NOW }),
      pinned: fc.boolean(),
      exposures: fc.nat(5_000),
    },
    { requiredKeys: ['id', 'score', 'createdAt'] },
  );
  const uniqueList = fc.uniqueArray(rankable, { selector: (c) => c.id, maxLength: 25 });

  test('every sort gives the same order whatever the input order', () => {
    fc.assert(
      fc.property(uniqueList, fc.constantFrom<SortOrder>('top', 'new', 'old'), fc.nat(), (items, sort, seed) => {
        const shuffled = [...items];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = sortComments(items, sort, { nowMs: NOW }).map((c) => c.id);
        const b = sortComments(shuffled, sort, { nowMs: NOW }).map((c) => c.id);
        assert.deepEqual(b, a);
      }),
    );
  });

  test('upvoting a comment never moves it down in Top', () => {
    fc.assert(
      fc.property(uniqueList, fc.nat(24), (items, pick) => {
        fc.pre(items.length > 0);
        const index = pick % items.length;
        const target = items[index]!;
        const before = sortComments(items, 'top', { nowMs: NOW }).findIndex((c) => c.id === target.id);
        const voted = items.map((c, i) =>
          i === index
            ? { ...c, score: c.score + 1, exposures: c.exposures === undefined ? undefined : Math.max(c.exposures, c.score + 1) }
            : c,
        );
        const after = sortComments(voted, 'top', { nowMs: NOW }).findIndex((c) => c.id === target.id);
        return after <= before;
      }),
    );
  });

  test('has sentences explaining Top', () => {
    for (const sentence of [TOP_SORT_EXPLANATION, topSortExplanation('exposures'), topSortExplanation('age')]) {
      assert.match(sentence, /^Top ranks comments by .*fair chance.*\.$/);
    }
    assert.notEqual(topSortExplanation('exposures'), topSortExplanation('age'));
  });
});
