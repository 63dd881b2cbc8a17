// Signing in and out: the JSON API, the no-script forms, and the author's one-time link.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, statusFor } from '../../discussion/errors.ts';
import type { SignInResult } from '../../discussion/service.ts';
import { type RouteSchema, errorResponse, object, ok, writeErrors } from '../route-schema.ts';
import { apiError } from '../api-error.ts';
import { clientOrigin, prefixHash } from '../client.ts';
import type { AppContext } from '../context.ts';
import { csrfToken } from '../guard.ts';
import { type FormFields, api, form, formFields, sendPage } from '../handlers.ts';
import { authorSignInPage, messagePage, safeReturn, signedOutPage, signInPage, welcomePage } from '../pages/account.tsx';
import { clearSessionCookie, intentFrom, setAuthorHint, setSessionCookie, sessionToken } from '../session.ts';
import { discussionViewer, viewerOf } from '../viewer.ts';
import { carryOut, commentAnchor, describeIntent } from './comment-forms.ts';
import { standingOf } from '../../discussion/comment-rules.ts';
import { signRenderTime } from '../../discussion/holds.ts';

interface SignInBody {
  name: string;
}
interface RecoverBody {
  name: string;
  recoveryKey: string;
}
/** Query parameters of pages: read leniently, as anything a link may carry. */
interface ReturnQuery {
  return?: unknown;
}
interface IntentQuery {
  intent?: unknown;
  comment?: unknown;
}
interface TokenQuery {
  token?: unknown;
}

const identityResult = object({
  identity: object({ id: { type: 'string' }, name: { type: 'string' } }),
  recoveryKey: { type: 'string', description: 'Shown once. Stored only as a hash. Moves the name to another device.' },
});

const signInSchema: RouteSchema = {
  summary: 'Sign in with a display name (claims the name)',
  body: object({ name: { type: 'string', description: '2 to 40 characters.' } }, ['name']),
  responses: {
    '201': ok('Signed in; session cookie set.', identityResult),
    '409': errorResponse('The name, or a look-alike of it, is held by someone else (or reserved for the author).'),
    '422': errorResponse('The name breaks a rule (length, invisible or control characters, reserved words).'),
    ...writeErrors,
  },
};

const recoverSchema: RouteSchema = {
  summary: 'Take your name to another device with its recovery key (the key is rotated)',
  body: object({ name: { type: 'string' }, recoveryKey: { type: 'string' } }, ['name', 'recoveryKey']),
  responses: { '200': ok('Signed in; a new recovery key replaces the used one.', identityResult), ...writeErrors },
};

const whoAmISchema: RouteSchema = {
  summary: 'Who am I',
  responses: {
    '200': ok(
      'The signed-in identity.',
      object({ identity: object({ id: { type: 'string' }, name: { type: 'string' }, isAuthor: { type: 'boolean' } }) }),
    ),
    '401': errorResponse('Not signed in.'),
  },
};

const signOutSchema: RouteSchema = { summary: 'Sign out on this device', responses: { '204': { description: 'Signed out.' } } };

/** Pages read their query leniently: a link may carry anything, and it is never an error. */
const signInQuery = object({
  return: { description: 'Where to go afterwards (a path on this site).' },
  intent: { description: '`vote`: the visitor was upvoting `comment` when sent to sign in.' },
  comment: { description: 'The comment the intent is about.' },
});
const tokenQuery = object({ token: { description: 'The one-time token from `byline author-link`.' } });

const identityJson = (result: SignInResult) => ({
  identity: { id: result.identity.id, name: result.identity.name },
  recoveryKey: result.recoveryKey,
});

export function registerSessionRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerSessionApi(app, ctx);
  registerSignInForms(app, ctx);
  registerAuthorLink(app, ctx);
}

const prefix = (ctx: AppContext, req: FastifyRequest) => prefixHash(ctx.config.secret, req);

/** Ends this device's session (the others stay signed in) and clears its cookies. */
async function signOutHere(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = sessionToken(ctx, req);
  if (token) await ctx.discussion.signOut(token);
  clearSessionCookie(ctx, reply);
}

function registerSessionApi(app: FastifyInstance, ctx: AppContext): void {
  const { discussion, writes } = ctx;

  app.post<{ Body: SignInBody }>(
    '/api/v1/session',
    { schema: signInSchema },
    api(ctx, async (req, reply) => {
      const result = await writes.signIn(req.body.name, clientOrigin(ctx.config.secret, req));
      setSessionCookie(ctx, reply, result.sessionToken);
      return reply.code(201).send(identityJson(result));
    }),
  );

  app.post<{ Body: RecoverBody }>(
    '/api/v1/session/recover',
    { schema: recoverSchema },
    api(ctx, async (req, reply) => {
      const result = await writes.recover(req.body.name, req.body.recoveryKey, prefix(ctx, req));
      setSessionCookie(ctx, reply, result.sessionToken);
      return reply.code(200).send(identityJson(result));
    }),
  );

  app.delete(
    '/api/v1/session',
    { schema: signOutSchema },
    api(ctx, async (req, reply) => {
      await signOutHere(ctx, req, reply);
      return reply.code(204).send();
    }),
  );

  app.get(
    '/api/v1/session',
    { schema: whoAmISchema },
    api(ctx, async (_req, reply, viewer) => {
      if (!viewer) return reply.code(401).send(apiError('unauthenticated', 'Not signed in.'));
      return { identity: { id: viewer.identity.id, name: viewer.identity.name, isAuthor: discussion.isAuthor(viewer) } };
    }),
  );
}

/** The no-script sign-in, recovery and sign-out forms. */
function registerSignInForms(app: FastifyInstance, ctx: AppContext): void {
  const { writes } = ctx;
  app.get<{ Querystring: ReturnQuery & IntentQuery }>('/signin', { schema: { querystring: signInQuery } }, async (req, reply) => {
    const viewer = await viewerOf(ctx, req);
    const intent = await describeIntent(ctx, intentFrom(req.query));
    const returnTo = safeReturn(req.query.return, '/');
    return sendPage(reply, signInPage({ ctx, viewer: discussionViewer(ctx, req, viewer), returnTo, intent }));
  });

  // "I have a name already" from a visitor's reply form: the sign-in page, carrying the draft.
  // It shows a page and changes nothing.
  app.post('/signin/with-draft', async (req, reply) => {
    const body = formFields(req.body);
    const viewer = await viewerOf(ctx, req);
    const intent = await describeIntent(ctx, intentFrom(body));
    const returnTo = safeReturn(body.return, '/');
    return sendPage(reply, signInPage({ ctx, viewer: discussionViewer(ctx, req, viewer), returnTo, intent }));
  });

  /** The no-script sign-in forms: a refusal re-renders the sign-in page with the reason; success shows the key once. */
  async function signInForm(
    req: FastifyRequest,
    reply: FastifyReply,
    body: FormFields,
    attempt: () => Promise<SignInResult>,
    recovered: boolean,
  ): Promise<FastifyReply> {
    const returnTo = safeReturn(body.return, '/');
    const intent = await describeIntent(ctx, intentFrom(body));
    let result: SignInResult;
    try {
      result = await attempt();
    } catch (err) {
      if (!(err instanceof DomainError) || err.code === 'rate_limited') throw err;
      const name = typeof body.name === 'string' ? body.name : '';
      const refusal = recovered ? { recoverError: err.message, name } : { error: err.message, name };
      return sendPage(reply, signInPage({ ctx, viewer: null, returnTo, intent, ...refusal }), statusFor(err.code));
    }
    setSessionCookie(ctx, reply, result.sessionToken);
    const viewer = {
      name: result.identity.name,
      isAuthor: false,
      csrf: csrfToken(ctx, result.sessionToken),
      formTime: signRenderTime(ctx.config.secret, ctx.now()),
      standing: standingOf(result.identity, ctx.now()),
    };
    const outcome = intent && (await carryOut(ctx, req, { identity: result.identity }, viewer, intent));
    const back = outcome ? await commentAnchor(ctx, intent.intent.commentId) : returnTo;
    const welcome = welcomePage({
      ctx,
      viewer,
      name: result.identity.name,
      recoveryKey: result.recoveryKey,
      returnTo: back,
      recovered,
      outcome,
    });
    return sendPage(reply, welcome, recovered ? 200 : 201);
  }

  const opensSession = { opensSession: true };
  app.post(
    '/signin',
    form(
      ctx,
      async (req, reply, body) => signInForm(req, reply, body, () => writes.signIn(body.name, clientOrigin(ctx.config.secret, req)), false),
      opensSession,
    ),
  );
  app.post(
    '/signin/recover',
    form(
      ctx,
      async (req, reply, body) => signInForm(req, reply, body, () => writes.recover(body.name, body.recoveryKey, prefix(ctx, req)), true),
      opensSession,
    ),
  );

  app.post(
    '/signout',
    form(ctx, async (req, reply) => {
      await signOutHere(ctx, req, reply);
      return reply.redirect('/signed-out', 303);
    }),
  );

  // Where a reader lands after signing out or deleting their name. It says what happened, and
  // nothing more: a link to it from elsewhere changes nothing.
  app.get<{ Querystring: { how?: unknown } }>(
    '/signed-out',
    { schema: { querystring: object({ how: { description: 'everywhere, or deleted.' } }) } },
    async (req, reply) => {
      const viewer = await viewerOf(ctx, req);
      if (viewer) return reply.redirect('/me', 303);
      const kind = req.query.how === 'everywhere' || req.query.how === 'deleted' ? req.query.how : 'here';
      return sendPage(reply, signedOutPage({ ctx, viewer: null, kind }));
    },
  );
}

/**
 * The author's one-time link from `byline author-link`. Opening it (GET, or HEAD from a link
 * previewer or mail scanner) only shows a button; the button's POST uses the link up.
 */
function registerAuthorLink(app: FastifyInstance, ctx: AppContext): void {
  const { discussion } = ctx;
  const authorLinkRefused = (reply: FastifyReply, err: DomainError) =>
    sendPage(
      reply,
      messagePage({ ctx, viewer: null, title: 'Sign-in link not valid', message: err.message, back: '/' }),
      statusFor(err.code),
    );

  app.get<{ Querystring: TokenQuery }>('/author/signin', { schema: { querystring: tokenQuery } }, async (req, reply) => {
    const { token } = req.query;
    const name = await discussion.authorLinkName(token);
    if (name === undefined || typeof token !== 'string') {
      return authorLinkRefused(
        reply,
        new DomainError(
          'forbidden',
          'That sign-in link has expired, was already used or is not valid. Run `byline author-link` for a new one.',
        ),
      );
    }
    // The token is in this page's address: no referrer takes it to another site. (Not
    // "no-referrer": browsers then send "Origin: null" with the form, which the cross-site
    // guard rightly refuses.)
    reply.header('Referrer-Policy', 'same-origin');
    return sendPage(reply, authorSignInPage({ ctx, viewer: null, name, token }));
  });

  app.post('/author/signin', async (req, reply) => {
    const body = formFields(req.body);
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
}
