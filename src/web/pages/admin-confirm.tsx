// The desk's "are you sure" pages, which work without the script: each says what will happen and
// offers Confirm (a form posting the action) and Cancel (a link back). And the page an action from
// an article lands on, with its notice, its Undo and the way back.
import type { BulkAction, BulkPlan, CommentAction } from '../../discussion/moderation-rules.ts';
import { listNames } from '../../discussion/moderation-rules.ts';
import type { IdentityRecord } from '../../discussion/records.ts';
import type { DeskComment } from '../admin-reads.ts';
import { renderDocument } from '../render.ts';
import { CommentRow, type TitleOf } from './admin-comments.tsx';
import { AdminShell, type AdminShellProps } from './admin-shell.tsx';
import { BanFields, BanForm } from './ban-form.tsx';

/** The actions that are asked about first (the rest come with an Undo instead). */
export type ConfirmedAction = Extract<CommentAction, 'hide' | 'lock' | 'delete'>;
export const CONFIRMED_ACTIONS: readonly ConfirmedAction[] = ['hide', 'lock', 'delete'];

export const questions: Record<ConfirmedAction, { title: string; what: string; confirm: string }> = {
  hide: {
    title: 'Hide this comment?',
    what: 'Readers will no longer see it; where replies hang on it they see “removed by the author” instead. Its writer is told in their inbox. You can restore it later.',
    confirm: 'Hide it',
  },
  lock: {
    title: 'Lock this thread?',
    what: 'Nobody will be able to reply to this comment or to any reply below it; what is there stays. You can unlock it later.',
    confirm: 'Lock the thread',
  },
  delete: {
    title: 'Delete this comment for good?',
    what: 'Its text is deleted and cannot be brought back. Where replies hang on it, readers see a placeholder. There is no undo.',
    confirm: 'Delete for good',
  },
};

function Cancel(props: { back: string }) {
  return (
    <a class="cancel-link" href={props.back}>
      Cancel
    </a>
  );
}

export function commentConfirmPage(
  props: AdminShellProps & { comment: DeskComment; action: ConfirmedAction; back: string; titleOf: TitleOf },
): string {
  const q = questions[props.action];
  return renderDocument(
    <AdminShell {...props} title={q.title}>
      <p class="what-happens">{q.what}</p>
      <ol class="admin-comments">
        <CommentRow c={props.comment} csrf={props.csrf} returnTo={props.back} titleOf={props.titleOf} />
      </ol>
      <form method="post" action={`/admin/comments/${props.comment.id}/${props.action}`} class="confirm-form">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="return" value={props.back} />
        <button type="submit" class={props.action === 'delete' ? 'danger' : undefined}>
          {q.confirm}
        </button>
        <Cancel back={props.back} />
      </form>
    </AdminShell>,
  );
}

/** Where "Ban the writer…" leads: what a ban does, its form, and Cancel back to the comment. */
export function banPage(props: AdminShellProps & { identity: IdentityRecord; back: string; now: number }): string {
  const name = props.identity.name;
  return renderDocument(
    <AdminShell {...props} title={`Ban ${name}?`}>
      <p class="what-happens">
        While the ban lasts, {name} can read but not comment or vote, and is shown the reason. Their comments stay as they are; hide them
        one by one or from the desk’s lists.
      </p>
      <BanForm
        identityId={props.identity.id}
        csrf={props.csrf}
        returnTo={props.back}
        idPrefix="ban"
        name={name}
        now={props.now}
        cancel={props.back}
      />
    </AdminShell>,
  );
}

const bulkVerbs: Record<BulkAction, string> = { release: 'Approve', hide: 'Hide', ban: 'Ban' };

function bulkQuestion(action: BulkAction, plan: BulkPlan<DeskComment>): string {
  const n = plan.apply.length;
  const names = listNames(plan.apply.map((c) => c.authorName ?? '[deleted]'));
  if (action === 'ban') return `Ban ${n} ${n === 1 ? 'name' : 'names'}: ${names}?`;
  return `${bulkVerbs[action]} ${n} ${n === 1 ? 'comment' : 'comments'} by ${names}?`;
}

const bulkEffects: Record<BulkAction, string> = {
  release: 'They become public, and anyone they reply to is told.',
  hide: 'Readers will no longer see them; where replies hang on one, readers see “removed by the author”. Each writer is told in their inbox.',
  ban: 'While the ban lasts they can read but not comment or vote, and are shown the reason. Their comments stay as they are.',
};

/** What a bulk action will do, to which comments (or writers), and what it leaves alone. */
export function bulkConfirmPage(
  props: AdminShellProps & { action: BulkAction; plan: BulkPlan<DeskComment>; back: string; titleOf: TitleOf; now: number },
): string {
  const { plan, action } = props;
  const n = plan.apply.length;
  return renderDocument(
    <AdminShell {...props} title={n === 0 ? 'Nothing to do' : bulkQuestion(action, plan)}>
      {n > 0 && (
        <>
          <p class="what-happens">{bulkEffects[action]}</p>
          <ul class="bulk-list">
            {plan.apply.map((c) => (
              <li>
                <p class="bulk-who">
                  <strong>
                    <bdi>{c.authorName ?? '[deleted]'}</bdi>
                  </strong>{' '}
                  on {props.titleOf(c.articleSlug)}
                </p>
                <div class="comment-body bulk-body" dir="auto" dangerouslySetInnerHTML={{ __html: c.html }} />
              </li>
            ))}
          </ul>
        </>
      )}
      {plan.skipped.length > 0 && (
        <section aria-labelledby="bulk-skipped">
          <h2 id="bulk-skipped">Left as {plan.skipped.length === 1 ? 'it is' : 'they are'}</h2>
          <ul class="bulk-list">
            {plan.skipped.map((s) => (
              <li>
                <code>{s.id}</code>: {s.why}
              </li>
            ))}
          </ul>
        </section>
      )}
      {n === 0 ? (
        <p>
          <a href={props.back}>Back</a>
        </p>
      ) : (
        <form method="post" action="/admin/bulk" class="confirm-form">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="return" value={props.back} />
          <input type="hidden" name="action" value={action} />
          {plan.apply.map((c) => (
            <input type="hidden" name="ids" value={c.id} />
          ))}
          {action === 'ban' && <BanFields idPrefix="bulk-ban" now={props.now} />}
          <button type="submit" class={action === 'release' ? undefined : 'danger'}>
            {action === 'ban' ? `Ban ${n} ${n === 1 ? 'name' : 'names'}` : `${bulkVerbs[action]} ${n} ${n === 1 ? 'comment' : 'comments'}`}
          </button>
          <Cancel back={props.back} />
        </form>
      )}
    </AdminShell>,
  );
}

/** Where an action taken from an article lands without the script: the notice (with its Undo) and the way back. */
export function donePage(props: AdminShellProps & { back: string }): string {
  const toComment = /#comment-[A-Za-z0-9_-]+$/.test(props.back);
  return renderDocument(
    <AdminShell {...props} title={props.notice ? 'Done' : 'Nothing to show'} here={props.back}>
      <p>
        <a class="back-link" href={props.back}>
          {toComment ? 'Back to the comment' : 'Back'}
        </a>
      </p>
    </AdminShell>,
  );
}
