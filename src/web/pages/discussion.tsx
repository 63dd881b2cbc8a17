import { BanForm } from './ban-form.tsx';
import type { ComponentChildren } from 'preact';
import type { CommentView, DisplayItem, Sort, ThreadPage } from '../../discussion/service.ts';
import { TOP_SORT_EXPLANATION } from '../../discussion/service.ts';
import { exactTime, relativeTime } from './time.ts';

export interface DiscussionViewer {
  name: string;
  isAuthor: boolean;
  csrf: string;
  /** The signed render time for the comment form (see discussion/holds.ts). */
  formTime?: string;
}

export interface DiscussionProps {
  slug: string;
  authorName: string;
  page: ThreadPage;
  viewer: DiscussionViewer | null;
  open: boolean;
  now: number;
  /** Highest event id when rendered: the live script resumes from here. */
  lastEventId: number;
  /** A fresh key per render; the form sends it so a double submit posts once. */
  idempotencyKey: string;
}

const sortLabels: Record<Sort, string> = { top: 'Top', new: 'New', old: 'Old' };

export function articlePath(slug: string): string {
  return `/writing/${encodeURIComponent(slug)}`;
}

function sortHref(slug: string, sort: Sort): string {
  return `${articlePath(slug)}${sort === 'top' ? '' : `?sort=${sort}`}#comments`;
}

export function CsrfField({ viewer }: { viewer: DiscussionViewer | null }) {
  return viewer ? <input type="hidden" name="_csrf" value={viewer.csrf} /> : null;
}

/**
 * The author's moderation controls under each comment: plain forms that post to the admin routes
 * and come back to the comment, so they work without JavaScript.
 */
function AuthorControls(props: { c: CommentView; csrf: string; returnTo: string; isTopLevel: boolean }) {
  const { c, csrf, returnTo } = props;
  const act = (action: string, label: string, extra?: string) => (
    <form method="post" action={`/admin/comments/${c.id}/${action}`} class="inline-form mod-form">
      <input type="hidden" name="_csrf" value={csrf} />
      <input type="hidden" name="return" value={returnTo} />
      <button type="submit" class={`link-button mod-${action}${extra ? ` ${extra}` : ''}`}>{label}</button>
    </form>
  );
  return (
    <div class="mod-controls">
      {c.held && act('release', 'Approve')}
      {c.removed ? act('restore', 'Restore') : act('hide', 'Hide')}
      {props.isTopLevel && !c.held && !c.removed && (c.pinned ? act('unpin', 'Unpin') : act('pin', 'Pin'))}
      {c.writerId && !c.isAuthor && !c.mine && (
        <details class="mod-ban">
          <summary>Ban…</summary>
          <BanForm identityId={c.writerId} csrf={csrf} returnTo={returnTo} compact idPrefix={`ban-${c.id}`} name={c.authorName ?? undefined} />
        </details>
      )}
      {c.writerId && (
        <a class="mod-more" href={`/admin/identities/${c.writerId}`}>
          More
        </a>
      )}
    </div>
  );
}

function AuthorBadge() {
  return (
    <span class="badge-author" title="The author of this site">
      Author
    </span>
  );
}

/** One comment. The author badge comes from the identity's role, never from anything typed. */
export function CommentItem(props: { item: DisplayItem; slug: string; viewer: DiscussionViewer | null; now: number; focus?: string }) {
  const { item, slug, viewer, now } = props;
  const c: CommentView = item.comment;
  const name = c.authorName ?? '[deleted]';
  const id = `comment-${c.id}`;
  const permalink = `${articlePath(slug)}${item.rootId !== c.id ? `?thread=${item.rootId}` : ''}#${id}`;
  const voteLabel = c.votedByMe ? `Take back your upvote of the comment by ${name}, score ${c.score}` : `Upvote the comment by ${name}, score ${c.score}`;
  return (
    <li
      class={`comment indent-${item.indent}${c.isAuthor ? ' by-author' : ''}${c.deleted ? ' is-deleted' : ''}${c.pinned ? ' is-pinned' : ''}`}
      id={id}
      data-id={c.id}
      data-parent={c.parentId ?? undefined}
      data-indent={item.indent}
      data-root={item.rootId}
      data-score={c.score}
      data-created={c.createdAt}
    >
      <article class="comment-card" aria-labelledby={`${id}-by`}>
        <header class="comment-head">
          <span class="comment-author" id={`${id}-by`}>
            {c.deleted ? <span class="deleted-name">[deleted]</span> : <bdi>{name}</bdi>}
          </span>
          {c.isAuthor && <AuthorBadge />}
          {c.pinned && <span class="badge-pinned">Pinned</span>}
          {c.held && <span class="badge-held">Waiting for review</span>}
          {c.removed && !c.deleted && <span class="badge-removed">Hidden from readers</span>}
          <a class="comment-time" href={permalink} title={exactTime(c.createdAt)}>
            <time datetime={new Date(c.createdAt).toISOString()}>{relativeTime(c.createdAt, now)}</time>
          </a>
          {c.editedAt !== null && !c.deleted && (
            <span class="edited" title={`Edited ${exactTime(c.editedAt)}`}>
              edited
            </span>
          )}
        </header>
        {item.replyingTo && (
          <p class="replying-to">
            replying to <bdi>{item.replyingTo}</bdi>
          </p>
        )}
        {c.deleted ? (
          <p class="comment-body placeholder">{c.removed ? 'This comment was removed by the author.' : 'This comment was deleted.'}</p>
        ) : (
          <div class="comment-body" dir="auto" dangerouslySetInnerHTML={{ __html: c.html }} />
        )}
        {!c.deleted && (
          <footer class="comment-actions">
            {c.mine ? (
              <span class="score own-score" title="Upvote score">
                <span aria-hidden="true">▲ </span>
                <span class="score-value">{c.score}</span>
                <span class="visually-hidden"> upvotes</span>
              </span>
            ) : (
              <form method="post" action={`/comments/${c.id}/vote`} class="vote-form">
                <CsrfField viewer={viewer} />
                <input type="hidden" name="action" value={c.votedByMe ? 'down' : 'up'} />
                <button type="submit" class="vote" aria-pressed={c.votedByMe ? 'true' : 'false'} aria-label={voteLabel} disabled={!c.canVote && viewer !== null}>
                  <span aria-hidden="true">▲ </span>
                  <span class="score-value">{c.score}</span>
                </button>
              </form>
            )}
            <a class="reply-link" href={`${articlePath(slug)}/comments/${c.id}/reply`} aria-label={`Reply to ${name}`}>
              Reply
            </a>
            <a class="permalink" href={permalink} aria-label={`Permalink to the comment by ${name}`}>
              Permalink
            </a>
            {c.canEdit && (
              <a class="edit-link" href={`/comments/${c.id}/edit`} aria-label="Edit your comment">
                Edit
              </a>
            )}
            {c.mine && (
              <form method="post" action={`/comments/${c.id}/delete`} class="delete-form">
                <CsrfField viewer={viewer} />
                <button type="submit" class="link-button delete-button" aria-label="Delete your comment">
                  Delete
                </button>
              </form>
            )}
          </footer>
        )}
        {viewer?.isAuthor && !(c.deleted && !c.removed) && <AuthorControls c={c} csrf={viewer.csrf} returnTo={permalink} isTopLevel={c.parentId === null} />}
        {item.hiddenReplies > 0 && (
          <a class="more-replies" href={`${articlePath(slug)}?thread=${item.rootId}#${id}`}>
            {item.hiddenReplies} more {item.hiddenReplies === 1 ? 'reply' : 'replies'}
          </a>
        )}
      </article>
    </li>
  );
}

export function SignInForm(props: { returnTo: string; idPrefix: string; children?: ComponentChildren }) {
  return (
    <form method="post" action="/signin" class="signin-form">
      <input type="hidden" name="return" value={props.returnTo} />
      <label for={`${props.idPrefix}-name`}>Display name</label>
      <div class="inline-field">
        <input
          id={`${props.idPrefix}-name`}
          name="name"
          type="text"
          required
          minLength={2}
          maxLength={40}
          autocomplete="nickname"
          spellcheck={false}
          aria-describedby={`${props.idPrefix}-hint`}
        />
        <button type="submit">Sign in</button>
      </div>
      <p class="hint" id={`${props.idPrefix}-hint`}>
        Just a name: no email, no password. You get a recovery key to use it on another device.{' '}
        <a href={`/signin?return=${encodeURIComponent(props.returnTo)}`}>Have a name already?</a>
      </p>
      {props.children}
    </form>
  );
}

export function CommentForm(props: {
  action: string;
  viewer: DiscussionViewer;
  idempotencyKey: string;
  parentId?: string;
  body?: string;
  label: string;
  submit: string;
  idPrefix: string;
}) {
  return (
    <form method="post" action={props.action} class="comment-form">
      <CsrfField viewer={props.viewer} />
      <input type="hidden" name="idempotencyKey" value={props.idempotencyKey} />
      {props.viewer.formTime && <input type="hidden" name="_t" value={props.viewer.formTime} />}
      <div class="visually-hidden" aria-hidden="true">
        <label for={`${props.idPrefix}-website`}>Leave this field empty</label>
        <input id={`${props.idPrefix}-website`} name="website" type="text" tabindex={-1} autocomplete="off" value="" />
      </div>
      {props.parentId && <input type="hidden" name="parentId" value={props.parentId} />}
      <p class="commenting-as">
        Commenting as <strong>{props.viewer.name}</strong> {props.viewer.isAuthor && <AuthorBadge />}
      </p>
      <label for={`${props.idPrefix}-body`}>{props.label}</label>
      <textarea id={`${props.idPrefix}-body`} name="body" required rows={5} maxLength={10000} aria-describedby={`${props.idPrefix}-help`}>
        {props.body ?? ''}
      </textarea>
      <p class="hint" id={`${props.idPrefix}-help`}>
        Markdown works: *emphasis*, **strong**, [links](https://example.com), `code`, &gt; quotes and lists. Up to 10,000 characters.
      </p>
      <button type="submit">{props.submit}</button>
    </form>
  );
}

/** The comments section of an article: header, composer, sort control, threads. */
export function DiscussionSection(props: DiscussionProps) {
  const { slug, page, viewer, open, now } = props;
  const returnTo = `${articlePath(slug)}#comments`;
  return (
    <div class="discussion" data-slug={slug} data-sort={page.sort} data-last-event={props.lastEventId} data-signed-in={viewer ? 'true' : 'false'}>
      <h2 id="comments-title">
        Comments <span class="comment-count">({page.total})</span>
      </h2>
      <p class="comments-intro">
        Readers and the author, {props.authorName}, reply here. The number next to each comment is its upvote score. Signing in takes only a display name.
      </p>
      <div class="composer" id="composer">
        {!open ? (
          <p class="closed-note">Comments on this article are closed. The discussion stays here to read.</p>
        ) : viewer ? (
          <>
            <h3 class="composer-title">Join the conversation</h3>
            <CommentForm
              action={`${articlePath(slug)}/comments`}
              viewer={viewer}
              idempotencyKey={props.idempotencyKey}
              label="Your comment"
              submit="Post comment"
              idPrefix="composer"
            />
          </>
        ) : (
          <>
            <h3 class="composer-title">Join the conversation</h3>
            <SignInForm returnTo={returnTo} idPrefix="composer" />
          </>
        )}
      </div>
      {page.total > 0 && (
        <div class="thread-tools">
          <nav class="comment-sort" aria-label="Sort comments">
            <span>Sort:</span>
            {(['top', 'new', 'old'] as const).map((s) => (
              <a href={sortHref(slug, s)} aria-current={s === page.sort ? 'page' : undefined}>
                {sortLabels[s]}
              </a>
            ))}
          </nav>
          {page.sort === 'top' && <p class="sort-explanation">{TOP_SORT_EXPLANATION}</p>}
        </div>
      )}
      <div class="live-region" aria-live="polite" />
      {page.focus && (
        <p class="thread-focus">
          Showing one thread in full. <a href={`${articlePath(slug)}#comments`}>See all comments</a>
        </p>
      )}
      {page.items.length > 0 ? (
        <ol class="comment-list">
          {page.items.map((item) => (
            <CommentItem item={item} slug={slug} viewer={viewer} now={now} focus={page.focus} />
          ))}
        </ol>
      ) : (
        <p class="no-comments">{open ? 'No comments yet. Start the conversation.' : 'No comments.'}</p>
      )}
      {page.next && (
        <nav class="comment-pages" aria-label="More comments">
          <a class="show-more" href={`${articlePath(slug)}?${page.sort === 'top' ? '' : `sort=${page.sort}&`}after=${page.next}#comments`}>
            Show more comments
          </a>
        </nav>
      )}
    </div>
  );
}
