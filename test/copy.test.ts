// `byline copy`: a SQLite site populated through the app (identities, threads, votes, an edit, a
// delete that leaves a placeholder, an idempotency key, an author link, an audit entry, an article
// setting) is copied into PostgreSQL — PGlite always, a real server when one is configured — and
// an app started on the copy answers the same pages and API calls as the original.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { CopyRefusedError, copySite, formatCounts } from '../src/commands/copy.ts';
import type { Driver } from '../src/store/driver.ts';
import { PgliteDriver } from '../src/store/pglite.ts';
import { PgDriver } from '../src/store/postgres.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import { createApp } from '../src/web/app.ts';
import { loadSiteHolder } from '../src/web/site-holder.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { freshSchema, generousLimits, noServerMessage, pgUrl } from './helpers/pg.ts';

const execFileAsync = promisify(execFile);

const slugA = 'the-last-ten-percent';
const slugB = 'a-weekly-review-that-survives';
const slugs = [slugA, slugB];
let clock = Date.parse('2026-11-20T10:00:00Z');
const now = () => clock;

let source: TestApp;
let sqliteFile: string;
let adaCookie: string;

interface Snapshot {
  api: Record<string, unknown>;
  pages: Record<string, string>;
}
let expected: Snapshot;

type Inject = (opts: InjectOptions) => Promise<LightMyRequestResponse>;

function cookieOf(res: LightMyRequestResponse): string {
  const set = res.headers['set-cookie'];
  const line = Array.isArray(set) ? set[0] : set;
  assert.ok(line, 'a session cookie is set');
  return line.split(';')[0]!;
}

/** The comment section of an article page, with whitespace evened out. */
function commentSection(html: string): string {
  const start = html.indexOf('<section id="comments"');
  assert.ok(start >= 0, 'the page has a comment section');
  const end = html.indexOf('</article>', start);
  return html
    .slice(start, end > start ? end : undefined)
    .replace(/\s+/g, ' ')
    .trim();
}

/** What the copy must reproduce: API answers for an anonymous reader and for Ada, and the pages. */
async function snapshot(inject: Inject): Promise<Snapshot> {
  const api: Record<string, unknown> = {};
  const pages: Record<string, string> = {};
  for (const slug of slugs) {
    for (const sort of ['old', 'top', 'new']) {
      const anon = await inject({ method: 'GET', url: `/api/v1/articles/${slug}/comments?sort=${sort}` });
      assert.equal(anon.statusCode, 200, anon.body);
      api[`${slug} ${sort} anonymous`] = anon.json();
    }
    const mine = await inject({ method: 'GET', url: `/api/v1/articles/${slug}/comments?sort=old`, headers: { cookie: adaCookie } });
    assert.equal(mine.statusCode, 200, mine.body);
    api[`${slug} old ada`] = mine.json();
    const page = await inject({ method: 'GET', url: `/writing/${slug}` });
    assert.equal(page.statusCode, 200);
    pages[slug] = commentSection(page.body);
  }
  const session = await inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: adaCookie } });
  api.session = { status: session.statusCode, body: session.json() };
  return { api, pages };
}

before(async () => {
  source = await startTestApp({ listen: false, now, config: { limits: generousLimits } });
  const call = async (method: string, url: string, body?: unknown, cookie?: string, headers: Record<string, string> = {}) => {
    clock += 60_000;
    const res = await source.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}), ...headers },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
    return res;
  };
  const signIn = async (name: string) => cookieOf(await call('POST', '/api/v1/session', { name }));
  const post = async (cookie: string, slug: string, text: string, parentId?: string, headers?: Record<string, string>) =>
    (await call('POST', `/api/v1/articles/${slug}/comments`, { body: text, parentId }, cookie, headers)).json<{ comment: { id: string } }>()
      .comment.id;

  const ada = await signIn('Ada Copy');
  const ben = await signIn('Ben Copy');
  const cy = await signIn('Cy Copy');
  const dee = await signIn('Dee Copy');
  adaCookie = ada;
  const r1 = await post(ada, slugA, 'The *first* thought, with a [link](https://example.com/).', undefined, {
    'idempotency-key': 'copy-key-1',
  });
  const b1 = await post(ben, slugA, 'A reply that will be deleted.', r1);
  const c1 = await post(cy, slugA, 'A reply to the reply, which keeps a placeholder alive.', b1);
  const r2 = await post(ada, slugA, 'A second thought, removed entirely.');
  const r3 = await post(ben, slugB, 'Over on another article.');
  await post(cy, slugB, 'And a reply there.', r3);
  for (const [cookie, id] of [
    [ben, r1],
    [cy, r1],
    [dee, r1],
    [ada, b1],
    [ada, c1],
    [dee, r3],
  ] as const) {
    await call('PUT', `/api/v1/comments/${id}/vote`, undefined, cookie);
  }
  await call('DELETE', `/api/v1/comments/${r1}/vote`, undefined, dee);
  await call('PATCH', `/api/v1/comments/${r1}`, { body: 'The first thought, edited afterwards.' }, ada);
  await call('DELETE', `/api/v1/comments/${b1}`, undefined, ben);
  await call('DELETE', `/api/v1/comments/${r2}`, undefined, ada);
  await source.ctx.discussion.createAuthorLink();
  // What has no reader-facing API here goes in directly: an audit entry, a closed article, a feed token.
  const db = source.store.driver;
  await db.run('INSERT INTO audit_log (actor_id, actor_name, action, target, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    null,
    'Mara Quill',
    'hide',
    `comment:${c1}`,
    'copy test',
    clock,
  ]);
  await db.run('INSERT INTO article_settings (article_slug, comments_closed) VALUES (?, 1)', ['scope-is-a-promise']);
  await db.run("UPDATE identities SET feed_token_hash = 'feed-hash-of-ada' WHERE name = 'Ada Copy'");

  expected = await snapshot((o) => source.app.inject(o));
  await source.app.close();
  await source.store.close();
  sqliteFile = join(source.config.dataDir, 'byline.db');
});

after(() => {
  rmSync(source.config.dataDir, { recursive: true, force: true });
});

/** Starts an app on a copied store and checks it answers exactly as the SQLite site did. */
async function assertSameSite(driver: Driver): Promise<void> {
  const store = new SqlStore(driver);
  const content = await loadSiteHolder(source.config.contentDir, false);
  const { app } = await createApp({ config: source.config, content, store, now });
  try {
    await app.ready();
    const got = await snapshot((o) => app.inject(o));
    assert.deepEqual(got.api, expected.api, 'the same API answers');
    for (const slug of slugs) assert.equal(got.pages[slug], expected.pages[slug], `the same comment section on ${slug}`);
    assert.equal(await store.isCommentsClosed('scope-is-a-promise'), true, 'article settings came along');
  } finally {
    await app.close();
  }
}

async function assertCounts(driver: Driver): Promise<void> {
  for (const [table, n] of [
    ['identities', 4],
    ['comments', 5],
    ['votes', 5],
    ['idempotency_keys', 1],
    ['author_links', 1],
    ['audit_log', 1],
    ['article_settings', 1],
  ] as const) {
    const row = await driver.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
    assert.equal(Number(row?.n), n, `${table} rows`);
  }
  const placeholder = await driver.get<{ state: string; body: string }>("SELECT state, body FROM comments WHERE state = 'deleted'");
  assert.deepEqual(placeholder, { state: 'deleted', body: '' }, 'the placeholder came along');
  const ada = await driver.get<{ recovery_hash: string | null; feed_token_hash: string | null }>(
    "SELECT recovery_hash, feed_token_hash FROM identities WHERE name = 'Ada Copy'",
  );
  assert.ok(ada?.recovery_hash, 'recovery hash copied');
  assert.equal(ada?.feed_token_hash, 'feed-hash-of-ada');
  // Serial ids continue after the copied ones.
  const maxEvent = await driver.get<{ id: number }>('SELECT MAX(id) AS id FROM events');
  const next = await driver.get<{ id: number }>(
    "INSERT INTO events (article_slug, kind, payload, created_at) VALUES ('x', 'reload', '{}', 0) RETURNING id",
  );
  assert.equal(Number(next?.id), Number(maxEvent?.id) + 1, 'the events sequence was reset');
  await driver.run("DELETE FROM events WHERE article_slug = 'x'");
}

test('copy into PGlite: verified counts, then the same pages and API answers', async () => {
  const driver = new PgliteDriver();
  try {
    const result = await copySite({ from: sqliteFile, to: driver, batchSize: 2 });
    console.log(formatCounts(result).replace(/^/gm, '# '));
    assert.ok(result.ok, 'every table has as many rows on both sides');
    for (const t of result.tables) assert.equal(t.source, t.target, t.table);
    const names = result.tables.map((t) => t.table);
    for (const table of [
      'identities',
      'sessions',
      'comments',
      'votes',
      'idempotency_keys',
      'author_links',
      'events',
      'article_settings',
      'audit_log',
    ]) {
      assert.ok(names.includes(table), `${table} is copied`);
    }
    assert.ok(!names.includes('schema_migrations'));
    assert.ok(
      names.indexOf('identities') < names.indexOf('comments') && names.indexOf('comments') < names.indexOf('votes'),
      'parents first',
    );
    await assertCounts(driver);
    await assertSameSite(driver);

    // A second copy into a target that holds a site is refused, unless forced.
    await assert.rejects(copySite({ from: sqliteFile, to: driver }), CopyRefusedError);
    const forced = await copySite({ from: sqliteFile, to: driver, force: true });
    assert.ok(forced.ok);
    await assertCounts(driver);
  } finally {
    await driver.close();
  }
});

test('byline copy into a PostgreSQL server: prints verified counts, refuses a second run', async (t) => {
  if (!pgUrl) {
    t.skip(noServerMessage);
    return;
  }
  const schema = await freshSchema(pgUrl, 'byline_copy');
  const driver = new PgDriver(schema.url);
  try {
    const cli = (...args: string[]) =>
      execFileAsync(process.execPath, ['bin/byline.js', 'copy', ...args], {
        env: { ...process.env, DATABASE_URL: '' },
        timeout: 120_000,
      }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (err: { code?: number; stdout?: string; stderr?: string }) => ({
          code: err.code ?? 1,
          stdout: err.stdout ?? '',
          stderr: err.stderr ?? '',
        }),
      );
    const started = Date.now();
    const first = await cli('--from', sqliteFile, '--to', schema.url);
    assert.equal(first.code, 0, first.stderr);
    console.log(`# byline copy took ${Date.now() - started} ms:\n${first.stdout.replace(/^/gm, '# ')}`);
    for (const table of [
      'identities',
      'sessions',
      'comments',
      'votes',
      'idempotency_keys',
      'author_links',
      'events',
      'article_settings',
      'audit_log',
    ]) {
      assert.match(first.stdout, new RegExp(`^${table}\\s+\\d+\\s+\\d+\\s+ok$`, 'm'), `${table} counted and verified`);
    }
    assert.doesNotMatch(first.stdout, /MISMATCH/);
    await assertCounts(driver);
    await assertSameSite(driver);

    const second = await cli('--from', sqliteFile, '--to', schema.url);
    assert.notEqual(second.code, 0, 'a target holding a site is refused');
    assert.match(second.stderr, /already holds data/);
  } finally {
    await driver.close();
    await schema.drop();
  }
});
