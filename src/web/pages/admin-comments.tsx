import { type CommentAction, commentActionsFor } from '../../discussion/moderation-rules.ts';
import type { CommentRecord, CommentState } from '../../discussion/records.ts';
import { articlePath } from './paths.ts';
import { exactTime } from './time.ts';

export const actionLabels: Record<CommentAction, string> = {
  hide: 'Hide',
  restore: 'Restore',
  release: 'Approve',
  delete: 'Delete for good',
  pin: 'Pin',
  unpin: 'Unpin',
  lock: 'Lock thread',
  unlock: 'Unlock thread',
};

/** The author's actions on a comment, as plain forms; only those that apply to its state. */
function CommentActionForms(props: {
  comment: Pick<CommentRecord, 'id' | 'state' | 'pinned' | 'locked' | 'parentId'>;
  csrf: string;
  returnTo: string;
}) {
  return (
    <div class="mod-actions">
      {commentActionsFor(props.comment).map((action) => (
        <form method="post" action={`/admin/comments/${props.comment.id}/${action}`} class="inline-form">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="return" value={props.returnTo} />
          <button type="submit" class={action === 'delete' ? 'link-button danger' : 'link-button'}>
            {actionLabels[action]}
          </button>
        </form>
      ))}
    </div>
  );
}

export const stateLabels: Record<CommentState, string> = {
  visible: 'Visible',
  held: 'Waiting for review',
  hidden: 'Hidden',
  deleted: 'Deleted',
};

/** One comment in the author's lists: who, where, when, its state, the body as written, and its actions. */
export function CommentRow(props: { c: CommentRecord & { holdReason?: string }; csrf: string; returnTo: string }) {
  const { c } = props;
  return (
    <li class={`admin-comment state-${c.state}`} id={`admin-comment-${c.id}`}>
      <p class="admin-comment-meta">
        {c.identityId ? <a href={`/admin/identities/${c.identityId}`}>{c.authorName ?? '[deleted]'}</a> : <span>[deleted]</span>}
        {c.authorMuted && <span class="badge">muted</span>} on <a href={`${articlePath(c.articleSlug)}#comment-${c.id}`}>{c.articleSlug}</a>
        , <time datetime={new Date(c.createdAt).toISOString()}>{exactTime(c.createdAt)}</time> ·{' '}
        <span class="state">{stateLabels[c.state]}</span>
        {c.pinned && ' · pinned'}
        {c.locked && ' · locked'} · score {c.score} · <a href={`/admin/comments/${c.id}/votes`}>votes</a>
      </p>
      <pre class="admin-comment-body">{c.body}</pre>
      <CommentActionForms comment={c} csrf={props.csrf} returnTo={props.returnTo} />
    </li>
  );
}
