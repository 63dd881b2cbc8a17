// The storage ports the discussion needs, one interface per job. The domain defines them and
// speaks only through them; src/store implements every one over SQL (src/store/sql/*.ts), and
// src/store/ports.ts re-exports them beside the storage-only ports (backup, health).
import type {
  AuditEntry,
  CommentFilter,
  CommentRecord,
  CommentState,
  DayActivity,
  DeskCounts,
  EventPruning,
  IdentityExport,
  IdentityRecord,
  InboxAmount,
  InboxSettings,
  NewComment,
  NotificationEntry,
  NotificationRecord,
  OwnComment,
  RekeyReport,
  SessionRecord,
  StoredEvent,
  VoteCountRule,
  VoteRecord,
  VoteResult,
} from './records.ts';

/**
 * A transaction the store has open, handed to what is written because of a change (the inbox
 * items a new comment makes, the notifications queued from them) so that all of it commits with
 * the change: one durable commit, and none of it without the rest.
 */
export interface Transaction {
  /** Runs `fn` once the transaction has committed (never when it rolls back): e.g. to wake a sender. */
  afterCommit(fn: () => void): void;
}

/** Writing inside a transaction: the store's ports bound to it, or a new one. */
export interface Transactions {
  /**
   * This store's ports reading and writing inside `tx`, while the code it was handed to runs.
   * Whatever fails in there must be let through: it rolls back the whole transaction.
   */
  within<S>(this: S, tx: Transaction): S;
  /** Runs `fn` in a transaction of its own: all of it commits or none of it does. */
  inTransaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

/** Identities, their sessions, and the author's one-time sign-in links. */
export interface IdentityStore {
  /** Claims a name: false when the name key is already held (by anyone). */
  createIdentity(identity: IdentityRecord, recoveryHash: string | null): Promise<boolean>;
  getIdentity(id: string): Promise<IdentityRecord | undefined>;
  getIdentityByNameKey(nameKey: string): Promise<IdentityRecord | undefined>;
  getRecoveryHash(identityId: string): Promise<string | null>;
  setRecoveryHash(identityId: string, hash: string): Promise<void>;
  /** Replaces the recovery hash only if it still equals `expected`: a used key can't be used twice. */
  swapRecoveryHash(identityId: string, expected: string, next: string): Promise<boolean>;
  /** Removes the identity, its votes (scores follow) and its comments (placeholders where replies hang). Returns the articles touched. */
  deleteIdentity(identityId: string, now: number): Promise<string[]>;
  exportIdentity(identityId: string): Promise<IdentityExport | undefined>;
  /** Recomputes every identity's name key when `version` differs from the one that made them (see src/store/name-keys.ts). */
  rekeyIdentities(version: string, keyOf: (name: string) => string): Promise<RekeyReport | undefined>;

  createSession(tokenHash: string, identityId: string, now: number): Promise<void>;
  identityForSession(tokenHash: string): Promise<IdentityRecord | undefined>;
  /** The session with its identity and times, whether or not it has expired. */
  getSession(tokenHash: string): Promise<SessionRecord | undefined>;
  /** Records that the session was used at `now`. */
  touchSession(tokenHash: string, now: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteSessionsOf(identityId: string): Promise<number>;
  /** Deletes sessions last used before `idleBefore` or made before `createdBefore`; answers how many. */
  deleteExpiredSessions(idleBefore: number, createdBefore: number): Promise<number>;

  createAuthorLink(tokenHash: string, name: string, expiresAt: number): Promise<void>;
  /** The author name an unused, unexpired one-time link is for, without using it up. */
  peekAuthorLink(tokenHash: string, now: number): Promise<string | undefined>;
  /** Uses a link once: returns the author name it was made for, or undefined when unknown, used or expired. */
  consumeAuthorLink(tokenHash: string, now: number): Promise<string | undefined>;
}

/** Comments, threads, and whether an article takes comments. */
export interface CommentStore {
  /**
   * Inserts a comment. With an idempotency key already used by this identity, returns the first
   * comment instead. `follow` runs inside the comment's own transaction once a new one is stored,
   * for what must be written with it; if it throws, nothing of the comment is kept.
   */
  insertComment(
    comment: NewComment,
    idempotencyKey: string | null,
    follow?: (comment: CommentRecord, tx: Transaction) => Promise<void>,
  ): Promise<{ comment: CommentRecord; created: boolean; eventId?: number }>;
  /** The comment an identity already stored under an idempotency key, if any. */
  commentForIdempotencyKey(identityId: string, idempotencyKey: string): Promise<CommentRecord | undefined>;
  getComment(id: string): Promise<CommentRecord | undefined>;
  /** The top-level comment a comment's thread hangs from (itself when top-level), in one query. */
  threadRoot(id: string): Promise<string | undefined>;
  /** True when the comment or any comment above it is locked. */
  inLockedThread(id: string): Promise<boolean>;
  /** Every comment of an article in one query, in creation order. */
  listComments(articleSlug: string): Promise<CommentRecord[]>;
  /** The identity's own comments on an article (id and time), for the signed-in page overlay. */
  ownComments(identityId: string, articleSlug: string): Promise<OwnComment[]>;
  updateCommentBody(id: string, body: string, editedAt: number): Promise<{ eventId: number }>;
  /** Deletes a comment: a placeholder stays where replies hang on it; otherwise the row goes (and any placeholder parents left childless). */
  deleteComment(id: string, now: number): Promise<{ outcome: 'placeholder' | 'removed'; eventId: number }>;
  isCommentsClosed(articleSlug: string): Promise<boolean>;
  setCommentsClosed(articleSlug: string, closed: boolean): Promise<void>;
}

/** Upvotes; a comment's score always equals its counted votes. */
export interface VoteStore {
  /** Without a rule every new vote counts. */
  addVote(commentId: string, identityId: string, now: number, ipPrefixHash: string | null, rule?: VoteCountRule): Promise<VoteResult>;
  removeVote(commentId: string, identityId: string, now: number): Promise<VoteResult>;
  votedCommentIds(identityId: string, articleSlug: string): Promise<string[]>;
  countVotes(commentId: string): Promise<number>;
  /** Every vote on a comment with who cast it, for the author's review. */
  votesOn(commentId: string): Promise<VoteRecord[]>;
}

/** The author's tools: the queue, comment states and flags, bans, mutes and the audit log. */
export interface ModerationStore {
  /** Moves a comment to another state; a release from the queue appends the 'comment' event a visible post would have. */
  setCommentState(id: string, state: CommentState, now: number): Promise<{ articleSlug: string; previous: CommentState }>;
  setCommentFlag(id: string, flag: 'pinned' | 'locked', on: boolean, now: number): Promise<{ articleSlug: string }>;
  listCommentsFiltered(filter: CommentFilter): Promise<CommentRecord[]>;
  setIdentityBan(identityId: string, until: number | null, reason: string | null): Promise<void>;
  setIdentityMuted(identityId: string, muted: boolean): Promise<void>;
  banPrefix(prefixHash: string, until: number, reason: string | null, now: number): Promise<void>;
  /** The end of a ban on this address prefix, or null when it is not banned at `now`. */
  prefixBannedUntil(prefixHash: string, now: number): Promise<number | null>;
  addAudit(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  listAudit(limit: number): Promise<AuditEntry[]>;
}

/** A reader's notifications and private feed; items are written inside the transaction of their cause. */
export interface InboxStore extends Transactions {
  addNotification(n: Omit<NotificationRecord, 'id' | 'readAt'>): Promise<void>;
  listNotifications(identityId: string, limit: number): Promise<NotificationRecord[]>;
  countUnread(identityId: string): Promise<number>;
  markNotificationsRead(identityId: string, now: number): Promise<number>;
  setFeedTokenHash(identityId: string, hash: string | null): Promise<void>;
  hasFeedToken(identityId: string): Promise<boolean>;
  identityForFeedToken(hash: string): Promise<IdentityRecord | undefined>;
  /** The latest notifications with the comments they are about, newest first, in one query. */
  listNotificationEntries(identityId: string, limit: number): Promise<NotificationEntry[]>;
  inboxSettings(identityId: string): Promise<InboxSettings>;
  setInboxAmount(identityId: string, amount: InboxAmount): Promise<void>;
  setDeskSeen(identityId: string, at: number): Promise<void>;
  /** Every author identity with the amount it chose (null: the default). */
  authorInboxes(): Promise<{ identityId: string; amount: InboxAmount | null }[]>;
  /** Comments held for review, and visible comments since `since` by readers who are not muted. */
  deskCounts(since: number): Promise<DeskCounts>;
  /** Readers' comments from `from` (inclusive) to `to` (exclusive), counted per UTC day and article. */
  dailyActivity(from: number, to: number): Promise<DayActivity[]>;
}

/**
 * The live-update events every write appends, read by open pages catching up. An event's id here
 * is its cursor: events become visible in increasing id order, however their writes committed
 * (docs/decisions/0008), so a reader moving forward by it never skips one.
 */
export interface EventStore {
  eventsSince(articleSlug: string, afterId: number, limit: number): Promise<StoredEvent[]>;
  latestEventId(): Promise<number>;
  /** The smallest event id still kept (0 when there are none). */
  oldestEventId(): Promise<number>;
  /**
   * Deletes old events in bounded batches, keeping each article's latest ones; where an article's
   * events were cut, the newest cut one stays as a 'reload' event. Answers how many were deleted.
   */
  pruneEvents(rule: EventPruning): Promise<number>;
}

/** Every port the discussion uses, for code that needs all of them at once. */
export type DiscussionStore = IdentityStore & CommentStore & VoteStore & ModerationStore & InboxStore & EventStore & Transactions;
