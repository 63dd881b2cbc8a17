import type { CommentAction } from '../../discussion/moderation-rules.ts';
import type { CommentView } from '../../discussion/service.ts';
import { ActionForm, actionLabels, confirmPath, offeredActions } from './admin-comments.tsx';
import { CONFIRMED_ACTIONS, type ConfirmedAction, questions } from './admin-confirm.tsx';

const isConfirmed = (action: CommentAction): action is ConfirmedAction => (CONFIRMED_ACTIONS as readonly string[]).includes(action);

/** "Hide this comment?" becomes "Really hide this comment?": the question the script asks in place. */
const really = (title: string) => `Really ${title.charAt(0).toLowerCase()}${title.slice(1)}`;

/**
 * The author's moderation controls for one comment, folded into one "Moderate" menu (a
 * disclosure, so it opens without the script). Actions with an undo are plain forms; hide, lock
 * and delete for good lead to a page that asks first, and the script asks in place instead
 * (src/client/moderate.ts). A ban needs a reason, so it has a page of its own and comes back.
 */
export function ModerateMenu(props: { c: CommentView; csrf: string; returnTo: string }) {
  const { c, csrf, returnTo } = props;
  const name = c.authorName ?? '[deleted]';
  return (
    <details class="mod-menu" data-csrf={csrf}>
      <summary>
        Moderate<span class="visually-hidden"> the comment by {name}</span>
      </summary>
      <ul class="mod-menu-list">
        {offeredActions(c).map((action) => (
          <li>
            {isConfirmed(action) ? (
              <a
                class={`mod-item mod-${action}`}
                href={confirmPath(c.id, action, returnTo)}
                data-action={action}
                data-question={really(questions[action].title)}
                data-confirm={questions[action].confirm}
              >
                {actionLabels[action]}…
              </a>
            ) : (
              <ActionForm commentId={c.id} action={action} csrf={csrf} returnTo={returnTo} class={`mod-item mod-${action}`} />
            )}
          </li>
        ))}
        {c.writerId && !c.isAuthor && !c.mine && (
          <li>
            <a class="mod-item mod-ban" href={`/admin/identities/${c.writerId}/ban?return=${encodeURIComponent(returnTo)}`}>
              Ban the writer…
            </a>
          </li>
        )}
        {c.writerId && (
          <li>
            <a class="mod-item mod-more" href={`/admin/identities/${c.writerId}`}>
              The writer on the desk
            </a>
          </li>
        )}
      </ul>
    </details>
  );
}
