// The parts of notifications beyond the site that need no server: the signature a receiver
// checks, the chat formats, the push allow-list, and the queue's retries, spacing and restarts.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Dispatcher, MAX_ATTEMPTS, RETRY_DELAYS_MS, type Senders } from '../src/notify/dispatcher.ts';
import { EVENT_TYPES, type NotifyEvent } from '../src/notify/events.ts';
import { webhookRequest } from '../src/notify/formats.ts';
import type { PostResult } from '../src/notify/http-post.ts';
import type { Webhook } from '../src/notify/ports.ts';
import { endpointAllowed } from '../src/notify/push.ts';
import { verifySignature } from '../src/notify/signature.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import { SqliteDriver } from '../src/store/sqlite.ts';

const event: NotifyEvent = {
  type: EVENT_TYPES.held,
  createdAt: '2026-01-01T00:00:00.000Z',
  article: { slug: 'hello', title: 'Hello <world> & co', url: 'https://site.example/writing/hello' },
  comment: { id: 'c1', url: 'https://site.example/writing/hello#comment-c1', author: 'Ada', excerpt: '@everyone look <here> & there' },
};

const webhook = (format: Webhook['format'], url = 'https://hooks.example/x'): Webhook => ({
  id: 'w1',
  url,
  format,
  events: ['held'],
  secret: 'whsec_test',
  createdAt: 0,
});

test('a receiver verifies the JSON webhook with its secret, and a changed body or an old time fails', () => {
  const t = 1_767_225_600;
  const req = webhookRequest(webhook('json'), event, 42, t);
  const header = req.headers['Byline-Signature']!;
  // As the README tells a receiver to do it, with nothing but an HMAC:
  const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)!;
  assert.equal(mac, createHmac('sha256', 'whsec_test').update(`${ts}.${req.body}`).digest('hex'));
  assert.equal(verifySignature('whsec_test', req.body, header, t + 10), true);
  assert.equal(verifySignature('whsec_test', req.body.replace('Ada', 'Eve'), header, t + 10), false, 'tampered body');
  assert.equal(verifySignature('other', req.body, header, t + 10), false, 'another secret');
  assert.equal(verifySignature('whsec_test', req.body, header, t + 3600), false, 'replayed an hour later');
  const body = JSON.parse(req.body);
  assert.equal(body.id, '42');
  assert.equal(body.type, 'comment.held');
  assert.equal(body.comment.author, 'Ada');
  assert.equal(req.headers['Byline-Event'], 'comment.held');
});

test('ntfy gets its JSON publish form at the server root with the topic inside', () => {
  const req = webhookRequest(webhook('ntfy', 'https://ntfy.example/my-topic'), event, 1, 0);
  assert.equal(req.url, 'https://ntfy.example/');
  const body = JSON.parse(req.body);
  assert.equal(body.topic, 'my-topic');
  assert.match(body.title, /A comment by Ada on “Hello <world> & co” is waiting for review/);
  assert.equal(body.message, event.comment.excerpt);
  assert.equal(body.click, event.comment.url);
});

test('Discord gets content and an embed, and no mention in a comment pings anyone', () => {
  const req = webhookRequest(webhook('discord'), event, 1, 0);
  assert.equal(req.url, 'https://hooks.example/x');
  const body = JSON.parse(req.body);
  assert.match(body.content, /waiting for review/);
  assert.equal(body.embeds[0].url, event.comment.url);
  assert.equal(body.embeds[0].description, event.comment.excerpt);
  assert.deepEqual(body.allowed_mentions, { parse: [] });
});

test('Slack gets text with its markup characters escaped and a link to the comment', () => {
  const body = JSON.parse(webhookRequest(webhook('slack'), event, 1, 0).body);
  assert.match(body.text, /Hello &lt;world&gt; &amp; co/);
  assert.match(body.text, /look &lt;here&gt; &amp; there/);
  assert.ok(body.text.includes(`<${event.comment.url}|Open the comment>`));
  assert.ok(!body.text.includes('<here>'));
});

test('push endpoints must be https on an allowed push service, or exactly an allowed origin', () => {
  const hosts = ['fcm.googleapis.com', '*.push.apple.com', 'http://127.0.0.1:9999'];
  assert.equal(endpointAllowed('https://fcm.googleapis.com/fcm/send/abc', hosts), true);
  assert.equal(endpointAllowed('https://web.push.apple.com/QGx', hosts), true);
  assert.equal(endpointAllowed('http://fcm.googleapis.com/fcm/send/abc', hosts), false, 'not https');
  assert.equal(endpointAllowed('https://fcm.googleapis.com:8443/x', hosts), false, 'another port');
  assert.equal(endpointAllowed('https://evil.example/fcm.googleapis.com', hosts), false);
  assert.equal(endpointAllowed('https://fcm.googleapis.com.evil.example/x', hosts), false);
  assert.equal(endpointAllowed('https://push.apple.com.evil.example/x', hosts), false);
  assert.equal(endpointAllowed('https://user:pw@fcm.googleapis.com/x', hosts), false, 'credentials');
  assert.equal(endpointAllowed('http://127.0.0.1:9999/push/1', hosts), true);
  assert.equal(endpointAllowed('http://127.0.0.1:9998/push/1', hosts), false);
  assert.equal(endpointAllowed('http://169.254.169.254/latest', hosts), false);
  assert.equal(endpointAllowed('not a url', hosts), false);
});

// ---------------------------------------------------------------------------------------------
// The queue, on a real store (SQLite in a temporary folder) with a clock the test moves.

const dir = mkdtempSync(join(tmpdir(), 'byline-notify-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

async function openStore(file = join(dir, `q${++files}.db`)) {
  const store = new SqlStore(new SqliteDriver(file));
  await store.migrate();
  return { store, file };
}

function recorder(answer: (call: number) => PostResult) {
  const calls: { channel: string; target: string; events: NotifyEvent[] }[] = [];
  const senders: Senders = {
    webhook: async (target, e) => {
      calls.push({ channel: 'webhook', target, events: [e] });
      return answer(calls.length);
    },
    push: async (target, events) => {
      calls.push({ channel: 'push', target, events: [...events] });
      return answer(calls.length);
    },
    mail: async (events) => {
      calls.push({ channel: 'mail', target: 'author', events: [...events] });
      return answer(calls.length);
    },
  };
  return { calls, senders };
}

const queued = (channel: 'webhook' | 'push' | 'mail', target: string, at: number, excerpt = 'hi') => ({
  channel,
  target,
  event: 'held',
  payload: JSON.stringify({ ...event, comment: { ...event.comment, excerpt } }),
  nextAt: at,
  createdAt: at,
});

test('a failing webhook is tried again further apart each time and given up after six attempts', async () => {
  const { store } = await openStore();
  let now = 1_000_000;
  const { calls, senders } = recorder(() => ({ ok: false, status: 500, outcome: 'HTTP 500' }));
  const d = new Dispatcher(store, senders, { now: () => now, pollMs: 60_000, spacingMs: { push: 60_000, mail: 60_000 } });
  await store.enqueueDeliveries([queued('webhook', 'w1', now)]);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    await d.runDue();
    assert.equal(calls.length, attempt, `attempt ${attempt} was made`);
    const wait = RETRY_DELAYS_MS[attempt - 1];
    if (wait === undefined) break;
    now += wait - 1;
    await d.runDue();
    assert.equal(calls.length, attempt, 'not before the wait is over');
    now += 1;
  }
  now += 10 * 3600_000;
  await d.runDue();
  assert.equal(calls.length, MAX_ATTEMPTS, 'nothing after giving up');
  const log = await store.recentAttempts('webhook', 10);
  assert.equal(log.length, MAX_ATTEMPTS);
  assert.match(log[0]!.outcome, /HTTP 500; given up/);
  assert.match(log[MAX_ATTEMPTS - 1]!.outcome, /HTTP 500; will try again in 30 s/);
  const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
  assert.ok(total > 50 * 60_000 && total < 75 * 60_000, 'about an hour in all');
  await store.close();
});

test('a delivery that fails once is sent on the next attempt and logged both times', async () => {
  const { store } = await openStore();
  let now = 5_000_000;
  const { calls, senders } = recorder((n) => (n === 1 ? { ok: false, outcome: 'connection refused' } : { ok: true, outcome: 'HTTP 204' }));
  const d = new Dispatcher(store, senders, { now: () => now, pollMs: 60_000, spacingMs: { push: 60_000, mail: 60_000 } });
  await store.enqueueDeliveries([queued('webhook', 'w1', now)]);
  await d.runDue();
  now += RETRY_DELAYS_MS[0]!;
  await d.runDue();
  now += 3600_000;
  await d.runDue();
  assert.equal(calls.length, 2);
  const log = await store.recentAttempts('webhook', 10);
  assert.deepEqual(
    log.map((l) => [l.attempt, l.ok]),
    [
      [2, true],
      [1, false],
    ],
  );
  await store.close();
});

test('what was waiting when the server stopped is sent by the next one over the same store', async () => {
  const first = await openStore();
  const now = 9_000_000;
  await first.store.enqueueDeliveries([queued('webhook', 'w1', now), queued('mail', 'author', now)]);
  await first.store.close(); // stopped before anything was sent
  const again = await openStore(first.file);
  const { calls, senders } = recorder(() => ({ ok: true, outcome: 'HTTP 200' }));
  const d = new Dispatcher(again.store, senders, { now: () => now + 1000, pollMs: 60_000, spacingMs: { push: 60_000, mail: 60_000 } });
  await d.runDue();
  assert.deepEqual(calls.map((c) => c.channel).sort(), ['mail', 'webhook']);
  await d.runDue();
  assert.equal(calls.length, 2, 'sent once');
  await again.store.close();
});

test('a reader’s pushes are at least a minute apart; what comes between is folded into the next', async () => {
  const { store } = await openStore();
  let now = 20_000_000;
  const { calls, senders } = recorder(() => ({ ok: true, outcome: 'HTTP 201' }));
  const d = new Dispatcher(store, senders, { now: () => now, pollMs: 60_000, spacingMs: { push: 60_000, mail: 15 * 60_000 } });
  await store.enqueueDeliveries([queued('push', 'reader-1', now, 'first')]);
  await d.runDue();
  assert.equal(calls.length, 1);
  for (const word of ['second', 'third', 'fourth']) {
    now += 5_000;
    await store.enqueueDeliveries([queued('push', 'reader-1', now, word)]);
    await d.runDue();
  }
  assert.equal(calls.length, 1, 'nothing more within the minute');
  now = 20_000_000 + 60_000;
  await d.runDue();
  assert.equal(calls.length, 2);
  assert.deepEqual(
    calls[1]!.events.map((e) => e.comment.excerpt),
    ['second', 'third', 'fourth'],
  );
  await store.enqueueDeliveries([queued('push', 'reader-2', now, 'other reader')]);
  await d.runDue();
  assert.equal(calls.length, 3, 'another reader is not held back');
  await store.close();
});

test('the operator’s settings: the push allow-list, mail needing an address, a sane spacing', async () => {
  const { notifySettingsFromEnv, DEFAULT_PUSH_HOSTS } = await import('../src/notify/config.ts');
  const none = notifySettingsFromEnv({});
  assert.deepEqual(none.pushHosts, DEFAULT_PUSH_HOSTS);
  assert.equal(none.smtpUrl, undefined, 'no mail unless configured');
  const set = notifySettingsFromEnv({
    BYLINE_PUSH_HOSTS: ' FCM.googleapis.com , http://127.0.0.1:8080 ',
    BYLINE_SMTP_URL: 'smtp://localhost:25',
    BYLINE_AUTHOR_EMAIL: 'me@example.org',
    BYLINE_MAIL_EVERY_MINUTES: '5',
  });
  assert.deepEqual(set.pushHosts, ['fcm.googleapis.com', 'http://127.0.0.1:8080']);
  assert.equal(set.mailEveryMinutes, 5);
  assert.throws(() => notifySettingsFromEnv({ BYLINE_SMTP_URL: 'smtp://localhost:25' }), /BYLINE_AUTHOR_EMAIL/);
  assert.throws(() => notifySettingsFromEnv({ BYLINE_MAIL_EVERY_MINUTES: '0' }), /at least 1/);
  assert.throws(() => notifySettingsFromEnv({ BYLINE_PUSH_CONTACT: 'someone' }), /mailto:/);
});
