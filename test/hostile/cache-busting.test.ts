// An attacker asks for the same article under hundreds of query spellings, hoping each one is a
// fresh render and a fresh cache entry; another asks again and again for the pages of a thread
// made of the longest comments the site takes, while comments keep arriving. Readers must not
// notice either, and the server's memory must stay put.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type HostileServer,
  type Reply,
  bystanderUnharmed,
  demoSlug,
  inParallel,
  send,
  sendJson,
  signIn,
  startServer,
  underAttack,
} from './harness.ts';

const MB = 1024;
/** How much the server's resident memory may grow across an attack, in kB. */
const RSS_GROWTH_LIMIT_KB = 64 * MB;

/** Spellings of the article's query that the site never writes: each is a redirect or a 404. */
function strangeSpellings(count: number): string[] {
  const makers: ((i: number) => string)[] = [
    (i) => `after=${'0'.repeat((i % 40) + 2)}`,
    (i) => `after=0.${'0'.repeat((i % 30) + 1)}`,
    (i) => `after=-${i}`,
    (i) => `after=${1_000_000 + i * 50}`,
    (i) => `after=${50 + i}e0`,
    (i) => `thread=${`attacker${i}`.padEnd(16, 'z')}`,
    (i) => `sort=junk${i}`,
    (i) => `sort=top&n=${i}`,
    (i) => `utm_source=mail${i}`,
    (i) => `sort=new&sort=new${i % 2 ? '' : '&x'}`,
    (i) => `sort=%6E%65%77&pad=${i}`,
    (i) => `after=0${i + 1}`,
    (i) => `thread=${'x'.repeat(65 + i)}`,
    (i) => `${'&'.repeat((i % 5) + 1)}sort=old&after=${i}${'0'.repeat(i % 3)}&after=1`,
  ];
  return Array.from({ length: count }, (_, i) => `/writing/${demoSlug}?${makers[i % makers.length]!(Math.floor(i / makers.length))}`);
}

describe('cache-busting query strings', { timeout: 60_000 }, () => {
  let server: HostileServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('every other spelling of an article page is a redirect or a 404; readers and memory are unharmed', async (t) => {
    const spellings = strangeSpellings(300);
    // Warm up the pages the bystander and the redirects lead to, then take the memory baseline.
    for (const path of ['/', `/writing/${demoSlug}`]) assert.equal((await send(server, path)).status, 200);
    const rssBefore = server.rssKb();
    const outcome = await underAttack(server, () =>
      inParallel(spellings.length, 2, async (i) => {
        const res = await send(server, spellings[i]!, { from: '127.0.0.2', headers: { 'accept-encoding': 'br, gzip' } });
        return { path: spellings[i]!, status: res.status, location: String(res.headers.location ?? '') };
      }),
    );
    const wrong = outcome.attack.filter((r) => !(r.status === 301 || r.status === 404));
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} spellings were not answered with a redirect or a 404`);
    for (const r of outcome.attack.filter((x) => x.status === 301)) {
      assert.match(
        r.location,
        new RegExp(`^/writing/${demoSlug}(\\?(sort=(new|old)(&after=[1-9]\\d*)?|after=[1-9]\\d*|thread=[A-Za-z0-9_-]+))?$`),
        `${r.path} → ${r.location}`,
      );
    }
    const redirects = outcome.attack.filter((r) => r.status === 301).length;
    assert.ok(redirects > 50 && redirects < spellings.length, `both answers occur (${redirects} redirects)`);
    const verdict = bystanderUnharmed(outcome);
    const growth = server.rssKb() - rssBefore;
    t.diagnostic(`${verdict.message}; RSS ${growth >= 0 ? '+' : ''}${(growth / MB).toFixed(1)} MB`);
    assert.ok(verdict.ok, verdict.message);
    assert.ok(growth <= RSS_GROWTH_LIMIT_KB, `RSS grew by ${(growth / MB).toFixed(1)} MB (limit ${RSS_GROWTH_LIMIT_KB / MB} MB)`);
  });

  test('the comments feed and the comments list answer one cached body per page, with a validator', async () => {
    const paths = Array.from({ length: 40 }, (_, i) => `/writing/${demoSlug}/comments.xml?v=${i}`);
    const feeds = await inParallel(paths.length, 4, (i) =>
      send(server, paths[i]!, { from: '127.0.0.2', headers: { 'accept-encoding': 'gzip' } }),
    );
    assert.ok(
      feeds.every((r) => r.status === 200),
      'the feed is served',
    );
    const tags = new Set(feeds.map((r) => r.headers.etag));
    assert.equal(tags.size, 1, 'one body for every spelling');
    assert.ok(
      feeds.every((r) => r.headers['content-encoding'] === 'gzip'),
      'compressed',
    );
    const again = await send(server, paths[0]!, { headers: { 'if-none-match': String(feeds[0]!.headers.etag) } });
    assert.equal(again.status, 304, 'a reader who has the feed gets 304');

    const list = `/api/v1/articles/${demoSlug}/comments`;
    const first = await send(server, list, { headers: { 'accept-encoding': 'br' } });
    assert.equal(first.status, 200);
    assert.ok(first.headers.etag, 'the list has a validator');
    assert.equal(first.headers['content-encoding'], 'br');
    assert.equal((await send(server, list, { headers: { 'if-none-match': String(first.headers.etag) } })).status, 304);
    for (const bad of ['?after=0.0', '?after=-1', '?sort=junk']) {
      const res = await send(server, `${list}${bad}`, { from: '127.0.0.2' });
      assert.equal(res.status, 400, `${bad}: ${res.text}`);
      assert.match(res.text, /"error":\{"code":"bad_request"/);
    }
    assert.equal((await send(server, `${list}?after=999950`, { from: '127.0.0.2' })).status, 404, 'a page past the end is not found');
  });
});

describe('a thread of the longest comments', { timeout: 90_000 }, () => {
  let server: HostileServer;
  const roots: string[] = [];
  // The longest body the site takes: ten paragraphs of 999 characters (10,000 characters).
  const longBody = (n: number) => `${`Comment ${n}. `.padEnd(999, 'x')}\n\n`.repeat(10).slice(0, 10_000);

  before(async () => {
    server = await startServer({
      env: {
        BYLINE_LIMIT_NEW_NAMES_PER_HOUR: '100',
        BYLINE_LIMIT_COMMENTS_PER_15S: '10000',
        BYLINE_LIMIT_COMMENTS_PER_HOUR: '10000',
      },
    });
    // 39 threads of a long comment with five long replies each: 234 comments, 2.3 MB of text.
    const writers = await Promise.all(
      ['Long Writer A', 'Long Writer B', 'Long Writer C'].map((name, i) => signIn(server, name, `127.0.1.${i + 1}`)),
    );
    let n = 0;
    const post = async (parentId: string | null): Promise<string> => {
      const i = n++;
      const writer = writers[i % writers.length]!;
      const from = `127.0.1.${(i % writers.length) + 1}`;
      const res = await sendJson(
        server,
        'POST',
        `/api/v1/articles/${demoSlug}/comments`,
        { body: longBody(i), parentId },
        { from, headers: { cookie: writer.cookie } },
      );
      assert.equal(res.status, 201, res.text);
      return (JSON.parse(res.text) as { comment: { id: string } }).comment.id;
    };
    for (let i = 0; i < 39; i++) {
      const root = await post(null);
      roots.push(root);
      await inParallel(5, 5, () => post(root));
    }
  });
  after(async () => {
    await server?.stop();
  });

  test('one page stays bounded in size, and misses of its pages do not starve a bystander', async (t) => {
    const first = await send(server, `/writing/${demoSlug}?sort=old`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(first.status, 200);
    assert.ok(first.body.length < 512 * 1024, `the first page is ${(first.body.length / 1024).toFixed(0)} KB, not the whole 2.3 MB thread`);
    assert.match(first.text, /class="show-more"/, 'the rest is on later pages');

    // Every page the site links to: three orders, their second pages, each thread in full.
    const second = /after=(\d+)/.exec(first.text)?.[1];
    assert.ok(second, 'the page links to the next one');
    const orders = ['', '?sort=new', '?sort=old', `?after=${second}`, `?sort=new&after=${second}`, `?sort=old&after=${second}`];
    const pages = [...orders, ...roots.map((id) => `?thread=${id}`)].map((q) => `/writing/${demoSlug}${q}`);
    const writer = await signIn(server, 'Long Writer D', '127.0.1.9');
    const rssBefore = server.rssKb();
    let writes = 0;
    const outcome = await underAttack(server, () =>
      inParallel(160, 1, async (i): Promise<Reply> => {
        // A comment every 40 requests empties the article's cache: the next round is all misses.
        if (i % 40 === 39) {
          writes++;
          const posted = await sendJson(
            server,
            'POST',
            `/api/v1/articles/${demoSlug}/comments`,
            { body: `Another thought ${i}.`, parentId: null },
            { from: '127.0.1.9', headers: { cookie: writer.cookie } },
          );
          assert.equal(posted.status, 201, posted.text);
        }
        const res = await send(server, pages[i % pages.length]!, { from: '127.0.0.3', headers: { 'accept-encoding': 'br, gzip' } });
        assert.ok(res.status === 200, `${pages[i % pages.length]} answered ${res.status}`);
        return res;
      }),
    );
    assert.ok(writes >= 3, 'the cache was emptied during the attack');
    const verdict = bystanderUnharmed(outcome);
    const growth = server.rssKb() - rssBefore;
    t.diagnostic(`${verdict.message}; RSS ${growth >= 0 ? '+' : ''}${(growth / MB).toFixed(1)} MB`);
    assert.ok(verdict.ok, verdict.message);
    assert.ok(growth <= RSS_GROWTH_LIMIT_KB, `RSS grew by ${(growth / MB).toFixed(1)} MB (limit ${RSS_GROWTH_LIMIT_KB / MB} MB)`);
  });
});
