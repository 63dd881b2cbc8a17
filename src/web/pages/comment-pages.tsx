// The comment pages a reader reaches without the script: reply to one comment, a refused comment
// with its text kept, and the edit page.
import type { CommentView } from '../../discussion/service.ts';
import { renderDocument } from '../render.ts';
import { type PageShell, Shell } from './account.tsx';
import { CommentForm, type DiscussionViewer, mayWrite, NameField, StandingNotice } from './comment-forms.tsx';
import { exactTime } from './time.ts';

/** The comment being answered (or deleted), quoted as readers see it. */
function QuotedComment(props: { comment: CommentView }) {
  return (
    <blockquote class="quoted-comment">
      <p class="quoted-by">{props.comment.authorName ?? '[deleted]'} wrote:</p>
      <div dangerouslySetInnerHTML={{ __html: props.comment.html }} />
    </blockquote>
  );
}

/**
 * A visitor's reply: they write first and sign in with the same click. The text travels with the
 * sign-in (see SignInIntent in session.ts) and comes back in the reply form afterwards, to post
 * when they are ready. "I have a name already" carries it to the recovery form instead.
 */
function VisitorReplyForm(props: { slug: string; parent: CommentView }) {
  const { parent } = props;
  return (
    <form method="post" action="/signin" class="comment-form visitor-reply">
      <input type="hidden" name="return" value={`/writing/${props.slug}#comment-${parent.id}`} />
      <input type="hidden" name="intent" value="reply" />
      <input type="hidden" name="comment" value={parent.id} />
      <label for="reply-draft">Your reply</label>
      <textarea id="reply-draft" name="draft" rows={5} maxLength={10000} aria-describedby="reply-draft-help" />
      <p class="hint" id="reply-draft-help">
        Sign in below to post it: it waits for you in the reply form, and nothing is posted until you say so.
      </p>
      <NameField id="reply-signin-name" hintId="reply-signin-hint">
        <button type="submit">Sign in and continue</button>
      </NameField>
      <p class="hint" id="reply-signin-hint">
        Just a name: no email, no password.{' '}
        <button type="submit" class="link-button" formaction="/signin/with-draft" formnovalidate>
          I have a name already
        </button>
      </p>
    </form>
  );
}

/** The reply form for a signed-in reader, with a draft in it when one came through sign-in. */
export function replyForm(props: {
  viewer: DiscussionViewer;
  slug: string;
  parent: CommentView;
  idempotencyKey: string;
  draft?: string;
  quote?: boolean;
}) {
  const { viewer, parent } = props;
  if (!mayWrite(viewer)) return <StandingNotice viewer={viewer} />;
  return (
    <>
      {props.quote && <QuotedComment comment={parent} />}
      <StandingNotice viewer={viewer} />
      <CommentForm
        action={`/writing/${props.slug}/comments`}
        viewer={viewer}
        idempotencyKey={props.idempotencyKey}
        parentId={parent.id}
        body={props.draft}
        label={`Your reply to ${parent.authorName ?? '[deleted]'}`}
        submit="Post reply"
        idPrefix="reply"
      />
    </>
  );
}

export function replyPage(
  props: PageShell & { slug: string; articleTitle: string; parent: CommentView; idempotencyKey: string; open: boolean; locked: boolean },
): string {
  const { viewer, parent } = props;
  return renderDocument(
    <Shell {...props} title={`Reply to ${parent.authorName ?? '[deleted]'}`}>
      <p>
        On <a href={`/writing/${props.slug}#comment-${parent.id}`}>{props.articleTitle}</a>
      </p>
      <QuotedComment comment={parent} />
      {!props.open ? (
        <p>Comments on this article are closed.</p>
      ) : props.locked ? (
        <p class="thread-locked-notice">The author has locked this thread: it takes no new replies.</p>
      ) : viewer ? (
        replyForm({ viewer, slug: props.slug, parent, idempotencyKey: props.idempotencyKey })
      ) : (
        <VisitorReplyForm slug={props.slug} parent={parent} />
      )}
    </Shell>,
  );
}

/** Deleting without the script: the comment, and a choice. With the script, the same question is asked in place. */
export function deleteCommentPage(
  props: PageShell & { viewer: DiscussionViewer; comment: CommentView; articleTitle: string; back: string },
): string {
  return renderDocument(
    <Shell {...props} title="Delete your comment?">
      <p>
        Your comment on <a href={props.back}>{props.articleTitle}</a>. Deleting it can’t be undone; if someone replied to it, a “[deleted]”
        placeholder keeps their replies in place.
      </p>
      <QuotedComment comment={props.comment} />
      <form method="post" action={`/comments/${props.comment.id}/delete`} class="confirm-actions">
        <input type="hidden" name="_csrf" value={props.viewer.csrf} />
        <button type="submit" class="danger">
          Delete
        </button>
        <a class="button-link" href={props.back}>
          Keep it
        </a>
      </form>
    </Shell>,
  );
}

/**
 * A comment the server refused (too soon, too often, a broken rule): the form comes back with the
 * reader's text in it and the reason beside the field, so nothing typed is lost.
 */
export function refusedCommentPage(
  props: PageShell & {
    viewer: DiscussionViewer;
    slug: string;
    articleTitle: string;
    parentId?: string;
    body: string;
    error: string;
    idempotencyKey: string;
  },
): string {
  const back = props.parentId ? `/writing/${props.slug}#comment-${props.parentId}` : `/writing/${props.slug}#comments`;
  return renderDocument(
    <Shell {...props} title="Your comment is not posted yet">
      <p>
        On <a href={back}>{props.articleTitle}</a>. Your text is below, as you wrote it.
      </p>
      <CommentForm
        action={`/writing/${props.slug}/comments`}
        viewer={props.viewer}
        idempotencyKey={props.idempotencyKey}
        parentId={props.parentId}
        body={props.body}
        error={props.error}
        label={props.parentId ? 'Your reply' : 'Your comment'}
        submit={props.parentId ? 'Post reply' : 'Post comment'}
        idPrefix="retry"
      />
    </Shell>,
  );
}

export function editPage(
  props: PageShell & {
    viewer: DiscussionViewer;
    commentId: string;
    slug: string;
    body: string;
    error?: string;
    /** Where the comment stands, and until when it may be changed. */
    articleTitle?: string;
    editableUntil?: number;
    now?: number;
  },
): string {
  const minutesLeft =
    props.editableUntil !== undefined && props.now !== undefined ? Math.ceil((props.editableUntil - props.now) / 60_000) : undefined;
  return renderDocument(
    <Shell {...props} title="Edit your comment">
      {props.articleTitle && (
        <p class="edit-context">
          Your comment on <a href={`/writing/${props.slug}#comment-${props.commentId}`}>{props.articleTitle}</a>.{' '}
          {minutesLeft !== undefined &&
            props.editableUntil !== undefined &&
            (minutesLeft > 0 ? (
              <>
                You can change it until <time datetime={new Date(props.editableUntil).toISOString()}>{exactTime(props.editableUntil)}</time>{' '}
                ({minutesLeft === 1 ? 'about a minute' : `${minutesLeft} minutes`} from now).
              </>
            ) : (
              'The time for changes has passed.'
            ))}
        </p>
      )}
      {props.error && (
        <p class="form-error" role="alert">
          {props.error}
        </p>
      )}
      <form method="post" action={`/comments/${props.commentId}/edit`} class="comment-form">
        <input type="hidden" name="_csrf" value={props.viewer.csrf} />
        <label for="edit-body">Your comment</label>
        <textarea id="edit-body" name="body" required rows={8} maxLength={10000}>
          {props.body}
        </textarea>
        <button type="submit">Save changes</button> <a href={`/writing/${props.slug}#comment-${props.commentId}`}>Cancel</a>
      </form>
    </Shell>,
  );
}
