// The reader's own page (/me) and the confirmation before deleting the name.
import { renderDocument } from '../render.ts';
import { type PageShell, RecoveryKeyNote, Shell } from './account.tsx';
import type { DiscussionViewer } from './discussion.tsx';
import { PushSection } from './push-section.tsx';
import { exactTime } from './time.ts';

/**
 * The reader's page: grouped, quiet, the destructive action last and behind a confirmation. The
 * one filled button per section is the action most people come for; the rest are links.
 */
export function mePage(props: PageShell & { viewer: DiscussionViewer; createdAt: number; recoveryKey?: string }): string {
  const csrf = <input type="hidden" name="_csrf" value={props.viewer.csrf} />;
  return renderDocument(
    <Shell {...props} title={props.viewer.name}>
      {props.viewer.isAuthor && (
        <p class="desk-link">
          <a class="button-link" href="/admin">
            Go to your desk
          </a>{' '}
          Comments waiting for review, moderation and settings.
        </p>
      )}
      <section class="me-section" aria-labelledby="me-name">
        <h2 id="me-name">Your name and key</h2>
        <p>
          You are <strong>{props.viewer.name}</strong> here{props.viewer.isAuthor ? ', marked as the author' : ''}, since{' '}
          {exactTime(props.createdAt)}.
        </p>
        {props.recoveryKey && <RecoveryKeyNote recoveryKey={props.recoveryKey} />}
        <form method="post" action="/me/recovery-key" class="quiet-form">
          {csrf}
          <p>
            Lost your recovery key, or worried someone saw it?{' '}
            <button type="submit" class="link-button">
              Make a new recovery key
            </button>{' '}
            (the old one stops working).
          </p>
        </form>
      </section>
      <section class="me-section" aria-labelledby="me-sessions">
        <h2 id="me-sessions">Your sessions</h2>
        <p>You stay signed in on this device until you sign out here, or a long while passes without a visit.</p>
        <form method="post" action="/signout" class="inline-form">
          {csrf}
          <button type="submit">Sign out</button>
        </form>
        <form method="post" action="/signout/everywhere" class="inline-form">
          {csrf}
          <button type="submit" class="link-button">
            Sign out on every device
          </button>
        </form>
      </section>
      <section class="me-section" aria-labelledby="me-notifications">
        <h2 id="me-notifications">Notifications</h2>
        <p>
          Replies to your comments arrive in your <a href="/inbox">inbox</a>; the header shows how many are new.
        </p>
        <PushSection csrf={props.viewer.csrf} />
        <p class="feed-controls">
          To follow your inbox in a feed reader, make a private feed address (shown once). Making a new one, or turning it off, stops the
          old address working.
        </p>
        <form method="post" action="/inbox/feed" class="inline-form">
          {csrf}
          <button type="submit" class="link-button">
            Make a private feed address
          </button>
        </form>
        <form method="post" action="/inbox/feed/revoke" class="inline-form">
          {csrf}
          <button type="submit" class="link-button">
            Turn the feed off
          </button>
        </form>
      </section>
      <section class="me-section" aria-labelledby="me-data">
        <h2 id="me-data">Your data</h2>
        <p>
          <a href="/me/export.json" download="byline-my-data.json">
            Download everything you wrote here
          </a>{' '}
          (your name, comments and upvotes, as JSON).
        </p>
      </section>
      <section class="me-section danger-zone" aria-labelledby="me-delete">
        <h2 id="me-delete">Delete your name</h2>
        <p>Your name, your upvotes and your comments go; you are asked to confirm first.</p>
        <p>
          <a href="/me/delete" class="danger-link">
            Delete your name…
          </a>
        </p>
      </section>
    </Shell>,
  );
}

/** The confirmation step before a name is deleted: what goes, what stays, and a way back. */
export function deleteNamePage(props: PageShell & { viewer: DiscussionViewer; comments: number; votes: number }): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return renderDocument(
    <Shell {...props} title="Delete your name?">
      <div class="danger-zone">
        <h2>What goes</h2>
        <ul>
          <li>
            The name <strong>{props.viewer.name}</strong>: anyone may take it afterwards, and your recovery key stops working.
          </li>
          <li>
            {props.comments === 0
              ? 'No comments: you have written none.'
              : `${plural(props.comments, 'comment', 'comments')} you wrote: each is removed.`}
          </li>
          <li>
            {props.votes === 0
              ? 'No upvotes: you have given none.'
              : `${plural(props.votes, 'upvote', 'upvotes')}: they go, and the scores follow.`}
          </li>
          <li>Your inbox, your private feed, and your sessions on every device.</li>
        </ul>
        <h2>What stays</h2>
        <ul>
          <li>Where others replied to one of your comments, a “[deleted]” placeholder keeps their replies in place.</li>
          <li>Others’ notifications and the author’s records say “[deleted]” instead of your name.</li>
        </ul>
        <p>
          This can’t be undone. To keep a copy, <a href="/me/export.json">download your data</a> first.
        </p>
        <form method="post" action="/me/delete" class="confirm-actions">
          <input type="hidden" name="_csrf" value={props.viewer.csrf} />
          <input type="hidden" name="confirm" value="yes" />
          <button type="submit" class="danger">
            Delete my name for good
          </button>
          <a class="button-link" href="/me">
            Keep my name
          </a>
        </form>
      </div>
    </Shell>,
  );
}
