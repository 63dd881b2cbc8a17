// Error pages in the site's own style. They are rendered while something is already going wrong,
// so each falls back to a plainer page, and finally to fixed markup, rather than throw again.
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { Layout } from './layout.tsx';
import { ArticleList } from './parts.tsx';

interface ErrorSpec {
  title: string;
  message: string;
  /** Show a few recent pieces, for a reader who followed a dead link. */
  suggest?: boolean;
}

const NOT_FOUND: ErrorSpec = {
  title: 'Page not found',
  message: 'There is nothing at this address. The link may be mistyped, or the page may have moved.',
  suggest: true,
};
const SERVER_ERROR: ErrorSpec = {
  title: 'Something went wrong',
  message: 'An error on our side stopped this page from loading. It has been logged. Please try again in a moment.',
};
const UNAVAILABLE: ErrorSpec = {
  title: 'Back in a moment',
  message: 'The site cannot reach its database right now, so this page cannot be shown. Please try again in a moment.',
};

function ErrorBody(props: { spec: ErrorSpec; ctx?: AppContext }) {
  const recent = props.spec.suggest && props.ctx ? props.ctx.content.site.articles.slice(0, 3) : [];
  return (
    <div class="wrap error-page">
      <header class="page-intro">
        <h1 class="page-title">{props.spec.title}</h1>
        <p class="lede">{props.spec.message}</p>
      </header>
      <ul class="error-links">
        <li>
          <a href="/">Go to the home page</a>
        </li>
        <li>
          <a href="/writing">Browse all writing</a>
        </li>
      </ul>
      {recent.length > 0 && props.ctx && (
        <section aria-labelledby="recent-title" class="error-recent">
          <h2 id="recent-title" class="section-label">
            Recent writing
          </h2>
          <ArticleList articles={recent} language={props.ctx.content.site.config.language} level={3} />
        </section>
      )}
    </div>
  );
}

function ErrorPage(props: { ctx: AppContext; spec: ErrorSpec }) {
  return (
    <Layout ctx={props.ctx} title={props.spec.title} description={props.spec.message} ogType="website" noindex bodyClass="page-error">
      <ErrorBody spec={props.spec} ctx={props.ctx} />
    </Layout>
  );
}

/** No site data at all: only the message and the two ways out, with the stylesheet if it is known. */
function BareErrorPage(props: { spec: ErrorSpec; stylesheet?: string; language?: string }) {
  return (
    <html lang={props.language ?? 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.spec.title}</title>
        {props.stylesheet && <link rel="stylesheet" href={props.stylesheet} />}
      </head>
      <body class="page-error">
        <main id="main">
          <ErrorBody spec={{ ...props.spec, suggest: false }} />
        </main>
      </body>
    </html>
  );
}

// Fixed markup with nothing interpolated: the page of last resort when even a bare render failed.
const LAST_RESORT = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Error</title></head>
<body><main><h1>Something went wrong</h1><p>Please try again in a moment.</p>
<p><a href="/">Go to the home page</a></p></main></body></html>`;

function safely<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function renderError(ctx: AppContext, spec: ErrorSpec): string {
  try {
    return renderDocument(<ErrorPage ctx={ctx} spec={spec} />);
  } catch {
    try {
      const stylesheet = safely(() => ctx.assets.css.path);
      const language = safely(() => ctx.content.site.config.language);
      return renderDocument(<BareErrorPage spec={spec} stylesheet={stylesheet} language={language} />);
    } catch {
      return LAST_RESORT;
    }
  }
}

export function notFoundPage(ctx: AppContext): string {
  return renderError(ctx, NOT_FOUND);
}

export function serverErrorPage(ctx: AppContext): string {
  return renderError(ctx, SERVER_ERROR);
}

export function unavailablePage(ctx: AppContext): string {
  return renderError(ctx, UNAVAILABLE);
}
