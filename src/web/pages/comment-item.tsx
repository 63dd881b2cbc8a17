import type { ComponentChildren } from 'preact';
import type { CommentView, DisplayItem } from '../../discussion/service.ts';
import { standingNotice } from '../../discussion/comment-rules.ts';
import { AuthorBadge, CsrfField, type DiscussionViewer, mayWrite, STANDING_NOTICE_ID } from './comment-forms.tsx';
import { ModerateMenu } from './moderate-menu.tsx';
import { articlePath } from './paths.ts';
import { exactTime, relativeTime } from './time.ts';

/**
 * Delete asks first. Without the script the button opens a page that shows the comment with
 * Delete and Keep it (a GET: the form carries no token); the script asks in place instead.
 */
function DeleteControl(props: { id: string }) {
  return (
    <form method="get" action={`/comments/${props.id}/delete`} class="delete-form">
      <button type="submit" class="link-button delete-button" aria-label="Delete your comment">
        Delete
      </button>
    </form>
  );
}

/**
 * A comment's actions as this reader may use them: vote (or their own score), reply, permalink,
 * edit and delete. Nothing for a deleted comment. The part of a comment that differs between
 * signed-in readers (see ../reader-page.ts).
 */
export function CommentActions(props: { item: DisplayItem; slug: string; viewer: DiscussionViewer | null }) {
  const { item, slug, viewer } = props;
  const c: CommentView = item.comment;
  if (c.deleted) return null;
  const name = c.authorName ?? '[deleted]';
  const permalink = commentPermalink(item, slug);
  // A banned reader is told why on the page (the composer's notice); the buttons point to it.
  const writes = mayWrite(viewer);
  const standingText = viewer?.standing ? (standingNotice(viewer.standing) ?? undefined) : undefined;
  const voteLabel = c.votedByMe
    ? `Take back your upvote of the comment by ${name}, score ${c.score}`
    : `Upvote the comment by ${name}, score ${c.score}`;
  return (
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
          <button
            type="submit"
            class="vote"
            aria-pressed={c.votedByMe ? 'true' : 'false'}
            aria-label={voteLabel}
            disabled={(!c.canVote && viewer !== null) || !writes}
            aria-describedby={writes ? undefined : STANDING_NOTICE_ID}
            title={writes ? undefined : standingText}
          >
            <span aria-hidden="true">▲ </span>
            <span class="score-value">{c.score}</span>
          </button>
        </form>
      )}
      {item.inLockedThread ? (
        c.locked && <span class="thread-locked">Replies closed</span>
      ) : !writes ? null : (
        <a class="reply-link" href={`${articlePath(slug)}/comments/${c.id}/reply`} aria-label={`Reply to ${name}`}>
          Reply
        </a>
      )}
      <a class="permalink" href={permalink} aria-label={`Permalink to the comment by ${name}`}>
        Permalink
      </a>
      {c.canEdit && writes && (
        <a class="edit-link" href={`/comments/${c.id}/edit`} aria-label="Edit your comment">
          Edit
        </a>
      )}
      {c.mine && <DeleteControl id={c.id} />}
    </footer>
  );
}

function commentPermalink(item: DisplayItem, slug: string): string {
  const c = item.comment;
  return `${articlePath(slug)}${item.rootId !== c.id ? `?thread=${item.rootId}` : ''}#comment-${c.id}`;
}

/** One comment. The author badge comes from the identity's role, never from anything typed. */
export function CommentItem(props: {
  item: DisplayItem;
  slug: string;
  viewer: DiscussionViewer | null;
  now: number;
  focus?: string;
  /** In place of the comment's actions (see DiscussionSection's slots). */
  actions?: ComponentChildren;
}) {
  const { item, slug, viewer, now } = props;
  const c: CommentView = item.comment;
  const name = c.authorName ?? '[deleted]';
  const id = `comment-${c.id}`;
  const permalink = commentPermalink(item, slug);
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
        {c.deleted ? null : (props.actions ?? <CommentActions item={item} slug={slug} viewer={viewer} />)}
        {viewer?.isAuthor && !(c.deleted && !c.removed) && <ModerateMenu c={c} csrf={viewer.csrf} returnTo={permalink} />}
        {item.hiddenReplies > 0 && (
          <a class="more-replies" href={`${articlePath(slug)}?thread=${item.rootId}#${id}`}>
            {item.hiddenReplies} more {item.hiddenReplies === 1 ? 'reply' : 'replies'}
          </a>
        )}
      </article>
    </li>
  );
}
