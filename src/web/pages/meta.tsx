// Small, pure helpers the page templates share: dates, absolute URLs, JSON-LD blocks.
import type { Article, Book, Site } from '../../content/types.ts';
import type { DeskCounts } from '../../discussion/records.ts';
import type { AppContext } from '../context.ts';

/** Who is looking at the page, when someone is signed in. Pages render the same for everyone else. */
export interface Viewer {
  name: string;
  isAuthor: boolean;
  /** Replies and mentions not yet seen; shown as a badge in the header when above zero. */
  unread?: number;
  /** For the author: what waits on the desk, shown beside the header's link to it. */
  desk?: DeskCounts;
}

/**
 * A page's reader as a template holds them: the header's view itself, or another view (the
 * discussion's) that carries the header's view loaded for the request (see web/viewer.ts).
 */
export type PageViewer = Viewer & { header?: Viewer };

/** The header's view of a page's reader, counts and all where the request loaded them. */
export function headerViewerOf(viewer: PageViewer | null | undefined): Viewer | null {
  return viewer ? (viewer.header ?? viewer) : null;
}

export function absoluteUrl(ctx: AppContext, path: string): string {
  return `${ctx.baseUrl()}${path.startsWith('/') ? path : `/${path}`}`;
}

export const articlePath = (article: Pick<Article, 'slug'>) => `/writing/${encodeURIComponent(article.slug)}`;
export const sectionPath = (slug: string) => `/sections/${encodeURIComponent(slug)}`;
export const tagPath = (slug: string) => `/tags/${encodeURIComponent(slug)}`;
export const bookPath = (book: Pick<Book, 'slug'>) => `/books/${encodeURIComponent(book.slug)}`;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(language: string): Intl.DateTimeFormat {
  let f = formatters.get(language);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' });
    } catch {
      // A language tag Intl does not know still deserves readable dates.
      f = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' });
    }
    formatters.set(language, f);
  }
  return f;
}

/** "4 March 2025" (in the site's language) for an ISO date; content dates are calendar days, so UTC. */
export function formatDate(iso: string, language: string): string {
  const date = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return iso;
  return formatterFor(language).format(date);
}

/** Midnight UTC of an ISO calendar date, for feeds that need a full timestamp. */
export function isoDateToDate(iso: string): Date {
  const date = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? new Date(0) : date;
}

export function lastModified(article: Article): string {
  return article.updated ?? article.date;
}

/** The canonical author name: the first of the site's author names, or the site title. */
export function authorName(site: Site): string {
  return site.config.authorNames[0] ?? site.config.title;
}

/**
 * JSON for a `<script type="application/ld+json">` block. The values come from content files, so
 * anything that could close the script element or start markup is escaped as a JSON \u sequence
 * (still the same JSON to a parser).
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function personLd(site: Site) {
  return { '@type': 'Person', name: authorName(site), ...(site.config.authorBio ? { description: site.config.authorBio } : {}) };
}

export function bookRefLd(ctx: AppContext, book: Book) {
  return {
    '@type': 'Book',
    '@id': `${absoluteUrl(ctx, bookPath(book))}#book`,
    name: book.title,
    url: absoluteUrl(ctx, bookPath(book)),
    author: { '@type': 'Person', name: book.author },
    ...(book.isbn ? { isbn: book.isbn } : {}),
  };
}
