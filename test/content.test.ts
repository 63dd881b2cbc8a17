import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isIsoDate, isValidIsbn13 } from '../src/content/fields.ts';
import { loadSite } from '../src/content/load.ts';
import { renderMarkdown } from '../src/content/markdown.ts';
import { createArticle } from '../src/content/scaffold.ts';
import { slugify } from '../src/content/slug.ts';
import { watchContent } from '../src/content/watch.ts';

const DEMO = join(dirname(fileURLToPath(import.meta.url)), '..', 'content');

const SITE_YAML = `title: Test Site
description: A site for tests.
authorNames: [Test Author]
authorBio: Writes tests.
sections:
  execution:
    description: Getting things done.
`;

const SMALL_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80"></svg>';

const BOOK = `---
title: A Book
author: Test Author
pages: 120
isbn: 978-1-7391842-0-9
cover: cover.svg
coverAlt: A plain cover.
pitch: A short book.
chapters:
  - {number: 1, title: One}
  - {number: 2, title: Two}
---
About the book.
`;

function article(fields: string, body = 'Some text.\n'): string {
  return `---\n${fields.trim()}\n---\n\n${body}`;
}

const GOOD = `title: A good article
dek: It loads.
date: 2026-01-15
section: Execution
tags: [Scope]`;

const tempDirs: string[] = [];
after(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Builds a content folder with a valid site.yaml, one book and a cover, plus the given files. */
async function contentFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'byline-content-'));
  tempDirs.push(dir);
  const all: Record<string, string> = {
    'site.yaml': SITE_YAML,
    'books/a-book.md': BOOK,
    'media/cover.svg': SMALL_SVG,
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

async function problemsFor(files: Record<string, string>): Promise<string[]> {
  const result = await loadSite(await contentFolder(files));
  if (result.problems.length > 0) assert.equal(result.site, undefined);
  return result.problems;
}

function assertProblem(problems: string[], expected: string): void {
  assert.ok(
    problems.some((p) => p.includes(expected)),
    `expected a problem containing\n  ${expected}\ngot:\n  ${problems.join('\n  ') || '(none)'}`,
  );
}

describe('the demo content', () => {
  test('loads without problems, with and without drafts', async () => {
    const published = await loadSite(DEMO);
    assert.deepEqual(published.problems, []);
    assert.equal(published.site?.drafts.length, 0);

    const { site, problems } = await loadSite(DEMO, { includeDrafts: true });
    assert.deepEqual(problems, []);
    assert.ok(site);
    assert.equal(site.config.title, 'Mara Quill');
    assert.deepEqual(site.config.authorNames, ['Mara Quill']);
    assert.equal(site.config.baseUrl, 'http://localhost:3000');
    assert.equal(site.config.commentsCloseAfterDays, 0);
    assert.ok(site.articles.length >= 7, `${site.articles.length} published articles`);
    assert.equal(site.drafts.length, 1);
    assert.ok(site.sections.length >= 3);
    assert.ok(site.tags.length >= 4);
    assert.equal(site.books.length, 1);
    assert.ok(site.corrections.length >= 3);
  });

  test('has the shape the product needs to show off', async () => {
    const { site } = await loadSite(DEMO, { includeDrafts: true });
    assert.ok(site);
    const book = site.bookBySlug('the-finishing-habit');
    assert.ok(book);
    assert.equal(book.title, 'The Finishing Habit');
    assert.ok(book.isbn && isValidIsbn13(book.isbn));
    assert.ok(book.chapters.length >= 5);
    assert.ok(book.links.length >= 2 && book.links.length <= 3);
    assert.equal(book.cover, '/media/finishing-habit-cover.svg');
    assert.equal(book.coverWidth, 600);
    assert.equal(book.coverHeight, 900);
    assert.ok(site.articlesInBook(book.slug).length >= 4);

    const words = site.articles.map((a) => a.wordCount);
    assert.ok(
      words.some((w) => w >= 1800 && w <= 2300),
      'one long article of about 2,000 words',
    );
    assert.ok([...site.articles, ...site.drafts].every((a) => a.wordCount >= 500));
    assert.ok(site.articles.some((a) => a.html.includes('copyable-template')));
    assert.ok(site.articles.some((a) => a.html.includes('copyable-checklist')));
    assert.ok(site.articles.some((a) => a.comments === 'closed'));
    assert.ok(site.articles.some((a) => a.corrections.length === 2));
    assert.ok(site.articles.some((a) => a.corrections.length === 1));
    assert.ok(site.articles.some((a) => /<img [^>]*width="\d+" height="\d+"/.test(a.html)));
    for (const a of [...site.articles, ...site.drafts]) {
      assert.ok(a.date >= '2025-01-01' && a.date <= '2026-11-20', `${a.slug} date ${a.date}`);
    }
  });

  test('lists newest first and sorts sections and tags by title', async () => {
    const { site } = await loadSite(DEMO, { includeDrafts: true });
    assert.ok(site);
    const dates = site.articles.map((a) => a.date);
    assert.deepEqual(dates, [...dates].sort().reverse());
    const titles = site.sections.map((s) => s.title);
    assert.deepEqual(
      titles,
      [...titles].sort((a, b) => a.localeCompare(b)),
    );
    const correctionDates = site.corrections.map((c) => c.date);
    assert.deepEqual(correctionDates, [...correctionDates].sort().reverse());
    const execution = site.sections.find((s) => s.slug === 'execution');
    assert.ok(execution?.description, 'section descriptions come from site.yaml');
  });
});

describe('content problems', () => {
  test('a valid small folder loads', async () => {
    const dir = await contentFolder({ 'writing/good.md': article(GOOD) });
    const { site, problems } = await loadSite(dir);
    assert.deepEqual(problems, []);
    assert.equal(site?.articles[0]?.slug, 'good');
    assert.equal(site?.articles[0]?.section.description, 'Getting things done.');
    assert.equal(site?.config.pageSize, 10);
    assert.equal(site?.config.language, 'en');
  });

  test('a date that is not YYYY-MM-DD', async () => {
    const problems = await problemsFor({ 'writing/foo.md': article(GOOD.replace('2026-01-15', '2026-13-01')) });
    assertProblem(problems, "writing/foo.md: date '2026-13-01' is not a date");
  });

  test('an impossible calendar date', async () => {
    const problems = await problemsFor({ 'writing/foo.md': article(GOOD.replace('2026-01-15', '2026-02-30')) });
    assertProblem(problems, "writing/foo.md: date '2026-02-30' is not a date");
    assert.equal(isIsoDate('2028-02-29'), true);
    assert.equal(isIsoDate('2026-02-29'), false);
  });

  test('a missing required field', async () => {
    const problems = await problemsFor({ 'writing/foo.md': article(GOOD.replace('title: A good article\n', '')) });
    assertProblem(problems, "writing/foo.md: missing required field 'title'");
  });

  test('an unknown field, with a suggestion', async () => {
    const problems = await problemsFor({
      'writing/foo.md': article(GOOD.replace('title:', 'tittle:') + '\ntitle: Fixed'),
    });
    assertProblem(problems, "writing/foo.md: unknown field 'tittle' (did you mean 'title'?)");
  });

  test('front matter that is not valid YAML', async () => {
    const problems = await problemsFor({ 'writing/foo.md': article(`${GOOD}\ntags: [unclosed`) });
    assert.equal(problems.length, 1);
    assertProblem(problems, 'writing/foo.md: front matter is not valid YAML: ');
  });

  test('a file without front matter', async () => {
    const problems = await problemsFor({ 'writing/foo.md': '# Just a heading\n' });
    assertProblem(problems, 'writing/foo.md: missing front matter');
  });

  test('a book that does not exist', async () => {
    const problems = await problemsFor({ 'writing/foo.md': article(`${GOOD}\nbook: nope\nchapter: 1`) });
    assertProblem(problems, "writing/foo.md: book 'nope' does not exist (books: a-book)");
  });

  test('a chapter without a book, and a chapter the book does not have', async () => {
    const problems = await problemsFor({
      'writing/foo.md': article(`${GOOD}\nchapter: 2`),
      'writing/bar.md': article(`${GOOD}\nbook: a-book\nchapter: 9`),
    });
    assertProblem(problems, 'writing/foo.md: chapter is set but book is not');
    assertProblem(problems, "writing/bar.md: chapter 9 is not a chapter of 'a-book'");
  });

  test('two articles with the same slug', async () => {
    const problems = await problemsFor({
      'writing/a.md': article(`${GOOD}\nslug: x`),
      'writing/b.md': article(`${GOOD}\nslug: x`),
    });
    assertProblem(problems, "writing/a.md: slug 'x' is also used by writing/b.md");
    assertProblem(problems, "writing/b.md: slug 'x' is also used by writing/a.md");
  });

  test('an ISBN with a wrong check digit', async () => {
    const problems = await problemsFor({ 'books/a-book.md': BOOK.replace('978-1-7391842-0-9', '978-1-7391842-0-8') });
    assertProblem(problems, "books/a-book.md: isbn '978-1-7391842-0-8' has a wrong check digit");
    assert.equal(isValidIsbn13('9780306406157'), true);
    assert.equal(isValidIsbn13('9780306406158'), false);
  });

  test('a cover that is not under media/', async () => {
    const problems = await problemsFor({ 'books/a-book.md': BOOK.replace('cover: cover.svg', 'cover: missing.png') });
    assertProblem(problems, "books/a-book.md: cover 'missing.png' does not exist under media/");
  });

  test('a book link that is not an http(s) URL', async () => {
    const problems = await problemsFor({
      'books/a-book.md': BOOK.replace('chapters:', 'links:\n  - {label: Buy, url: "javascript:alert(1)"}\nchapters:'),
    });
    assertProblem(problems, "books/a-book.md: links item 1: url 'javascript:alert(1)' must be an absolute http(s) URL");
  });

  test('an image in the body that is not under media/', async () => {
    const problems = await problemsFor({
      'writing/foo.md': article(GOOD, 'Look: ![A diagram](media/nope.svg)\n'),
      'writing/bar.md': article(GOOD.replace('A good', 'Another'), '![Remote](https://example.com/x.png)\n'),
    });
    assertProblem(problems, "writing/foo.md: image 'media/nope.svg' does not exist under media/");
    assertProblem(problems, "writing/bar.md: image 'https://example.com/x.png' is not a file under media/");
  });

  test('a comments value other than open or closed', async () => {
    const problems = await problemsFor({ 'writing/foo.md': article(`${GOOD}\ncomments: maybe`) });
    assertProblem(problems, "writing/foo.md: comments 'maybe' must be 'open' or 'closed'");
  });

  test('a malformed correction', async () => {
    const problems = await problemsFor({
      'writing/foo.md': article(`${GOOD}
corrections:
  - date: 2026-02-01
    wrong: The date was wrong.
  - date: 2026-02-31
    wrong: x
    changed: y
  - just a sentence`),
    });
    assertProblem(problems, "writing/foo.md: corrections item 1: missing required field 'changed'");
    assertProblem(problems, "writing/foo.md: corrections item 2: date '2026-02-31' is not a date");
    assertProblem(problems, 'writing/foo.md: corrections item 3: must be a mapping with date, wrong and changed');
  });

  test('a broken site.yaml', async () => {
    const problems = await problemsFor({ 'site.yaml': 'title: X\nbaseUrl: ftp://nope\npageSize: 0\n' });
    assertProblem(problems, "site.yaml: missing required field 'authorNames'");
    assertProblem(problems, "site.yaml: baseUrl 'ftp://nope' must be an absolute http(s) URL");
    assertProblem(problems, 'site.yaml: pageSize 0 must be a positive whole number');
  });

  test('every problem in a folder is reported, not just the first', async () => {
    const problems = await problemsFor({
      'writing/one.md': article(
        `title: One
date: 2026-13-01
section: Execution
comments: maybe
tittle: typo`,
        '![x](media/none.png)\n',
      ),
      'writing/two.md': article(`${GOOD}\nbook: nope`),
      'writing/three.md': '---\ntitle: [\n---\n',
      'books/a-book.md': BOOK.replace('pages: 120', 'pages: -3'),
    });
    for (const expected of [
      "writing/one.md: missing required field 'dek'",
      "writing/one.md: date '2026-13-01' is not a date",
      "writing/one.md: comments 'maybe' must be 'open' or 'closed'",
      "writing/one.md: unknown field 'tittle'",
      "writing/one.md: image 'media/none.png' does not exist under media/",
      "writing/two.md: book 'nope' does not exist",
      'writing/three.md: front matter is not valid YAML',
      'books/a-book.md: pages -3 must be a positive whole number',
    ]) {
      assertProblem(problems, expected);
    }
    assert.ok(problems.length >= 8);
  });
});

describe('drafts', () => {
  test('are hidden from listings but found in preview', async () => {
    const dir = await contentFolder({
      'writing/public.md': article(GOOD),
      'writing/secret.md': article(`title: Secret
dek: Not yet.
date: 2026-03-01
section: Hidden Section
tags: [Secret Tag]
draft: true
corrections:
  - {date: 2026-03-02, wrong: a, changed: b}`),
    });
    const { site, problems } = await loadSite(dir, { includeDrafts: true });
    assert.deepEqual(problems, []);
    assert.ok(site);
    assert.deepEqual(
      site.articles.map((a) => a.slug),
      ['public'],
    );
    assert.deepEqual(
      site.drafts.map((a) => a.slug),
      ['secret'],
    );
    assert.equal(site.articleBySlug('secret'), undefined);
    assert.equal(site.articleBySlug('secret', { preview: true })?.title, 'Secret');
    assert.equal(site.articleBySlug('public', { preview: true })?.title, 'A good article');
    assert.ok(!site.sections.some((s) => s.slug === 'hidden-section'));
    assert.ok(!site.tags.some((t) => t.slug === 'secret-tag'));
    assert.equal(site.corrections.length, 0);
    assert.deepEqual(site.articlesInSection('hidden-section'), []);

    const published = await loadSite(dir);
    assert.deepEqual(published.problems, []);
    assert.deepEqual(published.site?.drafts, [], 'a public server does not load drafts at all');
    assert.equal(published.site?.articleBySlug('secret', { preview: true }), undefined);
    assert.deepEqual(
      published.site?.articles.map((a) => a.slug),
      ['public'],
    );
  });

  test('are still checked for problems when they are left out', async () => {
    const problems = await problemsFor({
      'writing/secret.md': article(`${GOOD.replace('2026-01-15', '2026-02-30')}\ndraft: true`),
    });
    assert.deepEqual(problems, ["writing/secret.md: date '2026-02-30' is not a date (write it as YYYY-MM-DD)"]);
  });
});

describe('articles', () => {
  test('derive slug, section, tags and updated', async () => {
    const dir = await contentFolder({
      'writing/My First Post.md': article(`title: First
dek: d
date: 2026-01-10
updated: 2026-01-20
section: Execution
tags: [Small Teams, small teams, Scope]
book: a-book
chapter: 2
corrections:
  - {date: 2026-01-12, wrong: a, changed: b}
  - {date: 2026-02-01, wrong: c, changed: d}`),
      'writing/second.md': article(`title: Second
dek: d
date: 2026-01-10
section: execution`),
    });
    const { site, problems } = await loadSite(dir);
    assert.deepEqual(problems, []);
    assert.ok(site);
    const first = site.articleBySlug('my-first-post');
    assert.ok(first);
    assert.equal(first.updated, '2026-02-01');
    assert.deepEqual(
      first.corrections.map((c) => c.date),
      ['2026-02-01', '2026-01-12'],
    );
    assert.deepEqual(
      first.tags.map((t) => t.slug),
      ['small-teams', 'scope'],
    );
    assert.equal(first.section, site.articleBySlug('second')?.section, 'one shared section object');
    assert.equal(site.sections.length, 1);
    assert.deepEqual(
      site.articles.map((a) => a.title),
      ['First', 'Second'],
      'same date: by title',
    );
    assert.deepEqual(
      site.articlesInBook('a-book').map((a) => a.slug),
      ['my-first-post'],
    );
    assert.equal(site.articlesWithTag('scope').length, 1);
    assert.equal(site.media.get('/media/cover.svg')?.contentType, 'image/svg+xml');
  });
});

describe('markdown', () => {
  const media = new Map([['diagram.svg', { width: 640, height: 360 }]]);

  test('h2 and h3 get unique ids, anchor links and a table of contents', () => {
    const r = renderMarkdown('## Why it matters\n\ntext\n\n### Details & "quotes"\n\n## Why it matters\n\n#### Not in toc\n');
    assert.deepEqual(
      r.toc.map((t) => [t.level, t.id]),
      [
        [2, 'why-it-matters'],
        [3, 'details-quotes'],
        [2, 'why-it-matters-2'],
      ],
    );
    assert.ok(
      r.html.includes(
        '<h2 id="why-it-matters">Why it matters <a class="anchor" href="#why-it-matters" aria-label="Link to this section: Why it matters">#</a></h2>',
      ),
      r.html,
    );
    assert.ok(r.html.includes('aria-label="Link to this section: Details &amp; “quotes”"'));
    assert.ok(r.html.includes('<h4>Not in toc</h4>'));
  });

  test('template and checklist blocks are copyable and escaped', () => {
    const r = renderMarkdown(
      '```template\n<script>alert("x")</script>\nName: ____\n```\n\n```checklist Before <launch>\n[ ] one\n```\n\n```js\nlet a = 1;\n```\n',
    );
    assert.ok(
      r.html.includes(
        '<figure class="copyable copyable-template"><figcaption><span>Template</span>' +
          '<button type="button" class="copy-button" data-copy-target="copy-1" hidden>Copy</button></figcaption>' +
          '<pre id="copy-1" tabindex="0"><code>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\nName: ____</code></pre></figure>',
      ),
      r.html,
    );
    assert.ok(!r.html.includes('<script>'));
    assert.ok(r.html.includes('<figure class="copyable copyable-checklist"><figcaption><span>Before &lt;launch&gt;</span>'));
    assert.ok(r.html.includes('data-copy-target="copy-2"'));
    assert.ok(r.html.includes('<pre><code class="language-js">'));
  });

  test('raw HTML is escaped, not passed through', () => {
    const r = renderMarkdown('<img src=x onerror=alert(1)>\n\nHi <b>there</b> [x](javascript:alert(1))\n');
    assert.ok(!r.html.includes('<img'));
    assert.ok(!r.html.includes('<b>'));
    assert.ok(!r.html.includes('href="javascript:'));
  });

  test('images get their intrinsic size, lazy loading and a normalised src', () => {
    const r = renderMarkdown('![A *small* diagram](media/diagram.svg)\n\n![Again](/media/diagram.svg "Title")\n', { media });
    assert.ok(
      r.html.includes('<img src="/media/diagram.svg" width="640" height="360" alt="A small diagram" loading="lazy" decoding="async">'),
      r.html,
    );
    assert.ok(r.html.includes('alt="Again" title="Title" loading="lazy"'));
    assert.deepEqual(r.problems, []);
  });

  test('external links get rel="noopener", internal ones do not', () => {
    const r = renderMarkdown('[a](https://example.com/x) [b](/writing/y) [c](http://localhost:3000/z) and https://example.org\n', {
      baseUrl: 'http://localhost:3000',
    });
    assert.ok(r.html.includes('<a href="https://example.com/x" rel="noopener">a</a>'));
    assert.ok(r.html.includes('<a href="/writing/y">b</a>'));
    assert.ok(r.html.includes('<a href="http://localhost:3000/z">c</a>'));
    assert.ok(r.html.includes('<a href="https://example.org" rel="noopener">'));
  });

  test('counts words of the text, not the markup, and reading time', () => {
    const words = Array.from({ length: 460 }, (_, i) => `word${i}`).join(' ');
    const r = renderMarkdown(`## Title here\n\n**${words}** [link](https://example.com/a/b/c)\n`);
    assert.equal(r.wordCount, 2 + 460 + 1);
    assert.equal(r.readingMinutes, 2);
    assert.equal(renderMarkdown('Just a few words.').readingMinutes, 1);
    assert.equal(renderMarkdown("Don't count this twice.").wordCount, 4);
  });
});

describe('slugify', () => {
  test('makes readable URL slugs', () => {
    assert.equal(slugify('The Last Ten Percent'), 'the-last-ten-percent');
    assert.equal(slugify('  Crème brûlée, façade & naïve! '), 'creme-brulee-facade-naive');
    assert.equal(slugify("Don't stop"), 'dont-stop');
    assert.equal(slugify('Straße'), 'strasse');
    assert.equal(slugify('Привет мир'), 'привет-мир');
    assert.equal(slugify('日本語 テキスト'), '日本語-テキスト');
    assert.equal(slugify('---'), '');
  });
});

describe('createArticle', () => {
  test('writes a draft that loads, and refuses to overwrite it', async () => {
    const dir = await contentFolder({});
    const path = await createArticle(dir, 'My "New" Essay: Part 1', new Date(2026, 4, 6, 12));
    assert.equal(path, join(dir, 'writing', 'my-new-essay-part-1.md'));
    const source = await readFile(path, 'utf8');
    assert.match(source, /^---\n/);
    assert.match(source, /date: 2026-05-06/);
    assert.match(source, /draft: true/);

    const { site, problems } = await loadSite(dir, { includeDrafts: true });
    assert.deepEqual(problems, []);
    const draft = site?.articleBySlug('my-new-essay-part-1', { preview: true });
    assert.equal(draft?.title, 'My "New" Essay: Part 1');
    assert.equal(draft?.section.slug, 'execution');
    assert.equal(draft?.draft, true);

    await assert.rejects(createArticle(dir, 'My New Essay, Part 1'), /already exists/);
    assert.equal(await readFile(path, 'utf8'), source);
    await assert.rejects(createArticle(dir, '!!!'), /letter or digit/);
  });
});

describe('watchContent', () => {
  // No sleeps: the test waits for reports, each wait bounded by a deadline. Node sets the watch
  // up before watch() returns, so writing at once is safe.
  test('reports a burst of changes once', async () => {
    const dir = await contentFolder({});
    const marker = join(dir, 'writing-marker.md');
    // Each report notes whether the marker, written only after the burst, exists yet.
    const reports: boolean[] = [];
    let waiting: { until: () => boolean; done: () => void } | undefined;
    const stop = watchContent(dir, () => {
      reports.push(existsSync(marker));
      if (waiting?.until()) waiting.done();
    });
    const reported = (what: string, until: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no report ${what} within 5 s (reports: ${JSON.stringify(reports)})`)), 5000);
        waiting = {
          until,
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    try {
      // The burst is written in one turn of the event loop, so all its events are queued before the
      // first is handled and fall within one debounce period however busy the machine is.
      const burst = reported('of the burst', () => reports.length > 0);
      writeFileSync(join(dir, 'writing-note.md'), 'a');
      writeFileSync(join(dir, 'books', 'a-book.md'), BOOK);
      writeFileSync(join(dir, 'site.yaml'), SITE_YAML);
      await burst;
      // A later change is the end marker: if the burst were reported twice, the second report would
      // come before the marker's, so exactly one report before it and one for it means once.
      const afterMarker = reported('of the marker', () => reports.includes(true));
      writeFileSync(marker, 'b');
      await afterMarker;
      assert.deepEqual(reports, [false, true]);
    } finally {
      stop();
    }
  });
});
