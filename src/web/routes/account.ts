// The reader's own page (/me): their recovery key, their data, signing out everywhere, deleting their name (after a confirmation page).
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../discussion/errors.ts';
import type { AppContext } from '../context.ts';
import { form, requireSignedIn, sendPage } from '../handlers.ts';
import { deleteNamePage, mePage } from '../pages/me.tsx';
import { clearSessionCookie } from '../session.ts';
import { discussionViewer } from '../viewer.ts';

export function registerAccountRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { discussion, writes } = ctx;

  app.get('/me', async (req, reply) => {
    const viewer = await requireSignedIn(ctx, req, reply);
    if (!viewer) return reply;
    return sendPage(reply, mePage({ ctx, viewer: discussionViewer(ctx, req, viewer)!, createdAt: viewer.identity.createdAt }));
  });

  app.post(
    '/me/recovery-key',
    form(ctx, async (req, reply, _body, viewer) => {
      if (!viewer) throw new DomainError('unauthenticated');
      const recoveryKey = await writes.rotateRecoveryKey(viewer);
      return sendPage(
        reply,
        mePage({ ctx, viewer: discussionViewer(ctx, req, viewer)!, createdAt: viewer.identity.createdAt, recoveryKey }),
      );
    }),
  );

  app.get('/me/export.json', async (req, reply) => {
    const viewer = await requireSignedIn(ctx, req, reply);
    if (!viewer) return reply;
    const data = await discussion.exportData(viewer);
    return reply
      .header('Cache-Control', 'no-store')
      .header('Content-Disposition', 'attachment; filename="byline-my-data.json"')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  });

  // The confirmation step: what goes and what stays, before the form that deletes.
  app.get('/me/delete', async (req, reply) => {
    const viewer = await requireSignedIn(ctx, req, reply);
    if (!viewer) return reply;
    const data = await discussion.exportData(viewer);
    const comments = data.comments.filter((c) => c.state !== 'deleted').length;
    return sendPage(reply, deleteNamePage({ ctx, viewer: discussionViewer(ctx, req, viewer)!, comments, votes: data.votes.length }));
  });

  app.post(
    '/me/delete',
    form(ctx, async (_req, reply, body, viewer) => {
      if (!viewer) throw new DomainError('unauthenticated');
      if (body.confirm !== 'yes')
        throw new DomainError('rule_broken', 'Deleting your name needs its confirmation: use “Delete your name…” on your page.');
      await writes.deleteIdentity(viewer);
      clearSessionCookie(ctx, reply);
      return reply.redirect('/signed-out?how=deleted', 303);
    }),
  );

  app.post(
    '/signout/everywhere',
    form(ctx, async (_req, reply, _body, viewer) => {
      if (!viewer) throw new DomainError('unauthenticated');
      await writes.signOutEverywhere(viewer);
      clearSessionCookie(ctx, reply);
      return reply.redirect('/signed-out?how=everywhere', 303);
    }),
  );
}
