import type { ComponentChildren } from 'preact';
import { type Standing, standingNotice } from '../../discussion/comment-rules.ts';
import type { SignInIntent } from '../session.ts';

export interface DiscussionViewer {
  name: string;
  isAuthor: boolean;
  csrf: string;
  /** The signed render time for the comment form (see discussion/holds.ts). */
  formTime?: string;
  /** Banned or muted: told before they write (see discussion/comment-rules.ts). Absent: free to write. */
  standing?: Standing;
}

/** Whether the viewer may comment, reply and vote (a banned reader may not; they are told why). */
export function mayWrite(viewer: DiscussionViewer | null): boolean {
  return viewer?.standing?.kind !== 'banned';
}

/** The id of the page's one standing notice, which disabled vote buttons point to for their reason. */
export const STANDING_NOTICE_ID = 'standing-notice';

/** A banned or muted reader's notice, shown where they would write; nothing for anyone else. */
export function StandingNotice(props: { viewer: DiscussionViewer | null; id?: string }) {
  const notice = props.viewer?.standing ? standingNotice(props.viewer.standing) : null;
  if (!notice) return null;
  return (
    <p class={`standing-notice is-${props.viewer!.standing!.kind}`} id={props.id}>
      {notice}
    </p>
  );
}

export function CsrfField({ viewer }: { viewer: DiscussionViewer | null }) {
  return viewer ? <input type="hidden" name="_csrf" value={viewer.csrf} /> : null;
}

/** The author's badge: from the identity's role, never from anything typed. */
export function AuthorBadge() {
  return (
    <span class="badge-author" title="The author of this site">
      Author
    </span>
  );
}

/** The display-name field of every sign-in form, with the button beside it. */
export function NameField(props: { id: string; hintId: string; name?: string; children: ComponentChildren }) {
  return (
    <>
      <label for={props.id}>Display name</label>
      <div class="inline-field">
        <input
          id={props.id}
          name="name"
          type="text"
          required
          minLength={2}
          maxLength={40}
          autocomplete="nickname"
          spellcheck={false}
          value={props.name}
          aria-describedby={props.hintId}
        />
        {props.children}
      </div>
    </>
  );
}

export function SignInForm(props: { returnTo: string; idPrefix: string; name?: string; children?: ComponentChildren }) {
  return (
    <form method="post" action="/signin" class="signin-form">
      <input type="hidden" name="return" value={props.returnTo} />
      <NameField id={`${props.idPrefix}-name`} hintId={`${props.idPrefix}-hint`} name={props.name}>
        <button type="submit">Sign in</button>
      </NameField>
      <p class="hint" id={`${props.idPrefix}-hint`}>
        Just a name: no email, no password. You get a recovery key to use it on another device.{' '}
        <a href={`/signin?return=${encodeURIComponent(props.returnTo)}`}>Have a name already?</a>
      </p>
      {props.children}
    </form>
  );
}

export function CommentForm(props: {
  action: string;
  viewer: DiscussionViewer;
  idempotencyKey: string;
  parentId?: string;
  body?: string;
  /** Why the last attempt was refused, shown beside the field (the text stays in it). */
  error?: string;
  label: string;
  submit: string;
  idPrefix: string;
}) {
  const described = props.error ? `${props.idPrefix}-error ${props.idPrefix}-help` : `${props.idPrefix}-help`;
  return (
    <form method="post" action={props.action} class="comment-form">
      <CsrfField viewer={props.viewer} />
      <input type="hidden" name="idempotencyKey" value={props.idempotencyKey} />
      {props.viewer.formTime && <input type="hidden" name="_t" value={props.viewer.formTime} />}
      <div class="visually-hidden" aria-hidden="true">
        <label for={`${props.idPrefix}-website`}>Leave this field empty</label>
        <input id={`${props.idPrefix}-website`} name="website" type="text" tabindex={-1} autocomplete="off" value="" />
      </div>
      {props.parentId && <input type="hidden" name="parentId" value={props.parentId} />}
      <p class="commenting-as">
        Commenting as <strong>{props.viewer.name}</strong> {props.viewer.isAuthor && <AuthorBadge />}
      </p>
      <label for={`${props.idPrefix}-body`}>{props.label}</label>
      {props.error && (
        <p class="form-error" role="alert" id={`${props.idPrefix}-error`}>
          {props.error}
        </p>
      )}
      <textarea
        id={`${props.idPrefix}-body`}
        name="body"
        required
        rows={5}
        maxLength={10000}
        aria-describedby={described}
        aria-invalid={props.error ? 'true' : undefined}
      >
        {props.body ?? ''}
      </textarea>
      <p class="hint" id={`${props.idPrefix}-help`}>
        Markdown works: *emphasis*, **strong**, [links](https://example.com), `code`, &gt; quotes and lists. Up to 10,000 characters.
      </p>
      <button type="submit">{props.submit}</button>
    </form>
  );
}

// ---- What a visitor meant to do when sent to sign in (see SignInIntent in ../session.ts) ----

/** What a visitor meant to do when sent to sign in, and the comment it is about, as the page tells it. */
export interface IntentView {
  intent: SignInIntent;
  /** The comment's writer as readers see it ("[deleted]" when gone). */
  writer: string;
}

/** The intent's hidden fields, in both sign-in forms: nothing but a comment id, an action and a bounded draft. */
export function IntentFields(props: { intent?: IntentView }) {
  const intent = props.intent?.intent;
  if (!intent) return null;
  return (
    <>
      <input type="hidden" name="intent" value={intent.kind} />
      <input type="hidden" name="comment" value={intent.commentId} />
      {intent.kind === 'reply' && <input type="hidden" name="draft" value={intent.draft} />}
    </>
  );
}

/** What will happen after sign-in, in the reader's words. */
export function intentPromise(view: IntentView): string {
  return view.intent.kind === 'vote'
    ? `Your upvote of the comment by ${view.writer} will be counted as soon as you are signed in.`
    : `Your reply to ${view.writer} is kept: once you are signed in it comes back in the reply form, ready to post.`;
}

/**
 * Someone already signed in who follows a sign-in link that carries a vote: nothing happens by
 * itself (a link from another site must not vote for them); one click on this page does it.
 */
export function SignedInAlready(props: { viewer: DiscussionViewer; intent?: IntentView }) {
  const { viewer, intent } = props;
  return (
    <div class="notice">
      <p>
        You are signed in as <strong>{viewer.name}</strong>. <a href="/me">Your page</a>
      </p>
      {intent?.intent.kind === 'vote' && (
        <form method="post" action={`/comments/${intent.intent.commentId}/vote`}>
          <input type="hidden" name="_csrf" value={viewer.csrf} />
          <input type="hidden" name="action" value="up" />
          <button type="submit">Upvote the comment by {intent.writer}</button>
        </form>
      )}
    </div>
  );
}
