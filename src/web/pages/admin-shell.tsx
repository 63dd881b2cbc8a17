import type { ComponentChildren } from 'preact';
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { Layout } from './layout.tsx';
import type { Viewer } from './meta.tsx';

export interface AdminShellProps {
  ctx: AppContext;
  viewer: Viewer;
  csrf: string;
  /** A one-line result of the last action, shown once after the redirect. */
  notice?: string;
}

type Section = 'queue' | 'comments' | 'articles' | 'audit';

/** The frame of every admin page: the moderation menu, the title and the last action's notice. */
export function AdminShell(props: AdminShellProps & { title: string; section?: Section; children: ComponentChildren }) {
  const here = (s: Section) => (props.section === s ? ('page' as const) : undefined);
  return (
    <Layout ctx={props.ctx} title={props.title} description={props.title} ogType="website" noindex viewer={props.viewer} bodyClass="admin">
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
