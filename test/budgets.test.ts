// Size budgets for what a reader downloads, and the rule that no page reaches another origin.
// Sizes are stable from machine to machine, so these are real assertions; speed lives in bench/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { LightMyRequestResponse } from 'fastify';
import { SentenceMaker, seedIdentities, seedThread } from '../bench/seed.ts';
import { demoContentDir, type TestApp, startTestApp } from './helpers/app.ts';

const high = {
  newNamesPerPrefixPerHour: 100_000,
  newNamesPerPrefixPerDay: 100_000,
  newNamesPerNetworkPerDay: 100_000,
  commentsPer15Seconds: 100_000,
  commentsPerHour: 100_000,
  votesPerMinute: 100_000,
  recoveryFailuresPerHour: 100,
};
const article = 'the-last-ten-percent';
const bigArticle = 'scope-is-a-promise';
const KB = 1024;

let t: TestApp;
let cookie = '';

async function get(
  url: string,
  encoding: 'br' | 'gzip' | 'identity',
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': encoding, ...headers } });
}

/** The compressed size of a page in both encodings, checking each decodes to the same page. */
async function sizes(url: string, headers: Record<string, string> = {}) {
  const br = await get(url, 'br', headers);
  const gzip = await get(url, 'gzip', headers);
  assert.equal(br.statusCode, 200, `${url}: ${br.statusCode}`);
  assert.equal(gzip.statusCode, 200);
  assert.equal(br.headers['content-encoding'], 'br', `${url} is sent with brotli`);
  assert.equal(gzip.headers['content-encoding'], 'gzip', `${url} is sent with gzip`);
  const html = brotliDecompressSync(br.rawPayload).toString('utf8');
  assert.ok(gunzipSync(gzip.rawPayload).length > 0);
  return { br: br.rawPayload.length, gzip: gzip.rawPayload.length, raw: Buffer.byteLength(html), html };
}

/** Every absolute URL written in the content folder's Markdown and YAML files. */
function readContentUrls(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(md|ya?ml)$/.test(entry.name)) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const m of text.matchAll(/(?:https?:)?\/\/[^\s)"'<>\]]+/g)) out.push(m[0]);
  }
  return out;
}

const kb = (n: number) => `${(n / KB).toFixed(1)} KB`;

describe('size budgets', { timeout: 180_000 }, () => {
  before(async () => {
    const now = Date.now();
    t = await startTestApp({ listen: false, config: { limits: high } });
    const sentences = new SentenceMaker(demoContentDir);
    const readers = await seedIdentities(t.store, 100, { now, tag: '' });
    await seedThread(t.store, { slug: article, comments: 300, identities: readers, now, seed: 1, sentences });
    const crowd = await seedIdentities(t.store, 400, { now, tag: 'Crowd' });
    await seedThread(t.store, { slug: bigArticle, comments: 10_000, identities: crowd, now, seed: 2, sentences, maxVotes: 3 });
    cookie = `__Host-byline_session=${readers[0]!.token}`;
  });
  after(async () => {
    await t?.close();
  });

  test('the article page with 300 comments is at most 60 KB compressed', async (tt) => {
    const s = await sizes(`/writing/${article}`);
    const matches = s.html.match(/id="comment-/g) ?? [];
    assert.ok(matches.length >= 50, `the page shows comments (found ${matches.length})`);
    tt.diagnostic(
      `article + 300 comments, anonymous: ${kb(s.raw)} raw, ${kb(s.br)} brotli, ${kb(s.gzip)} gzip (${matches.length} comments on the page)`,
    );
    // A signed-in reader's own page is pieced together from gzip made once per article change
    // (src/web/gzip-segments.ts), so it is sent as gzip whatever else the browser takes.
    const signedRes = await get(`/writing/${article}`, 'gzip', { cookie: `${cookie}` });
    assert.equal(signedRes.statusCode, 200);
    assert.equal(signedRes.headers['content-encoding'], 'gzip');
    const signed = { raw: gunzipSync(signedRes.rawPayload).length, gzip: signedRes.rawPayload.length };
    tt.diagnostic(`same page signed in: ${kb(signed.raw)} raw, ${kb(signed.gzip)} gzip`);
    assert.ok(s.gzip <= 60 * KB, `gzip ${kb(s.gzip)} is over 60 KB`);
    assert.ok(signed.gzip <= 60 * KB, `signed-in gzip ${kb(signed.gzip)} is over 60 KB`);
  });

  test('all JavaScript is at most 10 KB and all CSS at most 15 KB compressed', (tt) => {
    const { js, css } = t.ctx.assets;
    tt.diagnostic(`JavaScript: ${kb(js.body.raw.length)} raw, ${kb(js.body.br.length)} brotli, ${kb(js.body.gzip.length)} gzip`);
    tt.diagnostic(`CSS: ${kb(css.body.raw.length)} raw, ${kb(css.body.br.length)} brotli, ${kb(css.body.gzip.length)} gzip`);
    assert.ok(js.body.gzip.length <= 10 * KB, `JavaScript gzip ${kb(js.body.gzip.length)} is over 10 KB`);
    assert.ok(css.body.gzip.length <= 15 * KB, `CSS gzip ${kb(css.body.gzip.length)} is over 15 KB`);
  });

  test('the first page of a 10,000-comment article is at most 150 KB compressed', async (tt) => {
    const s = await sizes(`/writing/${bigArticle}`);
    const shown = (s.html.match(/id="comment-/g) ?? []).length;
    tt.diagnostic(
      `first page of 10,000 comments: ${kb(s.raw)} raw, ${kb(s.br)} brotli, ${kb(s.gzip)} gzip (${shown} comments on the page)`,
    );
    assert.ok(shown > 0 && shown < 10_000, `the first page shows part of the discussion (found ${shown})`);
    assert.ok(s.gzip <= 150 * KB, `gzip ${kb(s.gzip)} is over 150 KB`);
  });

  test('no page refers to another origin, and the CSS loads nothing', async (tt) => {
    const base = t.ctx.baseUrl();
    const sitemap = await get('/sitemap.xml', 'identity');
    assert.equal(sitemap.statusCode, 200);
    const fromSitemap = [...sitemap.body.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!.replaceAll('&amp;', '&')).pathname);
    assert.ok(fromSitemap.length >= 5, 'the sitemap lists the site');
    const pages: { url: string; headers?: Record<string, string> }[] = [
      ...new Set(['/', '/writing', '/writing?page=2', ...fromSitemap, '/signin', '/no-such-page', `/writing/${article}?sort=new`]),
    ].map((url) => ({ url }));
    pages.push({ url: `/writing/${article}`, headers: { cookie } }, { url: '/me', headers: { cookie } });

    // The author's own outbound links (a book's "where to buy") are written in the content files;
    // they are navigation the author chose, not requests a page makes. Nothing else may leave.
    const authored = new Set(readContentUrls(demoContentDir));
    const foreign: string[] = [];
    const authoredLinks = new Set<string>();
    let checked = 0;
    for (const page of pages) {
      const res = await get(page.url, 'identity', page.headers);
      const type = String(res.headers['content-type'] ?? '');
      if (!type.startsWith('text/html')) continue;
      checked++;
      for (const tag of res.body.matchAll(/<([a-z][a-z0-9-]*)\b([^>]*)>/gi)) {
        const element = tag[1]!.toLowerCase();
        for (const m of tag[2]!.matchAll(/\s(src|href|action|srcset|poster|formaction|data)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
          const attribute = m[1]!.toLowerCase();
          const value = (m[3] ?? m[4] ?? m[5] ?? '').trim().replaceAll('&amp;', '&');
          const urls = attribute === 'srcset' ? value.split(',').map((part) => part.trim().split(/\s+/)[0] ?? '') : [value];
          for (const url of urls) {
            const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//');
            if (!absolute || url === base || url.startsWith(`${base}/`)) continue;
            if (element === 'a' && attribute === 'href' && authored.has(url)) {
              authoredLinks.add(url);
              continue;
            }
            foreign.push(`${page.url}: <${element} ${attribute}="${url}">`);
          }
        }
      }
    }
    if (authoredLinks.size > 0) tt.diagnostic(`links written by the author in the content folder: ${[...authoredLinks].join(', ')}`);
    tt.diagnostic(`checked ${checked} HTML pages for references to other origins`);
    assert.ok(checked >= 10, `enough pages were checked (${checked})`);
    assert.deepEqual(foreign, [], 'no page refers to another origin');

    const css = t.ctx.assets.css.body.raw.toString('utf8');
    assert.doesNotMatch(css, /@import/i, 'the CSS imports nothing');
    assert.doesNotMatch(css, /url\(\s*["']?\s*(https?:)?\/\//i, 'the CSS loads nothing from another origin');
  });
});
