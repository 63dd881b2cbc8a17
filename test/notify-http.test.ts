// Notifications beyond the site, end to end through the app: the author's webhooks reach a
// receiver on 127.0.0.1 signed, for held comments, new comments and replies; the Test button;
// the delivery log with a failure and its retry; Web Push to a fake push service (allow-listed
// through the setting) that can be decrypted with the browser's keys, and nothing after Stop;
// and one batched mail to the author through a local SMTP server.
import assert from 'node:assert/strict';
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { defaultModeration } from '../src/config.ts';
import { notifySettingsFromEnv } from '../src/notify/config.ts';
import { RETRY_DELAYS_MS } from '../src/notify/dispatcher.ts';
import { MAX_SUBSCRIPTIONS_PER_IDENTITY } from '../src/notify/push.ts';
import { verifySignature } from '../src/notify/signature.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { waitFor } from './helpers/pg.ts';
import { type Person, call, form, generousLimits, postComment, signIn, signInAuthor } from './helpers/people.ts';

const slug = 'the-last-ten-percent';
let clock = Date.parse('2026-11-25T12:00:00Z');

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A server on 127.0.0.1 that records what it is sent and answers with `status`. */
async function receiver(): Promise<{ server: Server; url: string; got: Received[]; status: { code: number } }> {
  const got: Received[] = [];
  const status = { code: 200 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status.code).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, status };
}

let t: TestApp;
let hooks: Awaited<ReturnType<typeof receiver>>;
let pushService: Awaited<ReturnType<typeof receiver>>;
let smtp: SMTPServer;
const mails: { to: string[]; data: string }[] = [];
/** The mail's text as the author reads it (quoted-printable undone). */
const readable = (raw: string) =>
  Buffer.from(
    raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
let author: Person;
let ada: Person;

before(async () => {
  hooks = await receiver();
  pushService = await receiver();
  pushService.status.code = 201;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data: readable(Buffer.concat(chunks).toString('utf8')) });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  // The operator's settings, as the environment gives them: the fake push service is allowed.
  const notify = notifySettingsFromEnv({
    BYLINE_PUSH_HOSTS: `fcm.googleapis.com, ${pushService.url}`,
    BYLINE_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    BYLINE_AUTHOR_EMAIL: 'author@example.org',
    BYLINE_MAIL_FROM: 'site@example.org',
    BYLINE_MAIL_EVERY_MINUTES: '15',
  });
  t = await startTestApp({
    listen: false,
    now: () => clock,
    config: {
      limits: generousLimits,
      moderation: { ...defaultModeration, holdWords: ['parrot'] },
      notify: { ...notify, pollMs: 50 },
    },
  });
  author = await signInAuthor(t);
  ada = await signIn(t, 'Ada Hooks');
});

after(async () => {
  await t.close();
  hooks.server.close();
  pushService.server.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

async function addWebhook(fields: Record<string, string | string[]>): Promise<{ status: number; html: string }> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) params.append(k, one);
  if (!params.has('_csrf')) params.set('_csrf', author.csrf);
  const res = await call(t, 'POST', '/admin/notifications/webhooks', {
    cookie: author.cookie,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: params.toString(),
  });
  return { status: res.statusCode, html: res.body };
}

const deskPage = async () => (await call(t, 'GET', '/admin/notifications', { cookie: author.cookie })).body;
const webhookIds = (html: string) => [...html.matchAll(/\/admin\/notifications\/webhooks\/([0-9a-f-]{36})\/test/g)].map((m) => m[1]!);
const eventsOf = (type: string) => hooks.got.filter((r) => JSON.parse(r.body.toString()).type === type);

describe('author webhooks', () => {
  let secret: string;

  test('only the author reaches the desk page and its forms', async () => {
    assert.equal((await call(t, 'GET', '/admin/notifications', { cookie: ada.cookie })).statusCode, 403);
    const res = await form(t, '/admin/notifications/webhooks', { url: `${hooks.url}/x`, format: 'json', events: 'held' }, ada.cookie);
    assert.equal(res.statusCode, 403);
    const forged = await addWebhook({ url: `${hooks.url}/x`, format: 'json', events: 'held', _csrf: 'nope' });
    assert.equal(forged.status, 403);
    assert.equal(webhookIds(await deskPage()).length, 0, 'nothing was added');
  });

  test('a refused address comes back with what was typed and the reason', async () => {
    const res = await addWebhook({ url: 'ftp://example.org/hook', format: 'discord', events: ['held', 'reply'] });
    assert.equal(res.status, 200);
    assert.match(res.html, /class="form-error" role="alert"/);
    assert.match(res.html, /value="ftp:\/\/example.org\/hook"/);
    assert.match(res.html, /<option value="discord" selected/);
    assert.match(res.html, /id="add-held" name="events" value="held" checked/);
    assert.match(res.html, /id="add-new_comment" name="events" value="new_comment"\/>/);
    assert.equal(webhookIds(res.html).length, 0);
  });

  test('the secret is shown once, when the webhook is added', async () => {
    const res = await addWebhook({ url: `${hooks.url}/byline`, format: 'json', events: ['held', 'new_comment', 'reply'] });
    assert.equal(res.status, 200);
    secret = /<code id="webhook-secret">(whsec_[A-Za-z0-9_-]+)<\/code>/.exec(res.html)?.[1] ?? '';
    assert.ok(secret, 'the secret is on the page');
    assert.equal(webhookIds(res.html).length, 1);
    assert.ok(!(await deskPage()).includes(secret), 'and never again');
  });

  test('a new comment, a held comment and a reply to the author each arrive signed', async () => {
    await postComment(t, ada, slug, 'A new top-level comment from Ada');
    await postComment(t, ada, slug, 'My parrot says hello');
    const mine = await postComment(t, author, slug, 'The author speaks');
    await postComment(t, ada, slug, 'Ada answers the author', mine.id);
    await waitFor('three signed webhooks', () => hooks.got.length >= 3 && hooks.got);
    const types = hooks.got.map((r) => JSON.parse(r.body.toString()).type).sort();
    assert.deepEqual(types, ['comment.created', 'comment.held', 'comment.reply']);
    for (const r of hooks.got) {
      const header = String(r.headers['byline-signature']);
      assert.ok(verifySignature(secret, r.body.toString(), header, Math.floor(clock / 1000)), 'the signature checks out');
      assert.equal(r.headers['content-type'], 'application/json');
    }
    const held = JSON.parse(eventsOf('comment.held')[0]!.body.toString());
    assert.equal(held.comment.author, 'Ada Hooks');
    assert.match(held.comment.excerpt, /parrot/);
    assert.equal(held.article.slug, slug);
    assert.match(held.comment.url, new RegExp(`/writing/${slug}#comment-`));
  });

  test('the Test button sends a test event and the log shows it delivered', async () => {
    const [id] = webhookIds(await deskPage());
    const res = await form(t, `/admin/notifications/webhooks/${id}/test`, {}, author.cookie);
    assert.equal(res.statusCode, 303);
    await waitFor('the test event', () => eventsOf('test').length === 1);
    const page = await waitFor('the log line', async () => {
      const html = await deskPage();
      return /<strong>Delivered<\/strong> · test/.test(html) && html;
    });
    assert.match(page, /HTTP 200/);
  });

  test('a failure shows in the log and the delivery is tried again later', async () => {
    const [id] = webhookIds(await deskPage());
    hooks.status.code = 500;
    await form(t, `/admin/notifications/webhooks/${id}/test`, {}, author.cookie);
    await waitFor('the failed attempt in the log', async () => /HTTP 500; will try again in 30 s/.test(await deskPage()));
    assert.equal(eventsOf('test').length, 2);
    hooks.status.code = 200;
    clock += RETRY_DELAYS_MS[0]!;
    await waitFor('the retry', () => eventsOf('test').length === 3);
    const html = await waitFor('the retry in the log', async () => {
      const page = await deskPage();
      return /attempt 2/.test(page) && page;
    });
    assert.match(html, /<strong>Delivered<\/strong> · test · 127\.0\.0\.1:\d+\/… · attempt 2/);
  });

  test('a removed webhook is sent nothing more', async () => {
    const [id] = webhookIds(await deskPage());
    const res = await form(t, `/admin/notifications/webhooks/${id}/remove`, {}, author.cookie);
    assert.equal(res.statusCode, 303);
    assert.equal(webhookIds(await deskPage()).length, 0);
    const before = hooks.got.length;
    await postComment(t, ada, slug, 'Another parrot');
    const queued = (await t.store.dueDeliveries(Number.MAX_SAFE_INTEGER, 1000)).filter((d) => d.channel === 'webhook');
    assert.equal(queued.length, 0, 'nothing is queued for it');
    assert.equal(hooks.got.length, before);
  });
  test('the desk’s changes are rate limited too', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 61; i++) codes.push((await form(t, '/admin/notifications/webhooks/nope/test', {}, author.cookie)).statusCode);
    // The tests above used some of the hour's 60 already.
    const first = codes.indexOf(429);
    assert.ok(first > 40 && first <= 60, `refused after the allowance (${first})`);
    assert.deepEqual([...new Set(codes.slice(0, first))], [404]);
    assert.deepEqual([...new Set(codes.slice(first))], [429]);
  });
});

describe('mail to the author', () => {
  test('a burst of comments makes one mail, to the operator’s address only', async () => {
    // What the webhook tests caused goes first, as one mail; the burst comes a quarter hour later.
    clock += 3600_000;
    await waitFor('the earlier mail', () => mails.length === 1);
    assert.match(mails[0]!.data, /Subject: Mara Quill: 4 new things/);
    clock += 16 * 60_000;
    const start = mails.length;
    const bob = await signIn(t, 'Bob Mailer');
    await postComment(t, bob, slug, 'First of a burst');
    await postComment(t, bob, slug, 'Second of a burst');
    await postComment(t, bob, slug, 'Third of a burst');
    clock += 61_000;
    await waitFor('the mail', () => mails.length > start);
    const mail = mails[start]!;
    assert.deepEqual(mail.to, ['author@example.org']);
    for (const word of ['First', 'Second', 'Third']) assert.match(mail.data, new RegExp(`${word} of a burst`));
    assert.match(mail.data, /Subject: .*new things in the discussion/);
    await postComment(t, bob, slug, 'Fourth, later');
    clock += 61_000;
    // Within the quarter hour: it waits for the next mail.
    assert.equal(mails.length, start + 1);
    clock += 15 * 60_000;
    await waitFor('the next mail', () => mails.length === start + 2);
    assert.match(mails[start + 1]!.data, /Fourth, later/);
    assert.doesNotMatch(mails[start + 1]!.data, /First of a burst/);
  });
});

// ---------------------------------------------------------------------------------------------
// Web Push

/** A browser's push keys: the P-256 pair and the auth secret it would hand the page. */
function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, json: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
}

/** What the browser does with an aes128gcm push (RFC 8291, RFC 8188): one record. */
function decrypt(body: Buffer, keys: ReturnType<typeof browserKeys>): string {
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const serverKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const shared = keys.ecdh.computeSecret(serverKey);
  const info = Buffer.concat([Buffer.from('WebPush: info\0'), keys.ecdh.getPublicKey(), serverKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, keys.auth, info, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  return padded.subarray(0, padded.lastIndexOf(2)).toString('utf8');
}

async function subscribe(who: Person, endpoint: string, keys = browserKeys().json, csrf = who.csrf) {
  return call(t, 'POST', '/api/v1/push/subscriptions', {
    cookie: who.cookie,
    headers: { 'x-csrf-token': csrf },
    body: { endpoint, expirationTime: null, keys },
  });
}

describe('web push', () => {
  test('a subscribed reader gets an encrypted push when someone replies, and nothing after Stop', async () => {
    const carol = await signIn(t, 'Carol Push');
    const state = await call(t, 'GET', '/api/v1/push', { cookie: carol.cookie });
    assert.equal(state.statusCode, 200);
    const { publicKey, subscriptions } = state.json() as { publicKey: string; subscriptions: number };
    assert.equal(subscriptions, 0);
    // The key pair was made on first use, in the data folder, readable by its owner only.
    const keyFile = statSync(join(t.config.dataDir, 'vapid-keys.json'));
    assert.equal(keyFile.mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(join(t.config.dataDir, 'vapid-keys.json'), 'utf8')).publicKey, publicKey);
    const keys = browserKeys();
    const res = await subscribe(carol, `${pushService.url}/push/carol`, keys.json);
    assert.equal(res.statusCode, 201, res.body);
    const mine = await postComment(t, carol, slug, 'Carol wonders aloud');
    await postComment(t, author, slug, 'The author answers Carol', mine.id);
    const push = await waitFor('the push', () => pushService.got.find((r) => r.url === '/push/carol'));
    assert.equal(push.headers['content-encoding'], 'aes128gcm');
    assert.match(String(push.headers.authorization), new RegExp(`^vapid t=[^,]+, k=${publicKey}$`));
    assert.ok(!push.body.toString('latin1').includes('author answers'), 'the payload is not readable on the way');
    const payload = JSON.parse(decrypt(push.body, keys)) as { title: string; body: string; url: string };
    assert.match(payload.title, /replied to you/);
    assert.equal(payload.body, 'The author answers Carol');
    assert.match(payload.url, new RegExp(`/writing/${slug}#comment-`));
    assert.ok(push.body.length < 1024, 'small');

    const stop = await form(t, '/me/push/stop', {}, carol.cookie);
    assert.equal(stop.statusCode, 303);
    assert.equal(((await call(t, 'GET', '/api/v1/push', { cookie: carol.cookie })).json() as { subscriptions: number }).subscriptions, 0);
    clock += 120_000;
    await postComment(t, author, slug, 'The author again', mine.id);
    const queued = (await t.store.dueDeliveries(Number.MAX_SAFE_INTEGER, 1000)).filter((d) => d.channel === 'push');
    assert.equal(queued.length, 0, 'nothing is queued for a reader who stopped');
    assert.equal(pushService.got.filter((r) => r.url === '/push/carol').length, 1);
  });

  test('an endpoint off the allow-list, bad keys, a missing token or no session change nothing', async () => {
    const dave = await signIn(t, 'Dave Attacker');
    for (const endpoint of [
      'http://169.254.169.254/latest/meta-data',
      'https://evil.example/push',
      'http://fcm.googleapis.com/fcm/send/x',
      `${pushService.url.replace('127.0.0.1', 'localhost')}/x`,
      'https://fcm.googleapis.com.evil.example/x',
    ]) {
      const res = await subscribe(dave, endpoint);
      assert.equal(res.statusCode, 422, endpoint);
    }
    assert.equal((await subscribe(dave, 'https://fcm.googleapis.com/fcm/send/x', { p256dh: 'short', auth: 'x' })).statusCode, 422);
    assert.equal((await subscribe(dave, 'https://fcm.googleapis.com/fcm/send/x', undefined, 'wrong')).statusCode, 403);
    const anonymous = await call(t, 'POST', '/api/v1/push/subscriptions', {
      body: { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: browserKeys().json },
    });
    assert.equal(anonymous.statusCode, 401);
    const crossSite = await call(t, 'POST', '/api/v1/push/subscriptions', {
      cookie: dave.cookie,
      headers: { 'x-csrf-token': dave.csrf, 'sec-fetch-site': 'cross-site' },
      body: { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: browserKeys().json },
    });
    assert.equal(crossSite.statusCode, 403);
    assert.equal((await t.store.pushSubscriptions(dave.id)).length, 0);
  });

  test('a reader posting 200 subscriptions is stopped and the store holds at most the bound', async () => {
    const eve = await signIn(t, 'Eve Flooder');
    const codes = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const res = await subscribe(eve, `https://fcm.googleapis.com/fcm/send/eve-${i}`);
      codes.set(res.statusCode, (codes.get(res.statusCode) ?? 0) + 1);
    }
    assert.equal(codes.get(201), MAX_SUBSCRIPTIONS_PER_IDENTITY);
    assert.ok((codes.get(429) ?? 0) >= 150, `most are rate limited (${[...codes].join(' ')})`);
    assert.equal((await t.store.pushSubscriptions(eve.id)).length, MAX_SUBSCRIPTIONS_PER_IDENTITY);
  });

  test('the service worker and the page script are served from the site root', async () => {
    const worker = await call(t, 'GET', '/push-worker.js');
    assert.equal(worker.statusCode, 200);
    assert.match(String(worker.headers['content-type']), /javascript/);
    assert.match(worker.body, /notificationclick/);
    const script = await call(t, 'GET', '/push.js');
    assert.equal(script.statusCode, 200);
    assert.match(script.body, /\/api\/v1\/push\/subscriptions/);
  });
});
