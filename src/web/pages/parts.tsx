// Pieces more than one page uses: dates, article lists, pagination, the book cover.
import type { ComponentChildren } from 'preact';
import type { Article, Book, Correction } from '../../content/types.ts';
import { articlePath, formatDate, sectionPath } from './meta.tsx';

/** What was wrong and what changed: the same wording on the article and on /corrections. */
export function CorrectionDetails(props: { correction: Pick<Correction, 'wrong' | 'changed'> }) {
  return (
    <dl>
      <dt>What was wrong</dt>
      <dd>{props.correction.wrong}</dd>
      <dt>What changed</dt>
      <dd>{props.correction.changed}</dd>
    </dl>
  );
}

export function Time(props: { date: string; language: string }) {
  return <time datetime={props.date}>{formatDate(props.date, props.language)}</time>;
}

type HeadingLevel = 2 | 3 | 4;

function Heading(props: { level: HeadingLevel; class?: string; children: ComponentChildren }) {
  if (props.level === 2) return <h2 class={props.class}>{props.children}</h2>;
  if (props.level === 3) return <h3 class={props.class}>{props.children}</h3>;
  return <h4 class={props.class}>{props.children}</h4>;
}

export function ArticleEntry(props: { article: Article; language: string; level: HeadingLevel; showSection?: boolean }) {
  const { article } = props;
  return (
    <li class="entry">
      {props.showSection !== false && (
        <p class="kicker">
          <a href={sectionPath(article.section.slug)}>{article.section.title}</a>
        </p>
      )}
      <Heading level={props.level} class="entry-title">
        <a href={articlePath(article)}>{article.title}</a>
      </Heading>
      <p class="entry-dek">{article.dek}</p>
      <p class="entry-meta">
        <Time date={article.date} language={props.language} />{' '}
        <span>
          <span aria-hidden="true">· </span>
          {article.readingMinutes} min read
        </span>
      </p>
    </li>
  );
}

export function ArticleList(props: { articles: Article[]; language: string; level: HeadingLevel; showSection?: boolean }) {
  return (
    <ol class="entries">
      {props.articles.map((article) => (
        <ArticleEntry article={article} language={props.language} level={props.level} showSection={props.showSection} />
      ))}
    </ol>
  );
}

export interface Paging {
  page: number;
  pages: number;
  /** Path of page N: page 1 is the bare path, later pages add ?page=N. */
  pathFor: (page: number) => string;
}

export function pageOf<T>(items: T[], page: number, pageSize: number): { items: T[]; pages: number } {
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  return { items: items.slice((page - 1) * pageSize, page * pageSize), pages };
}

export function pagePath(base: string, page: number): string {
  return page <= 1 ? base : `${base}?page=${page}`;
}

export function Pagination(props: { paging: Paging }) {
  const { page, pages, pathFor } = props.paging;
  if (pages <= 1) return null;
  return (
    <nav class="pagination" aria-label="Pages">
      {page > 1 ? (
        <a href={pathFor(page - 1)} rel="prev" class="pagination-newer">
          <span aria-hidden="true">← </span>Newer
        </a>
      ) : (
        <span class="pagination-spacer" />
      )}
      <span class="pagination-where">
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <a href={pathFor(page + 1)} rel="next" class="pagination-older">
          Older<span aria-hidden="true"> →</span>
        </a>
      ) : (
        <span class="pagination-spacer" />
      )}
    </nav>
  );
}

export function BookCover(props: { book: Book; class?: string; eager?: boolean }) {
  const { book } = props;
  return (
    <img
      class={props.class ?? 'book-cover'}
      src={book.cover}
      width={book.coverWidth}
      height={book.coverHeight}
      alt={book.coverAlt}
      loading={props.eager ? undefined : 'lazy'}
      decoding="async"
    />
  );
}

export function bookChapterTitle(book: Book, chapter: number): string {
  const title = book.chapters.find((c) => c.number === chapter)?.title;
  return title ? `Chapter ${chapter}: ${title}` : `Chapter ${chapter}`;
}
