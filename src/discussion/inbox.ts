import { relationTo, visibility } from './comment-rules.ts';
import { DomainError } from './errors.ts';
import { excerpt } from './excerpt.ts';
import type { InboxStore, Transaction } from './ports.ts';
import {
  type CommentRecord,
  type DayActivity,
  type DeskCounts,
  INBOX_AMOUNTS,
  type IdentityRecord,
  type InboxAmount,
  type NotificationKind,
  type NotificationRecord,
} from './records.ts';
import { hashSecret, newSessionToken } from './secrets.ts';

/** One item as it lands in someone's inbox, with the comment it is about. */
export interface InboxItem {
  identityId: string;
  kind: NotificationKind;
  comment: CommentRecord;
  actorName: string | null;
  createdAt: number;
}

/**
 * Hears every item as it is stored: the way out of the site (webhooks, push, mail) for those who
 * asked for it. It hears it inside the transaction that stores the item (and, for a new comment,
 * the comment itself): what it writes goes through `tx` (Transactions.within) and commits with
 * them, so a notification exists exactly when its cause does. It must not reach outside the
 * database there; `tx.afterCommit` is the place to wake a sender. A throw rolls back the item
 * and its cause.
 */
export interface InboxListener {
  notified(item: InboxItem, tx: Transaction): Promise<void> | void;
}

/** Where items are being written: the inbox's store bound to the transaction of their cause. */
interface Writing {
  store: InboxStore;
  tx: Transaction;
}

/** One item as the inbox page and the private feed show it. */
export interface InboxEntry {
  notification: NotificationRecord;
  /** The comment's start in plain text, as the inbox's owner may see it now; null when they may not, or it is gone. */
  excerpt: string | null;
  /** The top-level comment of its thread, for a link to it in context; null when the comment is gone. */
  rootId: string | null;
}

/** One past day of the discussion for the author's daily summary, its articles busiest first. */
export interface DaySummary {
  /** Midnight UTC that starts the day. */
  day: number;
  comments: number;
  held: number;
  replies: number;
  articles: DayActivity[];
}

/** What reaches an author's inbox when they never chose. */
export const DEFAULT_INBOX_AMOUNT: InboxAmount = 'threads';

/** How many past days the daily summary covers. */
export const SUMMARY_DAYS = 14;

const DAY_MS = 86_400_000;

/** An inbox amount from a form; anything else is refused. */
export function parseInboxAmount(value: unknown): InboxAmount {
  const amount = INBOX_AMOUNTS.find((a) => a === value);
  if (!amount) throw new DomainError('bad_request', 'Choose one of the settings offered.');
  return amount;
}

/** Whether a reader's new public comment is one the author asked to hear of (see InboxAmount). */
function reachesAuthor(amount: InboxAmount, comment: CommentRecord): boolean {
  if (amount === 'everything') return true;
  return amount === 'threads' && comment.parentId === null;
}

/**
 * Every identity's inbox: replies to their comments, the author's replies, and what moderation did
 * to their comments; the author also hears of comments waiting for review and, as much as they
 * chose, of new comments. Readers give no email address, so the inbox is read on the site (an
 * unread count in the header) or followed through a private Atom feed whose URL carries a secret
 * token; only the token's hash is stored, and rotating or revoking it makes the old URL answer 404.
 */
export class Inbox {
  private readonly listeners: InboxListener[] = [];

  constructor(
    private readonly store: InboxStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds a listener that hears every stored item (see InboxListener). */
  listen(listener: InboxListener): void {
    this.listeners.push(listener);
  }

  /**
   * Runs `fn` with the store bound to `tx`, the transaction of the items' cause; a caller without
   * one (a moderation action) gets a transaction of its own, so its items commit together.
   */
  private in(tx: Transaction | undefined, fn: (w: Writing) => Promise<void>): Promise<void> {
    if (tx) return fn({ store: this.store.within(tx), tx });
    return this.store.inTransaction((own) => fn({ store: this.store.within(own), tx: own }));
  }

  private async add(
    w: Writing,
    identityId: string | null,
    kind: NotificationKind,
    comment: CommentRecord,
    actorName: string | null,
  ): Promise<void> {
    if (!identityId) return;
    const createdAt = this.now();
    await w.store.addNotification({
      identityId,
      kind,
      commentId: comment.id,
      articleSlug: comment.articleSlug,
      actorName,
      createdAt,
    });
    const item: InboxItem = { identityId, kind, comment, actorName, createdAt };
    for (const listener of this.listeners) await listener.notified(item, w.tx);
  }

  /**
   * A comment was posted and is public: its parent's writer hears of it, and so do the authors
   * who asked for new comments of its kind. `tx`: the comment's own transaction, when it is open.
   */
  published(comment: CommentRecord, parent: CommentRecord | undefined, tx?: Transaction): Promise<void> {
    return this.in(tx, async (w) => {
      await this.toParentWriter(w, comment, parent);
      await this.toAuthors(w, comment, parent);
    });
  }

  /** A comment waits for review: its writer is told so, and every author is asked to review it. */
  held(comment: CommentRecord, tx?: Transaction): Promise<void> {
    return this.in(tx, async (w) => {
      await this.add(w, comment.identityId, 'held', comment, null);
      if (comment.authorRole === 'author') return;
      for (const author of await w.store.authorInboxes()) await this.add(w, author.identityId, 'review', comment, comment.authorName);
    });
  }

  /** The author approved a held comment: its writer hears of it, and now its parent's writer too (the author saw it already). */
  released(comment: CommentRecord, parent: CommentRecord | undefined, actorName: string, tx?: Transaction): Promise<void> {
    return this.in(tx, async (w) => {
      await this.add(w, comment.identityId, 'released', comment, actorName);
      await this.toParentWriter(w, comment, parent);
    });
  }

  removed(comment: CommentRecord, actorName: string, tx?: Transaction): Promise<void> {
    return this.in(tx, (w) => this.add(w, comment.identityId, 'removed', comment, actorName));
  }

  /**
   * The parent's writer hears of a reply (unless they answered themselves). A muted writer's
   * comment is public to nobody but them, so it announces nothing either.
   */
  private async toParentWriter(w: Writing, comment: CommentRecord, parent: CommentRecord | undefined): Promise<void> {
    if (!parent?.identityId || parent.identityId === comment.identityId) return;
    if (comment.authorMuted) return;
    if (parent.state === 'deleted') return;
    await this.add(w, parent.identityId, comment.authorRole === 'author' ? 'author_reply' : 'reply', comment, comment.authorName);
  }

  /**
   * A reader's new comment, as much as each author asked for. The author's own comments tell no
   * one; a muted writer's stay unannounced; a reply to an author reached them as a reply already.
   */
  private async toAuthors(w: Writing, comment: CommentRecord, parent: CommentRecord | undefined): Promise<void> {
    if (comment.authorRole === 'author' || comment.authorMuted) return;
    for (const author of await w.store.authorInboxes()) {
      if (parent?.identityId === author.identityId) continue;
      if (!reachesAuthor(author.amount ?? DEFAULT_INBOX_AMOUNT, comment)) continue;
      await this.add(w, author.identityId, 'new_comment', comment, comment.authorName);
    }
  }

  /**
   * The latest items with each comment's start, as the inbox's owner may see the comment now
   * (the author sees held and hidden comments; a reader, not); nothing of a deleted comment.
   */
  async entries(identityId: string, isAuthor: boolean, limit = 100): Promise<InboxEntry[]> {
    const rows = await this.store.listNotificationEntries(identityId, limit);
    return rows.map(({ comment, ...notification }) => {
      const shown = comment && visibility(comment, relationTo(comment.identityId, identityId, isAuthor)) === 'full';
      return { notification, excerpt: shown ? excerpt(comment.body) : null, rootId: comment?.rootId ?? null };
    });
  }

  /** How much of the discussion reaches this author's inbox. */
  async amount(identityId: string): Promise<InboxAmount> {
    return (await this.store.inboxSettings(identityId)).amount ?? DEFAULT_INBOX_AMOUNT;
  }

  setAmount(identityId: string, amount: InboxAmount): Promise<void> {
    return this.store.setInboxAmount(identityId, amount);
  }

  /**
   * What waits on the desk for this author: the held comments, and readers' comments since their
   * last visit (or, before the first, since they became the author here).
   */
  async deskCounts(author: Pick<IdentityRecord, 'id' | 'createdAt'>): Promise<DeskCounts> {
    const { deskSeenAt } = await this.store.inboxSettings(author.id);
    return this.store.deskCounts(deskSeenAt ?? author.createdAt);
  }

  /** The author opened the desk: its "new" count starts again from now. */
  deskVisited(identityId: string): Promise<void> {
    return this.store.setDeskSeen(identityId, this.now());
  }

  /**
   * The author's daily summary: one entry per past UTC day with readers' comments, the latest
   * SUMMARY_DAYS days, read from the comments themselves (today is not over, so it waits).
   */
  async dailySummary(days = SUMMARY_DAYS): Promise<DaySummary[]> {
    const today = Math.floor(this.now() / DAY_MS) * DAY_MS;
    const byDay = new Map<number, DaySummary>();
    for (const a of await this.store.dailyActivity(today - days * DAY_MS, today)) {
      const summary = byDay.get(a.day) ?? { day: a.day, comments: 0, held: 0, replies: 0, articles: [] };
      byDay.set(a.day, summary);
      summary.comments += a.comments;
      summary.held += a.held;
      summary.replies += a.replies;
      summary.articles.push(a);
    }
    const summaries = [...byDay.values()].sort((x, y) => y.day - x.day);
    for (const s of summaries) s.articles.sort((x, y) => y.comments - x.comments || x.articleSlug.localeCompare(y.articleSlug));
    return summaries;
  }

  list(identityId: string, limit = 100): Promise<NotificationRecord[]> {
    return this.store.listNotifications(identityId, limit);
  }

  unread(identityId: string): Promise<number> {
    return this.store.countUnread(identityId);
  }

  markRead(identityId: string): Promise<number> {
    return this.store.markNotificationsRead(identityId, this.now());
  }

  /** Makes a new private feed token (any earlier one stops working) and returns it once. */
  async rotateFeedToken(identityId: string): Promise<string> {
    const token = newSessionToken();
    await this.store.setFeedTokenHash(identityId, hashSecret(token));
    return token;
  }

  async revokeFeedToken(identityId: string): Promise<void> {
    await this.store.setFeedTokenHash(identityId, null);
  }

  hasFeedToken(identityId: string): Promise<boolean> {
    return this.store.hasFeedToken(identityId);
  }

  async identityForFeedToken(token: string): Promise<IdentityRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
    return this.store.identityForFeedToken(hashSecret(token));
  }
}
