// The storage of notifications beyond the site, on every engine at hand (SQLite, PGlite and,
// when BYLINE_TEST_PG_URL names a server, PostgreSQL): webhooks, the delivery queue that two
// nodes never send twice, the attempt log, readers' push subscriptions and their bound.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type OpenedStore, storeEngines } from './helpers/store-engines.ts';
import { after, before, describe, test } from 'node:test';
import type { NewDelivery } from '../src/notify/ports.ts';
import type { SqlStore } from '../src/store/sql-store.ts';

const engines = storeEngines('notify');

async function reader(store: SqlStore): Promise<string> {
  const id = randomUUID();
  const name = `Reader ${id.slice(0, 8)}`;
  await store.createIdentity(
    {
      id,
      name,
      nameKey: name.toLowerCase(),
      role: 'reader',
      createdAt: 1,
      ipPrefixHash: null,
      bannedUntil: null,
      banReason: null,
      muted: false,
    },
    null,
  );
  return id;
}

const delivery = (overrides: Partial<NewDelivery> = {}): NewDelivery => ({
  channel: 'webhook',
  target: 'w1',
  event: 'held',
  payload: '{}',
  nextAt: 1000,
  createdAt: 1000,
  ...overrides,
});

const key = (n: number) => `B${String(n).padStart(86, 'x')}`;

for (const engine of engines) {
  describe(`notify storage on ${engine.name}`, () => {
    let opened: OpenedStore;
    let store: SqlStore;
    before(async () => {
      opened = await engine.open();
      store = opened.store;
    });
    after(async () => opened.close());

    test('webhooks are kept with their events and secret, and removing one drops what waited for it', async () => {
      const id = randomUUID();
      await store.addWebhook({
        id,
        url: 'https://example.org/hook',
        format: 'json',
        events: ['held', 'reply'],
        secret: 's3cret',
        createdAt: 5,
      });
      assert.deepEqual(await store.getWebhook(id), {
        id,
        url: 'https://example.org/hook',
        format: 'json',
        events: ['held', 'reply'],
        secret: 's3cret',
        createdAt: 5,
      });
      await store.enqueueDeliveries([delivery({ target: id, nextAt: 0 })]);
      assert.equal(await store.deleteWebhook(id), true);
      assert.equal(await store.getWebhook(id), undefined);
      assert.equal((await store.dueDeliveries(10_000, 100)).filter((d) => d.target === id).length, 0);
      assert.equal(await store.deleteWebhook(id), false);
    });

    test('a due delivery is claimed by one caller only, and settles as sent, pending again or failed', async () => {
      const target = randomUUID();
      await store.enqueueDeliveries([delivery({ target, nextAt: 2000 })]);
      assert.equal((await store.dueDeliveries(1999, 100)).filter((d) => d.target === target).length, 0, 'not before its time');
      const [d] = (await store.dueDeliveries(2000, 100)).filter((x) => x.target === target);
      assert.ok(d);
      assert.equal(d.attempts, 0);
      const claims = await Promise.all([store.claimDelivery(d.id, d.nextAt, 9000), store.claimDelivery(d.id, d.nextAt, 9000)]);
      assert.deepEqual(claims.sort(), [false, true], 'exactly one claim wins');
      assert.equal((await store.dueDeliveries(5000, 100)).filter((x) => x.target === target).length, 0, 'leased');
      await store.settleDelivery(d.id, { state: 'pending', attempts: 1, nextAt: 3000, at: 2000 });
      const [again] = (await store.dueDeliveries(3000, 100)).filter((x) => x.target === target);
      assert.equal(again?.attempts, 1);
      assert.equal(await store.lastSent('webhook', target), null);
      await store.settleDelivery(d.id, { state: 'sent', attempts: 2, nextAt: 3100, at: 3100 });
      assert.equal(await store.lastSent('webhook', target), 3100);
      assert.equal((await store.dueDeliveries(99_999, 100)).filter((x) => x.target === target).length, 0);
    });

    test('the attempt log lists the newest first and pruning keeps the latest lines', async () => {
      const target = randomUUID();
      for (let i = 1; i <= 5; i++)
        await store.logAttempt({ channel: 'mail', target, event: 'held', attempt: i, outcome: `try ${i}`, ok: i === 5, createdAt: i });
      const log = await store.recentAttempts('mail', 3);
      assert.deepEqual(
        log.map((l) => [l.attempt, l.ok]),
        [
          [5, true],
          [4, false],
          [3, false],
        ],
      );
      await store.pruneDeliveries(1_000_000, 2);
      assert.equal((await store.recentAttempts('mail', 100)).length, 2);
    });

    test('push subscriptions are bounded per identity, move with their endpoint, and go with the identity', async () => {
      const a = await reader(store);
      const b = await reader(store);
      const sub = (n: number, identityId: string) => ({
        endpoint: `https://push.example/${identityId}/${n}`,
        identityId,
        p256dh: key(n),
        auth: 'a'.repeat(22),
        createdAt: n,
      });
      for (let n = 0; n < 3; n++) assert.equal(await store.savePushSubscription(sub(n, a), 3), true);
      assert.equal(await store.savePushSubscription(sub(3, a), 3), false, 'a fourth is refused');
      assert.equal(await store.savePushSubscription({ ...sub(2, a), p256dh: key(9) }, 3), true, 'a known endpoint may be saved again');
      assert.equal((await store.pushSubscriptions(a)).length, 3);
      // The same browser, now signed in as someone else, belongs to them.
      assert.equal(await store.savePushSubscription({ ...sub(0, a), identityId: b }, 3), true);
      assert.equal((await store.pushSubscriptions(a)).length, 2);
      assert.equal((await store.pushSubscriptions(b)).length, 1);
      assert.equal(await store.deletePushSubscription(sub(1, a).endpoint, b), 0, 'not theirs to delete');
      assert.equal(await store.deletePushSubscription(sub(1, a).endpoint, a), 1);
      await store.deleteIdentity(a, 10);
      assert.equal((await store.pushSubscriptions(a)).length, 0, 'deleting the name deletes its subscriptions');
      assert.equal(await store.deletePushSubscriptionsOf(b), 1);
    });

    test('the author’s mail choices are kept', async () => {
      assert.equal(await store.getNotifySetting('mail_events'), undefined);
      await store.setNotifySetting('mail_events', 'held');
      await store.setNotifySetting('mail_events', 'held,reply');
      assert.equal(await store.getNotifySetting('mail_events'), 'held,reply');
    });
  });
}
