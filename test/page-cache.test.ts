// The page cache is bounded in bytes and keyed only by canonical queries; one page of comments is
// bounded whatever the discussion looks like.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedIdentities } from '../bench/seed.ts';
import { PAGE_BOUNDS } from '../src/discussion/service.ts';
import { parseDiscussionQuery } from '../src/web/discussion-query.ts';
import { type PreparedBody, preparedBytes } from '../src/web/http.ts';
import { PageCache } from '../src/web/page-cache.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';

/** A body of exactly `size` bytes in every encoding (3 × size in all). */
function body(size: number, fill = 'x'): PreparedBody {
  const raw = Buffer.alloc(size, fill);
  return { raw, gzip: Buffer.alloc(size), br: Buffer.alloc(size), etag: `"${fill}${size}"`, contentType: 'text/html' };
}

describe('the byte-bounded page cache', () => {
  test('never holds more bytes than its budget, and drops the least recently used first', () => {
    const cache = new PageCache({ maxBytes: 100_000, maxEntryShare: 1, refine: false });
    for (const key of ['a', 'b', 'c']) assert.ok(cache.set(key, 'slug', 0, body(10_000, key), 0));
    assert.ok(cache.bytes >= 90_000 && cache.bytes <= 100_000, `three 30 KB entries fit (${cache.bytes})`);
    assert.ok(cache.get('a', 1), 'a is read, so b is now the least recently used');
    cache.set('d', 'slug', 0, body(10_000, 'd'), 2);
    assert.ok(cache.bytes <= 100_000, `still within the budget (${cache.bytes})`);
    assert.equal(cache.get('b', 3), undefined, 'b went first');
    for (const key of ['a', 'c', 'd']) assert.ok(cache.get(key, 3), `${key} is kept`);
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, 'slug', 0, body(1000 + i * 37), 4);
    assert.ok(cache.bytes <= 100_000, `many entries later, still within the budget (${cache.bytes})`);
  });

  test('a body bigger than its share of the budget is not kept', () => {
    const cache = new PageCache({ maxBytes: 80_000, refine: false });
    assert.equal(cache.maxEntryBytes, 10_000);
    assert.equal(cache.set('big', 'slug', 0, body(4000), 0), false, '12 KB of encodings is over a tenth of 80 KB');
    assert.equal(cache.get('big', 0), undefined);
    assert.equal(cache.bytes, 0);
    assert.ok(cache.set('small', 'slug', 0, body(2000), 0));
  });

  test('a write to one article drops its entries and refuses renders that started before it', () => {
    const cache = new PageCache({ maxBytes: 1_000_000, refine: false });
    const before = cache.generation('one');
    cache.set('one|1', 'one', before, body(1000), 0);
    cache.set('two|1', 'two', cache.generation('two'), body(1000), 0);
    const held = cache.bytes;
    cache.invalidate('one');
    assert.equal(cache.get('one|1', 0), undefined);
    assert.ok(cache.get('two|1', 0), 'other articles keep their pages');
    assert.ok(cache.bytes < held, 'the bytes are given back');
    assert.equal(cache.set('one|2', 'one', before, body(1000), 0), false, 'a render from before the write is not stored');
  });

  test('entries age out', () => {
    const cache = new PageCache({ maxBytes: 1_000_000, maxAgeMs: 1000, refine: false });
    cache.set('k', 'slug', 0, body(100), 0);
    assert.ok(cache.get('k', 1000));
    assert.equal(cache.get('k', 1001), undefined);
    assert.equal(cache.bytes, 0);
  });

  test('a crowd asking for the same missing page causes one render', async () => {
    const cache = new PageCache({ maxBytes: 1_000_000, refine: false });
    let renders = 0;
    let finish: (b: PreparedBody) => void = () => {};
    const render = () => {
      renders++;
      return new Promise<PreparedBody>((done) => {
        finish = done;
      });
    };
    const waiting = Array.from({ length: 20 }, () => cache.getOrRender('k', 'slug', () => 0, render));
    finish(body(100));
    const bodies = await Promise.all(waiting);
    assert.equal(renders, 1);
    assert.ok(bodies.every((b) => b === bodies[0]));
    assert.ok(cache.get('k', 0), 'and it is kept');
  });

  test('a failed render fails every waiter and stores nothing', async () => {
    const cache = new PageCache({ maxBytes: 1_000_000, refine: false });
    const failing = () => Promise.reject(new Error('no such page'));
    const results = await Promise.allSettled([
      cache.getOrRender('k', 'slug', () => 0, failing),
      cache.getOrRender('k', 'slug', () => 0, failing),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.equal(cache.size, 0);
    let renders = 0;
    await cache.getOrRender(
      'k',
      'slug',
      () => 0,
      async () => {
        renders++;
        return body(10);
      },
    );
    assert.equal(renders, 1, 'the next request renders again');
  });

  test('shared data is loaded once per change, counted in the budget, and dropped with the article', async () => {
    const cache = new PageCache({ maxBytes: 300_000, refine: false });
    let loads = 0;
    const load = async () => {
      loads++;
      return ['x'.repeat(10_000)];
    };
    const size = (v: string[]) => v[0]!.length * 2;
    const [a, b] = await Promise.all([
      cache.data('comments', 'one', () => 0, size, load),
      cache.data('comments', 'one', () => 0, size, load),
    ]);
    assert.equal(a, b);
    assert.equal(loads, 1, 'one load for concurrent readers');
    assert.ok(cache.bytes >= 20_000, `the data is counted (${cache.bytes})`);
    await cache.data('comments', 'one', () => 0, size, load);
    assert.equal(loads, 1, 'kept until the article changes');
    cache.invalidate('one');
    assert.equal(cache.bytes, 0);
    await cache.data('comments', 'one', () => 0, size, load);
    assert.equal(loads, 2, 'loaded again after a change');
    await cache.data(
      'comments',
      'big',
      () => 0,
      () => 200_000,
      load,
    );
    assert.ok(cache.bytes < 200_000, 'data over a third of the budget is not kept');
  });

  test('a published address answers its body while it is cached, and nothing once the article changes', () => {
    const cache = new PageCache({ maxBytes: 1_000_000, refine: false });
    const page = body(1000, 'p');
    const publication = { url: '/writing/one', version: 0, vary: 'Accept-Encoding', audience: 'anonymous' as const };
    cache.publish(page, publication);
    assert.equal(
      cache.published('/writing/one', 0, () => true),
      undefined,
      'a body that was never kept is not published',
    );
    cache.set('page|one', 'one', cache.generation('one'), page, 0);
    cache.publish(page, publication);
    assert.equal(cache.published('/writing/one', 0, () => true)?.body, page);
    assert.equal(
      cache.published('/writing/one?x', 0, () => true),
      undefined,
      'only the address exactly as published',
    );
    assert.equal(
      cache.published('/writing/one', 0, () => false),
      undefined,
      'a request the publication does not admit',
    );
    cache.invalidate('one');
    assert.equal(
      cache.published('/writing/one', 0, () => true),
      undefined,
      'a write to the article unpublishes it',
    );
    cache.set('page|one', 'one', cache.generation('one'), body(1000, 'q'), 0);
    assert.equal(
      cache.published('/writing/one', 0, () => true),
      undefined,
      'a new render is published by the route that sends it',
    );
  });

  test('a page read again is recompressed in the background: same page, never more bytes', async () => {
    const cache = new PageCache({ maxBytes: 10_000_000 });
    const raw = Buffer.from('<p>Some words that repeat. </p>'.repeat(2000));
    const { prepareBodyAsync } = await import('../src/web/http.ts');
    const fast = await prepareBodyAsync(raw, 'text/html');
    cache.set('k', 'slug', 0, fast, 0);
    const held = cache.bytes;
    assert.equal(cache.get('k', 0), fast, 'readers get the fast bytes at once');
    await cache.settled();
    assert.equal(cache.get('k', 0), fast, 'one reader from the cache is not enough to spend the best pass on it');
    await cache.settled();
    const refined = cache.get('k', 0)!;
    assert.notEqual(refined, fast, 'the entry was recompressed');
    assert.equal(refined.etag, fast.etag, 'the validator is the same: the page did not change');
    assert.ok(preparedBytes(refined) <= preparedBytes(fast));
    assert.ok(cache.bytes <= held);
  });
});

describe('article query strings', () => {
  const path = '/writing/a';
  const cases: [string, string][] = [
    ['', 'canonical'],
    ['sort=new', 'canonical'],
    ['sort=new&after=50', 'canonical'],
    ['after=50', 'canonical'],
    ['thread=abc123', 'canonical'],
    ['after=00', `redirect ${path}`],
    ['after=000', `redirect ${path}`],
    ['after=0', `redirect ${path}`],
    ['after=050', `redirect ${path}?after=50`],
    ['sort=top', `redirect ${path}`],
    ['sort=', `redirect ${path}`],
    ['utm_source=x', `redirect ${path}`],
    ['after=50&sort=old', `redirect ${path}?sort=old&after=50`],
    ['sort=%6Eew', `redirect ${path}?sort=new`],
    ['thread=abc123&sort=new&after=50', `redirect ${path}?thread=abc123`],
    ['after=0.0', 'invalid'],
    ['after=-0', 'invalid'],
    ['after=1e2', 'invalid'],
    ['after=%2050', 'invalid'],
    ['sort=best', 'invalid'],
    ['sort=TOP', 'invalid'],
    ['sort=new&sort=new', 'invalid'],
    ['thread=a%2Fb', 'invalid'],
    [`thread=${'a'.repeat(65)}`, 'invalid'],
  ];
  for (const [query, expected] of cases) {
    test(`?${query} is ${expected}`, () => {
      const parsed = parseDiscussionQuery(query, path);
      const got = parsed.kind === 'redirect' ? `redirect ${parsed.location}` : parsed.kind;
      assert.equal(got, expected);
    });
  }
});

describe('one page of comments is bounded', { timeout: 60_000 }, () => {
  let t: TestApp;
  const slug = 'done-is-a-decision';
  // Ten paragraphs of 999 characters: the longest body the site takes, and quick to render.
  const long = `${'x'.repeat(999)}\n\n`.repeat(10);
  /** Every comment in display order: each top-level comment followed by its five replies. */
  const ids: string[] = [];
  const roots: string[] = [];

  before(async () => {
    t = await startTestApp({ listen: false });
    const [writer] = await seedIdentities(t.store, 1, { now: Date.now(), tag: 'Long' });
    const start = Date.now() - 600_000;
    const insert = (id: string, parentId: string | null, at: number) =>
      t.store.insertComment(
        { id, articleSlug: slug, parentId, identityId: writer!.id, body: long, depth: parentId ? 1 : 0, state: 'visible', createdAt: at },
        null,
      );
    for (let i = 0; i < 39; i++) {
      const root = `long${String(i).padStart(3, '0')}`;
      roots.push(root);
      ids.push(root);
      await insert(root, null, start + i * 10);
      for (let r = 0; r < 5; r++) {
        ids.push(`${root}r${r}`);
        await insert(`${root}r${r}`, root, start + i * 10 + r + 1);
      }
    }
  });
  after(async () => {
    await t?.close();
  });

  test('a page of long comments stops at the byte bound; the pages together show every thread once, and count what they leave out', async () => {
    const seenRoots: string[] = [];
    let repliesShown = 0;
    let repliesCounted = 0;
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await t.ctx.discussion.threadPage(slug, undefined, { sort: 'old', after });
      const htmlBytes = page.items.reduce((sum, i) => sum + i.comment.html.length, 0);
      const largest = Math.max(...page.items.map((i) => i.comment.html.length));
      assert.ok(htmlBytes <= PAGE_BOUNDS.list.htmlBytes + largest, `page ${pages + 1} holds ${htmlBytes} bytes of comments`);
      for (const item of page.items) {
        if (item.comment.parentId === null) seenRoots.push(item.comment.id);
        else repliesShown++;
        repliesCounted += item.hiddenReplies;
      }
      after = page.next;
      pages++;
    } while (after && pages < 50);
    assert.ok(pages > 1, `39 threads of long comments take more than one page (${pages})`);
    assert.deepEqual(seenRoots, roots, 'every thread exactly once, in order');
    assert.equal(repliesShown + repliesCounted, ids.length - roots.length, 'every reply is shown or counted under "more replies"');
  });

  test('a cursor past the last thread and a thread that is not a top-level comment are not found', async () => {
    await assert.rejects(t.ctx.discussion.threadPage(slug, undefined, { after: '39' }), { code: 'not_found' });
    await assert.rejects(t.ctx.discussion.threadPage(slug, undefined, { focus: 'no-such-comment' }), { code: 'not_found' });
    await assert.rejects(
      t.ctx.discussion.threadPage(slug, undefined, { focus: `${roots[3]}r0` }),
      { code: 'not_found' },
      'a reply is not a thread',
    );
    const page = await t.ctx.discussion.threadPage(slug, undefined, { focus: roots[3] });
    assert.equal(page.items.length, 6, 'the thread in full');
  });

  test('the HTML page answers redirects and 404s for other spellings, and caches only what it serves', async () => {
    const get = (url: string) => t.app.inject({ method: 'GET', url });
    const canonical = await get(`/writing/${slug}`);
    assert.equal(canonical.statusCode, 200);
    for (const spelling of ['?after=00', '?after=000', '?sort=top', '?x=1']) {
      const res = await get(`/writing/${slug}${spelling}`);
      assert.equal(res.statusCode, 301, spelling);
      assert.equal(res.headers.location, `/writing/${slug}`, spelling);
    }
    const held = t.ctx.pageCache.size;
    for (const spelling of [
      '?after=0.0',
      '?after=-0',
      '?sort=junk',
      '?thread=nope',
      `?thread=${roots[0]}r1`,
      `?after=${roots.length}`,
      '?after=999999',
    ]) {
      assert.equal((await get(`/writing/${slug}${spelling}`)).statusCode, 404, spelling);
    }
    assert.equal(t.ctx.pageCache.size, held, 'nothing was cached for them');
  });
});
