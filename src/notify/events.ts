// What a notification says, built once from an inbox item and sent in every format: the
// webhooks' JSON, the chat formats, a push to a reader's browser, a line of the author's mail.
import { excerpt } from '../discussion/excerpt.ts';
import type { InboxItem } from '../discussion/inbox.ts';
import type { NotificationKind } from '../discussion/records.ts';
import type { AuthorEvent } from './ports.ts';

/** The event names receivers see, by what the author asked to hear of. */
export const EVENT_TYPES: Record<AuthorEvent | 'test', string> = {
  held: 'comment.held',
  new_comment: 'comment.created',
  reply: 'comment.reply',
  test: 'test',
};

export interface NotifyEvent {
  type: string;
  /** ISO 8601. */
  createdAt: string;
  article: { slug: string; title: string; url: string };
  comment: { id: string; url: string; author: string | null; excerpt: string };
}

/** How the site names an article and links to a comment, given by the web layer. */
export interface SiteLinks {
  articleTitle(slug: string): string;
  articleUrl(slug: string): string;
  commentUrl(slug: string, commentId: string): string;
  /** Where a reader reads everything addressed to them. */
  inboxUrl: string;
}

/** Which author event an inbox item is, if any: the author hears of held and new comments and replies. */
export function authorEventOf(kind: NotificationKind): AuthorEvent | undefined {
  if (kind === 'review') return 'held';
  if (kind === 'new_comment') return 'new_comment';
  if (kind === 'reply') return 'reply';
  return undefined;
}

/** Whether a reader's push subscription hears of this item: replies to them, the author's included. */
export const isReplyToReader = (kind: NotificationKind) => kind === 'reply' || kind === 'author_reply';

export function eventFromItem(item: InboxItem, type: string, links: SiteLinks): NotifyEvent {
  const { comment } = item;
  return {
    type,
    createdAt: new Date(item.createdAt).toISOString(),
    article: { slug: comment.articleSlug, title: links.articleTitle(comment.articleSlug), url: links.articleUrl(comment.articleSlug) },
    comment: {
      id: comment.id,
      url: links.commentUrl(comment.articleSlug, comment.id),
      author: item.actorName ?? comment.authorName,
      excerpt: excerpt(comment.body, 200),
    },
  };
}

/** The event the Test button sends: shaped like a real one, so a receiver can be tried out on it. */
export function testEvent(at: number, siteUrl: string): NotifyEvent {
  return {
    type: EVENT_TYPES.test,
    createdAt: new Date(at).toISOString(),
    article: { slug: 'test', title: 'A test from Byline', url: siteUrl },
    comment: { id: 'test', url: siteUrl, author: 'Byline', excerpt: 'This is a test notification. If you can read it, the webhook works.' },
  };
}

/** One line in words: "Ada commented on “Title”", for titles of chat messages, pushes and mail. */
export function headline(e: NotifyEvent): string {
  const who = e.comment.author ?? 'Someone';
  switch (e.type) {
    case EVENT_TYPES.held:
      return `A comment by ${who} on “${e.article.title}” is waiting for review`;
    case EVENT_TYPES.new_comment:
      return `${who} commented on “${e.article.title}”`;
    case EVENT_TYPES.reply:
      return `${who} replied to you on “${e.article.title}”`;
    case EVENT_TYPES.test:
      return 'Test notification from Byline';
    default:
      return `${who} on “${e.article.title}”`;
  }
}
