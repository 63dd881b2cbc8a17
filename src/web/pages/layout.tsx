import type { ComponentChildren } from 'preact';
import type { AppContext } from '../context.ts';
import type { DeskCounts } from '../../discussion/records.ts';
import { absoluteUrl, authorName, bookPath, headerViewerOf, jsonForScript, type PageViewer } from './meta.tsx';

export type NavItem = 'home' | 'writing' | 'book' | 'corrections';

export interface LayoutProps {
  ctx: AppContext;
  /** The page's own title; the site name is added after it (the home page passes the site name alone). */
  title: string;
  description: string;
  /** Path (with query, if any) of the page's canonical URL; omitted on error pages, which have none. */
  canonicalPath?: string;
  ogType: 'website' | 'article' | 'book';
  /** Extra OpenGraph properties, e.g. [['article:published_time', '2025-03-04']]. */
  openGraph?: [string, string][];
  /** Absolute or site-relative URL of a preview image. */
  image?: string;
  jsonLd?: object[];
  /** Keep the page out of search indexes (drafts, error pages). */
  noindex?: boolean;
  /** Marks the matching header link with aria-current. */
  current?: NavItem;
  viewer?: PageViewer | null;
  /** Rendered in place of the header's reader items (ReaderItems), for a page whose reader is filled in later. */
  readerSlot?: ComponentChildren;
  /** More stylesheets after the site's own, e.g. for the discussion. */
  stylesheets?: string[];
  bodyClass?: string;
  children: ComponentChildren;
}

function fullTitle(ctx: AppContext, title: string): string {
  const siteTitle = ctx.content.site.config.title;
  return title === siteTitle || !siteTitle ? title : `${title} — ${siteTitle}`;
}

/** A short label for the header link to the book: its title when that fits a nav bar. */
function bookNavLabel(title: string): string {
  return title.length <= 24 ? title : 'The book';
}

/**
 * The author's way to the desk, with what waits there: "Desk · 2 held · 5 new", which a screen
 * reader hears in full ("… held for review … new since your last visit"). The counts are the
 * author's alone; pages that carry them are never cached for anyone else (see the article route
 * and page-cache.ts: only pages rendered for nobody are shared).
 */
function DeskLink(props: { desk: DeskCounts }) {
  const { held, fresh } = props.desk;
  return (
    <a href="/admin" class="nav-desk">
      Desk
      {held > 0 && (
        <span class="nav-desk-count is-held">
          {' '}
          · {held} held<span class="visually-hidden"> for review</span>
        </span>
      )}
      {fresh > 0 && (
        <span class="nav-desk-count">
          {' '}
          · {fresh} new<span class="visually-hidden"> since your last visit</span>
        </span>
      )}
    </a>
  );
}

/**
 * The header's items that depend on who reads: the author's desk link, then the reader's name and
 * inbox badge, or "Sign in". The signed-in page cached for many readers renders these per request
 * (see ../reader-page.ts), so they are one component.
 */
export function ReaderItems(props: { viewer?: PageViewer | null }) {
  const viewer = headerViewerOf(props.viewer);
  return (
    <>
      {viewer?.desk && (
        <li>
          <DeskLink desk={viewer.desk} />
        </li>
      )}
      {viewer ? (
        <li class="viewer">
          <a href="/me" class="viewer-name">
            {viewer.name}
          </a>
          {viewer.unread !== undefined && viewer.unread > 0 && (
            <a href="/inbox" class="inbox-badge">
              {viewer.unread} new
            </a>
          )}
        </li>
      ) : (
        <li>
          <a href="/signin" class="signin-link">
            Sign in
          </a>
        </li>
      )}
    </>
  );
}

export function SiteHeader(props: { ctx: AppContext; current?: NavItem; viewer?: PageViewer | null; readerSlot?: ComponentChildren }) {
  const { site } = props.ctx.content;
  const book = site.books[0];
  const here = (item: NavItem) => (props.current === item ? ('page' as const) : undefined);
  return (
    <header class="site-header">
      <div class="wrap header-inner">
        <a class="site-name" href="/" aria-current={here('home')}>
          {site.config.title}
        </a>
        <nav class="site-nav" aria-label="Site">
          <ul>
            <li>
              <a href="/writing" aria-current={here('writing')}>
                Writing
              </a>
            </li>
            {book && (
              <li>
                <a href={bookPath(book)} aria-current={here('book')}>
                  {bookNavLabel(book.title)}
                </a>
              </li>
            )}
            {props.readerSlot ?? <ReaderItems viewer={props.viewer} />}
          </ul>
        </nav>
      </div>
    </header>
  );
}

export function SiteFooter(props: { ctx: AppContext }) {
  const { site } = props.ctx.content;
  const year = new Date(props.ctx.now()).getUTCFullYear();
  const oldest = site.articles[site.articles.length - 1]?.date.slice(0, 4);
  const years = oldest && Number(oldest) < year ? `${oldest}–${year}` : String(year);
  return (
    <footer class="site-footer">
      <div class="wrap footer-inner">
        <p class="copyright">
          © {years} {authorName(site)}
        </p>
        <ul class="footer-links">
          <li>
            <a href="/writing">All writing</a>
          </li>
          <li>
            <a href="/corrections">Corrections</a>
          </li>
          <li>
            <a href="/feed.xml" type="application/atom+xml">
              Feed (Atom)
            </a>
          </li>
          <li>
            <a href="/feed.json" type="application/feed+json">
              JSON Feed
            </a>
          </li>
        </ul>
      </div>
    </footer>
  );
}

export function Layout(props: LayoutProps) {
  const { ctx } = props;
  const { site } = ctx.content;
  const title = fullTitle(ctx, props.title);
  const canonical = props.canonicalPath !== undefined ? absoluteUrl(ctx, props.canonicalPath) : undefined;
  const image = props.image ? (props.image.startsWith('/') ? absoluteUrl(ctx, props.image) : props.image) : undefined;
  return (
    <html lang={site.config.language}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <meta name="description" content={props.description} />
        {props.noindex && <meta name="robots" content="noindex" />}
        {canonical && <link rel="canonical" href={canonical} />}
        <meta name="color-scheme" content="light dark" />
        <meta property="og:site_name" content={site.config.title} />
        <meta property="og:title" content={props.title} />
        <meta property="og:description" content={props.description} />
        <meta property="og:type" content={props.ogType} />
        {canonical && <meta property="og:url" content={canonical} />}
        {image && <meta property="og:image" content={image} />}
        {(props.openGraph ?? []).map(([property, content]) => (
          <meta property={property} content={content} />
        ))}
        <meta name="twitter:card" content={image ? 'summary_large_image' : 'summary'} />
        <meta name="twitter:title" content={props.title} />
        <meta name="twitter:description" content={props.description} />
        <link rel="alternate" type="application/atom+xml" title={`${site.config.title} (Atom)`} href="/feed.xml" />
        <link rel="alternate" type="application/feed+json" title={`${site.config.title} (JSON Feed)`} href="/feed.json" />
        <link rel="stylesheet" href={ctx.assets.css.path} />
        {(props.stylesheets ?? []).map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
        <link rel="icon" href={ctx.assets.icon.path} type="image/svg+xml" />
        <script src={ctx.assets.js.path} defer />
        {(props.jsonLd ?? []).map((data) => (
          <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: jsonForScript(data) }} />
        ))}
      </head>
      <body class={props.bodyClass}>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <SiteHeader ctx={ctx} current={props.current} viewer={props.viewer} readerSlot={props.readerSlot} />
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <SiteFooter ctx={ctx} />
      </body>
    </html>
  );
}
