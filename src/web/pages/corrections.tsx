import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { Layout } from './layout.tsx';
import { absoluteUrl, articlePath, type Viewer } from './meta.tsx';
import { CorrectionDetails, Time } from './parts.tsx';

export function CorrectionsPage(props: { ctx: AppContext; viewer?: Viewer | null }) {
  const { ctx } = props;
  const { site } = ctx.content;
  const language = site.config.language;
  const description = 'This site corrects its mistakes in the open: every correction made to a published piece, newest first.';
  return (
    <Layout
      ctx={ctx}
      title="Corrections"
      description={description}
      canonicalPath="/corrections"
      ogType="website"
      jsonLd={[
        { '@context': 'https://schema.org', '@type': 'WebPage', name: 'Corrections', description, url: absoluteUrl(ctx, '/corrections') },
      ]}
      current="corrections"
      viewer={props.viewer}
      bodyClass="page-corrections"
    >
      <div class="wrap">
        <header class="page-intro">
          <h1 class="page-title">Corrections</h1>
          <p class="lede">
            This site corrects its mistakes in the open. When a published piece gets something wrong, the piece is fixed, a dated note says
            what was wrong and what changed, and the correction is listed here, newest first.
          </p>
        </header>
        {site.corrections.length === 0 ? (
          <p class="empty">No corrections so far.</p>
        ) : (
          <ol class="corrections-ledger">
            {site.corrections.map((c) => (
              <li class="ledger-entry">
                <p class="correction-date">
                  <Time date={c.date} language={language} />
                </p>
                <h2 class="ledger-title">
                  <a href={articlePath(c.article)}>{c.article.title}</a>
                </h2>
                <CorrectionDetails correction={c} />
              </li>
            ))}
          </ol>
        )}
      </div>
    </Layout>
  );
}

export function renderCorrectionsPage(ctx: AppContext, viewer?: Viewer | null): string {
  return renderDocument(<CorrectionsPage ctx={ctx} viewer={viewer} />);
}
