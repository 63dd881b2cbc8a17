// The way out of the site: hears every inbox item (Inbox.listen), turns the ones someone asked
// for into deliveries in the queue (the author's webhooks and mail, a reader's pushes), and
// keeps the author's webhooks. The dispatcher sends what is queued.
import { randomUUID } from 'node:crypto';
import type { InboxItem } from '../discussion/inbox.ts';
import { Dispatcher, type Senders } from './dispatcher.ts';
import {
  AUTHOR_EVENTS,
  type AuthorEvent,
  type AttemptLog,
  type NewDelivery,
  type NotifyStore,
  type Webhook,
  type WebhookFormat,
} from './ports.ts';
import {
  EVENT_TYPES,
  type NotifyEvent,
  type SiteLinks,
  authorEventOf,
  eventFromItem,
  headline,
  isReplyToReader,
  testEvent,
} from './events.ts';
import { webhookRequest, webhookUrlProblem } from './formats.ts';
import { boundedPost } from './http-post.ts';
import type { AuthorMail } from './mail.ts';
import { PUSH_SPACING_MS, type PushMessage, type PushService } from './push.ts';
import { newWebhookSecret } from './signature.ts';

/** A handful is plenty (a phone, a chat, a feed reader); more is a misconfiguration. */
export const MAX_WEBHOOKS = 10;
/** Mail waits this long after the first event of a burst, so the burst goes as one mail. */
export const MAIL_GATHER_MS = 60_000;
const MAIL_EVENTS_SETTING = 'mail_events';

export class NotifyRefused extends Error {}

export interface NotifierDeps {
  store: NotifyStore;
  links: SiteLinks;
  /** Whether the identity is the site's author (only the author's items go to webhooks and mail). */
  isAuthor(identityId: string): Promise<boolean>;
  push: PushService;
  /** Absent when the operator configured no SMTP server. */
  mail?: AuthorMail;
  now: () => number;
  pollMs: number;
  mailEveryMinutes: number;
}

/**
 * Where an item's deliveries are queued: the notifier's own store, or the store bound to the
 * transaction of the item's cause (Transactions.within), so they commit with it.
 */
export interface QueueScope {
  store: NotifyStore;
  isAuthor(identityId: string): Promise<boolean>;
  /** Runs `fn` once what was queued has committed. */
  afterCommit(fn: () => void): void;
}

export interface NewWebhook {
  url: string;
  format: WebhookFormat;
  events: AuthorEvent[];
}

export class Notifier {
  readonly dispatcher: Dispatcher;
  /** Queueing on the notifier's own store, in a transaction of its own. */
  private readonly own: QueueScope;

  constructor(private readonly deps: NotifierDeps) {
    this.own = { store: deps.store, isAuthor: deps.isAuthor, afterCommit: (fn) => fn() };
    const senders: Senders = {
      webhook: async (id, event, deliveryId) => {
        const webhook = await deps.store.getWebhook(id);
        if (!webhook) return { ok: true, outcome: 'webhook removed' };
        const req = webhookRequest(webhook, event, deliveryId, Math.floor(deps.now() / 1000));
        return boundedPost(req.url, req.headers, req.body);
      },
      push: (identityId, events) => deps.push.send(identityId, pushMessage(events, deps.links)),
      mail: async (events) => (deps.mail ? deps.mail.send(events) : { ok: true, outcome: 'mail is not configured' }),
    };
    this.dispatcher = new Dispatcher(deps.store, senders, {
      now: deps.now,
      pollMs: deps.pollMs,
      spacingMs: { push: PUSH_SPACING_MS, mail: deps.mailEveryMinutes * 60_000 },
    });
  }

  get mailConfigured(): boolean {
    return this.deps.mail !== undefined;
  }

  /**
   * Queues what an inbox item means for whoever asked to hear of it (through `scope`: inside the
   * transaction of the item's cause when it is bound to one), and sends it once that has committed.
   */
  async notified(item: InboxItem, scope: QueueScope = this.own): Promise<void> {
    const { store } = scope;
    const now = this.deps.now();
    const deliveries: NewDelivery[] = [];
    const authorEvent = authorEventOf(item.kind);
    if (authorEvent && (await scope.isAuthor(item.identityId))) {
      const payload = JSON.stringify(eventFromItem(item, EVENT_TYPES[authorEvent], this.deps.links));
      for (const w of await store.listWebhooks())
        if (w.events.includes(authorEvent))
          deliveries.push({ channel: 'webhook', target: w.id, event: authorEvent, payload, nextAt: now, createdAt: now });
      if (this.deps.mail && (await mailEventsIn(store)).includes(authorEvent))
        deliveries.push({ channel: 'mail', target: 'author', event: authorEvent, payload, nextAt: now + MAIL_GATHER_MS, createdAt: now });
    }
    if (isReplyToReader(item.kind) && (await store.pushSubscriptions(item.identityId)).length > 0) {
      const payload = JSON.stringify(eventFromItem(item, EVENT_TYPES.reply, this.deps.links));
      deliveries.push({ channel: 'push', target: item.identityId, event: 'reply', payload, nextAt: now, createdAt: now });
    }
    if (deliveries.length === 0) return;
    await store.enqueueDeliveries(deliveries);
    scope.afterCommit(() => this.dispatcher.kick());
  }

  webhooks(): Promise<Webhook[]> {
    return this.deps.store.listWebhooks();
  }

  /** Adds a webhook and returns it with its secret, which the author sees this once. */
  async addWebhook(input: NewWebhook): Promise<Webhook> {
    const problem = webhookUrlProblem(input.url, input.format);
    if (problem) throw new NotifyRefused(problem);
    if (input.events.length === 0) throw new NotifyRefused('Choose at least one thing to be told about.');
    const existing = await this.deps.store.listWebhooks();
    if (existing.length >= MAX_WEBHOOKS) throw new NotifyRefused(`There are already ${MAX_WEBHOOKS} webhooks. Remove one first.`);
    const webhook: Webhook = { id: randomUUID(), ...input, secret: newWebhookSecret(), createdAt: this.deps.now() };
    await this.deps.store.addWebhook(webhook);
    return webhook;
  }

  removeWebhook(id: string): Promise<boolean> {
    return this.deps.store.deleteWebhook(id);
  }

  /** Queues a test event for one webhook and sends it now. */
  async testWebhook(id: string, siteUrl: string): Promise<boolean> {
    if (!(await this.deps.store.getWebhook(id))) return false;
    const now = this.deps.now();
    const payload = JSON.stringify(testEvent(now, siteUrl));
    await this.deps.store.enqueueDeliveries([{ channel: 'webhook', target: id, event: 'test', payload, nextAt: now, createdAt: now }]);
    this.dispatcher.kick();
    return true;
  }

  /** The latest attempts of webhooks and mail, newest first, for the desk's log. */
  async recentAttempts(limit: number): Promise<AttemptLog[]> {
    const [webhooks, mail] = await Promise.all([
      this.deps.store.recentAttempts('webhook', limit),
      this.deps.store.recentAttempts('mail', limit),
    ]);
    return [...webhooks, ...mail].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id).slice(0, limit);
  }

  mailEvents(): Promise<AuthorEvent[]> {
    return mailEventsIn(this.deps.store);
  }

  async setMailEvents(events: readonly AuthorEvent[]): Promise<void> {
    await this.deps.store.setNotifySetting(MAIL_EVENTS_SETTING, events.join(','));
  }

  start(): void {
    this.dispatcher.start();
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
    this.deps.mail?.close();
  }
}

/** The author events the mail carries (all of them until the author chooses). */
async function mailEventsIn(store: NotifyStore): Promise<AuthorEvent[]> {
  const stored = await store.getNotifySetting(MAIL_EVENTS_SETTING);
  if (stored === undefined) return [...AUTHOR_EVENTS];
  return stored.split(',').filter((e): e is AuthorEvent => (AUTHOR_EVENTS as readonly string[]).includes(e));
}

/** One push for whatever waited: the reply itself, or how many there were and where to read them. */
export function pushMessage(events: readonly NotifyEvent[], links: SiteLinks): PushMessage {
  if (events.length === 1) {
    const e = events[0]!;
    return { title: headline(e), body: e.comment.excerpt, url: e.comment.url };
  }
  const last = events[events.length - 1]!;
  return { title: `${events.length} new replies to you`, body: headline(last), url: links.inboxUrl };
}
