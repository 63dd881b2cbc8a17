import { type CommentAction, commentActionsFor } from '../../discussion/moderation-rules.ts';
import type { CommentState } from '../../discussion/records.ts';
import type { DeskComment } from '../admin-reads.ts';
import { articlePath } from './paths.ts';
import { exactTime } from './time.ts';

export const actionLabels: Record<CommentAction, string> = {
  hide: 'Hide',
  restore: 'Restore',
  release: 'Approve',
  hold: 'Back to the queue',
  delete: 'Delete for good',
  pin: 'Pin',
  unpin: 'Unpin',
  lock: 'Lock thread',
  unlock: 'Unlock thread',
};

export const stateLabels: Record<CommentState, string> = {
  visible: 'Visible',
  held: 'Waiting for review',
  hidden: 'Hidden',
  deleted: 'Deleted',
};

/** The order actions are offered in, the likeliest first; only those that apply to a comment's state appear. */
export const ACTION_ORDER: readonly CommentAction[] = ['release', 'restore', 'pin', 'unpin', 'unlock', 'lock', 'hide', 'delete'];

/** The actions that apply to a comment, in the order they are offered. */
export function offeredActions(c: Parameters<typeof commentActionsFor>[0]): CommentAction[] {
  const offered = commentActionsFor(c);
  return ACTION_ORDER.filter((action) => offered.includes(action));
}

/** The title of an article by its slug (the slug itself when the article is gone). */
export type TitleOf = (slug: string) => string;

/** The link to a comment in context: its article, with `?thread=` when it is a reply, as the article page writes it. */
export function commentPermalink(slug: string, id: string, rootId: string): string {
  return `${articlePath(slug)}${rootId !== id ? `?thread=${encodeURIComponent(rootId)}` : ''}#comment-${id}`;
}

/** The GET page that asks before an action; the form on it posts to the same address. */
export function confirmPath(commentId: string, action: CommentAction, returnTo: string): string {
  return `/admin/comments/${commentId}/${action}?return=${encodeURIComponent(returnTo)}`;
}

/** One moderation action as a plain form that posts and comes back to `returnTo`. */
export function ActionForm(props: {
  commentId: string;
  action: CommentAction;
  csrf: string;
  returnTo: string;
  class?: string;
  label?: string;
  shortcut?: string;
}) {
  return (
    <form method="post" action={`/admin/comments/${props.commentId}/${props.action}`} class="inline-form">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="return" value={props.returnTo} />
      <button type="submit" class={props.class ?? `link-button mod-${props.action}`} aria-keyshortcuts={props.shortcut}>
        {props.label ?? actionLabels[props.action]}
      </button>
    </form>
  );
}

/** Shortcut keys of the queue (see src/client/desk-keys.ts). */
const QUEUE_KEYS: Partial<Record<CommentAction, string>> = { release: 'a', hide: 'h' };

/** The desk's actions on a comment: those that apply to its state; delete for good is asked about first. */
function DeskActions(props: { c: DeskComment; csrf: string; returnTo: string; shortcuts?: boolean }) {
  const { c } = props;
  return (
    <div class="mod-actions">
      {offeredActions(c).map((action) =>
        action === 'delete' ? (
          <a class="mod-delete danger-link" href={confirmPath(c.id, action, props.returnTo)} data-action={action}>
            {actionLabels[action]}…
          </a>
        ) : (
          <ActionForm
            commentId={c.id}
            action={action}
            csrf={props.csrf}
            returnTo={props.returnTo}
            shortcut={props.shortcuts ? QUEUE_KEYS[action] : undefined}
          />
        ),
      )}
      <a href={commentPermalink(c.articleSlug, c.id, c.rootId)}>In context</a>
      <a href={`/admin/comments/${c.id}/votes`}>Votes</a>
    </div>
  );
}

/**
 * One comment in the author's lists: who, on which article, when, its state, the body as readers
 * see it, and its actions. With `bulk`, a checkbox that belongs to the page's bulk form.
 */
export function CommentRow(props: {
  c: DeskComment;
  csrf: string;
  returnTo: string;
  titleOf: TitleOf;
  bulk?: boolean;
  shortcuts?: boolean;
}) {
  const { c } = props;
  const name = c.authorName ?? '[deleted]';
  const title = props.titleOf(c.articleSlug);
  const id = `admin-comment-${c.id}`;
  return (
    <li
      class={`admin-comment state-${c.state}`}
      id={id}
      data-id={c.id}
      tabindex={props.shortcuts ? -1 : undefined}
      aria-label={props.shortcuts ? `Comment by ${name} on “${title}”, ${stateLabels[c.state].toLowerCase()}` : undefined}
    >
      <div class="admin-comment-head">
        {props.bulk && (
          <span class="pick">
            <input type="checkbox" id={`${id}-pick`} name="ids" value={c.id} form="bulk-form" />
            <label for={`${id}-pick`} class="visually-hidden">
              Choose the comment by {name}
            </label>
          </span>
        )}
        <p class="admin-comment-meta">
          {c.identityId ? (
            <a class="who" href={`/admin/identities/${c.identityId}`}>
              <bdi>{name}</bdi>
            </a>
          ) : (
            <span class="who">[deleted]</span>
          )}
          {c.authorMuted && <span class="badge">muted</span>} on <a href={articlePath(c.articleSlug)}>{title}</a>
          <br />
          <time datetime={new Date(c.createdAt).toISOString()}>{exactTime(c.createdAt)}</time> ·{' '}
          <span class="state">{stateLabels[c.state]}</span>
          {c.pinned && ' · pinned'}
          {c.locked && ' · locked'} · score {c.score}
        </p>
      </div>
      {c.state === 'deleted' ? (
        <p class="comment-body placeholder">The text is deleted.</p>
      ) : (
        <div class="comment-body admin-comment-body" dir="auto" dangerouslySetInnerHTML={{ __html: c.html }} />
      )}
      <DeskActions c={c} csrf={props.csrf} returnTo={props.returnTo} shortcuts={props.shortcuts} />
    </li>
  );
}
