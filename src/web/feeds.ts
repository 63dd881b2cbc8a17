// Discovery documents: the Atom and JSON feeds, the sitemap and robots.txt. Each is a pure
// function of the loaded site and the base URL, so the routes render it once per content version.
import { Feed, type Item } from 'feed';
import type { Article, Site } from '../content/types.ts';
import type { AppContext } from './context.ts';
import { absoluteUrl, articlePath, authorName, bookPath, isoDateToDate, lastModified, sectionPath, tagPath } from './pages/meta.tsx';
import { pagePath } from './pages/parts.tsx';

/** Characters XML 1.0 forbids outright; a stray one in a content file must not break the whole feed. */
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function xmlEscape(value: string): string {
  return value
    .replace(XML_FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Text going into an element the feed declares as type="html" must itself be escaped HTML. */
function htmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Makes an article body stand alone in a feed reader, which has no page to resolve links
 * against: site-relative links and images become absolute, in-page anchors point into the
 * article, and the page-only controls (hidden Copy buttons, heading "#" links) are dropped.
 * The body is markup our own Markdown renderer produced, so these patterns are exact.
 */
export function feedHtml(html: string, baseUrl: string, pageUrl: string): string {
  return html
    .replace(XML_FORBIDDEN, '')
    .replace(/ <a class="anchor" href="#[^"]*" aria-label="[^"]*">#<\/a>/g, '')
    .replace(/<button type="button" class="copy-button"[^>]*>[^<]*<\/button>/g, '')
    .replace(/(\s(?:href|src))="(\/(?!\/)[^"]*)"/g, (_m, attr: string, path: string) => `${attr}="${baseUrl}${path}"`)
    .replace(/(\shref)="(#[^"]*)"/g, (_m, attr: string, hash: string) => `${attr}="${pageUrl}${hash}"`)
    .replace(/]]>/g, ']]&gt;');
}

function newestUpdate(site: Site, now: number): Date {
  const newest = site.articles.map(lastModified).sort().pop();
  return newest ? isoDateToDate(newest) : new Date(now);
}

function makeFeed(ctx: AppContext, opts: { titlesAsHtml: boolean }): Feed {
  const { site } = ctx.content;
  const base = ctx.baseUrl();
  const author = { name: authorName(site), link: `${base}/` };
  const feed = new Feed({
    id: `${base}/`,
    title: site.config.title,
    description: site.config.description,
    link: `${base}/`,
    language: site.config.language,
    updated: newestUpdate(site, ctx.now()),
    generator: 'Byline',
    favicon: absoluteUrl(ctx, ctx.assets.icon.path),
    copyright: `© ${authorName(site)}`,
    feedLinks: { atom: `${base}/feed.xml`, json: `${base}/feed.json` },
    author,
  });
  const text = opts.titlesAsHtml ? htmlEscape : (s: string) => s;
  for (const article of site.articles) feed.addItem(feedItem(ctx, article, author, text));
  return feed;
}

function feedItem(ctx: AppContext, article: Article, author: { name: string; link: string }, text: (s: string) => string): Item {
  const base = ctx.baseUrl();
  const url = absoluteUrl(ctx, articlePath(article));
  return {
    title: text(article.title),
    id: url,
    link: url,
    // Corrections bump `updated`, so a reader's feed app shows a corrected piece as changed.
    date: isoDateToDate(lastModified(article)),
    published: isoDateToDate(article.date),
    description: text(article.dek),
    content: feedHtml(article.html, base, url),
    author: [author],
    category: [
      { name: text(article.section.title), term: article.section.slug, scheme: `${base}/sections/` },
      ...article.tags.map((t) => ({ name: text(t.title), term: t.slug, scheme: `${base}/tags/` })),
    ],
  };
}

export function buildAtomFeed(ctx: AppContext): string {
  return makeFeed(ctx, { titlesAsHtml: true }).atom1();
}

type JsonObject = Record<string, unknown>;

/** The feed package writes JSON Feed 1.0; 1.1 renames `author` to `authors` and adds `language`. */
export function buildJsonFeed(ctx: AppContext): string {
  const v1 = JSON.parse(makeFeed(ctx, { titlesAsHtml: false }).json1()) as JsonObject & { items?: JsonObject[] };
  const { version: _version, author, items, ...rest } = v1;
  const feed: JsonObject = {
    version: 'https://jsonfeed.org/version/1.1',
    ...rest,
    language: ctx.content.site.config.language,
    favicon: absoluteUrl(ctx, ctx.assets.icon.path),
    ...(author ? { authors: [author] } : {}),
    items: (items ?? []).map((item) => {
      const { author: itemAuthor, ...itemRest } = item;
      return { ...itemRest, ...(itemAuthor ? { authors: [itemAuthor] } : {}) };
    }),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}

interface SitemapEntry {
  path: string;
  lastmod?: string;
}

function newestDate(articles: Article[]): string | undefined {
  return articles.map(lastModified).sort().pop();
}

export function sitemapEntries(site: Site): SitemapEntry[] {
  const entries: SitemapEntry[] = [];
  const add = (path: string, articles: Article[]) => entries.push({ path, lastmod: newestDate(articles) });
  const pageSize = site.config.pageSize;
  const paged = (base: string, articles: Article[]) => {
    const pages = Math.max(1, Math.ceil(articles.length / pageSize));
    for (let page = 1; page <= pages; page++) add(pagePath(base, page), articles.slice((page - 1) * pageSize, page * pageSize));
  };
  add('/', site.articles.slice(0, pageSize));
  paged('/writing', site.articles);
  for (const article of site.articles) entries.push({ path: articlePath(article), lastmod: lastModified(article) });
  for (const section of site.sections) paged(sectionPath(section.slug), site.articlesInSection(section.slug));
  for (const tag of site.tags) paged(tagPath(tag.slug), site.articlesWithTag(tag.slug));
  for (const book of site.books)
    entries.push({ path: bookPath(book), lastmod: newestDate(site.articlesInBook(book.slug)) ?? book.published });
  entries.push({ path: '/corrections', lastmod: site.corrections[0]?.date });
  return entries;
}

export function buildSitemap(ctx: AppContext): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'];
  for (const entry of sitemapEntries(ctx.content.site)) {
    const lastmod = entry.lastmod ? `<lastmod>${xmlEscape(entry.lastmod)}</lastmod>` : '';
    lines.push(`  <url><loc>${xmlEscape(absoluteUrl(ctx, entry.path))}</loc>${lastmod}</url>`);
  }
  lines.push('</urlset>', '');
  return lines.join('\n');
}

export function buildRobots(ctx: AppContext): string {
  return [
    'User-agent: *',
    'Allow: /',
    // "/me" below would also match "/media/..." by prefix; the longer rule wins, so images stay crawlable.
    'Allow: /media/',
    'Disallow: /api/',
    'Disallow: /admin/',
    'Disallow: /me',
    'Disallow: /inbox',
    '',
    `Sitemap: ${absoluteUrl(ctx, '/sitemap.xml')}`,
    '',
  ].join('\n');
}
