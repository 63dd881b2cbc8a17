// All writing, a section, a tag: the same paginated list with a different heading.
import type { Article } from '../../content/types.ts';
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { Layout, type NavItem } from './layout.tsx';
import { absoluteUrl, articlePath, type Viewer } from './meta.tsx';
import { ArticleList, type Paging, Pagination } from './parts.tsx';

export interface ListingPageProps {
  ctx: AppContext;
  /** The h1. */
  title: string;
  /** Shown under the title, and the page's meta description. */
  description: string;
  /** A small label above the title ("Section", "Tag"); none on /writing. */
  eyebrow?: string;
  articles: Article[];
  paging: Paging;
  current?: NavItem;
  /** Sections lists hide the per-entry section kicker: it would repeat the page title on every entry. */
  showSection?: boolean;
  viewer?: Viewer | null;
}

export function ListingPage(props: ListingPageProps) {
  const { ctx, paging } = props;
  const { config } = ctx.content.site;
  const canonicalPath = paging.pathFor(paging.page);
  const pageTitle = paging.page > 1 ? `${props.title} (page ${paging.page} of ${paging.pages})` : props.title;
  const jsonLd = {
    '@context': 'https://schema.org',
    '@type': 'CollectionPage',
    name: props.title,
    description: props.description,
    url: absoluteUrl(ctx, canonicalPath),
    hasPart: props.articles.map((a) => ({ '@type': 'BlogPosting', headline: a.title, url: absoluteUrl(ctx, articlePath(a)) })),
  };
  return (
    <Layout
      ctx={ctx}
      title={pageTitle}
      description={props.description}
      canonicalPath={canonicalPath}
      ogType="website"
      jsonLd={[jsonLd]}
      current={props.current}
      viewer={props.viewer}
      bodyClass="page-listing"
    >
      <div class="wrap">
        <header class="page-intro">
          {props.eyebrow && <p class="eyebrow">{props.eyebrow}</p>}
          <h1 class="page-title">{props.title}</h1>
          <p class="lede">{props.description}</p>
          {paging.pages > 1 && (
            <p class="page-count">
              Page {paging.page} of {paging.pages}
            </p>
          )}
        </header>
        {props.articles.length > 0 ? (
          <ArticleList articles={props.articles} language={config.language} level={2} showSection={props.showSection} />
        ) : (
          <p class="empty">Nothing published here yet.</p>
        )}
        <Pagination paging={paging} />
      </div>
    </Layout>
  );
}

export function renderListingPage(props: ListingPageProps): string {
  return renderDocument(<ListingPage {...props} />);
}
