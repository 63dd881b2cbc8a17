import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  canEdit,
  canVote,
  DEFAULT_EDIT_WINDOW_MS,
  editRefusal,
  isPublic,
  type Relation,
  relationTo,
  type Visibility,
  visibility,
  voteRefusal,
} from '../src/discussion/comment-rules.ts';
import { placement, replyingToName } from '../src/discussion/threads.ts';
import type { CommentState } from '../src/store/store.ts';

const NOW = Date.UTC(2026, 0, 15, 12);
const MIN = 60_000;
const STATES: CommentState[] = ['visible', 'held', 'hidden', 'deleted'];

describe('who sees a comment', () => {
  // state, muted writer → what the author, the writer and anyone else see.
  const table: [CommentState, boolean, Record<Relation, Visibility>][] = [
    ['visible', false, { author: 'full', writer: 'full', other: 'full' }],
    ['visible', true, { author: 'full', writer: 'full', other: 'placeholder' }],
    ['held', false, { author: 'full', writer: 'full', other: 'none' }],
    ['held', true, { author: 'full', writer: 'full', other: 'none' }],
    ['hidden', false, { author: 'full', writer: 'placeholder', other: 'placeholder' }],
    ['hidden', true, { author: 'full', writer: 'placeholder', other: 'placeholder' }],
    ['deleted', false, { author: 'placeholder', writer: 'placeholder', other: 'placeholder' }],
    ['deleted', true, { author: 'placeholder', writer: 'placeholder', other: 'placeholder' }],
  ];
  for (const [state, authorMuted, expected] of table) {
    test(`${state}${authorMuted ? ', writer muted' : ''}`, () => {
      for (const relation of ['author', 'writer', 'other'] as const) {
        assert.equal(visibility({ state, authorMuted }, relation), expected[relation], relation);
      }
      assert.equal(isPublic({ state, authorMuted }), expected.other === 'full');
    });
  }

  test('the author outranks the writer; nobody signed in is anyone else', () => {
    assert.equal(relationTo('w', 'w', true), 'author');
    assert.equal(relationTo('w', 'w', false), 'writer');
    assert.equal(relationTo('w', 'v', false), 'other');
    assert.equal(relationTo('w', undefined, false), 'other');
    assert.equal(relationTo(null, undefined, false), 'other', 'a gone writer is nobody');
  });
});

describe('who may edit', () => {
  const fresh = (state: CommentState) => ({ state, createdAt: NOW - MIN });
  const rules = { isWriter: true, open: true, now: NOW, editWindowMs: DEFAULT_EDIT_WINDOW_MS };

  test('the writer, within the window, on an open article, while the comment is visible or held', () => {
    const expected: Record<CommentState, boolean> = { visible: true, held: true, hidden: false, deleted: false };
    for (const state of STATES) assert.equal(canEdit(fresh(state), rules), expected[state], state);
  });

  test('nobody else, and not on a closed article', () => {
    assert.equal(canEdit(fresh('visible'), { ...rules, isWriter: false }), false);
    assert.equal(canEdit(fresh('visible'), { ...rules, open: false }), false);
  });

  test('the window is 15 minutes by default, its last millisecond included', () => {
    assert.equal(DEFAULT_EDIT_WINDOW_MS, 15 * MIN);
    assert.equal(canEdit({ state: 'visible', createdAt: NOW - 15 * MIN }, rules), true);
    assert.equal(canEdit({ state: 'visible', createdAt: NOW - 15 * MIN - 1 }, rules), false);
  });

  test('a refusal says why', () => {
    assert.equal(editRefusal(fresh('visible'), NOW, DEFAULT_EDIT_WINDOW_MS), null);
    assert.match(editRefusal(fresh('hidden'), NOW, DEFAULT_EDIT_WINDOW_MS) ?? '', /removed by the author/);
    assert.equal(
      editRefusal({ state: 'visible', createdAt: NOW - 16 * MIN }, NOW, DEFAULT_EDIT_WINDOW_MS),
      'Comments can be edited for 15 minutes after posting.',
    );
  });
});

describe('who may vote', () => {
  const comment = (state: CommentState) => ({ state, identityId: 'writer' });

  test('only on a visible comment of someone else', () => {
    assert.equal(voteRefusal(comment('visible'), 'voter'), null);
    assert.equal(voteRefusal(comment('held'), 'voter'), 'This comment is waiting for review.');
    assert.equal(voteRefusal(comment('hidden'), 'voter'), 'Deleted comments can’t be voted on.');
    assert.equal(voteRefusal(comment('deleted'), 'voter'), 'Deleted comments can’t be voted on.');
    assert.equal(voteRefusal(comment('visible'), 'writer'), 'You can’t upvote your own comment.');
  });

  test('the button is offered to a signed-in reader who sees the comment in full, on an open article', () => {
    const ok = { voterId: 'voter', shown: 'full' as const, open: true };
    assert.equal(canVote(comment('visible'), ok), true);
    assert.equal(canVote(comment('visible'), { ...ok, voterId: undefined }), false);
    assert.equal(canVote(comment('visible'), { ...ok, shown: 'placeholder' }), false, "a muted writer's comment");
    assert.equal(canVote(comment('visible'), { ...ok, open: false }), false);
    assert.equal(canVote(comment('visible'), { ...ok, voterId: 'writer' }), false);
    for (const state of ['held', 'hidden', 'deleted'] as const) assert.equal(canVote(comment(state), ok), false, state);
  });
});

describe('where a comment shown on its own sits', () => {
  const parent = (state: CommentState) => ({ state, authorName: 'Ada' });

  test('indented by its depth up to the deepest indent, then flat and naming whom it answers', () => {
    assert.deepEqual(placement(0, undefined), { indent: 0 });
    assert.deepEqual(placement(6, parent('visible')), { indent: 6 });
    assert.deepEqual(placement(7, parent('visible')), { indent: 6, replyingTo: 'Ada' });
    assert.deepEqual(placement(3, parent('visible'), 2), { indent: 2, replyingTo: 'Ada' });
  });

  test('only a public comment is named', () => {
    for (const state of ['held', 'hidden', 'deleted'] as const) assert.equal(replyingToName(parent(state)), undefined, state);
    assert.equal(replyingToName({ state: 'visible', authorName: null }), undefined, 'a gone writer');
    assert.equal(replyingToName(undefined), undefined);
  });
});
