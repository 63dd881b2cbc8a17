import type { ComponentChildren } from 'preact';
import type { Article, Book, Correction, TocEntry } from '../../content/types.ts';
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { Layout } from './layout.tsx';
import {
  absoluteUrl,
  articlePath,
  authorName,
  bookPath,
  bookRefLd,
  lastModified,
  personLd,
  sectionPath,
  tagPath,
  type Viewer,
} from './meta.tsx';
import { BookCover, bookChapterTitle, CorrectionDetails, Time } from './parts.tsx';

export interface ArticlePageProps {
  ctx: AppContext;
  article: Article;
  /** The discussion under the article (header, composer, threads). It must contain the element with id "comments-title". */
  discussion: ComponentChildren;
  viewer?: Viewer | null;
  /** More stylesheets for the page, after the site's own (e.g. the discussion's). */
  stylesheets?: string[];
  /** In place of the header's reader items: see Layout. */
  readerSlot?: ComponentChildren;
}

/** Long pieces get a table of contents; short ones would only push the first paragraph down. */
export const TOC_MIN_ENTRIES = 4;
export const TOC_MIN_WORDS = 1200;

export function showsToc(article: Article): boolean {
  return article.toc.length > 0 && (article.toc.length >= TOC_MIN_ENTRIES || article.wordCount >= TOC_MIN_WORDS);
}

interface TocNode {
  entry: TocEntry;
  children: TocEntry[];
}

/** Past this many headings the sub-headings are left out, so the contents stay a glance, not a page. */
export const TOC_MAX_ENTRIES = 12;

function tocTree(all: TocEntry[]): TocNode[] {
  const entries = all.length > TOC_MAX_ENTRIES && all.some((e) => e.level === 2) ? all.filter((e) => e.level === 2) : all;
  const out: TocNode[] = [];
  for (const entry of entries) {
    const parent = out[out.length - 1];
    if (entry.level === 3 && parent) parent.children.push(entry);
    else out.push({ entry, children: [] });
  }
  return out;
}

function TableOfContents(props: { toc: TocEntry[] }) {
  return (
    <nav class="toc" aria-label="Contents">
      <h2 class="toc-title">Contents</h2>
      <ol>
        {tocTree(props.toc).map((node) => (
          <li>
            <a href={`#${node.entry.id}`}>{node.entry.text}</a>
            {node.children.length > 0 && (
              <ol>
                {node.children.map((child) => (
                  <li>
                    <a href={`#${child.id}`}>{child.text}</a>
                  </li>
                ))}
              </ol>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function CorrectionNote(props: { correction: Correction; count: number; language: string }) {
  const { correction } = props;
  return (
    <div class="correction-note" role="note">
      <p class="correction-note-head">
        <strong>Correction</strong>
        <span aria-hidden="true"> · </span>
        <Time date={correction.date} language={props.language} />
      </p>
      <p>
        <span class="correction-label">What was wrong:</span> {correction.wrong}
      </p>
      <p>
        <span class="correction-label">What changed:</span> {correction.changed}
      </p>
      {props.count > 1 && (
        <p>
          <a href="#article-corrections">All {props.count} corrections to this piece</a>
        </p>
      )}
    </div>
  );
}

function CorrectionsList(props: { corrections: Correction[]; language: string }) {
  return (
    <section class="article-corrections" id="article-corrections" aria-labelledby="article-corrections-title">
      <h2 id="article-corrections-title">Corrections</h2>
      <ol class="corrections-list">
        {props.corrections.map((c) => (
          <li>
            <p class="correction-date">
              <Time date={c.date} language={props.language} />
            </p>
            <CorrectionDetails correction={c} />
          </li>
        ))}
      </ol>
    </section>
  );
}

function FiledUnder(props: { article: Article }) {
  const { article } = props;
  return (
    <div class="filed-under">
      <span class="filed-under-label">Filed under:</span>{' '}
      <ul>
        <li>
          <a href={sectionPath(article.section.slug)} class="filed-section">
            {article.section.title}
          </a>
        </li>
        {article.tags.map((tag) => (
          <li>
            <a href={tagPath(tag.slug)} rel="tag">
              {tag.title}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function FromTheBook(props: { book: Book; chapter?: number }) {
  const { book } = props;
  return (
    <aside class="from-the-book" aria-labelledby="from-the-book-title">
      <BookCover book={book} class="from-the-book-cover" />
      <div class="from-the-book-body">
        <h2 id="from-the-book-title" class="from-the-book-label">
          From the book
        </h2>
        <p class="from-the-book-title">
          <cite>{book.title}</cite>
          {book.subtitle && <span class="from-the-book-subtitle">{book.subtitle}</span>}
        </p>
        <p class="from-the-book-byline">
          by {book.author}
          <span aria-hidden="true"> · </span>
          {book.pages} pages
        </p>
        {props.chapter !== undefined && (
          <p class="from-the-book-chapter">
            This piece expands on <strong>{bookChapterTitle(book, props.chapter)}</strong>
          </p>
        )}
        <p class="from-the-book-pitch">{book.pitch}</p>
        <p class="from-the-book-more">
          <a href={bookPath(book)}>About the book</a>
        </p>
      </div>
    </aside>
  );
}

export function articleJsonLd(ctx: AppContext, article: Article, book: Book | undefined): object {
  const { site } = ctx.content;
  const url = absoluteUrl(ctx, articlePath(article));
  return {
    '@context': 'https://schema.org',
    '@type': 'BlogPosting',
    headline: article.title,
    description: article.dek,
    datePublished: article.date,
    dateModified: lastModified(article),
    inLanguage: site.config.language,
    author: personLd(site),
    publisher: { '@type': 'Person', name: authorName(site), url: absoluteUrl(ctx, '/') },
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    url,
    articleSection: article.section.title,
    ...(article.tags.length > 0 ? { keywords: article.tags.map((t) => t.title) } : {}),
    wordCount: article.wordCount,
    ...(book ? { about: bookRefLd(ctx, book) } : {}),
  };
}

export function ArticlePage(props: ArticlePageProps) {
  const { ctx, article } = props;
  const { site } = ctx.content;
  const language = site.config.language;
  const book = article.book !== undefined ? site.bookBySlug(article.book) : undefined;
  const newest = article.corrections[0];
  const openGraph: [string, string][] = [
    ['article:published_time', article.date],
    ['article:modified_time', lastModified(article)],
    ['article:section', article.section.title],
    ...article.tags.map((t): [string, string] => ['article:tag', t.title]),
  ];
  return (
    <Layout
      ctx={ctx}
      title={article.title}
      description={article.dek}
      canonicalPath={articlePath(article)}
      ogType="article"
      openGraph={openGraph}
      jsonLd={[articleJsonLd(ctx, article, book)]}
      noindex={article.draft}
      viewer={props.viewer}
      readerSlot={props.readerSlot}
      stylesheets={props.stylesheets}
      bodyClass="page-article"
    >
      <article class="article">
        <header class="article-header">
          {article.draft && <p class="draft-label">Draft · not published</p>}
          <p class="kicker">
            <a href={sectionPath(article.section.slug)}>{article.section.title}</a>
          </p>
          <h1 class="article-title">{article.title}</h1>
          <p class="dek">{article.dek}</p>
          <p class="article-meta">
            <Time date={article.date} language={language} />
            {/* Each piece keeps its separator and stays on one line; the spaces between them are where a phone wraps. */}
            {article.updated !== undefined && article.updated !== article.date && (
              <>
                {' '}
                <span class="updated">
                  <span aria-hidden="true">· </span>Updated <Time date={article.updated} language={language} />
                </span>
              </>
            )}{' '}
            <span class="reading-time">
              <span aria-hidden="true">· </span>
              {article.readingMinutes} min read
            </span>
          </p>
        </header>
        {newest && <CorrectionNote correction={newest} count={article.corrections.length} language={language} />}
        {showsToc(article) && <TableOfContents toc={article.toc} />}
        <div class="prose" dangerouslySetInnerHTML={{ __html: article.html }} />
        {article.corrections.length > 0 && <CorrectionsList corrections={article.corrections} language={language} />}
        <FiledUnder article={article} />
        {book && <FromTheBook book={book} chapter={article.chapter} />}
        <section id="comments" aria-labelledby="comments-title" class="comments">
          {props.discussion ?? <h2 id="comments-title">Comments</h2>}
        </section>
        <p class="back-link">
          <a href="/writing">
            <span aria-hidden="true">← </span>Back to all writing
          </a>
        </p>
      </article>
    </Layout>
  );
}

/** The whole article page as an HTML document; the discussion is whatever the caller renders. */
export function renderArticleDocument(
  ctx: AppContext,
  article: Article,
  discussion: ComponentChildren,
  viewer?: Viewer | null,
  opts: { stylesheets?: string[]; readerSlot?: ComponentChildren } = {},
): string {
  return renderDocument(
    <ArticlePage
      ctx={ctx}
      article={article}
      discussion={discussion}
      viewer={viewer}
      stylesheets={opts.stylesheets}
      readerSlot={opts.readerSlot}
    />,
  );
}
