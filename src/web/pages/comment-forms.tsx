import type { ComponentChildren } from 'preact';

export interface DiscussionViewer {
  name: string;
  isAuthor: boolean;
  csrf: string;
  /** The signed render time for the comment form (see discussion/holds.ts). */
  formTime?: string;
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

export function SignInForm(props: { returnTo: string; idPrefix: string; children?: ComponentChildren }) {
  return (
    <form method="post" action="/signin" class="signin-form">
      <input type="hidden" name="return" value={props.returnTo} />
      <label for={`${props.idPrefix}-name`}>Display name</label>
      <div class="inline-field">
        <input
          id={`${props.idPrefix}-name`}
          name="name"
          type="text"
          required
          minLength={2}
          maxLength={40}
          autocomplete="nickname"
          spellcheck={false}
          aria-describedby={`${props.idPrefix}-hint`}
        />
        <button type="submit">Sign in</button>
      </div>
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
