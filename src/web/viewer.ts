// Who is asking: the signed-in reader behind a request, and the views of them the templates take.
import type { FastifyRequest } from 'fastify';
import { signRenderTime } from '../discussion/holds.ts';
import type { Viewer } from '../discussion/service.ts';
import type { AppContext } from './context.ts';
import { csrfToken } from './guard.ts';
import type { DiscussionViewer } from './pages/discussion.tsx';
import type { Viewer as HeaderViewer } from './pages/meta.tsx';
import { sessionToken } from './session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session's reader, looked up at most once per request. */
    viewerPromise?: Promise<Viewer | undefined>;
  }
}

export function viewerOf(ctx: AppContext, req: FastifyRequest): Promise<Viewer | undefined> {
  req.viewerPromise ??= ctx.discussion.viewerForSession(sessionToken(ctx, req));
  return req.viewerPromise;
}

/** The discussion templates' view of a signed-in reader: name, role, and the tokens their forms carry. */
export function discussionViewer(ctx: AppContext, req: FastifyRequest, viewer: Viewer | undefined): DiscussionViewer | null {
  const token = sessionToken(ctx, req);
  if (!viewer || !token) return null;
  return {
    name: viewer.identity.name,
    isAuthor: ctx.discussion.isAuthor(viewer),
    csrf: csrfToken(ctx, token),
    formTime: signRenderTime(ctx.config.secret, ctx.now()),
  };
}

/** The header's view of a signed-in reader, with the inbox count. */
export async function headerViewer(ctx: AppContext, viewer: Viewer | undefined): Promise<HeaderViewer | null> {
  if (!viewer) return null;
  const unread = await ctx.inbox.unread(viewer.identity.id);
  return { name: viewer.identity.name, isAuthor: ctx.discussion.isAuthor(viewer), unread };
}
