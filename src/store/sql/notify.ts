import type {
  AttemptLog,
  AuthorEvent,
  Channel,
  Delivery,
  NewDelivery,
  NotifyStore,
  PushSubscriptionRecord,
  Webhook,
  WebhookFormat,
} from '../../notify/ports.ts';
import type { Driver } from '../driver.ts';
import { columnList, type RowOf } from '../tables.ts';
import { num, numOrNull } from './rows.ts';

const toWebhook = (r: RowOf<'webhooks'>): Webhook => ({
  id: r.id,
  url: r.url,
  format: r.format as WebhookFormat,
  events: r.events.split(',').filter(Boolean) as AuthorEvent[],
  secret: r.secret,
  createdAt: num(r.created_at),
});

const toDelivery = (r: RowOf<'notify_queue'>): Delivery => ({
  id: num(r.id),
  channel: r.channel as Channel,
  target: r.target,
  event: r.event,
  payload: r.payload,
  attempts: num(r.attempts),
  nextAt: num(r.next_at),
  state: r.state as Delivery['state'],
  createdAt: num(r.created_at),
});

const toAttempt = (r: RowOf<'notify_log'>): AttemptLog => ({
  id: num(r.id),
  channel: r.channel as Channel,
  target: r.target,
  event: r.event,
  attempt: num(r.attempt),
  outcome: r.outcome,
  ok: num(r.ok) === 1,
  createdAt: num(r.created_at),
});

const toSubscription = (r: RowOf<'push_subscriptions'>): PushSubscriptionRecord => ({
  endpoint: r.endpoint,
  identityId: r.identity_id,
  p256dh: r.p256dh,
  auth: r.auth,
  createdAt: num(r.created_at),
});

export function sqlNotifyStore(driver: Driver): NotifyStore {
  return {
    async addWebhook(w: Webhook): Promise<void> {
      await driver.run('INSERT INTO webhooks (id, url, format, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
        w.id,
        w.url,
        w.format,
        w.events.join(','),
        w.secret,
        w.createdAt,
      ]);
    },

    async listWebhooks(): Promise<Webhook[]> {
      return (await driver.all<RowOf<'webhooks'>>(`SELECT ${columnList('webhooks')} FROM webhooks ORDER BY created_at, id`)).map(toWebhook);
    },

    async getWebhook(id: string): Promise<Webhook | undefined> {
      const row = await driver.get<RowOf<'webhooks'>>(`SELECT ${columnList('webhooks')} FROM webhooks WHERE id = ?`, [id]);
      return row && toWebhook(row);
    },

    deleteWebhook(id: string): Promise<boolean> {
      return driver.transaction(async (tx) => {
        await tx.run("DELETE FROM notify_queue WHERE channel = 'webhook' AND target = ?", [id]);
        return (await tx.run('DELETE FROM webhooks WHERE id = ?', [id])).changes > 0;
      });
    },

    async enqueueDeliveries(items: readonly NewDelivery[]): Promise<void> {
      if (items.length === 0) return;
      await driver.transaction(async (tx) => {
        for (const d of items)
          await tx.run(
            "INSERT INTO notify_queue (channel, target, event, payload, attempts, next_at, state, created_at) VALUES (?, ?, ?, ?, 0, ?, 'pending', ?)",
            [d.channel, d.target, d.event, d.payload, d.nextAt, d.createdAt],
          );
      });
    },

    async dueDeliveries(now: number, limit: number): Promise<Delivery[]> {
      const rows = await driver.all<RowOf<'notify_queue'>>(
        `SELECT ${columnList('notify_queue')} FROM notify_queue WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`,
        [now, limit],
      );
      return rows.map(toDelivery);
    },

    async claimDelivery(id: number, seenNextAt: number, leaseUntil: number): Promise<boolean> {
      const { changes } = await driver.run("UPDATE notify_queue SET next_at = ? WHERE id = ? AND state = 'pending' AND next_at = ?", [
        leaseUntil,
        id,
        seenNextAt,
      ]);
      return changes === 1;
    },

    async settleDelivery(id, outcome): Promise<void> {
      await driver.run('UPDATE notify_queue SET state = ?, attempts = ?, next_at = ?, done_at = ? WHERE id = ?', [
        outcome.state,
        outcome.attempts,
        outcome.nextAt,
        outcome.state === 'sent' ? outcome.at : null,
        id,
      ]);
    },

    async lastSent(channel: Channel, target: string): Promise<number | null> {
      const row = await driver.get<{ at: number | string | null }>(
        "SELECT MAX(done_at) AS at FROM notify_queue WHERE channel = ? AND target = ? AND state = 'sent'",
        [channel, target],
      );
      return row ? numOrNull(row.at) : null;
    },

    async pruneDeliveries(before: number, keepLog: number): Promise<void> {
      await driver.run("DELETE FROM notify_queue WHERE state <> 'pending' AND created_at < ?", [before]);
      // The newest lines of each channel stay whatever their age, so the desk's log is never empty
      // just because nothing happened lately.
      for (const channel of ['webhook', 'push', 'mail'] as const) {
        const edge = await driver.get<{ id: number | string }>(
          'SELECT id FROM notify_log WHERE channel = ? ORDER BY id DESC LIMIT 1 OFFSET ?',
          [channel, keepLog],
        );
        if (edge)
          await driver.run('DELETE FROM notify_log WHERE channel = ? AND id <= ? AND created_at < ?', [channel, num(edge.id), before]);
      }
    },

    async logAttempt(e: Omit<AttemptLog, 'id'>): Promise<void> {
      await driver.run('INSERT INTO notify_log (channel, target, event, attempt, outcome, ok, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        e.channel,
        e.target,
        e.event,
        e.attempt,
        e.outcome.slice(0, 200),
        e.ok ? 1 : 0,
        e.createdAt,
      ]);
    },

    async recentAttempts(channel: Channel, limit: number): Promise<AttemptLog[]> {
      const rows = await driver.all<RowOf<'notify_log'>>(
        `SELECT ${columnList('notify_log')} FROM notify_log WHERE channel = ? ORDER BY id DESC LIMIT ?`,
        [channel, limit],
      );
      return rows.map(toAttempt);
    },

    savePushSubscription(sub: PushSubscriptionRecord, max: number): Promise<boolean> {
      return driver.transaction(async (tx) => {
        const others = await tx.get<{ n: number | string }>(
          'SELECT COUNT(*) AS n FROM push_subscriptions WHERE identity_id = ? AND endpoint <> ?',
          [sub.identityId, sub.endpoint],
        );
        if (num(others!.n) >= max) return false;
        await tx.run(
          `INSERT INTO push_subscriptions (endpoint, identity_id, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (endpoint) DO UPDATE SET identity_id = excluded.identity_id, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
          [sub.endpoint, sub.identityId, sub.p256dh, sub.auth, sub.createdAt],
        );
        return true;
      });
    },

    async pushSubscriptions(identityId: string): Promise<PushSubscriptionRecord[]> {
      const rows = await driver.all<RowOf<'push_subscriptions'>>(
        `SELECT ${columnList('push_subscriptions')} FROM push_subscriptions WHERE identity_id = ? ORDER BY created_at, endpoint`,
        [identityId],
      );
      return rows.map(toSubscription);
    },

    async deletePushSubscription(endpoint: string, identityId?: string): Promise<number> {
      const { changes } =
        identityId === undefined
          ? await driver.run('DELETE FROM push_subscriptions WHERE endpoint = ?', [endpoint])
          : await driver.run('DELETE FROM push_subscriptions WHERE endpoint = ? AND identity_id = ?', [endpoint, identityId]);
      return changes;
    },

    async deletePushSubscriptionsOf(identityId: string): Promise<number> {
      return (await driver.run('DELETE FROM push_subscriptions WHERE identity_id = ?', [identityId])).changes;
    },

    async getNotifySetting(name: string): Promise<string | undefined> {
      return (await driver.get<{ value: string }>('SELECT value FROM notify_settings WHERE name = ?', [name]))?.value;
    },

    async setNotifySetting(name: string, value: string): Promise<void> {
      await driver.run('INSERT INTO notify_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [
        name,
        value,
      ]);
    },
  };
}
