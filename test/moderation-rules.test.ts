import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BULK_LIMIT,
  type BulkComment,
  COMMENT_ACTIONS,
  type CommentAction,
  bulkIds,
  commentActionRefusal,
  commentActionsFor,
  listNames,
  type ModeratedComment,
  planBulk,
  undoOf,
} from '../src/discussion/moderation-rules.ts';

const comment = (over: Partial<ModeratedComment> = {}): ModeratedComment => ({
  state: 'visible',
  pinned: false,
  locked: false,
  parentId: null,
  ...over,
});

describe('which moderation actions a comment is offered', () => {
  const table: [string, ModeratedComment, CommentAction[]][] = [
    ['a visible top-level comment', comment(), ['hide', 'delete', 'pin', 'lock']],
    ['a visible reply', comment({ parentId: 'p' }), ['hide', 'delete', 'lock']],
    ['a pinned, locked comment', comment({ pinned: true, locked: true }), ['hide', 'delete', 'unpin', 'unlock']],
    ['a held comment', comment({ state: 'held' }), ['hide', 'release', 'delete']],
    ['a hidden comment', comment({ state: 'hidden' }), ['restore', 'delete']],
    ['a hidden comment still pinned', comment({ state: 'hidden', pinned: true }), ['restore', 'delete', 'unpin']],
    ['a deleted comment', comment({ state: 'deleted' }), []],
    ['a deleted comment still locked', comment({ state: 'deleted', locked: true }), ['unlock']],
  ];
  for (const [name, c, expected] of table) {
    test(name, () => assert.deepEqual(commentActionsFor(c), expected));
  }

  test('every action offered is one the service accepts', () => {
    for (const state of ['visible', 'held', 'hidden', 'deleted'] as const) {
      for (const pinned of [false, true]) {
        for (const locked of [false, true]) {
          for (const parentId of [null, 'p']) {
            const c = { state, pinned, locked, parentId };
            for (const action of commentActionsFor(c))
              assert.equal(commentActionRefusal(c, action), null, `${action} on ${JSON.stringify(c)}`);
          }
        }
      }
    }
  });
});

describe('which moderation actions the service refuses', () => {
  const table: [CommentAction, ModeratedComment, string | null][] = [
    ['hide', comment({ state: 'deleted' }), 'That comment is already deleted.'],
    ['hide', comment({ state: 'hidden' }), 'That comment is already hidden.'],
    ['hide', comment({ state: 'held' }), null],
    ['restore', comment(), 'Only a hidden comment can be restored.'],
    ['restore', comment({ state: 'hidden' }), null],
    ['release', comment(), 'That comment is not waiting for review.'],
    ['release', comment({ state: 'held' }), null],
    ['delete', comment({ state: 'deleted' }), 'That comment is already deleted.'],
    ['delete', comment({ state: 'hidden' }), null],
    ['pin', comment({ parentId: 'p' }), 'Only a visible top-level comment can be pinned.'],
    ['pin', comment({ state: 'held' }), 'Only a visible top-level comment can be pinned.'],
    // Repeating an action changes nothing and is accepted, so a form sent twice does no harm.
    ['pin', comment({ pinned: true }), null],
    ['unpin', comment(), null],
    ['lock', comment({ state: 'hidden' }), null],
    ['unlock', comment(), null],
    ['hold', comment(), null],
    ['hold', comment({ state: 'held' }), 'That comment is already waiting for review.'],
  ];
  for (const [action, c, expected] of table) {
    test(`${action} on ${c.state}${c.parentId ? ' reply' : ''}${c.pinned ? ', pinned' : ''}`, () => {
      assert.equal(commentActionRefusal(c, action), expected);
    });
  }

  test('every action has a rule', () => {
    for (const action of COMMENT_ACTIONS) assert.doesNotThrow(() => commentActionRefusal(comment(), action));
  });
});

describe('undo', () => {
  test('each action with an undo is taken back to the state before it', () => {
    const table: [CommentAction, ModeratedComment, CommentAction | null][] = [
      ['hide', comment(), 'restore'],
      ['hide', comment({ state: 'held' }), 'hold'],
      ['restore', comment({ state: 'hidden' }), 'hide'],
      ['release', comment({ state: 'held' }), 'hold'],
      ['hold', comment(), 'release'],
      ['pin', comment(), 'unpin'],
      ['unpin', comment({ pinned: true }), 'pin'],
      ['lock', comment(), 'unlock'],
      ['unlock', comment({ locked: true }), 'lock'],
      ['delete', comment(), null],
    ];
    for (const [action, before, expected] of table) assert.equal(undoOf(action, before), expected, `${action} from ${before.state}`);
  });

  test('"back to the queue" is never offered, only used as an undo', () => {
    for (const state of ['visible', 'hidden'] as const) assert.ok(!commentActionsFor(comment({ state })).includes('hold'));
  });
});

describe('bulk actions', () => {
  const bc = (id: string, over: Partial<BulkComment> = {}): BulkComment => ({
    ...comment({ state: 'held' }),
    id,
    identityId: `who-${id}`,
    authorName: `Name ${id}`,
    authorRole: 'reader',
    ...over,
  });

  test('ids: each once, id-shaped, at least one and at most BULK_LIMIT', () => {
    assert.deepEqual(bulkIds(['a', 'b', 'a']), { ids: ['a', 'b'] });
    assert.deepEqual(bulkIds('a'), { ids: ['a'] });
    assert.ok('refusal' in bulkIds(undefined));
    assert.ok('refusal' in bulkIds(['a', { b: 1 }]));
    assert.ok('refusal' in bulkIds(['<script>']));
    assert.ok('ids' in bulkIds(Array.from({ length: BULK_LIMIT }, (_, i) => `c${i}`)));
    assert.deepEqual(bulkIds(Array.from({ length: BULK_LIMIT + 1 }, (_, i) => `c${i}`)), {
      refusal: 'Choose at most 100 comments at a time.',
    });
  });

  test('a plan applies to what the rule allows and says why it leaves the rest', () => {
    const plan = planBulk('release', ['a', 'b', 'gone'], [bc('a'), bc('b', { state: 'visible' })]);
    assert.deepEqual(
      plan.apply.map((c) => c.id),
      ['a'],
    );
    assert.deepEqual(plan.skipped, [
      { id: 'b', why: 'That comment is not waiting for review.' },
      { id: 'gone', why: 'It no longer exists.' },
    ]);
  });

  test('a ban plan names each writer once, never the author, a writer who is gone, or one banned already', () => {
    const plan = planBulk(
      'ban',
      ['a', 'a2', 'b', 'mine', 'anon', 'old'],
      [
        bc('a', { identityId: 'ada' }),
        bc('a2', { identityId: 'ada' }),
        bc('b', { identityId: 'ben' }),
        bc('mine', { identityId: 'me', authorRole: 'author' }),
        bc('anon', { identityId: null }),
        bc('old', { identityId: 'old' }),
      ],
      (id) => id === 'old',
    );
    assert.deepEqual(
      plan.apply.map((c) => c.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      plan.skipped.map((s) => s.id),
      ['mine', 'anon', 'old'],
    );
  });

  test('names are listed as a sentence says them', () => {
    assert.equal(listNames(['Ada']), 'Ada');
    assert.equal(listNames(['Ada', 'Ben', 'Ada']), 'Ada and Ben');
    assert.equal(listNames(['Ada', 'Ben', 'Cy']), 'Ada, Ben and Cy');
    assert.equal(listNames(['A', 'B', 'C', 'D'], 2), 'A, B and 2 others');
  });
});
