import type { CommentState, Role } from './records.ts';

/**
 * Which moderation actions apply to a comment in a given state: one table, read by the
 * moderation service (to refuse), the admin pages and the inline controls under each comment
 * (to offer).
 */

export type CommentAction = 'hide' | 'restore' | 'release' | 'hold' | 'delete' | 'pin' | 'unpin' | 'lock' | 'unlock';
export const COMMENT_ACTIONS: readonly CommentAction[] = ['hide', 'restore', 'release', 'hold', 'delete', 'pin', 'unpin', 'lock', 'unlock'];

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
const notOffered = () => false;

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
  // Back to the queue: only ever offered as the undo of an approval (or of hiding a held comment).
  hold: {
    refusal: (c) =>
      c.state === 'held'
        ? 'That comment is already waiting for review.'
        : c.state === 'deleted'
          ? 'That comment is already deleted.'
          : null,
    worthOffering: notOffered,
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

/**
 * The action that takes `action` back, given the comment as it was before; null when nothing
 * can (delete for good), which is why that one is confirmed first instead.
 */
export function undoOf(action: CommentAction, before: ModeratedComment): CommentAction | null {
  switch (action) {
    case 'hide':
      return before.state === 'held' ? 'hold' : 'restore';
    case 'restore':
      return 'hide';
    case 'release':
      return 'hold';
    case 'hold':
      return before.state === 'hidden' ? 'hide' : 'release';
    case 'pin':
      return 'unpin';
    case 'unpin':
      return 'pin';
    case 'lock':
      return 'unlock';
    case 'unlock':
      return 'lock';
    case 'delete':
      return null;
  }
}

// ---- Many comments at once ----

/** What the desk can do to many comments at once. */
export type BulkAction = 'release' | 'hide' | 'ban';
export const BULK_ACTIONS: readonly BulkAction[] = ['release', 'hide', 'ban'];
/** The most comments one bulk request may name: a page of the queue, and a bounded amount of work. */
export const BULK_LIMIT = 100;

const COMMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The comment ids a bulk request names, each once, or why the request is refused. Anything but a
 * list of id-shaped strings, none at all, or more than BULK_LIMIT is refused before any work.
 */
export function bulkIds(raw: unknown): { ids: string[] } | { refusal: string } {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length > BULK_LIMIT * 2) return { refusal: `Choose at most ${BULK_LIMIT} comments at a time.` };
  if (!list.every((id): id is string => typeof id === 'string' && COMMENT_ID.test(id)))
    return { refusal: 'The chosen comments were not recognised. Reload the page and try again.' };
  const ids = [...new Set(list)];
  if (ids.length === 0) return { refusal: 'Choose at least one comment, then an action.' };
  if (ids.length > BULK_LIMIT) return { refusal: `Choose at most ${BULK_LIMIT} comments at a time.` };
  return { ids };
}

/** A comment as a bulk plan needs it: the rules' view, and whose it is. */
export interface BulkComment extends ModeratedComment {
  id: string;
  identityId: string | null;
  authorName: string | null;
  authorRole: Role | null;
}

export interface BulkPlan<C extends BulkComment> {
  /** The comments the action applies to (for a ban: one comment per writer). */
  apply: C[];
  /** The ids it does not apply to, each with why. */
  skipped: { id: string; why: string }[];
}

/**
 * Which of the chosen comments a bulk action applies to. `found` are the comments that still
 * exist; an id not among them was deleted meanwhile. A ban applies once per writer, never to the
 * author's own name or to a writer who is gone; `banned` says whether a writer is banned already.
 */
export function planBulk<C extends BulkComment>(
  action: BulkAction,
  ids: readonly string[],
  found: readonly C[],
  banned: (identityId: string) => boolean = () => false,
): BulkPlan<C> {
  const byId = new Map(found.map((c) => [c.id, c]));
  const plan: BulkPlan<C> = { apply: [], skipped: [] };
  const writers = new Set<string>();
  for (const id of ids) {
    const c = byId.get(id);
    // A writer chosen through several comments is banned once, which is no refusal.
    if (action === 'ban' && c?.identityId && writers.has(c.identityId)) continue;
    const why = !c ? 'It no longer exists.' : action === 'ban' ? banRefusal(c, banned) : commentActionRefusal(c, action);
    if (why) plan.skipped.push({ id, why });
    else {
      plan.apply.push(c!);
      if (c!.identityId) writers.add(c!.identityId);
    }
  }
  return plan;
}

function banRefusal(c: BulkComment, banned: (identityId: string) => boolean): string | null {
  if (!c.identityId) return 'Its writer deleted their name.';
  if (c.authorRole === 'author') return 'It is your own comment.';
  if (banned(c.identityId)) return `${c.authorName ?? 'Its writer'} is banned already.`;
  return null;
}

/** "Ada", "Ada and Ben", "Ada, Ben and Cy", "Ada, …, Jo and 3 others": names as a sentence says them, each once. */
export function listNames(names: readonly string[], max = 10): string {
  const unique = [...new Set(names)];
  if (unique.length <= 1) return unique[0] ?? '';
  if (unique.length > max) {
    const rest = unique.length - max;
    return `${unique.slice(0, max).join(', ')} and ${rest} ${rest === 1 ? 'other' : 'others'}`;
  }
  return `${unique.slice(0, -1).join(', ')} and ${unique[unique.length - 1]}`;
}
