import type { InboxStore } from './ports.ts';
import type { CommentRecord, IdentityRecord, NotificationKind, NotificationRecord } from './records.ts';
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
 * Hears every item after it is stored: the way out of the site (webhooks, push, mail) for those
 * who asked for it. A listener must not throw into the write that caused the item, so its
 * failures are caught and logged here.
 */
export interface InboxListener {
  notified(item: InboxItem): Promise<void> | void;
}

/**
 * Every identity's inbox: replies to their comments, the author's replies, and what moderation did
 * to their comments. Readers give no email address, so the inbox is read on the site (an unread
 * count in the header) or followed through a private Atom feed whose URL carries a secret token;
 * only the token's hash is stored, and rotating or revoking it makes the old URL answer 404.
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

  private async add(identityId: string | null, kind: NotificationKind, comment: CommentRecord, actorName: string | null): Promise<void> {
    if (!identityId) return;
    const createdAt = this.now();
    await this.store.addNotification({
      identityId,
      kind,
      commentId: comment.id,
      articleSlug: comment.articleSlug,
      actorName,
      createdAt,
    });
    const item: InboxItem = { identityId, kind, comment, actorName, createdAt };
    for (const listener of this.listeners) {
      try {
        await listener.notified(item);
      } catch (err) {
        console.error('An inbox listener failed:', err);
      }
    }
  }

  /**
   * A comment became public: its parent's writer hears of it (unless they answered themselves).
   * A muted writer's comment is public to nobody but them, so it announces nothing either.
   */
  async published(comment: CommentRecord, parent: CommentRecord | undefined): Promise<void> {
    if (!parent?.identityId || parent.identityId === comment.identityId) return;
    if (comment.authorMuted) return;
    if (parent.state === 'deleted') return;
    await this.add(parent.identityId, comment.authorRole === 'author' ? 'author_reply' : 'reply', comment, comment.authorName);
  }

  async held(comment: CommentRecord): Promise<void> {
    await this.add(comment.identityId, 'held', comment, null);
  }

  async released(comment: CommentRecord, parent: CommentRecord | undefined, actorName: string): Promise<void> {
    await this.add(comment.identityId, 'released', comment, actorName);
    await this.published(comment, parent);
  }

  async removed(comment: CommentRecord, actorName: string): Promise<void> {
    await this.add(comment.identityId, 'removed', comment, actorName);
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

/** How a name its owner deleted is shown wherever it was recorded. */
export const DELETED_NAME = '[deleted]';

/** One line per notification, written for the reader it is about. */
export function describeNotification(n: NotificationRecord): string {
  // The name is cleared when its owner deletes it (see IdentityStore.deleteIdentity).
  const who = n.actorName ?? DELETED_NAME;
  switch (n.kind) {
    case 'reply':
      return `${who} replied to your comment`;
    case 'author_reply':
      return `${who}, the author, replied to your comment`;
    case 'held':
      return 'Your comment is waiting for review';
    case 'released':
      return 'Your comment was approved and is now public';
    case 'removed':
      return 'Your comment was removed by the author';
    case 'review':
      return `A comment by ${who} is waiting for your review`;
    case 'new_comment':
      return `${who} commented on your article`;
  }
}
