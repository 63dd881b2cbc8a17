import type { CommentState, IdentityRecord } from './records.ts';

/**
 * Who may see, edit and vote on a comment. Each rule is written once, here, as a pure function;
 * the service, the pages, the feeds and the live updates all ask these rather than test a
 * comment's state themselves, so a reader never sees in one place what another place hides.
 */

/**
 * How a viewer stands to a comment. The author outranks the writer: on the author's own comment
 * the relation is 'author'. Anyone not signed in is 'other'.
 */
export type Relation = 'author' | 'writer' | 'other';

/** What a viewer is shown of a comment: all of it, a "deleted" placeholder, or nothing at all. */
export type Visibility = 'full' | 'placeholder' | 'none';

export function relationTo(writerId: string | null, viewerId: string | undefined, viewerIsAuthor: boolean): Relation {
  if (viewerIsAuthor) return 'author';
  return viewerId !== undefined && viewerId === writerId ? 'writer' : 'other';
}

/**
 * The visibility table. Held comments wait for review: only their writer and the author see
 * them. A hidden comment stays readable to the author (to restore it); everyone else, its writer
 * included, sees the placeholder. A deleted comment is a placeholder for all.
 */
const VISIBILITY: Readonly<Record<CommentState, Readonly<Record<Relation, Visibility>>>> = {
  visible: { author: 'full', writer: 'full', other: 'full' },
  held: { author: 'full', writer: 'full', other: 'none' },
  hidden: { author: 'full', writer: 'placeholder', other: 'placeholder' },
  deleted: { author: 'placeholder', writer: 'placeholder', other: 'placeholder' },
};

export function visibility(c: { state: CommentState; authorMuted?: boolean }, relation: Relation): Visibility {
  // A muted writer's comments are theirs (and the author's) to see; where others' replies hang on
  // one, it stands as a plain placeholder, so the mute is not announced.
  if (c.state === 'visible' && c.authorMuted && relation === 'other') return 'placeholder';
  return VISIBILITY[c.state][relation];
}

/** Shown in full to anyone, signed in or not: what feeds, live updates and shared pages may carry. */
export function isPublic(c: { state: CommentState; authorMuted?: boolean }): boolean {
  return visibility(c, 'other') === 'full';
}

/** How long after posting a writer may still edit a comment, unless the settings say otherwise. */
export const DEFAULT_EDIT_WINDOW_MS = 15 * 60 * 1000;

/**
 * Why the writer can't edit their own comment now, or null when they can. The caller has already
 * found the comment to be the viewer's and not deleted; whether the article still takes comments
 * is the caller's to check too (it needs the store).
 */
export function editRefusal(c: { state: CommentState; createdAt: number }, now: number, editWindowMs: number): string | null {
  if (c.state === 'hidden') return 'This comment was removed by the author and can’t be edited.';
  if (now - c.createdAt > editWindowMs) {
    return `Comments can be edited for ${Math.round(editWindowMs / 60000)} minutes after posting.`;
  }
  return null;
}

/**
 * Whether to offer Edit: the viewer wrote it, it is not deleted, the article is open, and
 * editRefusal has nothing to say.
 */
export function canEdit(
  c: { state: CommentState; createdAt: number },
  opts: { isWriter: boolean; open: boolean; now: number; editWindowMs: number },
): boolean {
  return opts.open && opts.isWriter && c.state !== 'deleted' && editRefusal(c, opts.now, opts.editWindowMs) === null;
}

/**
 * Why this voter can't upvote the comment, or null when they can. One more rule, that the article
 * is open, is the caller's to check.
 */
export function voteRefusal(c: { state: CommentState; identityId: string | null }, voterId: string): string | null {
  if (c.state === 'held') return 'This comment is waiting for review.';
  if (c.state !== 'visible') return 'Deleted comments can’t be voted on.';
  if (c.identityId === voterId) return 'You can’t upvote your own comment.';
  return null;
}

/**
 * Whether to offer the upvote button: a signed-in viewer who sees the comment in full, on an open
 * article, and voteRefusal has nothing to say.
 */
export function canVote(
  c: { state: CommentState; identityId: string | null },
  opts: { voterId: string | undefined; shown: Visibility; open: boolean },
): boolean {
  if (!opts.open || opts.voterId === undefined || opts.shown !== 'full') return false;
  return voteRefusal(c, opts.voterId) === null;
}

/**
 * Where a signed-in reader stands with the author: free to write, banned (until a date, or until
 * further notice, with the reason the author gave), or muted (they may write, but what they write
 * is shown only to them and the author). Pages and the script tell the reader before they write;
 * the service refuses a banned reader's writes with the same words.
 */
export type Standing = { kind: 'free' } | { kind: 'banned'; until: number | null; reason: string | null } | { kind: 'muted' };

/**
 * A ban "until further notice" is stored as this far-off date (moderation.ts bans with it as
 * FOREVER; it is repeated here because moderation.ts reaches this module through the inbox, and
 * test/reader-flows.test.ts checks that the two agree).
 */
export const BAN_WITHOUT_END = Date.parse('9999-12-31T00:00:00Z');

export function standingOf(identity: Pick<IdentityRecord, 'bannedUntil' | 'banReason' | 'muted'>, now: number): Standing {
  const until = identity.bannedUntil;
  if (until !== null && until > now) return { kind: 'banned', until: until >= BAN_WITHOUT_END ? null : until, reason: identity.banReason };
  return identity.muted ? { kind: 'muted' } : { kind: 'free' };
}

/** A ban's end as the reader reads it: "9 December 2026" (UTC, so every page says the same). */
function banEnd(until: number): string {
  return new Date(until).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** What the reader is told of their standing, or null when there is nothing to tell. */
export function standingNotice(standing: Standing): string | null {
  switch (standing.kind) {
    case 'free':
      return null;
    case 'banned': {
      const when = standing.until === null ? 'until further notice' : `until ${banEnd(standing.until)}`;
      return `You can’t comment or vote ${when}${standing.reason ? ` — reason: ${standing.reason}` : '.'}`;
    }
    case 'muted':
      return 'The author has limited your name: for now, what you write here is shown only to you and the author.';
  }
}

/** Why this reader may not comment, reply, edit or vote, or null when they may. */
export function writeRefusal(standing: Standing): string | null {
  return standing.kind === 'banned' ? standingNotice(standing) : null;
}
