// Sessions end on the server: after a stretch without use and at an absolute age, both settings.
// The author's one-time link is used up only by its confirmation button, never by opening it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { PgliteDriver } from '../src/store/pglite.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import { SqliteDriver } from '../src/store/sqlite.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { call, form, generousLimits, signIn } from './helpers/people.ts';

const DAY = 24 * 3600 * 1000;
const HOUR = 3600 * 1000;

const setCookies = (res: LightMyRequestResponse): string[] => {
  const set = res.headers['set-cookie'];
  return set === undefined ? [] : Array.isArray(set) ? set : [set];
};

const signedIn = async (t: TestApp, cookie: string) => (await call(t, 'GET', '/api/v1/session', { cookie })).statusCode === 200;

describe('session expiry', () => {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  let t: TestApp;
  before(async () => {
    t = await startTestApp({
      listen: false,
      now: () => clock,
      config: { limits: generousLimits, sessions: { idleDays: 30, maxDays: 400 } },
    });
  });
  after(async () => t.close());

  test('a session unused for longer than the idle limit is signed out, and stays out', async () => {
    const who = await signIn(t, 'Idle Reader');
    clock += 29 * DAY;
    assert.equal(await signedIn(t, who.cookie), true, 'still signed in within the idle limit');
    clock += 30 * DAY + HOUR;
    assert.equal(await signedIn(t, who.cookie), false, 'signed out after 30 days without use');
    const page = await call(t, 'GET', '/me', { cookie: who.cookie });
    assert.equal(page.statusCode, 303, 'the own page asks to sign in again');
    clock -= 30 * DAY;
    assert.equal(await signedIn(t, who.cookie), false, 'the expired session was deleted, not just refused');
  });

  test('using a session keeps it alive, but never past the absolute limit', async () => {
    const who = await signIn(t, 'Faithful Reader');
    const start = clock;
    while (clock - start < 399 * DAY) {
      clock += 20 * DAY;
      if (clock - start >= 400 * DAY) break;
      assert.equal(await signedIn(t, who.cookie), true, `still signed in on day ${(clock - start) / DAY}`);
    }
    clock = start + 400 * DAY + HOUR;
    assert.equal(await signedIn(t, who.cookie), false, 'signed out 400 days after signing in, though used every 20 days');
  });

  test('reading pages writes the last-seen time at most once an hour', async () => {
    const who = await signIn(t, 'Busy Reader');
    const store = t.store as { touchSession(hash: string, now: number): Promise<void> };
    const original = store.touchSession.bind(store);
    let writes = 0;
    store.touchSession = async (hash, now) => {
      writes++;
      return original(hash, now);
    };
    try {
      for (let i = 0; i < 30; i++) {
        clock += 60 * 1000;
        assert.equal(await signedIn(t, who.cookie), true);
      }
      assert.equal(writes, 0, 'thirty reads in half an hour write nothing');
      clock += HOUR;
      assert.equal(await signedIn(t, who.cookie), true);
      assert.equal(writes, 1, 'a read an hour later writes once');
    } finally {
      store.touchSession = original;
    }
  });

  test('the session cookie lives as long as the server would honour the session at most', async () => {
    const res = await call(t, 'POST', '/api/v1/session', { body: { name: 'Cookie Reader' } });
    assert.equal(res.statusCode, 201);
    for (const line of setCookies(res)) assert.match(line, new RegExp(`Max-Age=${400 * 24 * 3600}(;|$)`), line);
  });
});

describe('sessions in the store, on both embedded engines', () => {
  const engines: [string, () => { store: SqlStore; cleanup(): void }][] = [
    [
      'sqlite',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'byline-sessions-'));
        return {
          store: new SqlStore(new SqliteDriver(join(dir, 'byline.db'))),
          cleanup: () => rmSync(dir, { recursive: true, force: true }),
        };
      },
    ],
    ['pglite', () => ({ store: new SqlStore(new PgliteDriver()), cleanup: () => undefined })],
  ];
  for (const [engine, open] of engines) {
    test(`${engine}: last-seen times, pruning of expired sessions, and peeking at a one-time link`, async () => {
      const { store, cleanup } = open();
      try {
        await store.migrate();
        const identity = {
          id: 'id-1',
          name: 'Store Reader',
          nameKey: 'store reader',
          role: 'reader' as const,
          createdAt: 1,
          ipPrefixHash: null,
          bannedUntil: null,
          banReason: null,
          muted: false,
        };
        assert.equal(await store.createIdentity(identity, null), true);
        await store.createSession('old', identity.id, 1_000);
        await store.createSession('idle', identity.id, 5_000);
        await store.createSession('fresh', identity.id, 5_000);
        await store.touchSession('fresh', 9_000);
        assert.deepEqual(await store.getSession('fresh'), { identity, createdAt: 5_000, lastSeenAt: 9_000 });
        assert.deepEqual(await store.getSession('idle'), { identity, createdAt: 5_000, lastSeenAt: 5_000 });
        assert.equal(await store.getSession('unknown'), undefined);
        // Idle since before 8,000, or made before 2,000: "old" and "idle" go, "fresh" stays.
        assert.equal(await store.deleteExpiredSessions(8_000, 2_000), 2);
        assert.equal(await store.getSession('old'), undefined);
        assert.equal(await store.getSession('idle'), undefined);
        assert.ok(await store.getSession('fresh'));

        await store.createAuthorLink('link', 'Mara Quill', 10_000);
        assert.equal(await store.peekAuthorLink('link', 9_000), 'Mara Quill');
        assert.equal(await store.peekAuthorLink('link', 9_000), 'Mara Quill', 'peeking uses nothing up');
        assert.equal(await store.peekAuthorLink('link', 10_000), undefined, 'expired');
        assert.equal(await store.consumeAuthorLink('link', 9_500), 'Mara Quill');
        assert.equal(await store.peekAuthorLink('link', 9_600), undefined, 'used');
      } finally {
        await store.close();
        cleanup();
      }
    });
  }
});

describe('session settings', () => {
  test('BYLINE_SESSION_IDLE_DAYS and BYLINE_SESSION_MAX_DAYS set the limits; nonsense is refused at start-up', () => {
    const base = { BYLINE_SECRET: 's', BYLINE_DATA_DIR: '/tmp/byline-sessions-config' };
    assert.deepEqual(loadConfig(base).sessions, { idleDays: 30, maxDays: 400 });
    assert.deepEqual(loadConfig({ ...base, BYLINE_SESSION_IDLE_DAYS: '7', BYLINE_SESSION_MAX_DAYS: '90' }).sessions, {
      idleDays: 7,
      maxDays: 90,
    });
    for (const bad of ['0', '-1', '1.5', 'forever']) {
      assert.throws(() => loadConfig({ ...base, BYLINE_SESSION_IDLE_DAYS: bad }), /BYLINE_SESSION_IDLE_DAYS/);
      assert.throws(() => loadConfig({ ...base, BYLINE_SESSION_MAX_DAYS: bad }), /BYLINE_SESSION_MAX_DAYS/);
    }
  });

  test('a tighter setting signs out sooner', async () => {
    let clock = Date.parse('2026-03-01T00:00:00Z');
    const t = await startTestApp({ listen: false, now: () => clock, config: { sessions: { idleDays: 2, maxDays: 5 } } });
    try {
      const who = await signIn(t, 'Short Reader');
      clock += DAY;
      assert.equal(await signedIn(t, who.cookie), true);
      clock += 2 * DAY + HOUR;
      assert.equal(await signedIn(t, who.cookie), false);
    } finally {
      await t.close();
    }
  });
});

describe("the author's one-time link", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ listen: false });
  });
  after(async () => t.close());

  test('opening the link (GET or HEAD) signs nobody in and leaves the link usable; its button does', async () => {
    const link = await t.ctx.discussion.createAuthorLink();
    const url = `/author/signin?token=${link.token}`;
    const head = await call(t, 'HEAD', url);
    assert.ok(head.statusCode < 300, `HEAD answered ${head.statusCode}`);
    assert.deepEqual(setCookies(head), [], 'HEAD sets no cookie');
    const page = await call(t, 'GET', url);
    assert.equal(page.statusCode, 200);
    assert.deepEqual(setCookies(page), [], 'GET sets no cookie');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'same-origin', 'the token in the address never leaves for another site in a Referer');
    assert.match(page.body, /<form method="post" action="\/author\/signin">/);
    assert.match(page.body, new RegExp(`<button type="submit">Sign in as ${link.name}</button>`));

    const confirm = await form(t, '/author/signin', { token: link.token });
    assert.equal(confirm.statusCode, 303, confirm.body.slice(0, 300));
    assert.equal(confirm.headers.location, '/me');
    const cookie = setCookies(confirm)
      .map((c) => c.split(';')[0]!)
      .join('; ');
    const me = await call(t, 'GET', '/api/v1/session', { cookie });
    assert.equal(me.statusCode, 200);
    assert.equal((me.json() as { identity: { isAuthor: boolean } }).identity.isAuthor, true);

    const again = await form(t, '/author/signin', { token: link.token });
    assert.equal(again.statusCode, 403, 'the link works once');
    assert.deepEqual(setCookies(again), []);
    const reopened = await call(t, 'GET', url);
    assert.equal(reopened.statusCode, 403, 'a used link shows no button');
    assert.doesNotMatch(reopened.body, /Sign in as/);
  });

  test('signing in sets each cookie once, on its own Set-Cookie line', async () => {
    const link = await t.ctx.discussion.createAuthorLink();
    const res = await form(t, '/author/signin', { token: link.token });
    assert.equal(res.statusCode, 303);
    const lines = setCookies(res);
    const names = lines.map((line) => line.split('=')[0]!);
    assert.deepEqual([...names].sort(), ['__Host-byline_session', 'byline_author', 'byline_signed_in']);
    for (const line of lines)
      assert.equal(line.split(/;\s*/).filter((part) => part.includes('=') && !/^(Path|Max-Age|SameSite)=/i.test(part)).length, 1, line);
  });

  test('the confirmation must come from a page of this site', async () => {
    const link = await t.ctx.discussion.createAuthorLink();
    const res = await call(t, 'POST', '/author/signin', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      body: `token=${link.token}`,
    });
    assert.equal(res.statusCode, 403);
    assert.deepEqual(setCookies(res), []);
    const ours = await form(t, '/author/signin', { token: link.token });
    assert.equal(ours.statusCode, 303, 'the refused attempt did not use the link up');
  });

  test('a made-up or missing token shows why, and signs nobody in', async () => {
    for (const url of ['/author/signin', '/author/signin?token=made-up', `/author/signin?token=${'x'.repeat(500)}`]) {
      const res = await call(t, 'GET', url);
      assert.equal(res.statusCode, 403, url);
      assert.match(res.body, /Sign-in link not valid/);
      assert.deepEqual(setCookies(res), []);
    }
    const post = await form(t, '/author/signin', { token: 'made-up' });
    assert.equal(post.statusCode, 403);
  });
});
