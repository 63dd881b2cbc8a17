import type { ComponentChildren } from 'preact';
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { type DiscussionViewer, SignInForm } from './discussion.tsx';
import { IntentFields, type IntentView, intentPromise, SignedInAlready } from './comment-forms.tsx';

export type { IntentView } from './comment-forms.tsx';
import { Layout } from './layout.tsx';

export interface PageShell {
  ctx: AppContext;
  viewer: DiscussionViewer | null;
}

export function Shell(props: PageShell & { title: string; children: ComponentChildren; narrow?: boolean }) {
  return (
    <Layout ctx={props.ctx} title={props.title} description={props.title} ogType="website" noindex viewer={props.viewer}>
      <div class="wrap account-page">
        <h1>{props.title}</h1>
        {props.children}
      </div>
    </Layout>
  );
}

/** Stands in for this site's origin when return targets are parsed; only the path is ever kept. */
const OWN_ORIGIN = 'https://byline.invalid';

/**
 * Only same-site paths are followed after a form, never another origin. The target is parsed as a
 * browser parses a link on our page (tabs and newlines vanish, a backslash is a slash, `//host`
 * names a host), kept only when it stays on our origin, and given back normalised: the parsed
 * path, query and fragment, never the raw text.
 */
export function safeReturn(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length > 500 || !value.trimStart().startsWith('/')) return fallback;
  let url: URL;
  try {
    url = new URL(value, `${OWN_ORIGIN}/`);
  } catch {
    return fallback;
  }
  if (url.origin !== OWN_ORIGIN) return fallback;
  // "/.//host" parses to the path "//host", which a browser would read as another host.
  const path = url.pathname.replace(/^\/+/, '/');
  return `${path}${url.search}${url.hash}`;
}

export function signInPage(
  props: PageShell & { returnTo: string; error?: string; recoverError?: string; name?: string; intent?: IntentView },
): string {
  const intent = props.intent;
  return renderDocument(
    <Shell {...props} title="Sign in">
      {props.viewer ? (
        <SignedInAlready viewer={props.viewer} intent={intent} />
      ) : (
        intent && (
          <p class="notice intent-notice" role="status">
            {intentPromise(intent)}
          </p>
        )
      )}
      <section aria-labelledby="new-name">
        <h2 id="new-name">Take a display name</h2>
        <p>
          Pick the name you want to be known by here. No email, no password: the name is yours once you take it, and nobody can take a
          look-alike of it.
        </p>
        {props.error && (
          <p class="form-error" role="alert">
            {props.error}
          </p>
        )}
        <SignInForm returnTo={props.returnTo} idPrefix="signin" name={props.recoverError ? undefined : props.name}>
          <IntentFields intent={intent} />
        </SignInForm>
      </section>
      <section aria-labelledby="recover-name">
        <h2 id="recover-name">Use your name on this device</h2>
        <p>Took a name on another device? Enter it with the recovery key you were given. A new key replaces the one you use.</p>
        {props.recoverError && (
          <p class="form-error" role="alert">
            {props.recoverError}
          </p>
        )}
        <form method="post" action="/signin/recover" class="recover-form">
          <input type="hidden" name="return" value={props.returnTo} />
          <IntentFields intent={intent} />
          <label for="recover-name-field">Display name</label>
          <input id="recover-name-field" name="name" type="text" required maxLength={80} autocomplete="username" value={props.name ?? ''} />
          <label for="recover-key-field">Recovery key</label>
          <input id="recover-key-field" name="recoveryKey" type="text" required maxLength={100} autocomplete="off" spellcheck={false} />
          <button type="submit">Sign in with recovery key</button>
        </form>
      </section>
    </Shell>,
  );
}

/**
 * The author's one-time link opens this page; only its button signs in. Link previewers, mail
 * scanners and prefetchers fetch the link (GET or HEAD) without using it up.
 */
export function authorSignInPage(props: PageShell & { name: string; token: string }): string {
  return renderDocument(
    <Shell {...props} title="Sign in as the author">
      <p>
        This one-time link signs this browser in as <strong>{props.name}</strong>, the author of this site. It works once.
      </p>
      <form method="post" action="/author/signin">
        <input type="hidden" name="token" value={props.token} />
        <button type="submit">Sign in as {props.name}</button>
      </form>
    </Shell>,
  );
}

/** The key, once, with a Copy button the script reveals (without it the key stays selectable). */
export function RecoveryKeyNote(props: { recoveryKey: string }) {
  return (
    <div class="recovery-key" role="note" aria-labelledby="recovery-key-title">
      <h2 id="recovery-key-title">Your recovery key</h2>
      <p class="key-line">
        <code class="key" id="recovery-key-value">
          {props.recoveryKey}
        </code>{' '}
        <button type="button" class="copy-button" data-copy-target="recovery-key-value" aria-label="Copy the recovery key" hidden>
          Copy
        </button>
      </p>
      <p>
        This is shown once. Keep it somewhere safe (a password manager is ideal): with it you can use your name on another device. We keep
        only a fingerprint of it, so we can't show it again; you can make a new one on your page.
      </p>
    </div>
  );
}

/** What became of the intent the reader signed in with (see routes/session.ts). */
export type IntentOutcome = { kind: 'voted'; message: string; ok: boolean } | { kind: 'reply'; form: ComponentChildren };

export function welcomePage(
  props: PageShell & { name: string; recoveryKey: string; returnTo: string; recovered: boolean; outcome?: IntentOutcome },
): string {
  const { outcome } = props;
  return renderDocument(
    <Shell {...props} title={props.recovered ? `Welcome back, ${props.name}` : `Welcome, ${props.name}`}>
      <p>
        {props.recovered
          ? 'You are signed in on this device. Your old recovery key no longer works.'
          : 'The name is yours. You can now comment, reply and upvote.'}
      </p>
      {outcome?.kind === 'voted' && (
        <p class={outcome.ok ? 'notice intent-done' : 'form-error'} role="status">
          {outcome.message}
        </p>
      )}
      <RecoveryKeyNote recoveryKey={props.recoveryKey} />
      {outcome?.kind === 'reply' ? (
        <section aria-labelledby="your-reply">
          <h2 id="your-reply">Your reply, ready to post</h2>
          {outcome.form}
        </section>
      ) : (
        <p>
          <a class="button-link" href={props.returnTo}>
            Continue
          </a>
        </p>
      )}
    </Shell>,
  );
}

export type SignedOutKind = 'here' | 'everywhere' | 'deleted';

const signedOutWords: Record<SignedOutKind, { title: string; text: string }> = {
  here: { title: 'You are signed out', text: 'You are signed out on this device. Your name stays yours.' },
  everywhere: {
    title: 'You are signed out everywhere',
    text: 'Every session of your name has ended, on every device. To sign in again, use your name with its recovery key.',
  },
  deleted: { title: 'Your name is deleted', text: 'Your name, your upvotes and your comments are gone, and you are signed out.' },
};

/** Where a reader lands after signing out (or deleting their name): it says what happened. */
export function signedOutPage(props: PageShell & { kind: SignedOutKind }): string {
  const words = signedOutWords[props.kind];
  return renderDocument(
    <Shell {...props} title={words.title}>
      <p class="notice" role="status">
        {words.text}
      </p>
      <p class="confirm-actions">
        <a class="button-link" href="/">
          Go to the front page
        </a>
        {props.kind !== 'deleted' && <a href="/signin">Sign in again</a>}
      </p>
    </Shell>,
  );
}

export function messagePage(props: PageShell & { title: string; message: string; back?: string; backLabel?: string }): string {
  return renderDocument(
    <Shell {...props} title={props.title}>
      <p class="form-error" role="alert">
        {props.message}
      </p>
      {props.back && (
        <p>
          <a href={props.back}>{props.backLabel ?? 'Go back'}</a>
        </p>
      )}
    </Shell>,
  );
}
