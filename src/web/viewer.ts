// Who is asking: the signed-in reader behind a request, and the views of them the templates take.
import type { FastifyRequest } from 'fastify';
import { standingOf } from '../discussion/comment-rules.ts';
import { signRenderTime } from '../discussion/holds.ts';
import type { Viewer } from '../discussion/service.ts';
import type { AppContext } from './context.ts';
import { csrfToken } from './guard.ts';
import type { DiscussionViewer } from './pages/discussion.tsx';
import type { Viewer as HeaderViewer, PageViewer } from './pages/meta.tsx';
import { sessionToken } from './session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session's reader, looked up at most once per request. */
    viewerPromise?: Promise<Viewer | undefined>;
    /** The header's view of that reader, loaded with them when the request may render a page. */
    headerView?: HeaderViewer;
  }
}

export function viewerOf(ctx: AppContext, req: FastifyRequest): Promise<Viewer | undefined> {
  req.viewerPromise ??= loadViewer(ctx, req);
  return req.viewerPromise;
}

/**
 * The session's reader and, unless the request is a JSON call, the header's counts: every page
 * this request renders (the account pages' Shell included, which has no request of its own to ask
 * with) then shows the same header without a lookup of its own.
 */
async function loadViewer(ctx: AppContext, req: FastifyRequest): Promise<Viewer | undefined> {
  const viewer = await ctx.discussion.viewerForSession(sessionToken(ctx, req));
  if (viewer && !req.url.startsWith('/api/')) req.headerView = (await headerViewer(ctx, viewer)) ?? undefined;
  return viewer;
}

/** The discussion templates' view of a signed-in reader: name, role, and the tokens their forms carry. */
export function discussionViewer(ctx: AppContext, req: FastifyRequest, viewer: Viewer | undefined): (DiscussionViewer & PageViewer) | null {
  const token = sessionToken(ctx, req);
  if (!viewer || !token) return null;
  return {
    header: req.headerView,
    name: viewer.identity.name,
    isAuthor: ctx.discussion.isAuthor(viewer),
    csrf: csrfToken(ctx, token),
    formTime: signRenderTime(ctx.config.secret, ctx.now()),
    standing: standingOf(viewer.identity, ctx.now()),
  };
}

/** Header views per request: the reader object is made afresh for each request, so this never outlives one. */
const headers = new WeakMap<Viewer, Promise<HeaderViewer>>();

/** The header's view of a signed-in reader, with the inbox count and, for the author, what waits on the desk. */
export function headerViewer(ctx: AppContext, viewer: Viewer | undefined): Promise<HeaderViewer | null> {
  if (!viewer) return Promise.resolve(null);
  let header = headers.get(viewer);
  if (!header) {
    header = loadHeader(ctx, viewer);
    headers.set(viewer, header);
  }
  return header;
}

async function loadHeader(ctx: AppContext, viewer: Viewer): Promise<HeaderViewer> {
  const isAuthor = ctx.discussion.isAuthor(viewer);
  const [unread, desk] = await Promise.all([
    ctx.inbox.unread(viewer.identity.id),
    isAuthor ? ctx.inbox.deskCounts(viewer.identity) : undefined,
  ]);
  return { name: viewer.identity.name, isAuthor, unread, desk };
}

/**
 * The author opened the desk's queue: its "new" count starts again from now, and the page being
 * rendered already shows that (`a` is the desk's request, given back with the fresh header).
 */
export async function deskOpened<T extends { viewer: Viewer; header: HeaderViewer }>(ctx: AppContext, a: T): Promise<T> {
  await ctx.inbox.deskVisited(a.viewer.identity.id);
  const header = loadHeader(ctx, a.viewer);
  headers.set(a.viewer, header);
  return { ...a, header: await header };
}
