// The shapes of the site's content once loaded and validated. Everything here is plain data:
// the web layer renders it, the content layer produces it, and neither knows about the other.

export interface SiteConfig {
  /** The site's name, shown in the header (often the author's name). */
  title: string;
  description: string;
  /** Absolute base URL without a trailing slash, e.g. "https://example.com". Used in feeds, canonical links, sitemaps. */
  baseUrl: string;
  /** BCP 47 language tag for <html lang>, e.g. "en". */
  language: string;
  /** Articles per page on /writing and listing pages. */
  pageSize: number;
  /** The author's display names. Comments by these identities carry the author badge; readers can never take them. The first is the canonical one. */
  authorNames: string[];
  /** A short line about the author, used on the home page and in JSON-LD. */
  authorBio: string;
  /** Comments on articles older than this many days are read-only (0 = never close by age). */
  commentsCloseAfterDays: number;
  /** Optional descriptions of sections and tags, keyed by slug. */
  sections: Record<string, { title?: string; description?: string }>;
  tags: Record<string, { title?: string; description?: string }>;
}

export interface Correction {
  /** ISO date (YYYY-MM-DD) the correction was made. */
  date: string;
  /** What was wrong. Plain text. */
  wrong: string;
  /** What changed. Plain text. */
  changed: string;
}

export interface TocEntry {
  level: 2 | 3;
  id: string;
  text: string;
}

export interface Taxon {
  slug: string;
  title: string;
  description?: string;
}

export interface Article {
  slug: string;
  title: string;
  dek: string;
  /** ISO date (YYYY-MM-DD) of first publication. */
  date: string;
  /** ISO date of the last update: the latest of front-matter `updated` and the newest correction, or undefined. */
  updated?: string;
  section: Taxon;
  tags: Taxon[];
  /** Slug of the book this article belongs to, if any. */
  book?: string;
  chapter?: number;
  draft: boolean;
  comments: 'open' | 'closed';
  /** Newest first. */
  corrections: Correction[];
  /** The rendered body: trusted HTML produced from the author's Markdown. */
  html: string;
  /** Headings (h2/h3) for the table of contents; the page shows it for long articles. */
  toc: TocEntry[];
  wordCount: number;
  readingMinutes: number;
  /** Path of the source file relative to the content folder, for error messages. */
  sourcePath: string;
}

export interface BuyLink {
  label: string;
  url: string;
}

export interface Book {
  slug: string;
  title: string;
  subtitle?: string;
  author: string;
  pages: number;
  isbn?: string;
  /** URL path of the cover image under /media/, e.g. "/media/cover.svg". */
  cover: string;
  coverWidth: number;
  coverHeight: number;
  coverAlt: string;
  pitch: string;
  /** ISO date. */
  published?: string;
  links: BuyLink[];
  chapters: { number: number; title: string }[];
  /** Rendered description body (trusted HTML from the author's Markdown). */
  html: string;
  sourcePath: string;
}

export interface CorrectionEntry extends Correction {
  article: Article;
}

/** The whole loaded site. Listings hold published (non-draft) articles only, newest first. */
export interface Site {
  config: SiteConfig;
  articles: Article[];
  drafts: Article[];
  sections: Taxon[];
  tags: Taxon[];
  books: Book[];
  /** Every correction on the site, newest first. */
  corrections: CorrectionEntry[];
  /** Media files (cover images, article images) found under content/media, keyed by URL path "/media/<name>". `file` is an absolute path; width and height are the intrinsic size. */
  media: Map<string, { file: string; contentType: string; width?: number; height?: number }>;
  articleBySlug(slug: string, opts?: { preview?: boolean }): Article | undefined;
  bookBySlug(slug: string): Book | undefined;
  articlesInSection(slug: string): Article[];
  articlesWithTag(slug: string): Article[];
  articlesInBook(slug: string): Article[];
}

export interface LoadResult {
  site?: Site;
  /** Every problem found, each naming the file and the field: "writing/foo.md: date '2026-13-01' is not a date". */
  problems: string[];
}
