import type { AuditEntry, CommentRecord } from '../../discussion/records.ts';
import { renderDocument } from '../render.ts';
import { CommentRow, stateLabels } from './admin-comments.tsx';
import { AdminShell, type AdminShellProps } from './admin-shell.tsx';
import { articlePath } from './paths.ts';
import { exactTime } from './time.ts';

export { identityPage, votesPage } from './admin-identity.tsx';
export { type AdminShellProps, adminMessagePage } from './admin-shell.tsx';

export function queuePage(props: AdminShellProps & { held: CommentRecord[] }): string {
  return renderDocument(
    <AdminShell {...props} title="Moderation queue" section="queue">
      <p>Comments waiting for review are shown to their writers and to you, and to nobody else, until you approve them.</p>
      {props.held.length === 0 ? (
        <p class="empty">Nothing is waiting for review.</p>
      ) : (
        <ol class="admin-comments">
          {props.held.map((c) => (
            <CommentRow c={c} csrf={props.csrf} returnTo="/admin" />
          ))}
        </ol>
      )}
    </AdminShell>,
  );
}

export function commentsPage(
  props: AdminShellProps & {
    comments: CommentRecord[];
    filter: { article: string; name: string; state: string };
    articles: string[];
    returnTo: string;
  },
): string {
  const f = props.filter;
  return renderDocument(
    <AdminShell {...props} title="Recent comments" section="comments">
      <form method="get" action="/admin/comments" class="admin-filter">
        <label for="f-article">Article</label>
        <select id="f-article" name="article">
          <option value="">All articles</option>
          {props.articles.map((slug) => (
            <option value={slug} selected={slug === f.article}>
              {slug}
            </option>
          ))}
        </select>
        <label for="f-name">Name</label>
        <input id="f-name" name="name" type="search" value={f.name} maxLength={80} />
        <label for="f-state">State</label>
        <select id="f-state" name="state">
          <option value="">Any state</option>
          {(['visible', 'held', 'hidden', 'deleted'] as const).map((s) => (
            <option value={s} selected={s === f.state}>
              {stateLabels[s]}
            </option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      {props.comments.length === 0 ? (
        <p class="empty">No comments match.</p>
      ) : (
        <ol class="admin-comments">
          {props.comments.map((c) => (
            <CommentRow c={c} csrf={props.csrf} returnTo={props.returnTo} />
          ))}
        </ol>
      )}
    </AdminShell>,
  );
}

export function articlesPage(
  props: AdminShellProps & { articles: { slug: string; title: string; closed: boolean; policy: 'open' | 'closed' }[] },
): string {
  return renderDocument(
    <AdminShell {...props} title="Articles" section="articles">
      <table class="admin-table">
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
              <td>
                <a href={articlePath(a.slug)}>{a.title}</a> (<a href={`/admin/comments?article=${encodeURIComponent(a.slug)}`}>comments</a>)
              </td>
              <td>{a.policy === 'closed' ? 'closed by the article or its age' : a.closed ? 'closed by you' : 'open'}</td>
              <td>
                <form
                  method="post"
                  action={`/admin/articles/${encodeURIComponent(a.slug)}/${a.closed ? 'reopen' : 'close'}`}
                  class="inline-form"
                >
                  <input type="hidden" name="_csrf" value={props.csrf} />
                  <button type="submit">{a.closed ? 'Reopen comments' : 'Close comments'}</button>
                </form>
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
      <table class="admin-table audit">
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
              <td>
                <time datetime={new Date(e.createdAt).toISOString()}>{exactTime(e.createdAt)}</time>
              </td>
              <td>{e.actorName}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>{e.target}</td>
              <td>{e.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminShell>,
  );
}
