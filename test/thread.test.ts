import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../src/discussion/errors.ts';
import type { SortOrder } from '../src/discussion/ranking.ts';
import {
  buildForest,
  buildThread,
  countDescendants,
  depthOf,
  flattenForDisplay,
  MAX_STORED_DEPTH,
  type ThreadComment,
  type ThreadNode,
} from '../src/discussion/thread.ts';

const MIN = 60 * 1000;
const NOW = Date.UTC(2025, 5, 1, 12);

type Row = ThreadComment & { author: string };

function c(id: string, parentId: string | null, minutesAgo: number, score = 0, extra: Partial<Row> = {}): Row {
  return { id, parentId, createdAt: NOW - minutesAgo * MIN, score, author: `reader-${id}`, ...extra };
}

/** A readable picture of a tree: "a(b(d),c)". */
function shape<T extends { id: string }>(nodes: readonly ThreadNode<T>[]): string {
  return nodes.map((n) => (n.children.length > 0 ? `${n.comment.id}(${shape(n.children)})` : n.comment.id)).join(',');
}

// Two threads: "old" is older with more votes, "late" is newer with fewer.
const sample: Row[] = [
  c('old', null, 600, 5),
  c('late', null, 30, 3),
  c('r2', 'old', 100),
  c('r1', 'old', 500, 9),
  c('r1a', 'r1', 400),
  c('r3', 'late', 10),
];

describe('buildThread', () => {
  test('top-level comments follow the sort; replies are oldest first under every sort', () => {
    assert.equal(shape(buildThread(sample, 'old', NOW)), 'old(r1(r1a),r2),late(r3)');
    assert.equal(shape(buildThread(sample, 'new', NOW)), 'late(r3),old(r1(r1a),r2)');
    // Age-based Top (no exposure counts): 3 votes 30 minutes ago beat 5 votes 10 hours ago.
    assert.equal(shape(buildThread(sample, 'top', NOW)), 'late(r3),old(r1(r1a),r2)');
  });

  test('depth counts from 0 at the top level', () => {
    const [old] = buildThread(sample, 'old', NOW);
    assert.equal(old?.depth, 0);
    assert.equal(old?.children[0]?.depth, 1);
    assert.equal(old?.children[0]?.children[0]?.depth, 2);
  });

  test('pinned top-level comments come first', () => {
    const rows = [...sample, c('pin', null, 1000, 0, { pinned: true })];
    for (const sort of ['top', 'new', 'old'] as const) {
      assert.equal(buildThread(rows, sort, NOW)[0]?.comment.id, 'pin');
    }
  });

  test('orphans and cycles are left out of the tree and reported', () => {
    const rows = [...sample, c('lost', 'gone', 50), c('lost-reply', 'lost', 40), c('x', 'y', 5), c('y', 'x', 6), c('self', 'self', 1)];
    const forest = buildForest(rows, 'old', NOW);
    assert.equal(shape(forest.roots), 'old(r1(r1a),r2),late(r3)');
    assert.deepEqual(
      forest.orphans.map((o) => o.id),
      ['lost', 'lost-reply', 'y', 'x', 'self'],
    );
  });

  test('extra fields are carried through untouched', () => {
    assert.equal(buildThread(sample, 'old', NOW)[0]?.comment.author, 'reader-old');
  });

  test('duplicate ids are refused', () => {
    assert.throws(() => buildThread([c('a', null, 1), c('a', null, 2)], 'old', NOW));
  });

  test('a 1,000-deep chain builds and flattens without overflowing the stack', () => {
    const rows = [c('n0', null, 2_000)];
    for (let i = 1; i < 1_000; i++) rows.push(c(`n${i}`, `n${i - 1}`, 2_000 - i));
    const roots = buildThread(rows, 'top', NOW);
    assert.equal(countDescendants(roots[0]!), 999);
    const flat = flattenForDisplay(roots);
    assert.equal(flat.length, 1_000);
    assert.equal(flat[999]?.indent, 6);
  });

  const rowArb = fc
    .uniqueArray(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 3 }),
        parentPick: fc.option(fc.nat(40), { nil: null }),
        minutesAgo: fc.nat(100),
        score: fc.nat(20),
        pinned: fc.boolean(),
      }),
      { selector: (r) => r.id, maxLength: 40 },
    )
    .map((records) =>
      records.map((r, i): Row => {
        // Parents point at earlier rows most of the time; the rest dangle and become orphans.
        const parent = r.parentPick === null ? null : (records[r.parentPick % (i + 1)]?.id ?? 'missing');
        return c(r.id, parent === r.id ? null : parent, r.minutesAgo, r.score, { pinned: r.pinned });
      }),
    );

  test('shuffling the input gives the same tree', () => {
    fc.assert(
      fc.property(rowArb, fc.constantFrom<SortOrder>('top', 'new', 'old'), fc.nat(), (rows, sort, seed) => {
        const shuffled = [...rows];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = buildForest(rows, sort, NOW);
        const b = buildForest(shuffled, sort, NOW);
        assert.equal(shape(b.roots), shape(a.roots));
        assert.deepEqual(
          b.orphans.map((o) => o.id),
          a.orphans.map((o) => o.id),
        );
      }),
    );
  });

  test('every comment is either in the tree exactly once or an orphan', () => {
    fc.assert(
      fc.property(rowArb, (rows) => {
        const forest = buildForest(rows, 'top', NOW);
        const seen = flattenForDisplay(forest.roots, 3).map((r) => r.comment.id);
        const all = [...seen, ...forest.orphans.map((o) => o.id)].sort();
        assert.deepEqual(all, rows.map((r) => r.id).sort());
      }),
    );
  });

  test('replies are in reading order at every level', () => {
    fc.assert(
      fc.property(rowArb, fc.constantFrom<SortOrder>('top', 'new', 'old'), (rows, sort) => {
        const stack = [...buildThread(rows, sort, NOW)];
        while (stack.length > 0) {
          const node = stack.pop()!;
          for (let i = 1; i < node.children.length; i++) {
            assert.ok(node.children[i - 1]!.comment.createdAt <= node.children[i]!.comment.createdAt);
          }
          stack.push(...node.children);
        }
      }),
    );
  });
});

describe('depthOf', () => {
  test('top level is 0; a reply is one deeper than its parent', () => {
    assert.equal(depthOf(null), 0);
    assert.equal(depthOf(0), 1);
    assert.equal(depthOf(MAX_STORED_DEPTH - 1), MAX_STORED_DEPTH);
  });

  test('past the maximum it is refused with a rule_broken error', () => {
    assert.throws(
      () => depthOf(MAX_STORED_DEPTH),
      (e: unknown) => e instanceof DomainError && e.code === 'rule_broken' && /at most 50 levels/.test(e.message),
    );
    assert.throws(() => depthOf(-1), RangeError);
  });
});

describe('flattenForDisplay', () => {
  const chain = [c('a', null, 10), c('b', 'a', 9), c('c', 'b', 8), c('d', 'c', 7), c('e', 'a', 6)];

  test('lists comments in display order with their indentation', () => {
    const rows = flattenForDisplay(buildThread(chain, 'old', NOW));
    assert.deepEqual(
      rows.map((r) => [r.comment.id, r.indent, r.replyingTo?.id]),
      [
        ['a', 0, undefined],
        ['b', 1, undefined],
        ['c', 2, undefined],
        ['d', 3, undefined],
        ['e', 1, undefined],
      ],
    );
  });

  test('beyond maxIndent, rows stay at maxIndent and say whom they reply to', () => {
    const rows = flattenForDisplay(buildThread(chain, 'old', NOW), 1);
    assert.deepEqual(
      rows.map((r) => [r.comment.id, r.indent, r.replyingTo?.id]),
      [
        ['a', 0, undefined],
        ['b', 1, undefined],
        ['c', 1, 'b'],
        ['d', 1, 'c'],
        ['e', 1, undefined],
      ],
    );
  });
});

describe('countDescendants', () => {
  test('counts every comment below a node, however deep', () => {
    const thread = buildThread(
      [c('p', null, 100), c('a', 'p', 90), c('b', 'p', 80), c('b1', 'b', 79), c('c', 'p', 70), c('c1', 'c', 60), c('c2', 'c1', 50)],
      'old',
      NOW,
    )[0]!;
    assert.equal(countDescendants(thread), 6);
  });
});
