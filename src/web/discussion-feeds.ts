// The discussion's Atom feeds: a reader's private inbox feed and an article's public comments feed.
import { Feed } from 'feed';
import type { Article } from '../content/types.ts';
import { describeNotification } from '../discussion/inbox.ts';
import type { CommentView } from '../discussion/service.ts';
import type { IdentityRecord, NotificationRecord } from '../discussion/records.ts';
import { articlePath } from './pages/discussion.tsx';
import { notificationHref } from './pages/inbox.tsx';

/** Entries in an article's public comments feed: the latest ones, as Atom feeds conventionally hold. */
export const FEED_COMMENTS = 50;

/** Characters XML 1.0 cannot carry at all; they are dropped from feed text. */
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function inboxFeed(base: string, siteTitle: string, identity: IdentityRecord, items: NotificationRecord[]): string {
  const feed = new Feed({
    id: `${base}/inbox/${identity.id}`,
    title: `${siteTitle}: inbox of ${identity.name}`,
    description: `Replies and news for ${identity.name}`,
    link: `${base}/inbox`,
    updated: new Date(items[0]?.createdAt ?? identity.createdAt),
    copyright: '',
    generator: 'Byline',
  });
  for (const n of items) {
    feed.addItem({
      id: `${base}/inbox/${identity.id}/${n.id}`,
      title: `${describeNotification(n)} on ${n.articleSlug}`.replace(XML_FORBIDDEN, ''),
      link: `${base}${notificationHref(n)}`,
      date: new Date(n.createdAt),
    });
  }
  return feed.atom1();
}

/** The public comments feed of an article, from its latest public comments. */
export function commentsFeed(base: string, article: Pick<Article, 'slug' | 'title' | 'date'>, latest: CommentView[]): string {
  const slug = article.slug;
  const feed = new Feed({
    id: `${base}${articlePath(slug)}#comments`,
    title: `Comments on “${article.title}”`.replace(XML_FORBIDDEN, ''),
    description: `The readers' discussion of ${article.title}`.replace(XML_FORBIDDEN, ''),
    link: `${base}${articlePath(slug)}#comments`,
    updated: new Date(Math.max(0, ...latest.map((c) => c.editedAt ?? c.createdAt)) || Date.parse(`${article.date}T00:00:00Z`)),
    copyright: '',
    generator: 'Byline',
  });
  for (const c of [...latest].sort((a, b) => b.createdAt - a.createdAt)) {
    feed.addItem({
      id: `${base}${articlePath(slug)}#comment-${c.id}`,
      title: `${c.authorName ?? '[deleted]'}${c.isAuthor ? ' (author)' : ''}`.replace(XML_FORBIDDEN, ''),
      link: `${base}${articlePath(slug)}#comment-${c.id}`,
      date: new Date(c.editedAt ?? c.createdAt),
      author: [{ name: c.authorName ?? '[deleted]' }],
      // The body goes into CDATA: a literal "]]>" in it must not end the section early.
      content: c.html.replace(XML_FORBIDDEN, '').replace(/]]>/g, ']]&gt;'),
    });
  }
  return feed.atom1();
}
