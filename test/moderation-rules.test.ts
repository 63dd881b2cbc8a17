import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  COMMENT_ACTIONS,
  type CommentAction,
  commentActionRefusal,
  commentActionsFor,
  type ModeratedComment,
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
