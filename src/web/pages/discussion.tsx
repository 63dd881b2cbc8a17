import type { ComponentChildren } from 'preact';
import type { Sort, ThreadPage } from '../../discussion/service.ts';
import { TOP_SORT_EXPLANATION } from '../../discussion/service.ts';
import { CommentForm, type DiscussionViewer, mayWrite, SignInForm, STANDING_NOTICE_ID, StandingNotice } from './comment-forms.tsx';
import { CommentItem } from './comment-item.tsx';
import { articlePath } from './paths.ts';

export { CommentForm, CsrfField, type DiscussionViewer, mayWrite, SignInForm, StandingNotice } from './comment-forms.tsx';
export { CommentItem } from './comment-item.tsx';
export { articlePath } from './paths.ts';

export interface DiscussionProps {
  slug: string;
  authorName: string;
  page: ThreadPage;
  viewer: DiscussionViewer | null;
  open: boolean;
  now: number;
  /** Highest event id when rendered: the live script resumes from here. */
  lastEventId: number;
  /** A fresh key per render; the form sends it so a double submit posts once. */
  idempotencyKey: string;
  /**
   * For a page made once and finished per reader (see ../reader-page.ts): rendered in place of the
   * composer's content and of each shown comment's actions, which are the reader's own.
   */
  slots?: { composer: ComponentChildren; actions: ComponentChildren };
}

const sortLabels: Record<Sort, string> = { top: 'Top', new: 'New', old: 'Old' };

function sortHref(slug: string, sort: Sort): string {
  return `${articlePath(slug)}${sort === 'top' ? '' : `?sort=${sort}`}#comments`;
}

/** What the composer holds for this reader: the form, a sign-in form, or why they cannot write. */
export function ComposerBody(props: { slug: string; viewer: DiscussionViewer | null; open: boolean; idempotencyKey: string }) {
  const { slug, viewer, open } = props;
  const returnTo = `${articlePath(slug)}#comments`;
  return !open ? (
    <>
      <p class="closed-note">Comments on this article are closed. The discussion stays here to read.</p>
      {!mayWrite(viewer) && <StandingNotice viewer={viewer} id={STANDING_NOTICE_ID} />}
    </>
  ) : viewer && !mayWrite(viewer) ? (
    <StandingNotice viewer={viewer} id={STANDING_NOTICE_ID} />
  ) : viewer ? (
    <>
      <h3 class="composer-title">Join the conversation</h3>
      <StandingNotice viewer={viewer} id={STANDING_NOTICE_ID} />
      <CommentForm
        action={`${articlePath(slug)}/comments`}
        viewer={viewer}
        idempotencyKey={props.idempotencyKey}
        label="Your comment"
        submit="Post comment"
        idPrefix="composer"
      />
    </>
  ) : (
    <>
      <h3 class="composer-title">Join the conversation</h3>
      <SignInForm returnTo={returnTo} idPrefix="composer" />
    </>
  );
}

/** The comments section of an article: header, composer, sort control, threads. */
export function DiscussionSection(props: DiscussionProps) {
  const { slug, page, viewer, open, now } = props;
  return (
    <div
      class="discussion"
      data-slug={slug}
      data-sort={page.sort}
      data-last-event={props.lastEventId}
      data-signed-in={viewer ? 'true' : 'false'}
    >
      <h2 id="comments-title">
        Comments <span class="comment-count">({page.total})</span>
      </h2>
      <p class="comments-intro">
        Readers and the author, {props.authorName}, reply here. The number next to each comment is its upvote score. Signing in takes only a
        display name.
      </p>
      <div class="composer" id="composer">
        {props.slots ? (
          props.slots.composer
        ) : (
          <ComposerBody slug={slug} viewer={viewer} open={open} idempotencyKey={props.idempotencyKey} />
        )}
      </div>
      {page.total > 0 && (
        <div class="thread-tools">
          <nav class="comment-sort" aria-label="Sort comments">
            <span>Sort:</span>
            {(['top', 'new', 'old'] as const).map((s) => (
              <a href={sortHref(slug, s)} aria-current={s === page.sort ? 'page' : undefined}>
                {sortLabels[s]}
              </a>
            ))}
          </nav>
          {page.sort === 'top' && <p class="sort-explanation">{TOP_SORT_EXPLANATION}</p>}
        </div>
      )}
      <div class="live-region" aria-live="polite" />
      {page.focus && (
        <p class="thread-focus">
          Showing one thread in full. <a href={`${articlePath(slug)}#comments`}>See all comments</a>
        </p>
      )}
      {page.items.length > 0 ? (
        <ol class="comment-list">
          {page.items.map((item) => (
            <CommentItem item={item} slug={slug} viewer={viewer} now={now} focus={page.focus} actions={props.slots?.actions} />
          ))}
        </ol>
      ) : (
        <p class="no-comments">{open ? 'No comments yet. Start the conversation.' : 'No comments.'}</p>
      )}
      {page.next && (
        <nav class="comment-pages" aria-label="More comments">
          <a class="show-more" href={`${articlePath(slug)}?${page.sort === 'top' ? '' : `sort=${page.sort}&`}after=${page.next}#comments`}>
            Show more comments
          </a>
        </nav>
      )}
    </div>
  );
}
