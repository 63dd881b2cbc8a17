// The operator's settings for notifications that leave the site: which push services readers'
// browsers may name, the SMTP server for the author's mail, and how often mail may go out.

/** The push services of the common browsers; a reader's subscription must point at one of these. */
export const DEFAULT_PUSH_HOSTS = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', '*.push.apple.com', '*.notify.windows.com'];

export interface NotifySettings {
  /**
   * Where readers' push subscriptions may point (BYLINE_PUSH_HOSTS, comma-separated): a host name
   * (https only; `*.` allows its subdomains) or a full origin such as `http://127.0.0.1:8080`,
   * which is matched exactly, scheme and port included.
   */
  pushHosts: string[];
  /** The contact the push services see in each request's signature (BYLINE_PUSH_CONTACT: mailto: or https:). */
  pushContact?: string;
  /** The SMTP server for the author's mail (BYLINE_SMTP_URL, e.g. smtps://user:pass@mail.example.org). */
  smtpUrl?: string;
  /** The sender of that mail (BYLINE_MAIL_FROM). */
  mailFrom?: string;
  /** The author's address (BYLINE_AUTHOR_EMAIL): the only address Byline ever mails. */
  authorEmail?: string;
  /** At most one mail per this many minutes, with everything since the last (BYLINE_MAIL_EVERY_MINUTES). */
  mailEveryMinutes: number;
  /** How often the queue of deliveries is looked at, in milliseconds (a new item is sent at once regardless). */
  pollMs: number;
}

export const defaultNotifySettings: NotifySettings = {
  pushHosts: DEFAULT_PUSH_HOSTS,
  mailEveryMinutes: 15,
  pollMs: 15_000,
};

export function notifySettingsFromEnv(env: NodeJS.ProcessEnv): NotifySettings {
  const list = (value: string | undefined) =>
    value === undefined
      ? undefined
      : value
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean);
  const minutes = env.BYLINE_MAIL_EVERY_MINUTES;
  const every = minutes === undefined ? defaultNotifySettings.mailEveryMinutes : Number(minutes);
  if (!Number.isInteger(every) || every < 1)
    throw new Error(`BYLINE_MAIL_EVERY_MINUTES '${minutes}' must be a whole number of at least 1.`);
  const contact = env.BYLINE_PUSH_CONTACT;
  if (contact !== undefined && !/^(mailto:|https:\/\/)/.test(contact))
    throw new Error(`BYLINE_PUSH_CONTACT '${contact}' must be a mailto: address or an https:// URL.`);
  const smtpUrl = env.BYLINE_SMTP_URL || undefined;
  const authorEmail = env.BYLINE_AUTHOR_EMAIL || undefined;
  if (smtpUrl && !authorEmail) throw new Error('BYLINE_SMTP_URL is set but BYLINE_AUTHOR_EMAIL is not: say where the mail should go.');
  return {
    pushHosts: list(env.BYLINE_PUSH_HOSTS) ?? defaultNotifySettings.pushHosts,
    pushContact: contact,
    smtpUrl,
    mailFrom: env.BYLINE_MAIL_FROM || undefined,
    authorEmail,
    mailEveryMinutes: every,
    pollMs: defaultNotifySettings.pollMs,
  };
}
