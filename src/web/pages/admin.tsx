import { BanForm } from './ban-form.tsx';
import type { ComponentChildren } from 'preact';
import { COMMENT_ACTIONS, type CommentAction, FOREVER } from '../../discussion/moderation.ts';
import type { VoteGroup } from '../../discussion/vote-rules.ts';
import type { AuditEntry, CommentRecord, CommentState, IdentityRecord } from '../../store/store.ts';
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { articlePath } from './discussion.tsx';
import { Layout } from './layout.tsx';
import type { Viewer } from './meta.tsx';
import { exactTime } from './time.ts';

export interface AdminShellProps {
  ctx: AppContext;
  viewer: Viewer;
  csrf: string;
  /** A one-line result of the last action, shown once after the redirect. */
  notice?: string;
}

type Section = 'queue' | 'comments' | 'articles' | 'audit';

function AdminShell(props: AdminShellProps & { title: string; section?: Section; children: ComponentChildren }) {
  const here = (s: Section) => (props.section === s ? ('page' as const) : undefined);
  return (
    <Layout
      ctx={props.ctx}
      title={props.title}
      description={props.title}
      ogType="website"
      noindex
      viewer={props.viewer}
      bodyClass="admin"
    >
      <div class="wrap admin-page">
        <nav class="admin-nav" aria-label="Moderation">
          <ul>
            <li>
              <a href="/admin" aria-current={here('queue')}>
                Queue
              </a>
            </li>
            <li>
              <a href="/admin/comments" aria-current={here('comments')}>
                Comments
              </a>
            </li>
            <li>
              <a href="/admin/articles" aria-current={here('articles')}>
                Articles
              </a>
            </li>
            <li>
              <a href="/admin/audit" aria-current={here('audit')}>
                Audit log
              </a>
            </li>
          </ul>
        </nav>
        <h1>{props.title}</h1>
        {props.notice && (
          <p class="notice" role="status">
            {props.notice}
          </p>
        )}
        {props.children}
      </div>
    </Layout>
  );
}

const actionLabels: Record<CommentAction, string> = {
  hide: 'Hide',
  restore: 'Restore',
  release: 'Approve',
  delete: 'Delete for good',
  pin: 'Pin',
  unpin: 'Unpin',
  lock: 'Lock thread',
  unlock: 'Unlock thread',
};

/** The actions that make sense for a comment in its current state. */
export function actionsFor(c: Pick<CommentRecord, 'state' | 'pinned' | 'locked' | 'parentId'>): CommentAction[] {
  const allowed: Record<CommentAction, boolean> = {
    hide: c.state === 'visible' || c.state === 'held',
    restore: c.state === 'hidden',
    release: c.state === 'held',
    delete: c.state !== 'deleted',
    pin: c.state === 'visible' && !c.pinned && c.parentId === null,
    unpin: c.pinned,
    lock: c.state === 'visible' && !c.locked,
    unlock: c.locked,
  };
  return COMMENT_ACTIONS.filter((a) => allowed[a]);
}

export function CommentActionForms(props: { comment: Pick<CommentRecord, 'id' | 'state' | 'pinned' | 'locked' | 'parentId'>; csrf: string; returnTo: string }) {
  return (
    <div class="mod-actions">
      {actionsFor(props.comment).map((action) => (
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

const stateLabels: Record<CommentState, string> = { visible: 'Visible', held: 'Waiting for review', hidden: 'Hidden', deleted: 'Deleted' };

function CommentRow(props: { c: CommentRecord & { holdReason?: string }; csrf: string; returnTo: string }) {
  const { c } = props;
  return (
    <li class={`admin-comment state-${c.state}`} id={`admin-comment-${c.id}`}>
      <p class="admin-comment-meta">
        {c.identityId ? <a href={`/admin/identities/${c.identityId}`}>{c.authorName ?? '[deleted]'}</a> : <span>[deleted]</span>}
        {c.authorMuted && <span class="badge">muted</span>} on{' '}
        <a href={`${articlePath(c.articleSlug)}#comment-${c.id}`}>{c.articleSlug}</a>, <time datetime={new Date(c.createdAt).toISOString()}>{exactTime(c.createdAt)}</time> ·{' '}
        <span class="state">{stateLabels[c.state]}</span>
        {c.pinned && ' · pinned'}
        {c.locked && ' · locked'} · score {c.score} · <a href={`/admin/comments/${c.id}/votes`}>votes</a>
      </p>
      <pre class="admin-comment-body">{c.body}</pre>
      <CommentActionForms comment={c} csrf={props.csrf} returnTo={props.returnTo} />
    </li>
  );
}

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
  props: AdminShellProps & { comments: CommentRecord[]; filter: { article: string; name: string; state: string }; articles: string[]; returnTo: string },
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

export function articlesPage(props: AdminShellProps & { articles: { slug: string; title: string; closed: boolean; policy: 'open' | 'closed' }[] }): string {
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
                <form method="post" action={`/admin/articles/${encodeURIComponent(a.slug)}/${a.closed ? 'reopen' : 'close'}`} class="inline-form">
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

export function identityPage(
  props: AdminShellProps & {
    identity: IdentityRecord;
    comments: CommentRecord[];
    now: number;
  },
): string {
  const i = props.identity;
  const banned = i.bannedUntil !== null && i.bannedUntil > props.now;
  const self = `/admin/identities/${i.id}`;
  const simple = (action: string, label: string) => (
    <form method="post" action={`${self}/${action}`} class="inline-form">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <button type="submit">{label}</button>
    </form>
  );
  return renderDocument(
    <AdminShell {...props} title={i.name}>
      <dl class="identity-facts">
        <dt>Name taken</dt>
        <dd>{exactTime(i.createdAt)}</dd>
        <dt>Role</dt>
        <dd>{i.role}</dd>
        <dt>Address prefix (hash)</dt>
        <dd>
          <code>{i.ipPrefixHash ? i.ipPrefixHash.slice(0, 12) : 'unknown'}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          {banned ? `Banned ${i.bannedUntil === FOREVER ? 'until further notice' : `until ${exactTime(i.bannedUntil!)}`}: ${i.banReason ?? ''}` : 'Not banned'}
          {i.muted ? ' · muted' : ''}
        </dd>
      </dl>
      {i.role !== 'author' && (
        <section aria-labelledby="identity-actions">
          <h2 id="identity-actions">Actions</h2>
          {banned ? simple('unban', 'Lift the ban') : <BanForm identityId={i.id} csrf={props.csrf} returnTo={self} idPrefix="ban" />}
          {i.muted ? simple('unmute', 'Unmute') : simple('mute', 'Mute (their comments are shown only to them)')}
          {simple('revoke-sessions', 'Sign them out everywhere')}
        </section>
      )}
      <section aria-labelledby="identity-comments">
        <h2 id="identity-comments">Comments</h2>
        {props.comments.length === 0 ? (
          <p class="empty">No comments.</p>
        ) : (
          <ol class="admin-comments">
            {props.comments.map((c) => (
              <CommentRow c={c} csrf={props.csrf} returnTo={self} />
            ))}
          </ol>
        )}
      </section>
    </AdminShell>,
  );
}

export function votesPage(
  props: AdminShellProps & {
    comment: CommentRecord;
    byAge: VoteGroup[];
    byPrefix: VoteGroup[];
    votes: { identityId: string; identityName: string; ageLabel: string; prefix: string; createdAt: number; counted: boolean }[];
  },
): string {
  const Groups = (p: { groups: VoteGroup[]; caption: string }) => (
    <table class="admin-table">
      <caption>{p.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col">Votes</th>
          <th scope="col">Counted</th>
        </tr>
      </thead>
      <tbody>
        {p.groups.map((g) => (
          <tr>
            <td>
              <code>{g.key}</code>
            </td>
            <td>{g.votes}</td>
            <td>{g.counted}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return renderDocument(
    <AdminShell {...props} title={`Votes on a comment by ${props.comment.authorName ?? '[deleted]'}`}>
      <p>
        Score {props.comment.score} from {props.votes.length} votes. <a href={`${articlePath(props.comment.articleSlug)}#comment-${props.comment.id}`}>See the comment</a>
      </p>
      <Groups groups={props.byAge} caption="By the voter’s age when voting" />
      <Groups groups={props.byPrefix} caption="By address prefix (keyed hash)" />
      <table class="admin-table">
        <caption>Every vote</caption>
        <thead>
          <tr>
            <th scope="col">Voter</th>
            <th scope="col">Age</th>
            <th scope="col">Prefix</th>
            <th scope="col">When</th>
            <th scope="col">Counted</th>
          </tr>
        </thead>
        <tbody>
          {props.votes.map((v) => (
            <tr>
              <td>
                <a href={`/admin/identities/${v.identityId}`}>{v.identityName}</a>
              </td>
              <td>{v.ageLabel}</td>
              <td>
                <code>{v.prefix}</code>
              </td>
              <td>{exactTime(v.createdAt)}</td>
              <td>{v.counted ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminShell>,
  );
}

export function adminMessagePage(props: { ctx: AppContext; viewer: Viewer | null; title: string; message: string; status?: number }): string {
  return renderDocument(
    <Layout ctx={props.ctx} title={props.title} description={props.title} ogType="website" noindex viewer={props.viewer}>
      <div class="wrap account-page">
        <h1>{props.title}</h1>
        <p class="form-error" role="alert">
          {props.message}
        </p>
        <p>
          <a href="/">Back to the site</a>
        </p>
      </div>
    </Layout>,
  );
}
