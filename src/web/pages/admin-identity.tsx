import { FOREVER } from '../../discussion/moderation.ts';
import type { VoteGroup } from '../../discussion/vote-rules.ts';
import type { CommentRecord, IdentityRecord } from '../../discussion/records.ts';
import type { DeskComment } from '../admin-reads.ts';
import { renderDocument } from '../render.ts';
import { CommentRow, type TitleOf } from './admin-comments.tsx';
import { AdminShell, type AdminShellProps } from './admin-shell.tsx';
import { BanForm } from './ban-form.tsx';
import { articlePath } from './paths.ts';
import { exactTime } from './time.ts';

export function identityPage(
  props: AdminShellProps & {
    identity: IdentityRecord;
    comments: DeskComment[];
    now: number;
    titleOf: TitleOf;
  },
): string {
  const i = props.identity;
  const banned = i.bannedUntil !== null && i.bannedUntil > props.now;
  const self = `/admin/identities/${i.id}`;
  const simple = (action: string, label: string) => (
    <form method="post" action={`${self}/${action}`} class="inline-form">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <button type="submit" class="secondary">
        {label}
      </button>
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
          {banned
            ? `Banned ${i.bannedUntil === FOREVER ? 'until further notice' : `until ${exactTime(i.bannedUntil!)}`}: ${i.banReason ?? ''}`
            : 'Not banned'}
          {i.muted ? ' · muted' : ''}
        </dd>
      </dl>
      {i.role !== 'author' && (
        <section aria-labelledby="identity-actions">
          <h2 id="identity-actions">Actions</h2>
          <div class="identity-actions">
            {i.muted ? simple('unmute', 'Unmute') : simple('mute', 'Mute (their comments are shown only to them)')}
            {simple('revoke-sessions', 'Sign them out everywhere')}
            {banned && simple('unban', 'Lift the ban')}
          </div>
          {!banned && (
            <div id="ban">
              <h3>Ban {i.name}</h3>
              <BanForm identityId={i.id} csrf={props.csrf} returnTo={self} idPrefix="ban" now={props.now} />
            </div>
          )}
        </section>
      )}
      <section aria-labelledby="identity-comments">
        <h2 id="identity-comments">Comments</h2>
        {props.comments.length === 0 ? (
          <p class="empty">No comments.</p>
        ) : (
          <ol class="admin-comments">
            {props.comments.map((c) => (
              <CommentRow c={c} csrf={props.csrf} returnTo={self} titleOf={props.titleOf} />
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
        Score {props.comment.score} from {props.votes.length} votes.{' '}
        <a href={`${articlePath(props.comment.articleSlug)}#comment-${props.comment.id}`}>See the comment</a>
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
