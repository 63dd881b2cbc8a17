import type { CommentState } from './records.ts';

/**
 * Which moderation actions apply to a comment in a given state: one table, read by the
 * moderation service (to refuse), the admin pages and the inline controls under each comment
 * (to offer).
 */

export type CommentAction = 'hide' | 'restore' | 'release' | 'delete' | 'pin' | 'unpin' | 'lock' | 'unlock';
export const COMMENT_ACTIONS: readonly CommentAction[] = ['hide', 'restore', 'release', 'delete', 'pin', 'unpin', 'lock', 'unlock'];

/** What the rules need to know about a comment. */
export interface ModeratedComment {
  state: CommentState;
  pinned: boolean;
  locked: boolean;
  parentId: string | null;
}

interface ActionRule {
  /** Why the action is refused on this comment, or null when it may be taken. */
  refusal(c: ModeratedComment): string | null;
  /**
   * Whether to offer it. An action that is allowed but would do nothing useful (pinning a pinned
   * comment, locking a thread nobody can reply to anyway) is accepted when sent, so a repeated
   * form post is harmless, but not offered.
   */
  worthOffering(c: ModeratedComment): boolean;
}

const always = () => true;
const never = () => null;

const RULES: Readonly<Record<CommentAction, ActionRule>> = {
  hide: {
    refusal: (c) =>
      c.state === 'deleted' ? 'That comment is already deleted.' : c.state === 'hidden' ? 'That comment is already hidden.' : null,
    worthOffering: always,
  },
  restore: {
    refusal: (c) => (c.state === 'hidden' ? null : 'Only a hidden comment can be restored.'),
    worthOffering: always,
  },
  release: {
    refusal: (c) => (c.state === 'held' ? null : 'That comment is not waiting for review.'),
    worthOffering: always,
  },
  delete: {
    refusal: (c) => (c.state === 'deleted' ? 'That comment is already deleted.' : null),
    worthOffering: always,
  },
  pin: {
    refusal: (c) => (c.state === 'visible' && c.parentId === null ? null : 'Only a visible top-level comment can be pinned.'),
    worthOffering: (c) => !c.pinned,
  },
  unpin: { refusal: never, worthOffering: (c) => c.pinned },
  lock: { refusal: never, worthOffering: (c) => c.state === 'visible' && !c.locked },
  unlock: { refusal: never, worthOffering: (c) => c.locked },
};

/** Why `action` can't be taken on this comment, or null when it can. */
export function commentActionRefusal(c: ModeratedComment, action: CommentAction): string | null {
  return RULES[action].refusal(c);
}

/** The actions to offer for a comment in its current state, in the order of COMMENT_ACTIONS. */
export function commentActionsFor(c: ModeratedComment): CommentAction[] {
  return COMMENT_ACTIONS.filter((a) => RULES[a].refusal(c) === null && RULES[a].worthOffering(c));
}
