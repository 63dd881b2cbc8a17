import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { feedHtml, xmlEscape } from '../src/web/feeds.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';

/**
 * A strict little XML well-formedness check: one root element, every start tag closed in order,
 * quoted attributes without '<', no duplicate attributes, '&' only as a known or numeric entity,
 * comments, CDATA and processing instructions closed. Enough to catch what a feed generator or
 * a hand-written sitemap can get wrong (unescaped text, broken nesting).
 */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  const fail = (why: string): never => assert.fail(`not well-formed at ${i}: ${why}\n…${xml.slice(Math.max(0, i - 80), i + 80)}…`);
  const checkText = (text: string, inAttribute = false) => {
    if (text.includes('<')) fail('"<" in text');
    if (!inAttribute && text.includes(']]>')) fail('"]]>" in text');
    for (const m of text.matchAll(/&([^;\s]*);?/g)) {
      if (!/^&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(m[0])) fail(`bad entity ${m[0]}`);
    }
    if (!inAttribute && stack.length === 0 && text.trim() !== '') fail('text outside the root element');
  };
  const NAME = /^[A-Za-z_:][\w.:-]*/;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = lt === -1 ? xml.slice(i) : xml.slice(i, lt);
    checkText(text);
    if (lt === -1) break;
    i = lt;
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end === -1) fail('unclosed processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end === -1) fail('unclosed comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) fail('CDATA outside the root');
      const end = xml.indexOf(']]>', i);
      if (end === -1) fail('unclosed CDATA');
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_:][\w.:-]*)\s*>/.exec(xml.slice(i));
      if (!m) fail('malformed end tag');
      const open = stack.pop();
      if (open !== m![1]) fail(`</${m![1]}> closes <${open}>`);
      i += m![0].length;
    } else {
      const rest = xml.slice(i + 1);
      const name = NAME.exec(rest)?.[0];
      if (!name) fail('malformed start tag');
      let j = i + 1 + name!.length;
      const attrs = new Set<string>();
      for (;;) {
        const ws = /^\s*/.exec(xml.slice(j))![0];
        j += ws.length;
        if (xml.startsWith('/>', j)) {
          j += 2;
          if (stack.length === 0) roots += 1;
          break;
        }
        if (xml[j] === '>') {
          j += 1;
          if (stack.length === 0) roots += 1;
          stack.push(name!);
          break;
        }
        if (ws.length === 0) fail('attributes must be separated by white space');
        const attr = /^([A-Za-z_:][\w.:-]*)\s*=\s*("[^"<]*"|'[^'<]*')/.exec(xml.slice(j));
        if (!attr) fail(`malformed attribute in <${name}>`);
        if (attrs.has(attr![1]!)) fail(`duplicate attribute ${attr![1]}`);
        attrs.add(attr![1]!);
        checkText(attr![2]!.slice(1, -1), true);
        j += attr![0].length;
      }
      i = j;
    }
  }
  if (stack.length > 0) assert.fail(`unclosed elements: ${stack.join(' > ')}`);
  assert.equal(roots, 1, 'exactly one root element');
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

let t: TestApp;
let preview: TestApp;

before(async () => {
  t = await startTestApp({ listen: false });
  // Previewing loads the drafts too, so the test can name them and check they stay out.
  preview = await startTestApp({ listen: false, config: { dev: true } });
});

after(async () => {
  await t?.close();
  await preview?.close();
});

async function body(app: TestApp, url: string): Promise<string> {
  const res = await app.app.inject({ method: 'GET', url });
  assert.equal(res.statusCode, 200, url);
  return res.body;
}

describe('the well-formedness checker itself', () => {
  test('accepts good XML and refuses broken XML', () => {
    assertWellFormedXml('<?xml version="1.0"?><a x="1"><b/><c>t &amp; &#233; <![CDATA[<p>&</p>]]></c></a>');
    for (const bad of ['<a><b></a></b>', '<a>x < y</a>', '<a>AT&T</a>', '<a x="1" x="2"/>', '<a>', '<a/><b/>', '<a x=1/>', 'text<a/>']) {
      assert.throws(() => assertWellFormedXml(bad), bad);
    }
  });
});

describe('Atom feed', () => {
  test('is well-formed, with one entry per published article and absolute links', async () => {
    const xml = await body(t, '/feed.xml');
    assertWellFormedXml(xml);
    assert.match(xml, /<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    const base = t.ctx.baseUrl();
    assert.ok(xml.includes(`<link rel="self" href="${base}/feed.xml"/>`));
    assert.ok(xml.includes(`<id>${base}/</id>`));
    const { site } = t.ctx.content;
    assert.equal(count(xml, '<entry>'), site.articles.length);
    for (const a of site.articles) {
      const url = `${base}/writing/${a.slug}`;
      assert.equal(count(xml, `<id>${url}</id>`), 1, a.slug);
      assert.equal(count(xml, `<link href="${url}"/>`), 1, a.slug);
    }
    for (const m of xml.matchAll(/<link [^>]*href="([^"]*)"/g)) assert.match(m[1]!, /^https?:\/\//, 'absolute link');
    // Inside the HTML content, no site-relative links or images are left.
    for (const m of xml.matchAll(/<content type="html"><!\[CDATA\[([\s\S]*?)\]\]><\/content>/g)) {
      assert.doesNotMatch(m[1]!, /\s(?:href|src)="\/(?!\/)/, 'content links are absolute');
      assert.doesNotMatch(m[1]!, /class="copy-button"/, 'page-only controls are dropped');
    }
    assert.equal(count(xml, '<content type="html">'), site.articles.length, 'full content in every entry');
  });

  test('an entry is updated when its article was; a corrected one carries its newest correction date', async () => {
    const xml = await body(t, '/feed.xml');
    const { site } = t.ctx.content;
    const corrected = site.articles.filter((a) => a.corrections.length > 0);
    assert.ok(corrected.length > 0, 'the demo has corrected articles');
    const entries = xml.split('<entry>').slice(1);
    for (const a of site.articles) {
      const entry = entries.find((e) => e.includes(`<id>${t.ctx.baseUrl()}/writing/${a.slug}</id>`))!;
      const updated = /<updated>([^<]*)<\/updated>/.exec(entry)?.[1];
      const published = /<published>([^<]*)<\/published>/.exec(entry)?.[1];
      assert.equal(published?.slice(0, 10), a.date, `${a.slug} published`);
      assert.equal(updated?.slice(0, 10), a.updated ?? a.date, `${a.slug} updated`);
      if (a.corrections.length > 0) {
        const newest = a.corrections
          .map((c) => c.date)
          .sort()
          .pop()!;
        assert.ok(updated!.slice(0, 10) >= newest, `${a.slug}: updated ${updated} is not before its newest correction ${newest}`);
        if (!a.updated || a.updated === newest) assert.equal(updated!.slice(0, 10), newest);
      }
    }
    const newestOverall = site.articles
      .map((a) => a.updated ?? a.date)
      .sort()
      .pop()!;
    assert.equal(/<feed[^>]*>[\s\S]*?<updated>([^<]*)<\/updated>/.exec(xml)?.[1]?.slice(0, 10), newestOverall);
  });
});

describe('JSON Feed', () => {
  test('is JSON Feed 1.1 with one item per published article', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/feed.json' });
    assert.equal(res.headers['content-type'], 'application/feed+json; charset=utf-8');
    const feed = JSON.parse(res.body) as {
      version: string;
      title: string;
      home_page_url: string;
      feed_url: string;
      language: string;
      authors: { name: string }[];
      items: {
        id: string;
        url: string;
        title: string;
        content_html: string;
        date_published: string;
        date_modified: string;
        authors: { name: string }[];
      }[];
    };
    const base = t.ctx.baseUrl();
    assert.equal(feed.version, 'https://jsonfeed.org/version/1.1');
    assert.equal(feed.feed_url, `${base}/feed.json`);
    assert.equal(feed.home_page_url, `${base}/`);
    assert.equal(feed.language, t.ctx.content.site.config.language);
    assert.equal(feed.authors[0]?.name, t.ctx.content.site.config.authorNames[0]);
    assert.ok(!('author' in feed), '1.1 uses authors, not author');
    const { site } = t.ctx.content;
    assert.equal(feed.items.length, site.articles.length);
    for (const a of site.articles) {
      const items = feed.items.filter((i) => i.url === `${base}/writing/${a.slug}`);
      assert.equal(items.length, 1, a.slug);
      const item = items[0]!;
      assert.equal(item.id, item.url);
      assert.equal(item.title, a.title);
      assert.equal(item.date_published.slice(0, 10), a.date);
      assert.equal(item.date_modified.slice(0, 10), a.updated ?? a.date);
      assert.ok(item.authors.length > 0 && !('author' in item));
      assert.doesNotMatch(item.content_html, /\s(?:href|src)="\/(?!\/)/, `${a.slug}: content links are absolute`);
    }
  });
});

describe('sitemap', () => {
  test('is well-formed and lists every page once, with absolute URLs and lastmod', async () => {
    const xml = await body(t, '/sitemap.xml');
    assertWellFormedXml(xml);
    const locs = [...xml.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1]!);
    assert.equal(new Set(locs).size, locs.length, 'no duplicates');
    for (const loc of locs) assert.ok(loc.startsWith(`${t.ctx.baseUrl()}/`), loc);
    const { site } = t.ctx.content;
    const base = t.ctx.baseUrl();
    for (const a of site.articles) {
      assert.equal(count(xml, `<loc>${base}/writing/${a.slug}</loc>`), 1, a.slug);
      assert.ok(xml.includes(`<loc>${base}/writing/${a.slug}</loc><lastmod>${a.updated ?? a.date}</lastmod>`), `${a.slug} lastmod`);
    }
    for (const path of [
      '/',
      '/writing',
      '/corrections',
      ...site.sections.map((s) => `/sections/${s.slug}`),
      ...site.tags.map((x) => `/tags/${x.slug}`),
      ...site.books.map((b) => `/books/${b.slug}`),
    ]) {
      assert.ok(locs.includes(`${base}${path}`), path);
    }
  });
});

describe('drafts', () => {
  test('never appear in the feeds or the sitemap', async () => {
    const drafts = preview.ctx.content.site.drafts;
    assert.ok(drafts.length > 0, 'the demo content has a draft');
    for (const app of [t, preview]) {
      for (const url of ['/feed.xml', '/feed.json', '/sitemap.xml']) {
        const text = await body(app, url);
        for (const d of drafts) assert.ok(!text.includes(`/writing/${d.slug}`), `${url} leaks ${d.slug}`);
      }
    }
  });
});

describe('helpers', () => {
  test('xmlEscape escapes markup and drops characters XML forbids', () => {
    assert.equal(xmlEscape(`a<b>&"c'\u0001`), 'a&lt;b&gt;&amp;&quot;c&apos;');
  });

  test('feedHtml makes links absolute and drops page-only controls', () => {
    const html =
      '<h2 id="x">X <a class="anchor" href="#x" aria-label="Link to this section: X">#</a></h2>' +
      '<p><a href="/writing/y">y</a> <a href="https://other.example/z">z</a> <a href="#x">up</a> <a href="//cdn.example/q">q</a></p>' +
      '<img src="/media/a.svg" alt="">' +
      '<figure class="copyable"><figcaption><span>T</span><button type="button" class="copy-button" data-copy-target="copy-1" hidden>Copy</button></figcaption><pre id="copy-1"><code>]]></code></pre></figure>';
    const out = feedHtml(html, 'https://site.example', 'https://site.example/writing/w');
    assert.ok(out.includes('href="https://site.example/writing/y"'));
    assert.ok(out.includes('src="https://site.example/media/a.svg"'));
    assert.ok(out.includes('href="https://other.example/z"'));
    assert.ok(out.includes('href="//cdn.example/q"'));
    assert.ok(out.includes('href="https://site.example/writing/w#x"'));
    assert.ok(!out.includes('class="anchor"'));
    assert.ok(!out.includes('copy-button'));
    assert.ok(!out.includes(']]>'));
  });
});
