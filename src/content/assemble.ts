import type { MediaFile } from './media.ts';
import type { ArticleSource } from './parse-article.ts';
import { slugify } from './slug.ts';
import type { Article, Book, CorrectionEntry, Site, SiteConfig, Taxon } from './types.ts';

// Turns checked files into the Site: sections and tags resolved, lists sorted, lookups built.

function newestFirst(a: { date: string; title: string }, b: { date: string; title: string }): number {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  return a.title.localeCompare(b.title);
}

function byTitle(a: Taxon, b: Taxon): number {
  return a.title.localeCompare(b.title) || a.slug.localeCompare(b.slug);
}

/**
 * The articles to serve, newest first, with their section and tags resolved. Sections and tags
 * take their title from site.yaml when it gives one, otherwise from the way the newest published
 * article spells it, so one typo in an old file does not rename a listing.
 */
function resolveArticles(config: SiteConfig, sources: ArticleSource[], includeDrafts: boolean): Article[] {
  const ordered = sources
    .filter((s) => includeDrafts || !s.article.draft)
    .sort((a, b) => {
      if (a.article.draft !== b.article.draft) return a.article.draft ? 1 : -1;
      return newestFirst(a.article, b.article);
    });
  const sectionTaxa = new Map<string, Taxon>();
  const tagTaxa = new Map<string, Taxon>();
  const taxon = (pool: Map<string, Taxon>, configured: SiteConfig['sections'], title: string): Taxon => {
    const slug = slugify(title);
    let t = pool.get(slug);
    if (!t) {
      const conf = configured[slug];
      t = { slug, title: conf?.title ?? title, ...(conf?.description ? { description: conf.description } : {}) };
      pool.set(slug, t);
    }
    return t;
  };
  const all: Article[] = ordered.map((s) => ({
    ...s.article,
    section: taxon(sectionTaxa, config.sections, s.sectionTitle ?? ''),
    tags: s.tagTitles.map((t) => taxon(tagTaxa, config.tags, t)),
  }));
  return all.sort(newestFirst);
}

export function assembleSite(
  config: SiteConfig,
  sources: ArticleSource[],
  books: Book[],
  booksBySlug: Map<string, Book>,
  media: Map<string, MediaFile>,
  includeDrafts: boolean,
): Site {
  const all = resolveArticles(config, sources, includeDrafts);
  const listed = all.filter((a) => !a.draft);
  const drafts = all.filter((a) => a.draft);
  const sections = [...new Map(listed.map((a) => [a.section.slug, a.section])).values()].sort(byTitle);
  const tags = [...new Map(listed.flatMap((a) => a.tags).map((t) => [t.slug, t])).values()].sort(byTitle);

  const corrections: CorrectionEntry[] = listed
    .flatMap((article) => article.corrections.map((c) => ({ ...c, article })))
    .sort((a, b) => (a.date !== b.date ? (a.date < b.date ? 1 : -1) : newestFirst(a.article, b.article)));

  const publicBySlug = new Map(listed.map((a) => [a.slug, a]));
  const previewBySlug = new Map(all.map((a) => [a.slug, a]));

  const mediaByUrl: Site['media'] = new Map();
  for (const [name, m] of media) mediaByUrl.set(`/media/${name}`, m);

  const site: Site = {
    config,
    articles: listed,
    drafts,
    sections,
    tags,
    books: [...books].sort((a, b) => a.title.localeCompare(b.title)),
    corrections,
    media: mediaByUrl,
    articleBySlug: (slug, o) => (o?.preview ? previewBySlug : publicBySlug).get(slug),
    bookBySlug: (slug) => booksBySlug.get(slug),
    articlesInSection: (slug) => listed.filter((a) => a.section.slug === slug),
    articlesWithTag: (slug) => listed.filter((a) => a.tags.some((t) => t.slug === slug)),
    articlesInBook: (slug) =>
      listed
        .filter((a) => a.book === slug)
        .sort((a, b) => (a.chapter ?? Number.MAX_SAFE_INTEGER) - (b.chapter ?? Number.MAX_SAFE_INTEGER) || -newestFirst(a, b)),
  };
  return site;
}
