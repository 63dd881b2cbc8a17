import type { Article, Book } from '../../content/types.ts';
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { Layout } from './layout.tsx';
import { absoluteUrl, articlePath, bookPath, type Viewer } from './meta.tsx';
import { ArticleList, BookCover, Time } from './parts.tsx';

interface ChapterGroup {
  key: string;
  /** "Chapter 2:" — shown as a quieter label before the chapter's title. */
  label?: string;
  heading: string;
  articles: Article[];
}

/** Articles in chapter order; those that name no chapter (or one the book does not list) come last. */
export function groupByChapter(book: Book, articles: Article[]): ChapterGroup[] {
  const groups: ChapterGroup[] = [];
  for (const chapter of book.chapters) {
    const inChapter = articles.filter((a) => a.chapter === chapter.number);
    if (inChapter.length > 0)
      groups.push({ key: `chapter-${chapter.number}`, label: `Chapter ${chapter.number}:`, heading: chapter.title, articles: inChapter });
  }
  const known = new Set(book.chapters.map((c) => c.number));
  const rest = articles.filter((a) => a.chapter === undefined || !known.has(a.chapter));
  if (rest.length > 0) groups.push({ key: 'across', heading: groups.length > 0 ? 'Across the book' : 'From the book', articles: rest });
  return groups;
}

export function bookJsonLd(ctx: AppContext, book: Book, articles: Article[]): object {
  const url = absoluteUrl(ctx, bookPath(book));
  return {
    '@context': 'https://schema.org',
    '@type': 'Book',
    '@id': `${url}#book`,
    name: book.title,
    ...(book.subtitle ? { alternativeHeadline: book.subtitle } : {}),
    author: { '@type': 'Person', name: book.author },
    ...(book.isbn ? { isbn: book.isbn } : {}),
    numberOfPages: book.pages,
    ...(book.published ? { datePublished: book.published } : {}),
    description: book.pitch,
    image: absoluteUrl(ctx, book.cover),
    url,
    inLanguage: ctx.content.site.config.language,
    ...(book.links.length > 0 ? { offers: book.links.map((l) => ({ '@type': 'Offer', name: l.label, url: l.url })) } : {}),
    hasPart: articles.map((a) => ({
      '@type': 'BlogPosting',
      headline: a.title,
      url: absoluteUrl(ctx, articlePath(a)),
      datePublished: a.date,
    })),
  };
}

export function BookPage(props: { ctx: AppContext; book: Book; viewer?: Viewer | null }) {
  const { ctx, book } = props;
  const { site } = ctx.content;
  const language = site.config.language;
  const articles = site.articlesInBook(book.slug);
  const groups = groupByChapter(book, articles);
  return (
    <Layout
      ctx={ctx}
      title={book.title}
      description={book.pitch}
      canonicalPath={bookPath(book)}
      ogType="book"
      image={book.cover.endsWith('.svg') ? undefined : book.cover}
      openGraph={[
        ['book:author', book.author],
        ...(book.isbn ? ([['book:isbn', book.isbn.replace(/[\s-]/g, '')]] as [string, string][]) : []),
        ...(book.published ? ([['book:release_date', book.published]] as [string, string][]) : []),
      ]}
      jsonLd={[bookJsonLd(ctx, book, articles)]}
      current={site.books[0]?.slug === book.slug ? 'book' : undefined}
      viewer={props.viewer}
      bodyClass="page-book"
    >
      <div class="wrap">
        <article class="book">
          <div class="book-hero">
            <BookCover book={book} class="book-hero-cover" eager />
            <div class="book-hero-body">
              <p class="eyebrow">The book</p>
              <h1 class="page-title book-title">{book.title}</h1>
              {book.subtitle && <p class="book-subtitle">{book.subtitle}</p>}
              <p class="book-author">by {book.author}</p>
              <p class="book-pitch">{book.pitch}</p>
              <dl class="book-facts">
                <div>
                  <dt>Pages</dt>
                  <dd>{book.pages}</dd>
                </div>
                {book.isbn && (
                  <div>
                    <dt>ISBN</dt>
                    <dd>{book.isbn}</dd>
                  </div>
                )}
                {book.published && (
                  <div>
                    <dt>Published</dt>
                    <dd>
                      <Time date={book.published} language={language} />
                    </dd>
                  </div>
                )}
              </dl>
              {book.links.length > 0 && (
                <div class="buy">
                  <h2 class="buy-title">Where to buy</h2>
                  <ul class="buy-links">
                    {book.links.map((link) => (
                      <li>
                        <a href={link.url} rel="noopener" class="button-link">
                          {link.label}
                        </a>
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </div>
          </div>
          {book.html.trim() !== '' && (
            <section class="book-description" aria-labelledby="book-description-title">
              <h2 id="book-description-title" class="section-label">
                About the book
              </h2>
              <div class="prose" dangerouslySetInnerHTML={{ __html: book.html }} />
            </section>
          )}
          {groups.length > 0 && (
            <section class="book-articles" aria-labelledby="book-articles-title">
              <h2 id="book-articles-title" class="section-label">
                Read from the book
              </h2>
              <p class="book-articles-intro">Essays on this site that draw on the book, chapter by chapter.</p>
              {groups.map((group) => (
                <div class="chapter-group" key={group.key}>
                  <h3 class="chapter-title">
                    {group.label && <span class="chapter-number">{group.label} </span>}
                    {group.heading}
                  </h3>
                  <ArticleList articles={group.articles} language={language} level={4} showSection={false} />
                </div>
              ))}
            </section>
          )}
        </article>
      </div>
    </Layout>
  );
}

export function renderBookPage(ctx: AppContext, book: Book, viewer?: Viewer | null): string {
  return renderDocument(<BookPage ctx={ctx} book={book} viewer={viewer} />);
}
