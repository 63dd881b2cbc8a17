// Builds the notifications that leave the site from the operator's settings: the composition
// root (src/web/compose.ts) calls this once and hands the result to the inbox and the routes.
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { NotifySettings } from './config.ts';
import type { SiteLinks } from './events.ts';
import { AuthorMail } from './mail.ts';
import type { NotifyStore } from './ports.ts';
import { PushService } from './push.ts';
import { Notifier } from './service.ts';

export type { Notifier, PushService };
import { loadOrCreateVapidKeys } from './vapid.ts';

export interface NotifyOptions {
  store: NotifyStore;
  settings: NotifySettings;
  dataDir: string;
  links: SiteLinks;
  siteTitle: string;
  /** The site's address: the push services' contact when the operator named none, if it is https. */
  siteUrl: string;
  isAuthor(identityId: string): Promise<boolean>;
  now: () => number;
  /** Makes a rate limiter on the backend the other limits use (src/web/limits.ts). */
  makeLimiter(opts: { keyPrefix: string; points: number; duration: number }): RateLimiterAbstract;
}

/** The allowances of the writes these features add, counted per identity. */
export interface NotifyLimits {
  /** The author's changes on the notifications desk page, test sends included. */
  desk: RateLimiterAbstract;
  /** A reader turning push on or off. */
  pushWrites: RateLimiterAbstract;
}

export interface NotifyServices {
  notifier: Notifier;
  push: PushService;
  limits: NotifyLimits;
}

export const DESK_ACTIONS_PER_HOUR = 60;
export const PUSH_WRITES_PER_HOUR = 20;

export function createNotifier(opts: NotifyOptions): NotifyServices {
  const { settings } = opts;
  const contact =
    settings.pushContact ??
    (settings.authorEmail
      ? `mailto:${settings.authorEmail}`
      : opts.siteUrl.startsWith('https://')
        ? opts.siteUrl
        : 'mailto:postmaster@localhost');
  const push = new PushService(opts.store, { pushHosts: settings.pushHosts, contact }, () => loadOrCreateVapidKeys(opts.dataDir), opts.now);
  const mail =
    settings.smtpUrl && settings.authorEmail
      ? new AuthorMail({
          smtpUrl: settings.smtpUrl,
          to: settings.authorEmail,
          from: settings.mailFrom ?? settings.authorEmail,
          siteTitle: opts.siteTitle,
        })
      : undefined;
  const notifier = new Notifier({
    store: opts.store,
    links: opts.links,
    isAuthor: opts.isAuthor,
    push,
    mail,
    now: opts.now,
    pollMs: settings.pollMs,
    mailEveryMinutes: settings.mailEveryMinutes,
  });
  const limits: NotifyLimits = {
    desk: opts.makeLimiter({ keyPrefix: 'notifydesk', points: DESK_ACTIONS_PER_HOUR, duration: 3600 }),
    pushWrites: opts.makeLimiter({ keyPrefix: 'pushwrites', points: PUSH_WRITES_PER_HOUR, duration: 3600 }),
  };
  return { notifier, push, limits };
}
