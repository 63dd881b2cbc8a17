// Reads a content folder into a Site. Every file is checked completely and every problem is
// collected, so the author fixes a broken folder in one pass instead of one error per restart.
// The checks of each kind of file live beside this: site-config.ts, media.ts, parse-book.ts,
// parse-article.ts; the field checkers in fields.ts; assembling the site in assemble.ts.
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { assembleSite } from './assemble.ts';
import type { Report } from './fields.ts';
import { createMarkdownRenderer, type ImageSize } from './markdown.ts';
import { loadMedia, type MediaFile } from './media.ts';
import { type ArticleSource, parseArticle } from './parse-article.ts';
import { parseBook } from './parse-book.ts';
import { EMPTY_SITE_CONFIG, readSiteConfig } from './site-config.ts';
import { slugify } from './slug.ts';
import { listFiles, parseFrontMatter } from './source-files.ts';
import type { Book, LoadResult, SiteConfig } from './types.ts';

export interface LoadOptions {
  /**
   * Keep drafts in the loaded site: in `site.drafts`, and reachable through
   * `articleBySlug(slug, { preview: true })`. They never appear in listings, sections, tags,
   * corrections or feeds either way. Without it (a public server), drafts are left out entirely,
   * so no route can serve one by mistake. Drafts are checked for problems in both cases, so a
   * folder that loads in development also loads in production.
   */
  includeDrafts?: boolean;
}

type Render = ReturnType<typeof createMarkdownRenderer>;
type Reporter = (file: string) => Report;

/** The Markdown files directly in one folder of the content (books/ or writing/). */
async function markdownFiles(dir: string, folder: string): Promise<string[]> {
  return ((await listFiles(join(dir, folder), false)) ?? []).filter((name) => extname(name).toLowerCase() === '.md');
}

interface LoadedBooks {
  books: Book[];
  bySlug: Map<string, Book>;
  /**
   * Every book file's slug, even from a file too broken to parse, so that articles naming that
   * book are not reported a second time for the same mistake.
   */
  files: Map<string, string>;
}

async function loadBooks(
  dir: string,
  config: SiteConfig,
  media: Map<string, MediaFile>,
  render: Render,
  reporter: Reporter,
): Promise<LoadedBooks> {
  const loaded: LoadedBooks = { books: [], bySlug: new Map(), files: new Map() };
  for (const name of await markdownFiles(dir, 'books')) {
    const rel = `books/${name}`;
    const report = reporter(rel);
    const source = parseFrontMatter(await readFile(join(dir, 'books', name), 'utf8'), report);
    let slug = slugify(name.slice(0, -3));
    if (source) {
      const book = parseBook(rel, slug, source, config, media, render, report);
      slug = book.slug;
      loaded.books.push(book);
      if (!loaded.bySlug.has(slug)) loaded.bySlug.set(slug, book);
    }
    if (!slug) report(`the file name gives no slug; add a 'slug' field`);
    else if (loaded.files.has(slug)) report(`slug '${slug}' is also used by ${loaded.files.get(slug)}`);
    else loaded.files.set(slug, rel);
  }
  return loaded;
}

/** An article's book and chapter must exist; reported against the article's file. */
function checkBookReference(article: ArticleSource['article'], books: LoadedBooks, report: Report): void {
  const { book, chapter } = article;
  if (book === undefined) return;
  const target = books.bySlug.get(book);
  if (!books.files.has(book)) {
    const known = [...books.files.keys()];
    report(`book '${book}' does not exist (${known.length ? `books: ${known.join(', ')}` : 'there are no books'})`);
  } else if (target && chapter !== undefined && target.chapters.length > 0 && !target.chapters.some((c) => c.number === chapter)) {
    const numbers = target.chapters.map((c) => c.number).join(', ');
    report(`chapter ${chapter} is not a chapter of '${book}' (chapters: ${numbers})`);
  }
}

async function loadArticles(dir: string, books: LoadedBooks, render: Render, reporter: Reporter): Promise<ArticleSource[]> {
  const sources: ArticleSource[] = [];
  for (const name of await markdownFiles(dir, 'writing')) {
    const rel = `writing/${name}`;
    const report = reporter(rel);
    const source = parseFrontMatter(await readFile(join(dir, 'writing', name), 'utf8'), report);
    if (!source) continue;
    const parsed = parseArticle(slugify(name.slice(0, -3)), rel, source, render, report);
    sources.push(parsed);
    checkBookReference(parsed.article, books, report);
  }
  return sources;
}

/** Two articles with one slug: each file is told which others share it. */
function reportDuplicateSlugs(sources: ArticleSource[], problem: (file: string, message: string) => void): void {
  const bySlug = new Map<string, ArticleSource[]>();
  for (const s of sources) {
    if (!s.article.slug) continue;
    bySlug.set(s.article.slug, [...(bySlug.get(s.article.slug) ?? []), s]);
  }
  for (const [slug, group] of bySlug) {
    if (group.length < 2) continue;
    for (const s of group) {
      const others = group.filter((o) => o !== s).map((o) => o.article.sourcePath);
      problem(s.article.sourcePath, `slug '${slug}' is also used by ${others.join(', ')}`);
    }
  }
}

export async function loadSite(contentDir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const dir = resolve(contentDir);
  const problems: string[] = [];
  const problem = (file: string, message: string) => problems.push(`${file}: ${message}`);
  const reporter: Reporter = (file) => (message) => problem(file, message);

  if ((await listFiles(dir, false)) === undefined) {
    return { problems: [`${contentDir}: the content folder does not exist`] };
  }

  const config = await readSiteConfig(dir, reporter('site.yaml'));
  const siteConfig = config ?? EMPTY_SITE_CONFIG;

  const media = await loadMedia(dir, problem);
  const sizes = new Map<string, ImageSize>([...media].map(([name, m]) => [name, { width: m.width, height: m.height }]));
  const render = createMarkdownRenderer({ media: sizes, baseUrl: siteConfig.baseUrl });

  const books = await loadBooks(dir, siteConfig, media, render, reporter);
  const sources = await loadArticles(dir, books, render, reporter);
  reportDuplicateSlugs(sources, problem);

  if (problems.length > 0 || !config) return { problems };
  return { site: assembleSite(config, sources, books.books, books.bySlug, media, opts.includeDrafts ?? false), problems };
}
