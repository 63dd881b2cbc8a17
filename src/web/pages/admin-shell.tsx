import type { ComponentChildren } from 'preact';
import type { Notice } from '../admin-notice.ts';
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { Layout } from './layout.tsx';
import type { Viewer } from './meta.tsx';

export interface AdminShellProps {
  ctx: AppContext;
  viewer: Viewer;
  csrf: string;
  /** A one-line result of the last action, shown once after the redirect, with its Undo when it has one. */
  notice?: Notice;
  /** This page without the notice: where an Undo comes back to. */
  here?: string;
}

export type Section = 'queue' | 'comments' | 'articles' | 'notifications' | 'audit';

const SECTIONS: readonly [Section, string, string][] = [
  ['queue', '/admin', 'Queue'],
  ['comments', '/admin/comments', 'Comments'],
  ['articles', '/admin/articles', 'Articles'],
  ['notifications', '/admin/notifications', 'Notifications'],
  ['audit', '/admin/audit', 'Audit log'],
];

/** The last action's notice; its Undo is a plain form (the script makes it last 10 seconds). */
export function NoticeLine(props: { notice: Notice; csrf: string; returnTo: string }) {
  const { notice } = props;
  return (
    <div class="notice admin-notice" role="status">
      <p>{notice.message}</p>
      {notice.undo && (
        <form method="post" action={`/admin/comments/${notice.undo.commentId}/${notice.undo.action}`} class="undo-form">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="return" value={props.returnTo} />
          <button type="submit" class="undo-button">
            Undo
          </button>
        </form>
      )}
    </div>
  );
}

/** The frame of every admin page: the desk's menu, the title and the last action's notice. */
export function AdminShell(props: AdminShellProps & { title: string; section?: Section; children: ComponentChildren }) {
  const current = (s: Section) => (props.section === s ? ('page' as const) : undefined);
  return (
    <Layout ctx={props.ctx} title={props.title} description={props.title} ogType="website" noindex viewer={props.viewer} bodyClass="admin">
      <div class="wrap admin-page">
        <nav class="admin-nav" aria-label="Desk">
          <ul>
            {SECTIONS.map(([section, href, label]) => (
              <li>
                <a href={href} aria-current={current(section)}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <h1>{props.title}</h1>
        {props.notice && <NoticeLine notice={props.notice} csrf={props.csrf} returnTo={props.here ?? '/admin'} />}
        <p class="visually-hidden" role="status" id="desk-live" />
        {props.children}
      </div>
    </Layout>
  );
}

export function adminMessagePage(props: {
  ctx: AppContext;
  viewer: Viewer | null;
  title: string;
  message: string;
  status?: number;
}): string {
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
