// The discussion's Atom feeds: a reader's private inbox feed and an article's public comments feed.
import { Feed, type Item } from 'feed';
import { Fragment, h } from 'preact';
import type { Article } from '../content/types.ts';
import type { DaySummary, InboxEntry } from '../discussion/inbox.ts';
import { describeNotification } from '../discussion/notification-text.ts';
import type { CommentView } from '../discussion/service.ts';
import type { IdentityRecord } from '../discussion/records.ts';
import { articlePath } from './pages/discussion.tsx';
import { activityCounts, daySummaryHtml, notificationHref, summaryDay } from './pages/inbox.tsx';
import { renderFragment } from './render.ts';

/** Entries in an article's public comments feed: the latest ones, as Atom feeds conventionally hold. */
export const FEED_COMMENTS = 50;

/** Characters XML 1.0 cannot carry at all; they are dropped from feed text. */
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const DAY_MS = 86_400_000;

/** HTML for a CDATA section: a literal "]]>" in it must not end the section early. */
function cdataHtml(html: string): string {
  return html.replace(XML_FORBIDDEN, '').replace(/]]>/g, ']]&gt;');
}

/** Plain text for an Atom element the feed library marks as HTML (titles, summaries): escaped by the template engine. */
function htmlText(text: string): string {
  return cdataHtml(renderFragment(h(Fragment, null, text)));
}

export interface InboxFeedInput {
  base: string;
  siteTitle: string;
  /** The site's language, for the days of the summaries. */
  language: string;
  identity: IdentityRecord;
  items: InboxEntry[];
  /** The author's daily summaries (none for a reader). */
  summaries: DaySummary[];
  titleOf: (slug: string) => string;
}

/**
 * A reader's inbox as a private feed: each item names the article by title and quotes the start of
 * the comment. The author's feed also has one entry per past day with readers' comments, each
 * dated at the end of its day, linking to the desk.
 */
export function inboxFeed(input: InboxFeedInput): string {
  const { base, identity, titleOf } = input;
  const entries: Item[] = input.items.map(({ notification: n, excerpt, rootId }) => ({
    id: `${base}/inbox/${identity.id}/${n.id}`,
    title: htmlText(`${describeNotification(n)} on “${titleOf(n.articleSlug)}”`),
    link: `${base}${notificationHref(n, rootId)}`,
    date: new Date(n.createdAt),
    ...(excerpt ? { description: htmlText(excerpt) } : {}),
  }));
  for (const summary of input.summaries) {
    entries.push({
      id: `${base}/inbox/${identity.id}/day/${new Date(summary.day).toISOString().slice(0, 10)}`,
      title: htmlText(`${summaryDay(summary.day, input.language)}: ${activityCounts(summary)}`),
      link: `${base}/admin`,
      date: new Date(summary.day + DAY_MS),
      content: cdataHtml(daySummaryHtml(summary, titleOf, base)),
    });
  }
  entries.sort((a, b) => b.date.getTime() - a.date.getTime());
  const feed = new Feed({
    id: `${base}/inbox/${identity.id}`,
    title: `${input.siteTitle}: inbox of ${identity.name}`,
    description: `Replies and news for ${identity.name}`,
    link: `${base}/inbox`,
    updated: entries[0]?.date ?? new Date(identity.createdAt),
    copyright: '',
    generator: 'Byline',
  });
  for (const entry of entries) feed.addItem(entry);
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
