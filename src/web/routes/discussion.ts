import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { DomainError, statusFor } from '../../discussion/errors.ts';
import { randomId } from '../../discussion/secrets.ts';
import { type CommentView, SORTS, type Sort, type Viewer } from '../../discussion/service.ts';
import { apiError } from '../app.ts';
import type { AppContext } from '../context.ts';
import {
  clearSessionCookie,
  crossSiteReason,
  csrfToken,
  csrfValid,
  prefixHash,
  refererPath,
  sessionToken,
  setSessionCookie,
} from '../guard.ts';
import { RateLimitedError, isBlocked, refund, refuseIfSpent, take, takeAll } from '../limits.ts';
import { authorSignInPage, editPage, mePage, messagePage, replyPage, safeReturn, signInPage, welcomePage } from '../pages/account.tsx';
import type { DiscussionViewer } from '../pages/discussion.tsx';
import { renderCommentFragment } from '../fragments.tsx';
import { prepareBodyAsync, sendPrepared } from '../http.ts';
import { articleComments } from '../article-comments.ts';
import { checkSubmitTime, signRenderTime } from '../../discussion/holds.ts';
import { setAuthorHint } from './admin.tsx';

type Body = Record<string, unknown>;

declare module 'fastify' {
  interface FastifyRequest {
    viewerPromise?: Promise<Viewer | undefined>;
  }
}

export function viewerOf(ctx: AppContext, req: FastifyRequest): Promise<Viewer | undefined> {
  req.viewerPromise ??= ctx.discussion.viewerForSession(sessionToken(ctx, req));
  return req.viewerPromise;
}

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

const isWrite = (method: string) => method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';

function commentJson(c: CommentView) {
  return {
    id: c.id,
    parentId: c.parentId,
    author: c.deleted ? null : { name: c.authorName, isAuthor: c.isAuthor },
    html: c.html,
    score: c.score,
    createdAt: new Date(c.createdAt).toISOString(),
    editedAt: c.editedAt === null ? null : new Date(c.editedAt).toISOString(),
    deleted: c.deleted,
    pinned: c.pinned,
    votedByMe: c.votedByMe,
    // Only the writer (and the author) ever receive a held comment; it tells them why it is not public yet.
    ...(c.held ? { held: true } : {}),
  };
}

function sendDomainErrorJson(reply: FastifyReply, err: DomainError): FastifyReply {
  if (err instanceof RateLimitedError) reply.header('Retry-After', String(err.retryAfterSeconds));
  return reply.code(statusFor(err.code)).header('Cache-Control', 'no-store').send(apiError(err.code, err.message));
}

function parseSort(value: unknown): Sort {
  if (value === undefined || value === '') return 'top';
  if (typeof value === 'string' && (SORTS as readonly string[]).includes(value)) return value as Sort;
  throw new DomainError('bad_request', "sort must be one of 'top', 'new' or 'old'.");
}

/** The comments cursor as a number (0: the first page); only the plain decimal the API gives out. */
function parseAfter(value: unknown): number {
  if (value === undefined || value === '') return 0;
  if (typeof value === 'string' && /^\d{1,9}$/.test(value)) return Number(value);
  throw new DomainError('bad_request', "The 'after' cursor is not one this site gave out.");
}

export function registerDiscussionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { discussion, limiters } = ctx;

  // Every state-changing request, sign-in included, must come from our own pages or from a
  // client that carries no browser context at all. Checked before the body is even parsed.
  app.addHook('onRequest', async (req, reply) => {
    if (!isWrite(req.method)) return;
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const reason = crossSiteReason(req, isForm);
    if (reason) {
      if (req.url.startsWith('/api/')) return reply.code(403).send(apiError('forbidden', reason));
      return reply.code(403).type('text/html; charset=utf-8').send(messagePage({ ctx, viewer: null, title: 'Not allowed', message: reason, back: '/' }));
    }
    if (req.url.startsWith('/api/') && req.method !== 'DELETE' && req.method !== 'PUT' && !(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return reply.code(415).send(apiError('unsupported_media_type', 'Send JSON with Content-Type: application/json.'));
    }
  });

  /** Wraps a form handler: domain errors become a page in the site's style with the right status. */
  const form =
    (handler: (req: FastifyRequest, reply: FastifyReply, body: Body, viewer: Viewer | undefined) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Body;
      const viewer = await viewerOf(ctx, req);
      // A signed-in reader's forms carry a token bound to their session.
      if (viewer && req.url !== '/signin' && req.url !== '/signin/recover' && !csrfValid(ctx, sessionToken(ctx, req), body._csrf)) {
        return reply
          .code(403)
          .type('text/html; charset=utf-8')
          .send(messagePage({ ctx, viewer: null, title: 'Not allowed', message: 'This form has expired or did not come from this site. Reload the page and try again.', back: '/' }));
      }
      try {
        return await handler(req, reply, body, viewer);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        if (err.code === 'unauthenticated') {
          const back = safeReturn(refererPath(req), '/');
          return reply.redirect(`/signin?return=${encodeURIComponent(back)}`, 303);
        }
        if (err instanceof RateLimitedError) reply.header('Retry-After', String(err.retryAfterSeconds));
        return reply
          .code(statusFor(err.code))
          .type('text/html; charset=utf-8')
          .header('Cache-Control', 'no-store')
          .send(
            messagePage({
              ctx,
              viewer: discussionViewer(ctx, req, viewer),
              title: err.code === 'rate_limited' ? 'Slow down a little' : 'That did not work',
              message: err.message,
              back: safeReturn(body.return, safeReturn(refererPath(req), '/')),
            }),
          );
      }
    };

  /** Wraps a JSON handler: domain errors become {"error":{code,message}} with the contract's status. */
  const api =
    (handler: (req: FastifyRequest, reply: FastifyReply, body: Body, viewer: Viewer | undefined) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const raw = req.body;
      if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
        return reply.code(400).send(apiError('bad_request', 'The request body must be a JSON object.'));
      }
      try {
        reply.header('Cache-Control', 'no-store');
        return await handler(req, reply, (raw ?? {}) as Body, await viewerOf(ctx, req));
      } catch (err) {
        if (err instanceof DomainError) return sendDomainErrorJson(reply, err);
        throw err;
      }
    };

  // ---- Sign-in ----

  /**
   * Only a name actually created uses up the address's allowance: a refused or taken name is
   * turned away before it, and one taken in the moment between gives its point back. Once the
   * allowance is spent, the address is told so before any of the name checks run.
   */
  async function signInNew(req: FastifyRequest, name: unknown) {
    const prefix = prefixHash(ctx, req);
    await refuseIfSpent([[limiters.newNames, prefix, 'taking new names']]);
    let took = false;
    const admit = async () => {
      await take(limiters.newNames, prefix, 'taking new names');
      took = true;
    };
    try {
      return await discussion.signIn(name, prefix, admit);
    } catch (err) {
      if (took && err instanceof DomainError) await refund(limiters.newNames, prefix);
      throw err;
    }
  }

  async function recover(req: FastifyRequest, name: unknown, key: unknown) {
    const limitKey = `${prefixHash(ctx, req)}`;
    const blocked = await isBlocked(limiters.recoveryFailures, limitKey);
    if (blocked) throw new RateLimitedError(`Too many wrong recovery keys. Please wait ${Math.ceil(blocked / 60)} minutes and try again.`, blocked);
    // A recovery opens a session and makes a new key: an account action, counted by address
    // since the name is not known to be theirs yet. A wrong key gives the point back (and
    // counts as a failure instead).
    await take(limiters.accountActions, `prefix:${limitKey}`, 'recovering names');
    try {
      return await discussion.recover(name, key);
    } catch (err) {
      if (err instanceof DomainError) await refund(limiters.accountActions, `prefix:${limitKey}`);
      if (err instanceof DomainError && err.code === 'forbidden') await limiters.recoveryFailures.penalty(limitKey, 1);
      throw err;
    }
  }

  /** Rotating the key, signing out everywhere, deleting the name: a few an hour per identity. */
  const takeAccountAction = (viewer: Viewer) => take(limiters.accountActions, viewer.identity.id, 'changing your account');

  /** Ends this device's session (the others stay signed in) and clears its cookies. */
  async function signOutHere(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = sessionToken(ctx, req);
    if (token) await discussion.signOut(token);
    clearSessionCookie(ctx, reply);
  }

  app.post(
    '/api/v1/session',
    api(async (req, reply, body) => {
      const result = await signInNew(req, body.name);
      setSessionCookie(ctx, reply, result.sessionToken);
      return reply.code(201).send({ identity: { id: result.identity.id, name: result.identity.name }, recoveryKey: result.recoveryKey });
    }),
  );

  app.post(
    '/api/v1/session/recover',
    api(async (req, reply, body) => {
      const result = await recover(req, body.name, body.recoveryKey);
      setSessionCookie(ctx, reply, result.sessionToken);
      return reply.code(200).send({ identity: { id: result.identity.id, name: result.identity.name }, recoveryKey: result.recoveryKey });
    }),
  );

  app.delete(
    '/api/v1/session',
    api(async (req, reply) => {
      await signOutHere(req, reply);
      return reply.code(204).send();
    }),
  );

  app.get(
    '/api/v1/session',
    api(async (_req, reply, _body, viewer) => {
      if (!viewer) return reply.code(401).send(apiError('unauthenticated', 'Not signed in.'));
      return { identity: { id: viewer.identity.id, name: viewer.identity.name, isAuthor: discussion.isAuthor(viewer) } };
    }),
  );

  app.get('/signin', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const viewer = await viewerOf(ctx, req);
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(signInPage({ ctx, viewer: discussionViewer(ctx, req, viewer), returnTo: safeReturn(q.return, '/') }));
  });

  /** The no-script sign-in forms: a refusal re-renders the sign-in page with the reason; success shows the key once. */
  async function signInForm(
    reply: FastifyReply,
    body: Body,
    attempt: () => Promise<Awaited<ReturnType<typeof signInNew>>>,
    recovered: boolean,
  ): Promise<FastifyReply> {
    const returnTo = safeReturn(body.return, '/');
    const page = (status: number, html: string) => reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(html);
    let result: Awaited<ReturnType<typeof signInNew>>;
    try {
      result = await attempt();
    } catch (err) {
      if (!(err instanceof DomainError) || err.code === 'rate_limited') throw err;
      const name = typeof body.name === 'string' ? body.name : '';
      const refusal = recovered ? { recoverError: err.message, name } : { error: err.message };
      return page(statusFor(err.code), signInPage({ ctx, viewer: null, returnTo, ...refusal }));
    }
    setSessionCookie(ctx, reply, result.sessionToken);
    const viewer = { name: result.identity.name, isAuthor: false, csrf: csrfToken(ctx, result.sessionToken) };
    return page(
      recovered ? 200 : 201,
      welcomePage({ ctx, viewer, name: result.identity.name, recoveryKey: result.recoveryKey, returnTo, recovered }),
    );
  }

  app.post(
    '/signin',
    form(async (req, reply, body) => signInForm(reply, body, () => signInNew(req, body.name), false)),
  );

  app.post(
    '/signin/recover',
    form(async (req, reply, body) => signInForm(reply, body, () => recover(req, body.name, body.recoveryKey), true)),
  );

  app.post(
    '/signout',
    form(async (req, reply) => {
      await signOutHere(req, reply);
      return reply.redirect('/', 303);
    }),
  );

  app.post(
    '/signout/everywhere',
    form(async (_req, reply, _body, viewer) => {
      if (!viewer) throw new DomainError('unauthenticated');
      await takeAccountAction(viewer);
      await discussion.signOutEverywhere(viewer);
      clearSessionCookie(ctx, reply);
      return reply.redirect('/signin?return=%2F', 303);
    }),
  );

  // The author's one-time link from `byline author-link`. Opening it (GET, or HEAD from a link
  // previewer or mail scanner) only shows a button; the button's POST uses the link up.
  const authorLinkRefused = (reply: FastifyReply, err: DomainError) =>
    reply
      .code(statusFor(err.code))
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(messagePage({ ctx, viewer: null, title: 'Sign-in link not valid', message: err.message, back: '/' }));

  app.get('/author/signin', async (req, reply) => {
    const { token } = req.query as Record<string, unknown>;
    const name = await discussion.authorLinkName(token);
    if (name === undefined || typeof token !== 'string') {
      return authorLinkRefused(reply, new DomainError('forbidden', 'That sign-in link has expired, was already used or is not valid. Run `byline author-link` for a new one.'));
    }
    // The token is in this page's address: no referrer takes it to another site. (Not
    // "no-referrer": browsers then send "Origin: null" with the form, which the cross-site
    // guard rightly refuses.)
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .header('Referrer-Policy', 'same-origin')
      .send(authorSignInPage({ ctx, viewer: null, name, token }));
  });

  app.post('/author/signin', async (req, reply) => {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Body;
    try {
      const result = await discussion.signInWithAuthorLink(body.token);
      setSessionCookie(ctx, reply, result.sessionToken);
      setAuthorHint(ctx, reply);
      return reply.header('Cache-Control', 'no-store').redirect('/me', 303);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return authorLinkRefused(reply, err);
    }
  });

  // ---- The reader's own page ----

  const requireSignedIn = async (req: FastifyRequest, reply: FastifyReply): Promise<Viewer | undefined> => {
    const viewer = await viewerOf(ctx, req);
    if (!viewer) {
      reply.redirect(`/signin?return=${encodeURIComponent(req.url)}`, 303);
      return undefined;
    }
    return viewer;
  };

  app.get('/me', async (req, reply) => {
    const viewer = await requireSignedIn(req, reply);
    if (!viewer) return reply;
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(mePage({ ctx, viewer: discussionViewer(ctx, req, viewer)!, createdAt: viewer.identity.createdAt }));
  });

  app.post(
    '/me/recovery-key',
    form(async (req, reply, _body, viewer) => {
      if (!viewer) throw new DomainError('unauthenticated');
      await takeAccountAction(viewer);
      const recoveryKey = await discussion.rotateRecoveryKey(viewer);
      return reply
        .type('text/html; charset=utf-8')
        .header('Cache-Control', 'no-store')
        .send(mePage({ ctx, viewer: discussionViewer(ctx, req, viewer)!, createdAt: viewer.identity.createdAt, recoveryKey }));
    }),
  );

  app.get('/me/export.json', async (req, reply) => {
    const viewer = await requireSignedIn(req, reply);
    if (!viewer) return reply;
    const data = await discussion.exportData(viewer);
    return reply
      .header('Cache-Control', 'no-store')
      .header('Content-Disposition', 'attachment; filename="byline-my-data.json"')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  });

  app.post(
    '/me/delete',
    form(async (_req, reply, body, viewer) => {
      if (!viewer) throw new DomainError('unauthenticated');
      if (body.confirm !== 'yes') throw new DomainError('rule_broken', 'Tick the box to confirm that you want to delete your name.');
      await takeAccountAction(viewer);
      const touched = await discussion.deleteIdentity(viewer);
      for (const slug of touched) ctx.changed(slug);
      clearSessionCookie(ctx, reply);
      return reply.redirect('/', 303);
    }),
  );

  // ---- Comments: JSON API ----

  app.get(
    '/api/v1/articles/:slug/comments',
    api(async (req, reply, _body, viewer) => {
      const { slug } = req.params as { slug: string };
      const q = req.query as Record<string, unknown>;
      const sort = parseSort(q.sort);
      const offset = parseAfter(q.after);
      const listing = async (as: Viewer | undefined) => {
        const generation = ctx.pageCache.generation(slug);
        const page = await discussion.threadPage(slug, as, {
          sort,
          after: offset ? String(offset) : undefined,
          records: as ? undefined : () => articleComments(ctx, slug),
        });
        if (!as) ctx.pageCache.noteThreadCount(slug, generation, page.threads);
        return { comments: page.items.map((i) => commentJson(i.comment)), next: page.next ?? null, total: page.total };
      };
      // A signed-in reader's list says which comments they voted for: theirs alone, never shared.
      if (viewer) return listing(viewer);
      const threads = ctx.pageCache.threadCount(slug);
      if (offset > 0 && threads !== undefined && offset >= threads) throw new DomainError('not_found', 'There is no such page of comments.');
      const key = `comments.json|${ctx.content.version}|${slug}|${sort}|${offset}`;
      const body = await ctx.pageCache.getOrRender(key, slug, ctx.now, async () =>
        prepareBodyAsync(JSON.stringify(await listing(undefined)), 'application/json; charset=utf-8'),
      );
      return sendPrepared(req, reply, body, 'no-cache', 200, 'Accept-Encoding, Cookie');
    }),
  );

  /**
   * What one reader's write takes from, per identity. The author's own writing is not limited
   * (the author's name can't be taken by anyone else, and their admin actions are theirs).
   */
  const limited = (viewer: Viewer | undefined): viewer is Viewer => viewer !== undefined && !discussion.isAuthor(viewer);
  const allowance =
    (viewer: Viewer | undefined, ...allowances: [RateLimiterAbstract, string][]) =>
    async (): Promise<void> => {
      if (limited(viewer)) await takeAll(allowances.map(([limiter, what]) => [limiter, viewer.identity.id, what]));
    };
  /** Past the limit already? Then say so before doing any of the write's work. */
  const spent = async (viewer: Viewer | undefined, ...allowances: [RateLimiterAbstract, string][]): Promise<void> => {
    if (limited(viewer)) await refuseIfSpent(allowances.map(([limiter, what]) => [limiter, viewer.identity.id, what]));
  };

  async function postComment(req: FastifyRequest, viewer: Viewer | undefined, slug: string, body: Body, idempotencyKey: string | null) {
    const allowances: [RateLimiterAbstract, string][] = [
      [limiters.commentsBurst, 'commenting'],
      [limiters.commentsHourly, 'commenting'],
    ];
    // A retry (same Idempotency-Key) must still get its first answer, so only keyless posts are turned away early.
    if (idempotencyKey === null) await spent(viewer, ...allowances);
    const admit = allowance(viewer, ...allowances);
    const result = await discussion.post(viewer, slug, { body: body.body, parentId: body.parentId, idempotencyKey, ipPrefixHash: prefixHash(ctx, req), admit });
    if (result.created) ctx.changed(slug);
    return result;
  }

  /** Every edit, from the API or the form, passes the same rules and limits. */
  async function editComment(viewer: Viewer | undefined, id: string, body: unknown) {
    const allowances: [RateLimiterAbstract, string][] = [
      [limiters.editsBurst, 'editing'],
      [limiters.editsHourly, 'editing'],
    ];
    await spent(viewer, ...allowances);
    const result = await discussion.edit(viewer, id, body, allowance(viewer, ...allowances));
    if (result.eventId !== undefined) ctx.changed(result.comment.articleSlug);
    return result;
  }

  async function removeComment(viewer: Viewer | undefined, id: string) {
    await spent(viewer, [limiters.deletes, 'deleting comments']);
    const result = await discussion.remove(viewer, id, allowance(viewer, [limiters.deletes, 'deleting comments']));
    ctx.changed(result.articleSlug);
    return result;
  }

  app.post(
    '/api/v1/articles/:slug/comments',
    api(async (req, reply, body, viewer) => {
      const { slug } = req.params as { slug: string };
      const header = req.headers['idempotency-key'];
      const result = await postComment(req, viewer, slug, body, typeof header === 'string' ? header : null);
      // The poster's own comment as their page would show it, so the script can place it at once.
      const fragment = await renderCommentFragment(ctx, result.comment.id, viewer, discussionViewer(ctx, req, viewer));
      return reply.code(result.created ? 201 : 200).send({ comment: commentJson(result.comment), fragment });
    }),
  );

  app.patch(
    '/api/v1/comments/:id',
    api(async (req, _reply, body, viewer) => {
      const { id } = req.params as { id: string };
      const result = await editComment(viewer, id, body.body);
      return { comment: commentJson(result.comment) };
    }),
  );

  app.delete(
    '/api/v1/comments/:id',
    api(async (req, reply, _body, viewer) => {
      const { id } = req.params as { id: string };
      const result = await removeComment(viewer, id);
      return reply.code(200).send({ deleted: true, placeholder: result.outcome === 'placeholder' });
    }),
  );

  async function vote(req: FastifyRequest, viewer: Viewer | undefined, id: string, on: boolean) {
    // Votes were limited for the author too before; they still are (a vote is never moderation).
    if (viewer) await refuseIfSpent([[limiters.votes, viewer.identity.id, 'voting']]);
    const admit = viewer ? () => take(limiters.votes, viewer.identity.id, 'voting') : undefined;
    const result = await discussion.vote(viewer, id, on, prefixHash(ctx, req), admit);
    if (result.changed) ctx.changed(result.articleSlug);
    return result;
  }

  app.put(
    '/api/v1/comments/:id/vote',
    api(async (req, _reply, _body, viewer) => {
      const result = await vote(req, viewer, (req.params as { id: string }).id, true);
      return { score: result.score, votedByMe: true };
    }),
  );

  app.delete(
    '/api/v1/comments/:id/vote',
    api(async (req, _reply, _body, viewer) => {
      const result = await vote(req, viewer, (req.params as { id: string }).id, false);
      return { score: result.score, votedByMe: false };
    }),
  );

  app.get(
    '/api/v1/comments/:id',
    api(async (req, _reply, _body, viewer) => {
      const { id } = req.params as { id: string };
      const view = await discussion.commentView(id, viewer);
      if (!view) throw new DomainError('not_found', 'There is no comment with that id.');
      const where = await discussion.locate(id);
      return { comment: commentJson(view), article: where.articleSlug, rootId: where.rootId };
    }),
  );

  // ---- Comments: plain HTML forms, each answering with a redirect to the comment ----

  const anchorOf = async (slug: string, commentId: string) => {
    const where = await discussion.locate(commentId).catch(() => undefined);
    const thread = where && where.rootId !== commentId ? `?thread=${where.rootId}` : '';
    return `/writing/${slug}${thread}#comment-${commentId}`;
  };

  app.post(
    '/writing/:slug/comments',
    form(async (req, reply, body, viewer) => {
      const { slug } = req.params as { slug: string };
      // The page's form carries an empty trap field and its render time, signed: bots fill the
      // one and post faster than anyone can read and write. Either way: a friendly 422.
      if (viewer && typeof body.website === 'string' && body.website !== '') {
        throw new DomainError('rule_broken', 'Your comment could not be accepted. Please leave the field marked “leave empty” empty.');
      }
      if (viewer) {
        const timing = checkSubmitTime(ctx.config.secret, body._t, ctx.now(), ctx.config.moderation.minSubmitSeconds);
        if (timing) throw new DomainError('rule_broken', timing);
      }
      const key = typeof body.idempotencyKey === 'string' && body.idempotencyKey ? body.idempotencyKey : null;
      const result = await postComment(req, viewer, slug, body, key);
      return reply.redirect(await anchorOf(slug, result.comment.id), 303);
    }),
  );

  app.get('/writing/:slug/comments/:id/reply', async (req, reply) => {
    const { slug, id } = req.params as { slug: string; id: string };
    const article = ctx.content.site.articleBySlug(slug, { preview: ctx.config.dev });
    const viewer = await viewerOf(ctx, req);
    const parent = article ? await discussion.commentView(id, viewer) : undefined;
    if (!article || !parent || parent.articleSlug !== slug || parent.deleted) return reply.callNotFound();
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(
        replyPage({
          ctx,
          viewer: discussionViewer(ctx, req, viewer),
          slug,
          articleTitle: article.title,
          parent,
          idempotencyKey: randomId(20),
          open: await discussion.isOpen(slug),
        }),
      );
  });

  app.post(
    '/comments/:id/vote',
    form(async (req, reply, body, viewer) => {
      const { id } = req.params as { id: string };
      const result = await vote(req, viewer, id, body.action !== 'down');
      return reply.redirect(await anchorOf(result.articleSlug, id), 303);
    }),
  );

  app.get('/comments/:id/edit', async (req, reply) => {
    const viewer = await requireSignedIn(req, reply);
    if (!viewer) return reply;
    const { id } = req.params as { id: string };
    const record = await ctx.store.getComment(id);
    if (!record || record.identityId !== viewer.identity.id || record.state === 'deleted') return reply.callNotFound();
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(editPage({ ctx, viewer: discussionViewer(ctx, req, viewer)!, commentId: id, slug: record.articleSlug, body: record.body }));
  });

  app.post(
    '/comments/:id/edit',
    form(async (req, reply, body, viewer) => {
      const { id } = req.params as { id: string };
      const result = await editComment(viewer, id, body.body);
      return reply.redirect(await anchorOf(result.comment.articleSlug, id), 303);
    }),
  );

  app.post(
    '/comments/:id/delete',
    form(async (req, reply, _body, viewer) => {
      const { id } = req.params as { id: string };
      const parent = (await ctx.store.getComment(id))?.parentId ?? null;
      const result = await removeComment(viewer, id);
      const target = result.outcome === 'placeholder' ? id : parent;
      return reply.redirect(target ? await anchorOf(result.articleSlug, target) : `/writing/${result.articleSlug}#comments`, 303);
    }),
  );
}
