import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Article } from '../src/content/types.ts';
import type { AppContext } from '../src/web/context.ts';
import { SHARED_CACHE } from '../src/web/http.ts';
import { renderArticleDocument } from '../src/web/pages/article.tsx';
import { notFoundPage, serverErrorPage, unavailablePage } from '../src/web/pages/errors.tsx';
import { jsonForScript } from '../src/web/pages/meta.tsx';
import { demoContentDir, startTestApp, type TestApp } from './helpers/app.ts';

type Response = Awaited<ReturnType<TestApp['app']['inject']>>;

function get(t: TestApp, url: string, headers: Record<string, string> = {}): Promise<Response> {
  return t.app.inject({ method: 'GET', url, headers });
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every href/src in a document, entities decoded, fragments dropped. */
function linksIn(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => decodeEntities(m[1]!).split('#')[0]!);
}

function jsonLdBlocks(html: string): Record<string, unknown>[] {
  return [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map(
    (m) => JSON.parse(m[1]!) as Record<string, unknown>,
  );
}

function canonicalOf(html: string): string | undefined {
  return /<link rel="canonical" href="([^"]*)"/.exec(html)?.[1];
}

function assertSecurityHeaders(res: Response, url: string): void {
  const csp = String(res.headers['content-security-policy'] ?? '');
  for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(directive), `${url}: CSP lacks ${directive}: ${csp}`);
  }
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), `${url}: CSP allows unsafe code: ${csp}`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`);
  assert.ok(res.headers['referrer-policy'], `${url}: Referrer-Policy`);
  assert.equal(res.headers['x-powered-by'], undefined, `${url}: X-Powered-By`);
  const server = res.headers.server;
  assert.ok(server === undefined || !/\d/.test(String(server)), `${url}: Server header gives a version: ${server}`);
}

function assertSiteErrorPage(res: Response, url: string): void {
  assert.equal(res.statusCode, 404, `${url} should be 404`);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/, url);
  assert.match(res.body, /class="site-header"/, `${url}: the 404 page has the site header`);
  assert.match(res.body, /<h1[^>]*>Page not found<\/h1>/, url);
  assert.match(res.body, /href="\/writing"/, url);
}

/** A copy of the demo content with a small page size, so every listing has several pages. */
function pagedContent(pageSize: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'byline-paged-'));
  cpSync(demoContentDir, dir, { recursive: true });
  const file = join(dir, 'site.yaml');
  const source = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    /^pageSize:/m.test(source) ? source.replace(/^pageSize:.*$/m, `pageSize: ${pageSize}`) : `${source}\npageSize: ${pageSize}\n`,
  );
  return dir;
}

let demo: TestApp;
let paged: TestApp;
let pagedDir: string;

before(async () => {
  demo = await startTestApp({ listen: false });
  pagedDir = pagedContent(3);
  paged = await startTestApp({ listen: false, contentDir: pagedDir });
});

after(async () => {
  await demo?.close();
  await paged?.close();
  if (pagedDir) rmSync(pagedDir, { recursive: true, force: true });
});

function bookArticle(t: TestApp): Article {
  const article =
    t.ctx.content.site.articles.find((a) => a.book !== undefined && a.corrections.length > 0) ??
    t.ctx.content.site.articles.find((a) => a.book !== undefined);
  assert.ok(article, 'the demo content has an article from the book');
  return article;
}

describe('pages', () => {
  test('home shows the latest writing, the book and the author', async () => {
    const res = await get(demo, '/');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    // Anonymous pages may be kept a moment by a shared cache (nginx, a CDN): see SHARED_CACHE.
    assert.equal(res.headers['cache-control'], SHARED_CACHE);
    assert.ok(res.headers.etag);
    const { site } = demo.ctx.content;
    assert.match(res.body, /<html lang="en">/);
    assert.match(res.body, /<a class="skip-link" href="#main">Skip to content<\/a>/);
    for (const article of site.articles.slice(0, site.config.pageSize))
      assert.ok(res.body.includes(`href="/writing/${article.slug}"`), article.slug);
    const book = site.books[0]!;
    assert.ok(res.body.includes(`href="/books/${book.slug}"`));
    assert.ok(res.body.includes(`src="${book.cover}"`));
    assert.ok(res.body.includes('Latest writing'));
    assert.equal(canonicalOf(res.body), `${demo.ctx.baseUrl()}/`);
    assert.match(res.body, /<link rel="alternate" type="application\/atom\+xml"[^>]*href="\/feed.xml"/);
    assert.match(res.body, /<link rel="alternate" type="application\/feed\+json"[^>]*href="\/feed.json"/);
    assert.match(res.body, /<meta property="og:title"/);
    assert.match(res.body, /<meta name="twitter:card"/);
    assert.match(res.body, /href="\/signin"/, 'anonymous readers see Sign in');
  });

  test('an article has every part of its anatomy, in order', async () => {
    const article = bookArticle(demo);
    const res = await get(demo, `/writing/${article.slug}`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    const html = res.body;
    const marks = [
      `class="kicker"><a href="/sections/${article.section.slug}"`,
      '<h1 class="article-title">',
      '<p class="dek">',
      `<time datetime="${article.date}"`,
      '<div class="prose">',
      'Filed under:',
      'class="from-the-book"',
      '<section id="comments" aria-labelledby="comments-title" class="comments">',
      'Back to all writing',
    ];
    let last = -1;
    for (const mark of marks) {
      const at = html.indexOf(mark);
      assert.ok(at > last, `"${mark}" should come after the previous part (at ${at}, previous ${last})`);
      last = at;
    }
    assert.ok(html.includes(`${article.readingMinutes} min read`));
    assert.ok(html.includes('id="comments-title"'));
    for (const tag of article.tags) assert.ok(html.includes(`href="/tags/${tag.slug}"`), tag.slug);
    const book = demo.ctx.content.site.bookBySlug(article.book!)!;
    assert.match(
      html,
      new RegExp(
        `<img class="from-the-book-cover" src="${book.cover}" width="${book.coverWidth}" height="${book.coverHeight}" alt="[^"]+"`,
      ),
    );
    assert.ok(html.includes(`${book.pages} pages`));
    assert.ok(html.includes('About the book'));
    if (article.chapter !== undefined) assert.ok(html.includes(`Chapter ${article.chapter}:`));
    if (article.corrections.length > 0) {
      assert.match(html, /class="correction-note" role="note"/);
      assert.ok(html.indexOf('correction-note') < html.indexOf('<div class="prose">'), 'the correction note is above the body');
      assert.ok(html.includes(`<time datetime="${article.corrections[0]!.date}"`));
    }
    const ld = jsonLdBlocks(html).find((b) => b['@type'] === 'BlogPosting');
    assert.ok(ld, 'BlogPosting JSON-LD');
    assert.equal(ld.headline, article.title);
    assert.equal(ld.datePublished, article.date);
    assert.equal(ld.dateModified, article.updated ?? article.date);
    assert.equal(ld.articleSection, article.section.title);
    assert.equal((ld.about as Record<string, unknown>)['@type'], 'Book');
    assert.equal(canonicalOf(html), `${demo.ctx.baseUrl()}/writing/${article.slug}`);
  });

  test('an article with corrections lists them all at the end, dated', async () => {
    const article = demo.ctx.content.site.articles.find((a) => a.corrections.length > 1);
    assert.ok(article, 'the demo has an article corrected more than once');
    const html = (await get(demo, `/writing/${article.slug}`)).body;
    const list = html.slice(html.indexOf('id="article-corrections"'), html.indexOf('Filed under:'));
    assert.ok(list.includes('>Corrections</h2>'));
    for (const c of article.corrections) {
      assert.ok(list.includes(`<time datetime="${c.date}"`), c.date);
      assert.ok(list.includes(c.wrong.replace(/"/g, '&quot;')) || list.includes(c.wrong), c.wrong);
    }
    assert.ok(html.includes('Updated <time'), 'the meta line says it was updated');
  });

  test('long articles get a table of contents; every entry points at a heading', async () => {
    const article = demo.ctx.content.site.articles.find((a) => a.toc.length >= 4 || (a.toc.length > 0 && a.wordCount >= 1200));
    assert.ok(article);
    const html = (await get(demo, `/writing/${article.slug}`)).body;
    assert.match(html, /<nav class="toc" aria-label="Contents">/);
    const toc = html.slice(html.indexOf('<nav class="toc"'), html.indexOf('</nav>', html.indexOf('<nav class="toc"')));
    for (const entry of article.toc) {
      assert.ok(html.includes(`id="${entry.id}"`), entry.id);
      if (entry.level === 2 || article.toc.length <= 12) assert.ok(toc.includes(`href="#${entry.id}"`), `contents link to ${entry.id}`);
    }
    const short = demo.ctx.content.site.articles.find((a) => a.toc.length < 4 && a.wordCount < 1200);
    if (short) assert.doesNotMatch((await get(demo, `/writing/${short.slug}`)).body, /aria-label="Contents"/);
  });

  test('all writing lists every published article on one page when they fit', async () => {
    const res = await get(demo, '/writing');
    assert.equal(res.statusCode, 200);
    for (const a of demo.ctx.content.site.articles) assert.ok(res.body.includes(`href="/writing/${a.slug}"`));
    assert.doesNotMatch(res.body, /rel="(next|prev)"/);
    assert.equal(canonicalOf(res.body), `${demo.ctx.baseUrl()}/writing`);
  });

  test('pagination: Newer/Older with rel prev/next, ?page=1 canonical as /writing', async () => {
    const { site } = paged.ctx.content;
    const pages = Math.ceil(site.articles.length / 3);
    assert.ok(pages >= 3, 'the paged copy has at least three pages');
    const first = await get(paged, '/writing');
    assert.match(first.body, /<a href="\/writing\?page=2" rel="next"[^>]*>Older/);
    assert.doesNotMatch(first.body, /rel="prev"/);
    assert.equal(canonicalOf((await get(paged, '/writing?page=1')).body), `${paged.ctx.baseUrl()}/writing`);
    const second = await get(paged, '/writing?page=2');
    assert.equal(second.statusCode, 200);
    assert.match(second.body, /<a href="\/writing" rel="prev"[^>]*>.*?Newer/);
    assert.match(second.body, /<a href="\/writing\?page=3" rel="next"/);
    assert.equal(canonicalOf(second.body), `${paged.ctx.baseUrl()}/writing?page=2`);
    for (const a of site.articles.slice(3, 6)) assert.ok(second.body.includes(`href="/writing/${a.slug}"`));
    const last = await get(paged, `/writing?page=${pages}`);
    assert.equal(last.statusCode, 200);
    assert.doesNotMatch(last.body, /rel="next"/);
    // Every article appears on exactly one page.
    const seen: string[] = [];
    for (let p = 1; p <= pages; p++) {
      const body = (await get(paged, `/writing?page=${p}`)).body;
      for (const a of site.articles) if (body.includes(`<a href="/writing/${a.slug}">`)) seen.push(a.slug);
    }
    assert.deepEqual(seen.sort(), site.articles.map((a) => a.slug).sort());
  });

  test('pages past the end and malformed page numbers are 404 in the site style', async () => {
    const pages = Math.ceil(paged.ctx.content.site.articles.length / 3);
    for (const q of [String(pages + 1), '0', '-1', 'abc', '1.5', '', '2&page=3', '99999999999']) {
      assertSiteErrorPage(await get(paged, `/writing?page=${q}`), `/writing?page=${q}`);
    }
    assertSiteErrorPage(await get(demo, '/writing?page=2'), 'demo /writing?page=2');
  });

  test('section and tag listings', async () => {
    const { site } = demo.ctx.content;
    const section = site.sections[0]!;
    const res = await get(demo, `/sections/${section.slug}`);
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes(`<h1 class="page-title">${section.title}</h1>`));
    for (const a of site.articlesInSection(section.slug)) assert.ok(res.body.includes(`href="/writing/${a.slug}"`));
    if (section.description) assert.ok(res.body.includes(section.description.replace(/&/g, '&amp;')));
    const tag = site.tags[0]!;
    const tagRes = await get(demo, `/tags/${tag.slug}`);
    assert.equal(tagRes.statusCode, 200);
    for (const a of site.articlesWithTag(tag.slug)) assert.ok(tagRes.body.includes(`href="/writing/${a.slug}"`));
    // Listings paginate like /writing.
    const big = paged.ctx.content.site.sections.find((s) => paged.ctx.content.site.articlesInSection(s.slug).length > 3);
    if (big) {
      const p1 = await get(paged, `/sections/${big.slug}`);
      assert.match(p1.body, new RegExp(`href="/sections/${big.slug}\\?page=2" rel="next"`));
      assert.equal((await get(paged, `/sections/${big.slug}?page=2`)).statusCode, 200);
      assertSiteErrorPage(await get(paged, `/sections/${big.slug}?page=99`), 'section page 99');
    }
  });

  test('the book page: facts, buy links, chapters, JSON-LD', async () => {
    const { site } = demo.ctx.content;
    const book = site.books[0]!;
    const res = await get(demo, `/books/${book.slug}`);
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.ok(html.includes(`<h1 class="page-title book-title">${book.title}</h1>`));
    assert.match(html, new RegExp(`src="${book.cover}" width="${book.coverWidth}" height="${book.coverHeight}" alt="[^"]+"`));
    assert.ok(html.includes(String(book.pages)));
    if (book.isbn) assert.ok(html.includes(book.isbn));
    for (const link of book.links) assert.ok(html.includes(`href="${link.url.replace(/&/g, '&amp;')}" rel="noopener"`), link.url);
    const articles = site.articlesInBook(book.slug);
    const text = html.replace(/<[^>]+>/g, '');
    for (const a of articles) {
      assert.ok(html.includes(`href="/writing/${a.slug}"`));
      if (a.chapter !== undefined) {
        const chapter = book.chapters.find((c) => c.number === a.chapter)!;
        const heading = text.indexOf(`Chapter ${chapter.number}: ${chapter.title}`);
        const entry = text.indexOf(a.title, heading);
        assert.ok(heading > 0 && entry > heading, `"Chapter ${chapter.number}: ${chapter.title}" heads its articles`);
      }
    }
    const ld = jsonLdBlocks(html).find((b) => b['@type'] === 'Book');
    assert.ok(ld, 'Book JSON-LD');
    assert.equal(ld.isbn, book.isbn);
    assert.equal(ld.numberOfPages, book.pages);
    assert.equal(ld.name, book.title);
    assert.equal((ld.author as { name: string }).name, book.author);
    assert.equal((ld.hasPart as unknown[]).length, articles.length);
  });

  test('corrections page lists every correction newest first', async () => {
    const res = await get(demo, '/corrections');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /corrects its mistakes in the open/);
    const { corrections } = demo.ctx.content.site;
    assert.ok(corrections.length > 0);
    let last = -1;
    for (const c of corrections) {
      const at = res.body.indexOf(`<time datetime="${c.date}"`, last + 1);
      assert.ok(at > last, `correction of ${c.date} in order`);
      assert.ok(res.body.includes(`href="/writing/${c.article.slug}"`));
      last = at;
    }
  });

  test('unknown article, section, tag, book and media are 404 in the site style', async () => {
    for (const url of ['/writing/no-such-piece', '/sections/nope', '/tags/nope', '/books/nope', '/media/nope.svg', '/a/b/c']) {
      assertSiteErrorPage(await get(demo, url), url);
    }
  });

  test('drafts are 404 unless previewing, and marked as drafts when previewed', async () => {
    const preview = await startTestApp({ listen: false, config: { dev: true } });
    try {
      const draft = preview.ctx.content.site.drafts[0];
      assert.ok(draft, 'the demo content has a draft');
      assertSiteErrorPage(await get(demo, `/writing/${draft.slug}`), 'draft');
      for (const url of ['/', '/writing', '/feed.xml', '/feed.json', '/sitemap.xml', '/corrections', `/sections/${draft.section.slug}`]) {
        assert.ok(!(await get(demo, url)).body.includes(`/writing/${draft.slug}`), `${url} does not mention the draft`);
        assert.ok(
          !(await get(preview, url)).body.includes(`/writing/${draft.slug}`),
          `${url} does not list the draft, even when previewing`,
        );
      }
      const res = await get(preview, `/writing/${draft.slug}`);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /class="draft-label"/);
      assert.match(res.body, /<meta name="robots" content="noindex"\/>/);
    } finally {
      await preview.close();
    }
  });

  test('media are served with a validator and a day of caching', async () => {
    const [path, media] = [...demo.ctx.content.site.media][0]!;
    const res = await get(demo, path);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], media.contentType);
    assert.equal(res.headers['cache-control'], 'public, max-age=86400');
    assert.deepEqual(res.rawPayload, readFileSync(media.file));
    const again = await get(demo, path, { 'if-none-match': String(res.headers.etag) });
    assert.equal(again.statusCode, 304);
  });

  test('robots.txt and healthz', async () => {
    const robots = await get(demo, '/robots.txt');
    assert.equal(robots.statusCode, 200);
    assert.equal(robots.headers['content-type'], 'text/plain; charset=utf-8');
    for (const line of [
      'User-agent: *',
      'Disallow: /api/',
      'Disallow: /admin/',
      'Disallow: /me',
      `Sitemap: ${demo.ctx.baseUrl()}/sitemap.xml`,
    ]) {
      assert.ok(robots.body.split('\n').includes(line), line);
    }
    const health = await get(demo, '/healthz');
    assert.equal(health.statusCode, 200);
    assert.match(String(health.headers['content-type']), /^application\/json/);
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');
  });
});

describe('HTTP behaviour', () => {
  const urls = () => {
    const { site } = demo.ctx.content;
    return [
      '/',
      '/writing',
      `/writing/${site.articles[0]!.slug}`,
      `/sections/${site.sections[0]!.slug}`,
      `/tags/${site.tags[0]!.slug}`,
      `/books/${site.books[0]!.slug}`,
      '/corrections',
      '/feed.xml',
      '/feed.json',
      '/sitemap.xml',
      '/robots.txt',
      demo.ctx.assets.css.path,
      demo.ctx.assets.js.path,
      [...site.media.keys()][0]!,
    ];
  };

  test('a matching If-None-Match gives 304 with no body', async () => {
    for (const url of urls()) {
      const res = await get(demo, url);
      assert.equal(res.statusCode, 200, url);
      const etag = res.headers.etag;
      assert.ok(etag, `${url} has an ETag`);
      const again = await get(demo, url, { 'if-none-match': String(etag) });
      assert.equal(again.statusCode, 304, url);
      assert.equal(again.body, '', url);
      const other = await get(demo, url, { 'if-none-match': '"something-else"' });
      assert.equal(other.statusCode, 200, url);
    }
  });

  test('gzip and br answers decode to the same body', async () => {
    for (const url of urls()) {
      const plain = await get(demo, url);
      const gz = await get(demo, url, { 'accept-encoding': 'gzip' });
      const br = await get(demo, url, { 'accept-encoding': 'br, gzip' });
      if (gz.headers['content-encoding'] === 'gzip') assert.deepEqual(gunzipSync(gz.rawPayload), plain.rawPayload, url);
      else assert.deepEqual(gz.rawPayload, plain.rawPayload, url);
      if (br.headers['content-encoding'] === 'br') assert.deepEqual(brotliDecompressSync(br.rawPayload), plain.rawPayload, url);
      else assert.deepEqual(br.rawPayload, plain.rawPayload, url);
      if (/^(text|application)\//.test(String(plain.headers['content-type'])) && plain.rawPayload.length > 2048) {
        assert.equal(br.headers['content-encoding'], 'br', `${url} is compressed`);
      }
    }
  });

  test('HEAD returns the headers and no body', async () => {
    for (const url of urls()) {
      const res = await demo.app.inject({ method: 'HEAD', url });
      assert.equal(res.statusCode, 200, url);
      assert.ok(res.headers['content-type'], url);
      assert.ok(res.headers.etag, url);
      assert.equal(res.body, '', url);
    }
  });

  test('feeds, sitemap and robots have their content types', async () => {
    const types: Record<string, string> = {
      '/feed.xml': 'application/atom+xml; charset=utf-8',
      '/feed.json': 'application/feed+json; charset=utf-8',
      '/sitemap.xml': 'application/xml; charset=utf-8',
      '/robots.txt': 'text/plain; charset=utf-8',
    };
    for (const [url, type] of Object.entries(types)) assert.equal((await get(demo, url)).headers['content-type'], type, url);
  });

  test('crawl: every same-origin link answers 200, every response carries the security headers', async () => {
    const apps: [string, TestApp][] = [
      ['demo', demo],
      ['paged', paged],
    ];
    for (const [name, t] of apps) {
      const queue = ['/'];
      const seen = new Set(queue);
      const broken: string[] = [];
      while (queue.length > 0) {
        const url = queue.shift()!;
        const res = await get(t, url);
        assertSecurityHeaders(res, url);
        if (res.statusCode !== 200) {
          broken.push(`${url} → ${res.statusCode}`);
          continue;
        }
        if (!String(res.headers['content-type']).startsWith('text/html')) continue;
        for (const link of linksIn(res.body)) {
          if (!link.startsWith('/') || link.startsWith('//')) continue;
          if (!seen.has(link) && seen.size < 2000) {
            seen.add(link);
            queue.push(link);
          }
        }
      }
      assert.deepEqual(broken, [], `${name}: broken links`);
      const { site } = t.ctx.content;
      for (const a of site.articles) assert.ok(seen.has(`/writing/${a.slug}`), `${name}: crawl reaches ${a.slug}`);
      for (const s of site.sections) assert.ok(seen.has(`/sections/${s.slug}`), `${name}: crawl reaches section ${s.slug}`);
      for (const tag of site.tags) assert.ok(seen.has(`/tags/${tag.slug}`), `${name}: crawl reaches tag ${tag.slug}`);
      for (const path of ['/corrections', '/feed.xml', '/feed.json', t.ctx.assets.css.path, t.ctx.assets.js.path]) {
        assert.ok(seen.has(path), `${name}: crawl reaches ${path}`);
      }
    }
    // Error answers carry the headers too.
    assertSecurityHeaders(await get(demo, '/no-such-page'), '/no-such-page');
  });
});

describe('templates', () => {
  test('the header shows a signed-in viewer, escaped, with an unread badge', () => {
    const article = demo.ctx.content.site.articles[0]!;
    const html = renderArticleDocument(demo.ctx, article, null, { name: '<b>Ann</b> & co', isAuthor: false, unread: 3 });
    assert.ok(html.includes('<a href="/me" class="viewer-name">&lt;b>Ann&lt;/b> &amp; co</a>'));
    assert.ok(html.includes('<a href="/inbox" class="inbox-badge">3 new</a>'));
    assert.ok(!html.includes('href="/signin"'));
    const none = renderArticleDocument(demo.ctx, article, null, { name: 'Ann', isAuthor: true, unread: 0 });
    assert.ok(!none.includes('inbox-badge'));
    assert.ok(renderArticleDocument(demo.ctx, article, null, null).includes('href="/signin"'));
  });

  test('the discussion is rendered where the comments go; the placeholder only when there is none', async () => {
    const article = demo.ctx.content.site.articles[0]!;
    const { h } = await import('preact');
    const html = renderArticleDocument(demo.ctx, article, h('h2', { id: 'comments-title' }, 'Talk'));
    assert.match(
      html,
      /<section id="comments" aria-labelledby="comments-title" class="comments"><h2 id="comments-title">Talk<\/h2><\/section>/,
    );
    assert.match(renderArticleDocument(demo.ctx, article, undefined), /<h2 id="comments-title">Comments<\/h2>/);
  });

  test('JSON-LD cannot close its script element', () => {
    const json = jsonForScript({ headline: '</script><script>alert(1)</script> & \u2028' });
    assert.ok(!json.includes('<') && !json.includes('>') && !json.includes('&'));
    assert.deepEqual(JSON.parse(json), { headline: '</script><script>alert(1)</script> & \u2028' });
  });

  test('error pages never throw, even with a broken context', () => {
    const broken = {
      get content(): never {
        throw new Error('no site');
      },
    } as unknown as AppContext;
    for (const page of [notFoundPage, serverErrorPage, unavailablePage]) {
      for (const ctx of [broken, {} as AppContext]) {
        const html = page(ctx);
        assert.match(html, /^<!doctype html>/i);
        assert.match(html, /<h1[^>]*>[^<]+<\/h1>/);
        assert.match(html, /href="\/"/);
      }
      assert.match(page(demo.ctx), /class="site-header"/);
    }
  });
});
