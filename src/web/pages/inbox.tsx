import { describeNotification } from '../../discussion/inbox.ts';
import type { NotificationRecord } from '../../discussion/records.ts';
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { articlePath } from './discussion.tsx';
import { Layout } from './layout.tsx';
import type { Viewer } from './meta.tsx';
import { exactTime } from './time.ts';

export function notificationHref(n: NotificationRecord): string {
  return `${articlePath(n.articleSlug)}${n.commentId ? `#comment-${n.commentId}` : '#comments'}`;
}

export function inboxPage(props: {
  ctx: AppContext;
  viewer: Viewer;
  csrf: string;
  items: NotificationRecord[];
  /** The private feed URL, shown once right after it is made. */
  feedUrl?: string;
  hasFeed: boolean;
  notice?: string;
}): string {
  const csrf = <input type="hidden" name="_csrf" value={props.csrf} />;
  return renderDocument(
    <Layout ctx={props.ctx} title="Inbox" description="Your inbox" ogType="website" noindex viewer={props.viewer}>
      <div class="wrap account-page inbox-page">
        <h1>Inbox</h1>
        {props.notice && (
          <p class="notice" role="status">
            {props.notice}
          </p>
        )}
        {props.items.length === 0 ? (
          <p class="empty">Nothing yet. Replies to your comments, and news about them, show up here.</p>
        ) : (
          <ol class="inbox-list">
            {props.items.map((n) => (
              <li class={n.readAt === null ? 'unread' : 'read'}>
                {n.readAt === null && <span class="visually-hidden">New: </span>}
                <a href={notificationHref(n)}>{describeNotification(n)}</a> on {n.articleSlug},{' '}
                <time datetime={new Date(n.createdAt).toISOString()}>{exactTime(n.createdAt)}</time>
              </li>
            ))}
          </ol>
        )}
        <section aria-labelledby="inbox-feed">
          <h2 id="inbox-feed">Follow your inbox in a feed reader</h2>
          <p>
            A private Atom feed of this inbox, for any feed reader: no email address needed. Its address is a secret; anyone who has it can
            read your inbox, so make a new one (the old one stops working) or turn it off if it leaks.
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
