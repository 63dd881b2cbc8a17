// The records the discussion is made of, as the domain sees them. The storage ports
// (./ports.ts) speak in these types; the store implements those ports and never adds fields
// of its own to them.

export type Role = 'reader' | 'author';

export type CommentState = 'visible' | 'held' | 'hidden' | 'deleted';

/** A write aimed at a row that is gone (deleted a moment before): the web layer answers 404. */
export class RecordMissingError extends Error {
  constructor(readonly what: string) {
    super(`That ${what} no longer exists.`);
    this.name = 'RecordMissingError';
  }
}

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

/** One of an identity's own comments on an article, for the signed-in page overlay. */
export interface OwnComment {
  id: string;
  createdAt: number;
  state: CommentState;
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

/** Decides in the vote's own transaction whether it moves the score (see vote-rules.ts). */
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

/**
 * What an inbox item is about. A reader hears of replies and of moderation on their comments;
 * the author also hears of comments waiting for review (`review`) and of new top-level comments
 * on the articles (`new_comment`).
 */
export const NOTIFICATION_KINDS = ['reply', 'author_reply', 'held', 'released', 'removed', 'review', 'new_comment'] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

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

/**
 * How much of the discussion reaches an author's inbox. Comments waiting for review and replies
 * to the author's own comments always do; `threads` (the default) adds new top-level comments,
 * `everything` every new comment, and `held` nothing more.
 */
export type InboxAmount = 'everything' | 'threads' | 'held';

export const INBOX_AMOUNTS: readonly InboxAmount[] = ['everything', 'threads', 'held'];

/** A notification with the comment it is about as that comment stands now (null once it is gone). */
export interface NotificationEntry extends NotificationRecord {
  comment: {
    body: string;
    state: CommentState;
    identityId: string | null;
    authorMuted: boolean;
    /** The top-level comment of its thread (itself when top-level). */
    rootId: string;
  } | null;
}

/** An author's inbox settings as stored: null where the author never chose. */
export interface InboxSettings {
  amount: InboxAmount | null;
  /** When the author last opened the desk (the queue); its "new" count starts there. */
  deskSeenAt: number | null;
}

/** What waits on the desk: comments held for review, and others' public comments since a moment. */
export interface DeskCounts {
  held: number;
  fresh: number;
}

/** One UTC day of one article's discussion, by readers (the author's own comments not counted). */
export interface DayActivity {
  /** Midnight UTC that starts the day, in epoch milliseconds. */
  day: number;
  articleSlug: string;
  /** Comments written that day and not deleted since. */
  comments: number;
  /** Of those, the ones still waiting for review. */
  held: number;
  /** Of those, the replies to the author's comments. */
  replies: number;
}

/** What recomputing the stored name keys found (see `IdentityStore.rekeyIdentities`). */
export interface RekeyReport {
  /** Identities whose stored key changed. */
  rekeyed: number;
  /**
   * Identities whose name now reads as a name held by an earlier identity (the author's first).
   * They keep their comments and sessions under a key of their own that no sign-in can match;
   * the operator decides what to do with them.
   */
  clashes: { id: string; name: string; heldBy: string }[];
}
