import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  compareNew,
  compareOld,
  compareReadingOrder,
  type Rankable,
  type SortOrder,
  rankScore,
  sortComments,
  TOP_SORT_EXPLANATION,
} from '../src/discussion/ranking.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 5, 1, 12);

describe('rankScore (the Top formula)', () => {
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
    assert.deepEqual(
      [a, b, c].sort(compareNew).map((x) => x.id),
      ['c', 'b', 'a'],
    );
    assert.deepEqual(
      [c, b, a].sort(compareOld).map((x) => x.id),
      ['a', 'b', 'c'],
    );
  });

  test('Top ties break by more votes, then older first, then id', () => {
    // Same Top value: (7 + 1) / (6 + 2)^1.5 = (0 + 1) / (0 + 2)^1.5.
    const x: Rankable = { id: 'x', score: 7, createdAt: NOW - 6 * HOUR };
    const y: Rankable = { id: 'y', score: 0, createdAt: NOW };
    assert.equal(rankScore(7, NOW - 6 * HOUR, NOW), rankScore(0, NOW, NOW));
    assert.deepEqual(
      sortComments([y, x], 'top', { nowMs: NOW }).map((c) => c.id),
      ['x', 'y'],
    );
    const same: Rankable = { id: 'z', score: 0, createdAt: NOW - HOUR };
    const sameTime: Rankable = { id: 'a', score: 0, createdAt: NOW - HOUR };
    assert.deepEqual(
      sortComments([same, sameTime], 'top', { nowMs: NOW }).map((c) => c.id),
      ['a', 'z'],
    );
  });

  test('reading order ignores pinning', () => {
    const pinned: Rankable = { id: 'p', score: 0, createdAt: NOW, pinned: true };
    const first: Rankable = { id: 'f', score: 0, createdAt: NOW - HOUR };
    assert.deepEqual(
      [pinned, first].sort(compareReadingOrder).map((c) => c.id),
      ['f', 'p'],
    );
  });

  const rankable = fc.record(
    {
      id: fc.string({ minLength: 1, maxLength: 4 }),
      score: fc.nat(50),
      createdAt: fc.integer({ min: NOW - 30 * DAY, max: NOW }),
      pinned: fc.boolean(),
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
        const voted = items.map((c, i) => (i === index ? { ...c, score: c.score + 1 } : c));
        const after = sortComments(voted, 'top', { nowMs: NOW }).findIndex((c) => c.id === target.id);
        return after <= before;
      }),
    );
  });

  test('has a sentence explaining Top', () => {
    assert.match(TOP_SORT_EXPLANATION, /^Top ranks comments by .*fair chance.*\.$/);
  });
});
