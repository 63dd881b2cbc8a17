// Notifications that leave the site: the author's desk page for webhooks and mail, and a
// reader's Web Push (turning it on from /me, stopping it, and the service worker it needs).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../discussion/errors.ts';
import { secretsEqual } from '../../discussion/secrets.ts';
import type { NotifyServices } from '../../notify/index.ts';
import { AUTHOR_EVENTS, type AuthorEvent, WEBHOOK_FORMATS, type Webhook, type WebhookFormat } from '../../notify/ports.ts';
import { PushRefused } from '../../notify/push.ts';
import { NotifyRefused } from '../../notify/service.ts';
import { type AuthorRequest, adminAction, adminPage, adminShell } from '../admin-handlers.ts';
import { apiError } from '../api-error.ts';
import type { AppContext } from '../context.ts';
import { csrfValid } from '../guard.ts';
import { type FormFields, api, form, formFields } from '../handlers.ts';
import { sendPrepared } from '../http.ts';
import { take } from '../limits.ts';
import { type WebhookDraft, notifyPage } from '../pages/admin-notify.tsx';
import {
  type CsrfHeaders,
  type IdParams,
  type PushSubscriptionBody,
  type RouteSchema,
  csrfHeaders,
  errorResponse,
  idParams,
  object,
  ok,
  pushSubscriptionBody,
  writeErrors,
} from '../route-schema.ts';
import { sessionToken } from '../session.ts';

/** How many attempts the desk's log shows. */
const LOG_LINES = 30;

interface NoticeQuery {
  done?: unknown;
}
const noticeQuery = object({ done: { description: 'The signed notice of the last action.' } });

const expiredForm = 'This form has expired or did not come from this site. Reload the page and try again.';

/** The checked boxes of a form: one value arrives as a string, several as a list. */
function chosenEvents(value: unknown): AuthorEvent[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return AUTHOR_EVENTS.filter((e) => values.includes(e));
}

function draftFrom(body: FormFields): WebhookDraft {
  const format = (WEBHOOK_FORMATS as readonly unknown[]).includes(body.format) ? (body.format as WebhookFormat) : 'json';
  return { url: typeof body.url === 'string' ? body.url.trim().slice(0, 2000) : '', format, events: chosenEvents(body.events) };
}

export function registerNotifyRoutes(app: FastifyInstance, ctx: AppContext, notify: NotifyServices): void {
  const { notifier, limits } = notify;

  async function page(
    req: FastifyRequest<{ Querystring: NoticeQuery }>,
    a: AuthorRequest,
    extra: { added?: Webhook; draft?: WebhookDraft; error?: string } = {},
  ) {
    const settings = ctx.config.notify;
    return notifyPage({
      ...adminShell(ctx, req, a),
      webhooks: await notifier.webhooks(),
      log: await notifier.recentAttempts(LOG_LINES),
      mail:
        notifier.mailConfigured && settings.authorEmail
          ? { to: settings.authorEmail, everyMinutes: settings.mailEveryMinutes, events: await notifier.mailEvents() }
          : undefined,
      ...extra,
    });
  }

  app.get<{ Querystring: NoticeQuery }>(
    '/admin/notifications',
    { schema: { querystring: noticeQuery } },
    adminPage(ctx, (req, a) => page(req, a)),
  );

  // Not an adminAction: a new webhook's secret is shown on the page this answer renders, once,
  // rather than carried in a redirect's address; and a refused form comes back as it was typed.
  app.post<{ Querystring: NoticeQuery }>(
    '/admin/notifications/webhooks',
    adminPage(ctx, async (req, a) => {
      const body = formFields(req.body);
      if (!secretsEqual(a.csrf, typeof body._csrf === 'string' ? body._csrf : '')) throw new DomainError('forbidden', expiredForm);
      const draft = draftFrom(body);
      try {
        await take(limits.desk, a.viewer.identity.id, 'changing notifications');
        const added = await notifier.addWebhook(draft);
        return await page(req, a, { added });
      } catch (err) {
        if (!(err instanceof NotifyRefused)) throw err;
        return await page(req, a, { draft, error: err.message });
      }
    }),
  );

  app.post<{ Params: IdParams }>(
    '/admin/notifications/webhooks/:id/test',
    { schema: { params: idParams } },
    adminAction(ctx, async (req, _body, a) => {
      await take(limits.desk, a.viewer.identity.id, 'sending tests');
      if (!(await notifier.testWebhook(req.params.id, ctx.baseUrl()))) throw new DomainError('not_found', 'There is no such webhook.');
      return { articles: [], message: 'A test is on its way; its result appears in the delivery log.', back: '/admin/notifications' };
    }),
  );

  app.post<{ Params: IdParams }>(
    '/admin/notifications/webhooks/:id/remove',
    { schema: { params: idParams } },
    adminAction(ctx, async (req, _body, a) => {
      await take(limits.desk, a.viewer.identity.id, 'changing notifications');
      if (!(await notifier.removeWebhook(req.params.id))) throw new DomainError('not_found', 'There is no such webhook.');
      return { articles: [], message: 'Webhook removed; nothing more is sent to it.', back: '/admin/notifications' };
    }),
  );

  app.post(
    '/admin/notifications/mail',
    adminAction(ctx, async (_req, body, a) => {
      await take(limits.desk, a.viewer.identity.id, 'changing notifications');
      if (!notifier.mailConfigured) throw new DomainError('rule_broken', 'Mail is not set up on this server.');
      await notifier.setMailEvents(chosenEvents(body.events));
      return { articles: [], message: 'Mail choices saved.', back: '/admin/notifications' };
    }),
  );

  registerPushRoutes(app, ctx, notify);
}

const pushStateSchema: RouteSchema = {
  summary: 'Web Push for the signed-in reader: the public key to subscribe with, and how many browsers are subscribed',
  responses: {
    '200': ok(
      'The key and the count.',
      object({ publicKey: { type: 'string' }, subscriptions: { type: 'integer' } }, ['publicKey', 'subscriptions']),
    ),
    '401': errorResponse('Not signed in.'),
  },
};

const subscribeSchema: RouteSchema = {
  summary: 'Turns on push notifications of replies for this browser',
  headers: csrfHeaders,
  body: pushSubscriptionBody,
  responses: {
    '201': ok('Subscribed.', object({ subscriptions: { type: 'integer' } }, ['subscriptions'])),
    '401': errorResponse('Not signed in.'),
    '422': errorResponse('The push service is not allowed, the keys are not valid, or there are too many subscribed browsers.'),
    ...writeErrors,
  },
};

function registerPushRoutes(app: FastifyInstance, ctx: AppContext, notify: NotifyServices): void {
  const { push, limits } = notify;

  app.get(
    '/api/v1/push',
    { schema: pushStateSchema },
    api(ctx, async (_req, reply, viewer) => {
      if (!viewer) return reply.code(401).send(apiError('unauthenticated', 'Not signed in.'));
      return { publicKey: push.publicKey(), subscriptions: await push.subscriptionCount(viewer.identity.id) };
    }),
  );

  app.post<{ Body: PushSubscriptionBody; Headers: CsrfHeaders }>(
    '/api/v1/push/subscriptions',
    { schema: subscribeSchema },
    api(ctx, async (req, reply, viewer) => {
      if (!viewer) return reply.code(401).send(apiError('unauthenticated', 'Not signed in.'));
      if (!csrfValid(ctx, sessionToken(ctx, req), req.headers['x-csrf-token'])) throw new DomainError('forbidden', expiredForm);
      await take(limits.pushWrites, viewer.identity.id, 'changing notifications');
      try {
        await push.subscribe(viewer.identity.id, req.body);
      } catch (err) {
        if (err instanceof PushRefused) throw new DomainError('rule_broken', err.message);
        throw err;
      }
      return reply.code(201).send({ subscriptions: await push.subscriptionCount(viewer.identity.id) });
    }),
  );

  // One click stops every browser's pushes; the script also unsubscribes this browser first.
  app.post(
    '/me/push/stop',
    form(ctx, async (_req, reply, _body, viewer) => {
      if (!viewer) throw new DomainError('unauthenticated');
      await take(limits.pushWrites, viewer.identity.id, 'changing notifications');
      await push.unsubscribe(viewer.identity.id);
      return reply.redirect('/me#me-notifications', 303);
    }),
  );

  // The service worker must come from the site's root for its scope to be the whole site.
  app.get('/push-worker.js', async (req, reply: FastifyReply) => sendPrepared(req, reply, ctx.assets.pushWorker.body, 'no-cache'));
  app.get('/push.js', async (req, reply: FastifyReply) => sendPrepared(req, reply, ctx.assets.push.body, 'no-cache'));
}
