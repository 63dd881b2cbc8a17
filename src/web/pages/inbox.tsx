import type { DaySummary, InboxEntry } from '../../discussion/inbox.ts';
import { describeNotification } from '../../discussion/notification-text.ts';
import type { DeskCounts, InboxAmount, NotificationRecord } from '../../discussion/records.ts';
import type { AppContext } from '../context.ts';
import { renderDocument, renderFragment } from '../render.ts';
import { articlePath } from './discussion.tsx';
import { Layout } from './layout.tsx';
import type { Viewer } from './meta.tsx';
import { exactTime } from './time.ts';

/** The comment an item is about, in context: a reply opens its whole thread, so it is on the page however long the discussion. */
export function notificationHref(n: Pick<NotificationRecord, 'articleSlug' | 'commentId'>, rootId?: string | null): string {
  const thread = n.commentId && rootId && rootId !== n.commentId ? `?thread=${encodeURIComponent(rootId)}` : '';
  return `${articlePath(n.articleSlug)}${thread}${n.commentId ? `#comment-${n.commentId}` : '#comments'}`;
}

/** An article's title for an inbox line; the slug where the article is gone from the site. */
export function articleTitle(ctx: AppContext, slug: string): string {
  return ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev })?.title ?? slug;
}

/** The author's choices of how much reaches the inbox, as the setting offers them. */
export const AMOUNT_CHOICES: readonly { value: InboxAmount; label: string; hint: string }[] = [
  { value: 'everything', label: 'Everything new', hint: 'Every new comment and reply on your articles.' },
  { value: 'threads', label: 'Held comments and new threads', hint: 'New top-level comments, not the replies under them.' },
  { value: 'held', label: 'Only held comments and replies to me', hint: 'Nothing else; the desk still counts new comments.' },
];

/** What the author's part of the inbox page shows. */
export interface AuthorInbox {
  amount: InboxAmount;
  desk: DeskCounts;
}

export interface InboxPageProps {
  ctx: AppContext;
  viewer: Viewer;
  csrf: string;
  items: InboxEntry[];
  /** Only for the author: the way to the desk and the setting of how much reaches the inbox. */
  author?: AuthorInbox;
  /** The private feed URL, shown once right after it is made. */
  feedUrl?: string;
  hasFeed: boolean;
  notice?: string;
  /** Why a form was refused, shown beside it. */
  error?: string;
}

function InboxItem(props: { ctx: AppContext; entry: InboxEntry }) {
  const { notification: n, excerpt, rootId } = props.entry;
  const unread = n.readAt === null;
  return (
    <li class={`inbox-item ${unread ? 'unread' : 'read'}`}>
      <p class="inbox-line">
        {unread && <span class="visually-hidden">New: </span>}
        <a href={notificationHref(n, rootId)}>{describeNotification(n)}</a> on <cite>{articleTitle(props.ctx, n.articleSlug)}</cite>
      </p>
      {excerpt && <p class="inbox-excerpt">{excerpt}</p>}
      <p class="inbox-time">
        <time datetime={new Date(n.createdAt).toISOString()}>{exactTime(n.createdAt)}</time>
      </p>
    </li>
  );
}

/** "2 comments wait for your review" and the like: what the desk holds, in a sentence. */
function deskSentence(desk: DeskCounts): string {
  const parts: string[] = [];
  if (desk.held > 0) parts.push(`${desk.held} ${desk.held === 1 ? 'comment waits' : 'comments wait'} for your review`);
  if (desk.fresh > 0) parts.push(`${desk.fresh} new ${desk.fresh === 1 ? 'comment' : 'comments'} since your last visit`);
  return parts.length > 0 ? `${parts.join('; ')}.` : 'Nothing waits for your review.';
}

function DeskPanel(props: { desk: DeskCounts }) {
  return (
    <p class="inbox-desk">
      <span>{deskSentence(props.desk)}</span>{' '}
      <a href="/admin" class="button-link">
        Open the desk
      </a>
    </p>
  );
}

function AmountSetting(props: { amount: InboxAmount; csrf: string; error?: string }) {
  return (
    <section aria-labelledby="inbox-settings" class="inbox-settings">
      <h2 id="inbox-settings">What reaches your inbox</h2>
      <form method="post" action="/inbox/settings">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <fieldset aria-describedby={props.error ? 'inbox-settings-error' : undefined}>
          <legend>Besides comments waiting for your review and replies to your comments:</legend>
          {props.error && (
            <p class="form-error" id="inbox-settings-error">
              {props.error}
            </p>
          )}
          {AMOUNT_CHOICES.map((choice) => (
            <div class="amount-choice">
              <input
                type="radio"
                name="amount"
                id={`amount-${choice.value}`}
                value={choice.value}
                checked={choice.value === props.amount}
                aria-describedby={`amount-${choice.value}-hint`}
              />
              <label for={`amount-${choice.value}`}>{choice.label}</label>
              <p class="hint" id={`amount-${choice.value}-hint`}>
                {choice.hint}
              </p>
            </div>
          ))}
        </fieldset>
        <button type="submit">Save</button>
      </form>
    </section>
  );
}

export function inboxPage(props: InboxPageProps): string {
  const csrf = <input type="hidden" name="_csrf" value={props.csrf} />;
  const { author } = props;
  return renderDocument(
    <Layout ctx={props.ctx} title="Inbox" description="Your inbox" ogType="website" noindex viewer={props.viewer}>
      <div class="wrap account-page inbox-page">
        <h1>Inbox</h1>
        {props.notice && (
          <p class="notice" role="status">
            {props.notice}
          </p>
        )}
        {author && <DeskPanel desk={author.desk} />}
        {props.items.length === 0 ? (
          <p class="empty">
            {author
              ? 'Nothing yet. Comments waiting for your review, new comments and replies to you show up here.'
              : 'Nothing yet. Replies to your comments, and news about them, show up here.'}
          </p>
        ) : (
          <ol class="inbox-list">
            {props.items.map((entry) => (
              <InboxItem ctx={props.ctx} entry={entry} />
            ))}
          </ol>
        )}
        {author && <AmountSetting amount={author.amount} csrf={props.csrf} error={props.error} />}
        <section aria-labelledby="inbox-feed">
          <h2 id="inbox-feed">Follow your inbox in a feed reader</h2>
          <p>
            A private Atom feed of this inbox, for any feed reader: no email address needed.
            {author && ' It also sums up each day’s comments, with a link to the desk.'} Its address is a secret; anyone who has it can read
            your inbox, so make a new one (the old one stops working) or turn it off if it leaks.
          </p>
          {props.feedUrl && (
            <p class="feed-url">
              Your private feed (shown once; copy it now): <code>{props.feedUrl}</code>
            </p>
          )}
          <form method="post" action="/inbox/feed" class="inline-form">
            {csrf}
            <button type="submit">{props.hasFeed ? 'Make a new feed address' : 'Make a private feed address'}</button>
          </form>
          {props.hasFeed && (
            <form method="post" action="/inbox/feed/revoke" class="inline-form">
              {csrf}
              <button type="submit">Turn the feed off</button>
            </form>
          )}
        </section>
      </div>
    </Layout>,
  );
}

/** "3 comments, 1 held, 2 replies to you": one day's or one article's counts. */
export function activityCounts(a: { comments: number; held: number; replies: number }): string {
  const parts = [`${a.comments} ${a.comments === 1 ? 'comment' : 'comments'}`];
  if (a.held > 0) parts.push(`${a.held} held`);
  if (a.replies > 0) parts.push(`${a.replies} ${a.replies === 1 ? 'reply' : 'replies'} to you`);
  return parts.join(', ');
}

/** The day a summary covers, as its feed entry names it: "Tuesday, 1 December 2026" (UTC). */
export function summaryDay(day: number, language: string): string {
  const options = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' } as const;
  try {
    return new Intl.DateTimeFormat(language, options).format(day);
  } catch {
    return new Intl.DateTimeFormat('en', options).format(day);
  }
}

/** The body of a daily summary's feed entry: each article with its counts, and the way to the desk. */
export function daySummaryHtml(summary: DaySummary, titleOf: (slug: string) => string, base: string): string {
  return renderFragment(
    <div>
      <ul>
        {summary.articles.map((a) => (
          <li>
            <a href={`${base}${articlePath(a.articleSlug)}#comments`}>{titleOf(a.articleSlug)}</a>: {activityCounts(a)}
          </li>
        ))}
      </ul>
      <p>
        <a href={`${base}/admin`}>Open the desk</a>
      </p>
    </div>,
  );
}
