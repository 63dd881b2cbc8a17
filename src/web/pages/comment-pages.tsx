// The comment pages a reader reaches without the script: reply to one comment, a refused comment
// with its text kept, and the edit page.
import type { CommentView } from '../../discussion/service.ts';
import { renderDocument } from '../render.ts';
import { type PageShell, Shell } from './account.tsx';
import { CommentForm, type DiscussionViewer, SignInForm } from './discussion.tsx';
import { exactTime } from './time.ts';

export function replyPage(
  props: PageShell & { slug: string; articleTitle: string; parent: CommentView; idempotencyKey: string; open: boolean },
): string {
  const returnTo = `/writing/${props.slug}/comments/${props.parent.id}/reply`;
  return renderDocument(
    <Shell {...props} title={`Reply to ${props.parent.authorName ?? '[deleted]'}`}>
      <p>
        On <a href={`/writing/${props.slug}#comment-${props.parent.id}`}>{props.articleTitle}</a>
      </p>
      <blockquote class="quoted-comment">
        <p class="quoted-by">{props.parent.authorName ?? '[deleted]'} wrote:</p>
        <div dangerouslySetInnerHTML={{ __html: props.parent.html }} />
      </blockquote>
      {!props.open ? (
        <p>Comments on this article are closed.</p>
      ) : props.viewer ? (
        <CommentForm
          action={`/writing/${props.slug}/comments`}
          viewer={props.viewer}
          idempotencyKey={props.idempotencyKey}
          parentId={props.parent.id}
          label="Your reply"
          submit="Post reply"
          idPrefix="reply"
        />
      ) : (
        <SignInForm returnTo={returnTo} idPrefix="reply-signin" />
      )}
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
