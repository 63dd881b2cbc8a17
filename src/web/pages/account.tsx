import type { ComponentChildren } from 'preact';
import type { AppContext } from '../context.ts';
import { renderDocument } from '../render.ts';
import { type DiscussionViewer, SignInForm } from './discussion.tsx';
import { Layout } from './layout.tsx';
import { exactTime } from './time.ts';

export interface PageShell {
  ctx: AppContext;
  viewer: DiscussionViewer | null;
}

export function Shell(props: PageShell & { title: string; children: ComponentChildren; narrow?: boolean }) {
  return (
    <Layout
      ctx={props.ctx}
      title={props.title}
      description={props.title}
      ogType="website"
      noindex
      viewer={props.viewer ? { name: props.viewer.name, isAuthor: props.viewer.isAuthor } : null}
    >
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

export function signInPage(props: PageShell & { returnTo: string; error?: string; recoverError?: string; name?: string }): string {
  return renderDocument(
    <Shell {...props} title="Sign in">
      {props.viewer && (
        <p class="notice">
          You are signed in as <strong>{props.viewer.name}</strong>. <a href="/me">Your page</a>
        </p>
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
        <SignInForm returnTo={props.returnTo} idPrefix="signin" />
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

export function RecoveryKeyNote(props: { recoveryKey: string }) {
  return (
    <div class="recovery-key" role="note" aria-labelledby="recovery-key-title">
      <h2 id="recovery-key-title">Your recovery key</h2>
      <p>
        <code class="key">{props.recoveryKey}</code>
      </p>
      <p>
        This is shown once. Keep it somewhere safe (a password manager is ideal): with it you can use your name on another device. We keep
        only a fingerprint of it, so we can't show it again; you can make a new one on your page.
      </p>
    </div>
  );
}

export function welcomePage(props: PageShell & { name: string; recoveryKey: string; returnTo: string; recovered: boolean }): string {
  return renderDocument(
    <Shell {...props} title={props.recovered ? `Welcome back, ${props.name}` : `Welcome, ${props.name}`}>
      <p>
        {props.recovered
          ? 'You are signed in on this device. Your old recovery key no longer works.'
          : 'The name is yours. You can now comment, reply and upvote.'}
      </p>
      <RecoveryKeyNote recoveryKey={props.recoveryKey} />
      <p>
        <a class="button-link" href={props.returnTo}>
          Continue
        </a>
      </p>
    </Shell>,
  );
}

export function mePage(
  props: PageShell & { viewer: DiscussionViewer; createdAt: number; recoveryKey?: string; signedOutOthers?: number },
): string {
  const csrf = <input type="hidden" name="_csrf" value={props.viewer.csrf} />;
  return renderDocument(
    <Shell {...props} title={props.viewer.name}>
      <p>
        Your display name here{props.viewer.isAuthor ? ', marked as the author' : ''}, taken {exactTime(props.createdAt)}.
      </p>
      {props.recoveryKey && <RecoveryKeyNote recoveryKey={props.recoveryKey} />}
      {props.signedOutOthers !== undefined && (
        <p class="notice" role="status">
          Signed out on every device. Sign in again here with your recovery key.
        </p>
      )}
      <section aria-labelledby="me-key">
        <h2 id="me-key">Recovery key</h2>
        <p>Lost your recovery key, or worried someone saw it? Make a new one; the old one stops working.</p>
        <form method="post" action="/me/recovery-key">
          {csrf}
          <button type="submit">Make a new recovery key</button>
        </form>
      </section>
      <section aria-labelledby="me-inbox">
        <h2 id="me-inbox">Inbox and private feed</h2>
        <p>
          Replies to your comments arrive in your <a href="/inbox">inbox</a>. To follow them in a feed reader, make a private feed address
          (shown once); making a new one or turning it off stops the old address working.
        </p>
        <form method="post" action="/inbox/feed" class="inline-form">
          {csrf}
          <button type="submit">Make a private feed address</button>
        </form>
        <form method="post" action="/inbox/feed/revoke" class="inline-form">
          {csrf}
          <button type="submit">Turn the feed off</button>
        </form>
      </section>
      <section aria-labelledby="me-sessions">
        <h2 id="me-sessions">Signing out</h2>
        <form method="post" action="/signout" class="inline-form">
          {csrf}
          <button type="submit">Sign out on this device</button>
        </form>
        <form method="post" action="/signout/everywhere" class="inline-form">
          {csrf}
          <button type="submit">Sign out everywhere</button>
        </form>
      </section>
      <section aria-labelledby="me-data">
        <h2 id="me-data">Your data</h2>
        <p>
          <a href="/me/export.json" download="byline-my-data.json">
            Download everything you wrote here (JSON)
          </a>
        </p>
        <form method="post" action="/me/delete" class="danger-zone">
          {csrf}
          <p>
            Deleting your name removes your votes and comments. Comments that others replied to stay as “[deleted]” placeholders so their
            replies still make sense. This can't be undone.
          </p>
          <input type="checkbox" id="confirm-delete" name="confirm" value="yes" required />
          <label for="confirm-delete">Yes, delete my name and everything I wrote</label>
          <button type="submit" class="danger">
            Delete my name
          </button>
        </form>
      </section>
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
