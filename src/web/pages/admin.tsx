import type { AuditEntry } from '../../discussion/records.ts';
import type { DeskComment } from '../admin-reads.ts';
import { renderDocument } from '../render.ts';
import { CommentRow, stateLabels, type TitleOf } from './admin-comments.tsx';
import { AdminShell, type AdminShellProps } from './admin-shell.tsx';
import { articlePath } from './paths.ts';
import { exactTime } from './time.ts';

export { identityPage, votesPage } from './admin-identity.tsx';
export { type AdminShellProps, adminMessagePage } from './admin-shell.tsx';

/** The form the desk lists' checkboxes belong to (through their `form` attribute): choose, then review what will happen. */
function BulkBar(props: { ids: string[]; returnTo: string; what: string }) {
  return (
    <form id="bulk-form" method="get" action="/admin/bulk" class="bulk-bar">
      <input type="hidden" name="return" value={props.returnTo} />
      {props.ids.map((id) => (
        <input type="hidden" name="listed" value={id} />
      ))}
      <span class="pick-all">
        <input type="checkbox" id="bulk-all" name="all" value="on" />
        <label for="bulk-all">
          Select all {props.ids.length} {props.what}
        </label>
      </span>
      <span class="bulk-choice">
        <label for="bulk-action">With the chosen comments</label>
        <select id="bulk-action" name="action">
          <option value="release">Approve</option>
          <option value="hide">Hide</option>
          <option value="ban">Ban their writers…</option>
        </select>
        <button type="submit">Review…</button>
      </span>
    </form>
  );
}

export function queuePage(props: AdminShellProps & { held: DeskComment[]; more: boolean; titleOf: TitleOf }): string {
  return renderDocument(
    <AdminShell {...props} title="Moderation queue" section="queue">
      <p>Comments waiting for review are shown to their writers and to you, and to nobody else, until you approve them.</p>
      {props.held.length === 0 ? (
        <p class="empty">Nothing is waiting for review.</p>
      ) : (
        <>
          <p class="desk-keys-help" hidden>
            Keys: <kbd>j</kbd> and <kbd>k</kbd> move to the next and previous comment, <kbd>a</kbd> approves it, <kbd>h</kbd> hides it.
          </p>
          <BulkBar ids={props.held.map((c) => c.id)} returnTo="/admin" what="waiting" />
          <ol class="admin-comments desk-queue">
            {props.held.map((c) => (
              <CommentRow c={c} csrf={props.csrf} returnTo="/admin" titleOf={props.titleOf} bulk shortcuts />
            ))}
          </ol>
          {props.more && <p class="empty">More comments are waiting behind these; they appear here as you deal with these.</p>}
        </>
      )}
    </AdminShell>,
  );
}

export function commentsPage(
  props: AdminShellProps & {
    comments: DeskComment[];
    filter: { article: string; name: string; state: string };
    articles: { slug: string; title: string }[];
    returnTo: string;
    titleOf: TitleOf;
  },
): string {
  const f = props.filter;
  return renderDocument(
    <AdminShell {...props} title="Recent comments" section="comments">
      <form method="get" action="/admin/comments" class="admin-filter">
        <div class="field">
          <label for="f-article">Article</label>
          <select id="f-article" name="article">
            <option value="">All articles</option>
            {props.articles.map((a) => (
              <option value={a.slug} selected={a.slug === f.article}>
                {a.title}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-name">Name</label>
          <input id="f-name" name="name" type="search" value={f.name} maxLength={80} />
        </div>
        <div class="field">
          <label for="f-state">State</label>
          <select id="f-state" name="state">
            <option value="">Any state</option>
            {(['visible', 'held', 'hidden', 'deleted'] as const).map((s) => (
              <option value={s} selected={s === f.state}>
                {stateLabels[s]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      {props.comments.length === 0 ? (
        <p class="empty">No comments match.</p>
      ) : (
        <>
          <BulkBar ids={props.comments.map((c) => c.id)} returnTo={props.returnTo} what="shown" />
          <ol class="admin-comments">
            {props.comments.map((c) => (
              <CommentRow c={c} csrf={props.csrf} returnTo={props.returnTo} titleOf={props.titleOf} bulk />
            ))}
          </ol>
        </>
      )}
    </AdminShell>,
  );
}

/** Who closed an article's comments, if anyone: the author here, the article's own setting, or its age. */
export type ArticleCommentsState = { by: 'open' } | { by: 'author' } | { by: 'article' } | { by: 'age'; days: number };

const articleStateText = (s: ArticleCommentsState) =>
  s.by === 'open'
    ? 'Open'
    : s.by === 'author'
      ? 'Closed by you'
      : s.by === 'article'
        ? 'Closed by the article’s own setting'
        : `Closed: older than ${s.days} days`;

export function articlesPage(
  props: AdminShellProps & { articles: { slug: string; title: string; state: ArticleCommentsState }[] },
): string {
  return renderDocument(
    <AdminShell {...props} title="Articles" section="articles">
      <table class="admin-table stack">
        <thead>
          <tr>
            <th scope="col">Article</th>
            <th scope="col">Comments</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {props.articles.map((a) => (
            <tr>
              <td data-label="Article">
                <a href={articlePath(a.slug)}>{a.title}</a> ·{' '}
                <a href={`/admin/comments?article=${encodeURIComponent(a.slug)}`}>its comments</a>
              </td>
              <td data-label="Comments">{articleStateText(a.state)}</td>
              <td data-label="Action">
                {a.state.by === 'open' || a.state.by === 'author' ? (
                  <form
                    method="post"
                    action={`/admin/articles/${encodeURIComponent(a.slug)}/${a.state.by === 'author' ? 'reopen' : 'close'}`}
                    class="inline-form"
                  >
                    <input type="hidden" name="_csrf" value={props.csrf} />
                    <button type="submit" class="secondary">
                      {a.state.by === 'author' ? 'Reopen comments' : 'Close comments'}
                    </button>
                  </form>
                ) : (
                  <span class="muted">Change it in the article’s file</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminShell>,
  );
}

export function auditPage(props: AdminShellProps & { entries: AuditEntry[] }): string {
  return renderDocument(
    <AdminShell {...props} title="Audit log" section="audit">
      <p>Every moderation action, newest first.</p>
      <table class="admin-table audit stack">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <tr>
              <td data-label="When">
                <time datetime={new Date(e.createdAt).toISOString()}>{exactTime(e.createdAt)}</time>
              </td>
              <td data-label="Who">{e.actorName}</td>
              <td data-label="Action">
                <code>{e.action}</code>
              </td>
              <td data-label="Target">{e.target}</td>
              <td data-label="Reason">{e.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminShell>,
  );
}
