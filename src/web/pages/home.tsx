import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { Layout } from './layout.tsx';
import { absoluteUrl, authorName, bookPath, personLd, type Viewer } from './meta.tsx';
import { ArticleList, BookCover } from './parts.tsx';

export function HomePage(props: { ctx: AppContext; viewer?: Viewer | null }) {
  const { ctx } = props;
  const { site } = ctx.content;
  const { config } = site;
  const latest = site.articles.slice(0, config.pageSize);
  const book = site.books[0];
  const jsonLd = {
    '@context': 'https://schema.org',
    '@type': 'WebSite',
    name: config.title,
    description: config.description,
    url: absoluteUrl(ctx, '/'),
    inLanguage: config.language,
    author: personLd(site),
  };
  return (
    <Layout
      ctx={ctx}
      title={config.title}
      description={config.description}
      canonicalPath="/"
      ogType="website"
      jsonLd={[jsonLd]}
      current="home"
      viewer={props.viewer}
      bodyClass="page-home"
    >
      <div class="wrap">
        <header class="page-intro home-intro">
          {/* The header already names the site; the page leads with what the site is about. */}
          <h1 class="home-tagline">{config.description}</h1>
        </header>
        <section class="home-latest" aria-labelledby="latest-title">
          <h2 id="latest-title" class="section-label">
            Latest writing
          </h2>
          {latest.length > 0 ? (
            <ArticleList articles={latest} language={config.language} level={3} />
          ) : (
            <p class="empty">Nothing published yet.</p>
          )}
          {site.articles.length > latest.length && (
            <p class="more-link">
              <a href="/writing">
                All writing<span aria-hidden="true"> →</span>
              </a>
            </p>
          )}
        </section>
        {book && (
          <section class="home-book" aria-labelledby="home-book-title">
            <h2 id="home-book-title" class="section-label">
              The book
            </h2>
            <div class="book-card">
              <BookCover book={book} class="book-card-cover" />
              <div class="book-card-body">
                <p class="book-card-title">
                  <cite>{book.title}</cite>
                </p>
                {book.subtitle && <p class="book-card-subtitle">{book.subtitle}</p>}
                <p class="book-card-pitch">{book.pitch}</p>
                <p>
                  <a href={bookPath(book)} class="button-link">
                    About the book
                  </a>
                </p>
              </div>
            </div>
          </section>
        )}
        <section class="home-about" aria-labelledby="home-about-title">
          <h2 id="home-about-title" class="section-label">
            About {authorName(site)}
          </h2>
          <p>{config.authorBio}</p>
        </section>
      </div>
    </Layout>
  );
}

export function renderHomePage(ctx: AppContext, viewer?: Viewer | null): string {
  return renderDocument(<HomePage ctx={ctx} viewer={viewer} />);
}
