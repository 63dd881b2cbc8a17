// What a notification says, in one line, to the reader it is about (the inbox page, its feed,
// the JSON list, and what leaves the site).
import type { NotificationRecord } from './records.ts';

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
