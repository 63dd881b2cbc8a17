// The signed-in reader's own state beside the shared page (GET /api/v1/articles/:slug/viewer):
// what it tells a reader about their own comments, the article's state, and the ids and guards
// that state relies on (random ids, the cross-site guard, SQLite's shared read snapshot).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultModeration } from '../src/config.ts';
import { randomId } from '../src/discussion/secrets.ts';
import { SqliteDriver } from '../src/store/sqlite.ts';
import { csrfToken } from '../src/web/guard.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { type Person, call, form, generousLimits, postComment, signIn, signInAuthor } from './helpers/people.ts';

const slug = 'the-last-ten-percent';

interface ViewerAnswer {
  pending: { id: string; parentId: string | null; html: string }[];
  own: { id: string; canEdit: boolean; held: boolean }[];
  open: boolean;
}

let t: TestApp;
let author: Person;

before(async () => {
  t = await startTestApp({
    listen: false,
    config: { limits: generousLimits, moderation: { ...defaultModeration, holdWords: ['casino'] } },
  });
  author = await signInAuthor(t);
});
after(async () => t.close());

async function viewerState(who: Person): Promise<ViewerAnswer> {
  const res = await call(t, 'GET', `/api/v1/articles/${slug}/viewer`, { cookie: who.cookie });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as ViewerAnswer;
}

/** Counts the store's reads of a reader's own comments while `run` runs. */
async function ownCommentReads<T>(run: () => Promise<T>): Promise<{ result: T; reads: number }> {
  const store = t.store;
  const original = store.ownComments;
  let reads = 0;
  store.ownComments = (...args) => {
    reads++;
    return original.apply(store, args);
  };
  try {
    return { result: await run(), reads };
  } finally {
    store.ownComments = original;
  }
}

describe("a reader's own comments beside the shared page", () => {
  test('a comment waiting for review is sent for the script to place, from one read of their comments', async () => {
    const writer = await signIn(t, 'Waiting Writer');
    const parent = await postComment(t, writer, slug, 'A public comment');
    const held = await postComment(t, writer, slug, 'Come to the casino', parent.id);
    assert.equal(held.held, true);

    const { result: state, reads } = await ownCommentReads(() => viewerState(writer));
    assert.equal(reads, 1, 'their comments are read once per call');
    const pending = state.pending.find((p) => p.id === held.id);
    assert.ok(pending?.html.includes('Come to the casino'), 'the held comment is sent rendered');
    assert.equal(pending?.parentId, parent.id);
    assert.equal(
      state.pending.some((p) => p.id === parent.id),
      false,
      'a public comment is on the shared page already',
    );
    assert.deepEqual(
      state.own.map((o) => [o.id, o.held]).sort(),
      [
        [parent.id, false],
        [held.id, true],
      ].sort(),
    );
  });

  test('a reader with nothing held gets no pending comments', async () => {
    const writer = await signIn(t, 'Public Writer');
    const c = await postComment(t, writer, slug, 'Nothing to hide');
    const state = await viewerState(writer);
    assert.deepEqual(state.pending, []);
    assert.deepEqual(
      state.own.map((o) => o.id),
      [c.id],
    );
  });
});

describe("the article's state", () => {
  test('closing an article shows open: false on the next call, and reopening shows it open again', async () => {
    const reader = await signIn(t, 'Watching Reader');
    const mine = await postComment(t, reader, slug, 'Before the close');
    assert.equal((await viewerState(reader)).open, true);
    assert.equal((await viewerState(reader)).own.find((o) => o.id === mine.id)?.canEdit, true);

    const closed = await form(t, `/admin/articles/${slug}/close`, {}, author.cookie);
    assert.equal(closed.statusCode, 303, closed.body);
    const whileClosed = await viewerState(reader);
    assert.equal(whileClosed.open, false);
    assert.equal(whileClosed.own.find((o) => o.id === mine.id)?.canEdit, false, 'nothing is editable on a closed article');

    const reopened = await form(t, `/admin/articles/${slug}/reopen`, {}, author.cookie);
    assert.equal(reopened.statusCode, 303, reopened.body);
    assert.equal((await viewerState(reader)).open, true);
  });
});

describe('random ids', () => {
  test('have the asked length in the base32 alphabet, and never repeat', () => {
    const seen = new Set<string>();
    // Enough ids to run through the random pool several times over.
    for (let i = 0; i < 5000; i++) {
      const id = randomId(i % 2 === 0 ? 12 : 20);
      assert.match(id, i % 2 === 0 ? /^[0-9a-hjkmnp-tv-z]{12}$/ : /^[0-9a-hjkmnp-tv-z]{20}$/);
      assert.equal(seen.has(id), false, 'an id came twice');
      seen.add(id);
    }
    // Longer than the pool: still the asked length.
    assert.match(randomId(10_000), /^[0-9a-hjkmnp-tv-z]{10000}$/);
  });
});

describe('the cross-site guard', () => {
  test("a session's form token is the same on every call, and bound to its session and the site's secret", () => {
    const site = { config: { secret: 'one secret' } };
    const other = { config: { secret: 'another secret' } };
    const token = csrfToken(site, 'session-a');
    assert.equal(csrfToken(site, 'session-a'), token);
    assert.notEqual(csrfToken(site, 'session-b'), token);
    assert.notEqual(csrfToken(other, 'session-a'), token);
    assert.equal(csrfToken(site, 'session-a'), token, 'asked again after other sessions and secrets');
    assert.equal(csrfToken(site, 'x'.repeat(5000)), csrfToken(site, 'x'.repeat(5000)));
  });

  test('reads pass whatever site they come from; writes from another site are refused', async () => {
    const reader = await signIn(t, 'Guarded Reader');
    const foreign = { 'sec-fetch-site': 'cross-site', origin: 'https://elsewhere.example' };
    const read = await call(t, 'GET', `/api/v1/articles/${slug}/viewer`, { cookie: reader.cookie, headers: foreign });
    assert.equal(read.statusCode, 200, read.body);
    for (const method of ['HEAD', 'OPTIONS']) {
      const res = await call(t, method, `/writing/${slug}`, { headers: foreign });
      assert.notEqual(res.statusCode, 403, `${method} is not a write`);
    }

    const api = await call(t, 'POST', `/api/v1/articles/${slug}/comments`, {
      cookie: reader.cookie,
      headers: foreign,
      body: { body: 'From elsewhere' },
    });
    assert.equal(api.statusCode, 403, api.body);
    assert.equal((api.json() as { error: { code: string } }).error.code, 'forbidden');

    const page = await call(t, 'POST', '/signout', {
      cookie: reader.cookie,
      headers: { ...foreign, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    assert.equal(page.statusCode, 403);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /Requests from other sites are refused/);

    const notJson = await call(t, 'POST', `/api/v1/articles/${slug}/comments`, {
      cookie: reader.cookie,
      headers: { 'content-type': 'text/plain' },
      body: 'plain',
    });
    assert.equal(notJson.statusCode, 415, notJson.body);

    // The reader was never signed out or written for by the refused requests.
    assert.equal((await viewerState(reader)).own.length, 0);
  });
});

describe('SQLite reads that share a snapshot', () => {
  test('a read after a write sees it, even when an earlier read of the same turn saw the table before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byline-snapshot-'));
    const driver = new SqliteDriver(join(dir, 'db.sqlite'));
    try {
      await driver.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
      const count = async () => Number((await driver.get<{ n: number }>('SELECT COUNT(*) AS n FROM notes'))?.n);
      assert.equal(await count(), 0);
      // The write's own transaction reads through the driver (as a slow caller might), opening a
      // shared snapshot before the commit; the reads after the commit must not be served from it.
      await driver.transaction(async (tx) => {
        await tx.run('INSERT INTO notes (body) VALUES (?)', ['first']);
        assert.equal(await count(), 0, 'uncommitted rows are not read');
      });
      assert.equal(await count(), 1);
      const [a, b] = await Promise.all([count(), driver.all<{ body: string }>('SELECT body FROM notes')]);
      assert.equal(a, 1);
      assert.deepEqual(
        b.map((r) => r.body),
        ['first'],
      );
      await driver.run('INSERT INTO notes (body) VALUES (?)', ['second']);
      assert.equal(await count(), 2);
      // A failing read leaves later reads working.
      await assert.rejects(driver.get('SELECT nothing FROM nowhere'));
      assert.equal(await count(), 2);
    } finally {
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
