import { AUTHOR_EVENTS, type AttemptLog, type AuthorEvent, WEBHOOK_FORMATS, type Webhook, type WebhookFormat } from '../../notify/ports.ts';
import { renderDocument } from '../render.ts';
import { AdminShell, type AdminShellProps } from './admin-shell.tsx';
import { exactTime } from './time.ts';

export const EVENT_LABELS: Record<AuthorEvent, string> = {
  held: 'A comment is waiting for review',
  new_comment: 'Someone comments on an article',
  reply: 'Someone replies to you',
};

const FORMAT_LABELS: Record<WebhookFormat, string> = {
  json: 'JSON, signed (for your own receiver)',
  ntfy: 'ntfy (a topic address)',
  discord: 'Discord (a channel webhook)',
  slack: 'Slack (an incoming webhook)',
};

/** What the author typed into the add form, kept when it is refused. */
export interface WebhookDraft {
  url: string;
  format: WebhookFormat;
  events: AuthorEvent[];
}

export interface NotifyPageProps extends AdminShellProps {
  webhooks: Webhook[];
  log: AttemptLog[];
  mail: { to: string; everyMinutes: number; events: AuthorEvent[] } | undefined;
  /** Just added: its secret is shown this once. */
  added?: Webhook;
  draft?: WebhookDraft;
  error?: string;
}

const emptyDraft: WebhookDraft = { url: '', format: 'json', events: [...AUTHOR_EVENTS] };

/** The address without its path and query, which may carry a token (Discord's and Slack's do). */
function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.length > 1 ? '/…' : '';
    return `${u.host}${path}`;
  } catch {
    return url;
  }
}

function EventBoxes(props: { prefix: string; chosen: readonly AuthorEvent[] }) {
  return (
    <fieldset class="notify-events">
      <legend>Tell me when</legend>
      {AUTHOR_EVENTS.map((e) => (
        <div class="check">
          <input type="checkbox" id={`${props.prefix}-${e}`} name="events" value={e} checked={props.chosen.includes(e)} />
          <label for={`${props.prefix}-${e}`}>{EVENT_LABELS[e]}</label>
        </div>
      ))}
    </fieldset>
  );
}

function AddedSecret(props: { webhook: Webhook }) {
  const w = props.webhook;
  if (w.format !== 'json')
    return (
      <div class="notice" role="status">
        <p>Webhook added. Send a test to see it arrive.</p>
      </div>
    );
  return (
    <div class="notice notify-secret" role="status">
      <p>
        Webhook added. Its signing secret is shown <strong>this once</strong>: keep it with your receiver, which uses it to check the{' '}
        <code>Byline-Signature</code> header.
      </p>
      <p class="secret-line">
        <code id="webhook-secret">{w.secret}</code>{' '}
        <button type="button" class="copy-button" data-copy-target="webhook-secret" hidden>
          Copy
        </button>
      </p>
    </div>
  );
}

function WebhookItem(props: { w: Webhook; csrf: string }) {
  const { w, csrf } = props;
  return (
    <li class="notify-webhook">
      <p class="notify-webhook-where">
        <strong>{shortUrl(w.url)}</strong> <span class="hint-inline">{FORMAT_LABELS[w.format].split(' (')[0]}</span>
      </p>
      <p class="hint">{w.events.map((e) => EVENT_LABELS[e]).join(' · ')}</p>
      <div class="notify-webhook-actions">
        <form method="post" action={`/admin/notifications/webhooks/${encodeURIComponent(w.id)}/test`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <button type="submit">Send a test</button>
        </form>
        <form method="post" action={`/admin/notifications/webhooks/${encodeURIComponent(w.id)}/remove`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <button type="submit" class="secondary-button" aria-label={`Remove the webhook to ${shortUrl(w.url)}`}>
            Remove
          </button>
        </form>
      </div>
    </li>
  );
}

function AddForm(props: { csrf: string; draft: WebhookDraft; error?: string }) {
  const d = props.draft;
  return (
    <form method="post" action="/admin/notifications/webhooks" class="notify-add">
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.error && (
        <p class="form-error" role="alert" id="webhook-error">
          {props.error}
        </p>
      )}
      <label for="webhook-url">Address</label>
      <input
        type="url"
        id="webhook-url"
        name="url"
        value={d.url}
        required
        maxLength={2000}
        placeholder="https://"
        aria-describedby={props.error ? 'webhook-error webhook-url-hint' : 'webhook-url-hint'}
      />
      <p class="hint" id="webhook-url-hint">
        For ntfy, the topic’s address (https://ntfy.sh/your-topic); for Discord and Slack, the webhook address they give you.
      </p>
      <label for="webhook-format">Format</label>
      <select id="webhook-format" name="format">
        {WEBHOOK_FORMATS.map((f) => (
          <option value={f} selected={d.format === f}>
            {FORMAT_LABELS[f]}
          </option>
        ))}
      </select>
      <EventBoxes prefix="add" chosen={d.events} />
      <button type="submit">Add webhook</button>
    </form>
  );
}

function MailSection(props: { csrf: string; mail: NotifyPageProps['mail'] }) {
  const { mail } = props;
  if (!mail)
    return (
      <p class="hint notify-mail-off">
        Mail is off. Whoever runs the server can turn it on with the settings <code>BYLINE_SMTP_URL</code> and{' '}
        <code>BYLINE_AUTHOR_EMAIL</code>.
      </p>
    );
  return (
    <form method="post" action="/admin/notifications/mail">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <p>
        Mail goes to <strong>{mail.to}</strong>, at most one every {mail.everyMinutes} minutes with everything since the last.
      </p>
      <EventBoxes prefix="mail" chosen={mail.events} />
      <button type="submit">Save mail choices</button>
    </form>
  );
}

function LogList(props: { log: AttemptLog[]; webhooks: Webhook[] }) {
  if (props.log.length === 0) return <p class="empty">Nothing has been sent yet.</p>;
  const where = (a: AttemptLog) => {
    if (a.channel === 'mail') return 'Mail';
    const w = props.webhooks.find((x) => x.id === a.target);
    return w ? shortUrl(w.url) : 'a removed webhook';
  };
  return (
    <ol class="notify-log">
      {props.log.map((a) => (
        <li class={a.ok ? 'ok' : 'failed'}>
          <span class="notify-log-when">{exactTime(a.createdAt)}</span>
          <span class="notify-log-what">
            <strong>{a.ok ? 'Delivered' : 'Failed'}</strong> ·{' '}
            {a.event === 'test' ? 'test' : (EVENT_LABELS[a.event as AuthorEvent] ?? a.event)} · {where(a)}
            {a.attempt > 1 ? ` · attempt ${a.attempt}` : ''}
          </span>
          <span class="notify-log-outcome">{a.outcome}</span>
        </li>
      ))}
    </ol>
  );
}

export function notifyPage(props: NotifyPageProps): string {
  return renderDocument(
    <AdminShell {...props} title="Notifications" section="notifications">
      <p>
        Be told outside the site when a comment waits for review, when someone comments on your articles, or when someone replies to you.
      </p>
      {props.added && <AddedSecret webhook={props.added} />}
      <section aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading">Webhooks</h2>
        {props.webhooks.length === 0 ? (
          <p class="empty">No webhooks yet.</p>
        ) : (
          <ul class="notify-webhooks">
            {props.webhooks.map((w) => (
              <WebhookItem w={w} csrf={props.csrf} />
            ))}
          </ul>
        )}
        <h3>Add a webhook</h3>
        <AddForm csrf={props.csrf} draft={props.draft ?? emptyDraft} error={props.error} />
      </section>
      <section aria-labelledby="mail-heading">
        <h2 id="mail-heading">Mail</h2>
        <MailSection csrf={props.csrf} mail={props.mail} />
      </section>
      <section aria-labelledby="log-heading">
        <h2 id="log-heading">Delivery log</h2>
        <p class="hint">
          The latest attempts, newest first. A failed delivery is tried again, further apart each time, six times over about an hour.
        </p>
        <LogList log={props.log} webhooks={props.webhooks} />
      </section>
    </AdminShell>,
  );
}
