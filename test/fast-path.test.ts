// Shared bodies answered in front of the framework (src/web/fast-path.ts): the same bytes and
// headers as the route sends, only to requests the shared page may answer, and gone as soon as
// the discussion changes. Over a real port: app.inject never reaches the Node server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { loadConfig } from '../src/config.ts';
import { type App, createApp } from '../src/web/app.ts';
import { SHARED_CACHE } from '../src/web/http.ts';
import { loadSiteHolder } from '../src/web/site-holder.ts';
import { demoContentDir, listenOnLoopback, type TestApp } from './helpers/app.ts';
import { openTestStore } from './helpers/engine.ts';
import { type Person, postComment, signIn, signInAuthor } from './helpers/people.ts';

interface Started extends TestApp {
  fastPath: App['fastPath'];
}

/** Like startTestApp, with the fast path's count of requests it answered. */
async function start(): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'byline-fast-'));
  const opened = await openTestStore({ dataDir });
  const config = loadConfig(
    {},
    { dataDir, contentDir: demoContentDir, secret: 'test-secret', logLevel: 'quiet', port: 0, databaseUrl: opened.databaseUrl },
  );
  const content = await loadSiteHolder(config.contentDir, false);
  // A fixed clock: two renders of the same discussion are the same bytes.
  const now = Date.parse('2026-11-01T12:00:00Z');
  const { app, ctx, fastPath } = await createApp({ config, content, store: opened.store, now: () => now });
  const url = await listenOnLoopback(app);
  return {
    url,
    app,
    ctx,
    store: opened.store,
    config,
    fastPath,
    async close() {
      await app.close();
      await opened.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Raw {
  status: number;
  /** Every header line as sent, in order, without Date (it moves with the clock). */
  headers: string[];
  header: (name: string) => string | undefined;
  body: Buffer;
}

function get(t: Started, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const lines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]!.toLowerCase() !== 'date') lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        const header = (name: string) => {
          const value = res.headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(', ') : value;
        };
        resolve({ status: res.statusCode ?? 0, headers: lines, header, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const article = '/writing/the-last-ten-percent';
const comments = '/api/v1/articles/the-last-ten-percent/comments';

/** Answers `path` once through the route (dropping what is cached), then once more; says which path answered each. */
async function routeThenFast(t: Started, path: string, headers: Record<string, string> = {}, method = 'GET') {
  t.ctx.pageCache.invalidate('the-last-ten-percent');
  const before = t.fastPath.served;
  const routed = await get(t, path, headers, method);
  assert.equal(t.fastPath.served, before, `${path}: the first request after a change goes to the route`);
  const fast = await get(t, path, headers, method);
  assert.equal(t.fastPath.served, before + 1, `${path}: the second is answered in front of the framework`);
  return { routed, fast };
}

describe('the fast path for shared bodies', () => {
  let t: Started;
  let reader: Person;
  before(async () => {
    t = await start();
    reader = await signIn(t, 'Fast Reader');
    await postComment(t, reader, 'the-last-ten-percent', 'A first comment, so the page has a discussion.');
  });
  after(async () => t.close());

  test('answers a cached anonymous page with the status, headers and bytes the route sent', async () => {
    for (const encoding of ['identity', 'gzip', 'br', 'gzip, deflate, br']) {
      const { routed, fast } = await routeThenFast(t, article, { 'accept-encoding': encoding });
      assert.equal(fast.status, 200);
      assert.deepEqual(fast.headers, routed.headers, `${encoding}: the same header lines in the same order`);
      assert.ok(fast.body.equals(routed.body), `${encoding}: the same bytes`);
    }
    const { fast } = await routeThenFast(t, article, { 'accept-encoding': 'br' });
    assert.equal(fast.header('content-encoding'), 'br');
    assert.match(brotliDecompressSync(fast.body).toString(), /A first comment/);
  });

  test('HEAD has the headers of GET and no body', async () => {
    const { routed, fast } = await routeThenFast(t, article, { 'accept-encoding': 'gzip' }, 'HEAD');
    assert.deepEqual(fast.headers, routed.headers);
    assert.equal(fast.body.length, 0);
    const full = await get(t, article, { 'accept-encoding': 'gzip' });
    assert.equal(fast.header('content-length'), String(full.body.length));
  });

  test('If-None-Match with the current ETag gets a 304 with the route’s headers', async () => {
    const page = await get(t, article);
    const etag = page.header('etag')!;
    const { routed, fast } = await routeThenFast(t, article, { 'if-none-match': etag, 'accept-encoding': 'gzip' });
    assert.equal(routed.status, 304);
    assert.equal(fast.status, 304);
    assert.deepEqual(fast.headers, routed.headers);
    assert.equal(fast.body.length, 0);
    const stale = await get(t, article, { 'if-none-match': '"something-else"' });
    assert.equal(stale.status, 200, 'another ETag gets the page');
  });

  test('another spelling of the address goes to the route, which redirects or renders', async () => {
    await get(t, article);
    const before = t.fastPath.served;
    const slash = await get(t, `${article}/`);
    assert.equal(slash.status, 200);
    const spelled = await get(t, `${article}?sort=top`);
    assert.equal(spelled.status, 301);
    assert.equal(spelled.header('location'), article);
    assert.equal(t.fastPath.served, before, 'neither was answered in front of the framework');
  });

  test('a signed-in reader without the script gets their own page, never the shared bytes', async () => {
    await get(t, article);
    const before = t.fastPath.served;
    const own = await get(t, article, { cookie: reader.cookie });
    assert.equal(t.fastPath.served, before);
    assert.equal(own.status, 200);
    assert.match(own.body.toString(), /name="_csrf"/, 'their forms carry their token');
    assert.equal(own.header('cache-control'), 'private, no-cache');
  });

  test('a signed-in reader whose script runs gets the shared bytes, kept out of shared caches', async () => {
    const cookie = `${reader.cookie}; byline_signed_in=1; byline_js=1`;
    const { routed, fast } = await routeThenFast(t, article, { cookie, 'accept-encoding': 'gzip' });
    assert.deepEqual(fast.headers, routed.headers);
    assert.ok(fast.body.equals(routed.body));
    assert.equal(fast.header('cache-control'), 'private, no-cache');
    const anonymous = await get(t, article, { 'accept-encoding': 'gzip' });
    assert.ok(anonymous.body.equals(fast.body), 'the very bytes anonymous readers get');
    assert.doesNotMatch(gunzipSync(fast.body).toString(), /name="_csrf"/);
  });

  test('the author never gets the shared page', async () => {
    const author = await signInAuthor(t);
    await get(t, article);
    const before = t.fastPath.served;
    for (const cookie of [author.cookie, `${author.cookie}; byline_js=1; byline_author=1`]) {
      const page = await get(t, article, { cookie });
      assert.equal(page.status, 200);
      assert.match(page.body.toString(), /name="_csrf"/, 'the author’s own page');
    }
    assert.equal(t.fastPath.served, before);
  });

  test('a new comment reaches the next anonymous request at once', async () => {
    await get(t, article);
    const cached = await get(t, article);
    assert.doesNotMatch(cached.body.toString(), /Posted just now, fresh/);
    // Another reader from another address: the clock stands still, so the first one's limit would hold.
    const other = await signIn(t, 'Fresh Writer', '10.0.0.2');
    await postComment(t, other, 'the-last-ten-percent', 'Posted just now, fresh.', undefined, '10.0.0.2');
    const before = t.fastPath.served;
    const next = await get(t, article);
    assert.equal(t.fastPath.served, before, 'the cached page was dropped: the route renders again');
    assert.match(next.body.toString(), /Posted just now, fresh/);
  });

  test('the comments JSON: ETag, 304, compressed by Accept-Encoding, answered in front once cached', async () => {
    for (const [accept, encoding] of [
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['', undefined],
    ] as const) {
      const headers: Record<string, string> = accept ? { 'accept-encoding': accept } : {};
      const { routed, fast } = await routeThenFast(t, comments, headers);
      assert.deepEqual(fast.headers, routed.headers);
      assert.ok(fast.body.equals(routed.body));
      assert.equal(fast.header('content-encoding'), encoding);
      const text = encoding === 'br' ? brotliDecompressSync(fast.body) : encoding === 'gzip' ? gunzipSync(fast.body) : fast.body;
      const json = JSON.parse(text.toString()) as { comments: { html: string }[] };
      assert.ok(json.comments.some((c) => c.html.includes('A first comment')));
      assert.match(fast.header('etag') ?? '', /^"[^"]+"$/, 'a strong ETag');
    }
    const etag = (await get(t, comments)).header('etag')!;
    const { routed, fast } = await routeThenFast(t, comments, { 'if-none-match': etag });
    assert.equal(routed.status, 304);
    assert.equal(fast.status, 304);
    assert.deepEqual(fast.headers, routed.headers);
    // A signed-in reader's list says what they voted for: never the shared one.
    const before = t.fastPath.served;
    const own = await get(t, comments, { cookie: reader.cookie });
    assert.equal(own.status, 200);
    assert.equal(t.fastPath.served, before);
    assert.equal(own.header('cache-control'), 'no-store');
  });
});

describe('shared-cache headers', () => {
  let t: Started;
  let reader: Person;
  before(async () => {
    t = await start();
    reader = await signIn(t, 'Cache Reader');
    await postComment(t, reader, 'the-last-ten-percent', 'Something to list.');
  });
  after(async () => t.close());

  const shared = ['/', '/writing', article, `${article}/comments.xml`, comments, '/books/the-finishing-habit', '/corrections'];

  test('anonymous shared responses may be kept briefly by a shared cache', async () => {
    for (const path of shared) {
      for (let i = 0; i < 2; i++) {
        const res = await get(t, path);
        assert.equal(res.status, 200, path);
        assert.equal(res.header('cache-control'), SHARED_CACHE, `${path} (request ${i + 1})`);
        assert.match(res.header('vary') ?? '', /Cookie/, `${path}: a cookie changes the answer's Cache-Control`);
      }
    }
  });

  test('nothing a signed-in reader is sent, and nothing that sets a cookie, is for a shared cache', async () => {
    const fresh = await get(t, '/');
    assert.equal(fresh.status, 200);
    const signedIn = await new Promise<Raw>((resolve, reject) => {
      const req = request(`${t.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: [],
            header: (n) => String(res.headers[n.toLowerCase()] ?? ''),
            body: Buffer.alloc(0),
          }),
        );
      });
      req.on('error', reject);
      req.end(JSON.stringify({ name: 'Cookie Setter' }));
    });
    assert.equal(signedIn.status, 201);
    assert.doesNotMatch(signedIn.header('cache-control') ?? '', /public|s-maxage/);
    const walk = [...shared, `${article}?sort=new`, '/api/v1/articles/the-last-ten-percent/viewer', '/inbox', '/me', '/sections/execution'];
    for (const cookie of [reader.cookie, `${reader.cookie}; byline_signed_in=1; byline_js=1`]) {
      for (const path of walk) {
        for (let i = 0; i < 2; i++) {
          const res = await get(t, path, { cookie });
          assert.ok(res.status < 500, `${path}: ${res.status}`);
          const cacheControl = res.header('cache-control') ?? '';
          assert.doesNotMatch(cacheControl, /public|s-maxage/, `${path} with a session: ${cacheControl}`);
        }
      }
    }
  });
});
