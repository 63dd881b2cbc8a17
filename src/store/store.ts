// The storage interface the rest of Byline talks to. Domain code sees only these records and
// methods; it never sees SQL or knows which engine is underneath.
import type { RekeyReport } from './name-keys.ts';

export type { RekeyReport };

export type Role = 'reader' | 'author';

/** A write aimed at a row that is gone (deleted a moment before): the web layer answers 404. */
export class RecordMissingError extends Error {
  constructor(readonly what: string) {
    super(`That ${what} no longer exists.`);
    this.name = 'RecordMissingError';
  }
}
export type CommentState = 'visible' | 'held' | 'hidden' | 'deleted';

export interface IdentityRecord {
  id: string;
  name: string;
  nameKey: string;
  role: Role;
  createdAt: number;
  ipPrefixHash: string | null;
  bannedUntil: number | null;
  banReason: string | null;
  muted: boolean;
}

export interface SessionRecord {
  identity: IdentityRecord;
  createdAt: number;
  lastSeenAt: number;
}

export interface CommentRecord {
  id: string;
  articleSlug: string;
  parentId: string | null;
  identityId: string | null;
  /** The writer's current display name and role, joined in; null once the writer is gone. */
  authorName: string | null;
  authorRole: Role | null;
  body: string;
  depth: number;
  score: number;
  state: CommentState;
  pinned: boolean;
  locked: boolean;
  createdAt: number;
  editedAt: number | null;
  /** Whether the writer is muted by the author (their comments are then shown to themselves only). */
  authorMuted?: boolean;
}

export interface NewComment {
  id: string;
  articleSlug: string;
  parentId: string | null;
  identityId: string;
  body: string;
  depth: number;
  state: CommentState;
  createdAt: number;
}

export interface StoredEvent {
  id: number;
  articleSlug: string;
  kind: string;
  payload: string;
  createdAt: number;
}

/** What `pruneEvents` keeps: every event from `before` on, and at least `keepPerArticle` per article. */
export interface EventPruning {
  before: number;
  keepPerArticle: number;
  /** Most rows one DELETE removes. */
  batchSize: number;
}

export interface VoteResult {
  score: number;
  changed: boolean;
  eventId?: number;
}

export interface IdentityExport {
  identity: IdentityRecord;
  comments: CommentRecord[];
  votes: { commentId: string; createdAt: number }[];
}

/** Decides in the vote's own transaction whether it moves the score (see discussion/vote-rules.ts). */
export interface VoteCountRule {
  /** False: stored, shown to the author, never counted. */
  counted: boolean;
  /** At most this many counted votes on one comment from one address prefix since `since`. */
  maxPerPrefix?: number;
  since?: number;
}

export interface VoteRecord {
  identityId: string;
  identityName: string;
  identityCreatedAt: number;
  ipPrefixHash: string | null;
  createdAt: number;
  counted: boolean;
}

export interface CommentFilter {
  articleSlug?: string;
  /** Part of the writer's display name, matched case-insensitively. */
  name?: string;
  state?: CommentState;
  identityId?: string;
  limit: number;
}

export interface AuditEntry {
  id: number;
  actorId: string | null;
  actorName: string;
  action: string;
  target: string;
  reason: string | null;
  createdAt: number;
}

export type NotificationKind = 'reply' | 'author_reply' | 'held' | 'released' | 'removed';

export interface NotificationRecord {
  id: number;
  identityId: string;
  kind: NotificationKind;
  commentId: string | null;
  articleSlug: string;
  actorName: string | null;
  createdAt: number;
  readAt: number | null;
}

/** Every table of the discussion as plain rows, column names as in the schema (see `byline export`). */
export type DatabaseExport = { format: 'byline-export'; version: 1; tables: Record<string, Record<string, string | number | null>[]> };

export interface Store {
  readonly engine: string;
  migrate(): Promise<number[]>;
  ping(): Promise<void>;
  close(): Promise<void>;

  // Identities and sessions
  /** Claims a name: false when the name key is already held (by anyone). */
  createIdentity(identity: IdentityRecord, recoveryHash: string | null): Promise<boolean>;
  getIdentity(id: string): Promise<IdentityRecord | undefined>;
  getIdentityByNameKey(nameKey: string): Promise<IdentityRecord | undefined>;
  getRecoveryHash(identityId: string): Promise<string | null>;
  setRecoveryHash(identityId: string, hash: string): Promise<void>;
  /** Replaces the recovery hash only if it still equals `expected`: a used key can't be used twice. */
  swapRecoveryHash(identityId: string, expected: string, next: string): Promise<boolean>;
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
  /** The author name an unused, unexpired one-time link is for, without using it up. */
  peekAuthorLink(tokenHash: string, now: number): Promise<string | undefined>;
  /** Removes the identity, its votes (scores follow) and its comments (placeholders where replies hang). Returns the articles touched. */
  deleteIdentity(identityId: string, now: number): Promise<string[]>;
  exportIdentity(identityId: string): Promise<IdentityExport | undefined>;

  // Comments
  /** Inserts a comment. With an idempotency key already used by this identity, returns the first comment instead. */
  insertComment(comment: NewComment, idempotencyKey: string | null): Promise<{ comment: CommentRecord; created: boolean; eventId?: number }>;
  /** The comment an identity already stored under an idempotency key, if any. */
  commentForIdempotencyKey(identityId: string, idempotencyKey: string): Promise<CommentRecord | undefined>;
  getComment(id: string): Promise<CommentRecord | undefined>;
  /** The top-level comment a comment's thread hangs from (itself when top-level), in one query. */
  threadRoot(id: string): Promise<string | undefined>;
  /** Every comment of an article in one query, in creation order. */
  listComments(articleSlug: string): Promise<CommentRecord[]>;
  updateCommentBody(id: string, body: string, editedAt: number): Promise<{ eventId: number }>;
  /** Deletes a comment: a placeholder stays where replies hang on it; otherwise the row goes (and any placeholder parents left childless). */
  deleteComment(id: string, now: number): Promise<{ outcome: 'placeholder' | 'removed'; eventId: number }>;

  // Votes
  /** Without a rule every new vote counts. */
  addVote(commentId: string, identityId: string, now: number, ipPrefixHash: string | null, rule?: VoteCountRule): Promise<VoteResult>;
  removeVote(commentId: string, identityId: string, now: number): Promise<VoteResult>;
  votedCommentIds(identityId: string, articleSlug: string): Promise<string[]>;
  /** The identity's own comments on an article (id and time), for the signed-in page overlay. */
  ownComments(identityId: string, articleSlug: string): Promise<{ id: string; createdAt: number; state: CommentState }[]>;
  countVotes(commentId: string): Promise<number>;

  // The author's one-time sign-in links
  createAuthorLink(tokenHash: string, name: string, expiresAt: number): Promise<void>;
  /** Uses a link once: returns the author name it was made for, or undefined when unknown, used or expired. */
  consumeAuthorLink(tokenHash: string, now: number): Promise<string | undefined>;

  // Live updates
  eventsSince(articleSlug: string, afterId: number, limit: number): Promise<StoredEvent[]>;
  latestEventId(): Promise<number>;
  /** The smallest event id still kept (0 when there are none). */
  oldestEventId(): Promise<number>;
  /**
   * Deletes old events in bounded batches, keeping each article's latest ones; where an article's
   * events were cut, the newest cut one stays as a 'reload' event. Answers how many were deleted.
   */
  pruneEvents(rule: EventPruning): Promise<number>;

  /** Why the database can't serve the pages (a table or column missing), or undefined when it can. */
  schemaProblem(): Promise<string | undefined>;
  /** Recomputes every identity's name key when `version` differs from the one that made them (see name-keys.ts). */
  rekeyIdentities(version: string, keyOf: (name: string) => string): Promise<RekeyReport | undefined>;

  // Per-article settings
  isCommentsClosed(articleSlug: string): Promise<boolean>;
  setCommentsClosed(articleSlug: string, closed: boolean): Promise<void>;

  // Moderation
  /** Moves a comment to another state; a release from the queue appends the 'comment' event a visible post would have. */
  setCommentState(id: string, state: CommentState, now: number): Promise<{ articleSlug: string; previous: CommentState }>;
  setCommentFlag(id: string, flag: 'pinned' | 'locked', on: boolean, now: number): Promise<{ articleSlug: string }>;
  listCommentsFiltered(filter: CommentFilter): Promise<CommentRecord[]>;
  setIdentityBan(identityId: string, until: number | null, reason: string | null): Promise<void>;
  setIdentityMuted(identityId: string, muted: boolean): Promise<void>;
  banPrefix(prefixHash: string, until: number, reason: string | null, now: number): Promise<void>;
  /** The end of a ban on this address prefix, or null when it is not banned at `now`. */
  prefixBannedUntil(prefixHash: string, now: number): Promise<number | null>;
  votesOn(commentId: string): Promise<VoteRecord[]>;
  addAudit(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  listAudit(limit: number): Promise<AuditEntry[]>;

  // Inbox
  addNotification(n: Omit<NotificationRecord, 'id' | 'readAt'>): Promise<void>;
  listNotifications(identityId: string, limit: number): Promise<NotificationRecord[]>;
  countUnread(identityId: string): Promise<number>;
  markNotificationsRead(identityId: string, now: number): Promise<number>;
  setFeedTokenHash(identityId: string, hash: string | null): Promise<void>;
  hasFeedToken(identityId: string): Promise<boolean>;
  identityForFeedToken(hash: string): Promise<IdentityRecord | undefined>;

  // The whole discussion, for `byline export` / `byline import`
  exportAll(): Promise<DatabaseExport>;
  /** Loads an export into an empty database; refuses a database that already holds identities or comments. */
  importAll(data: DatabaseExport): Promise<void>;
}
