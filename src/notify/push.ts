// Web Push to readers who asked for it on their page: their browsers' subscriptions, checked
// against the push services the operator allows (an endpoint is a URL a reader gives us, so
// anything else would let readers aim the server at any address), and the encrypted request
// web-push builds, sent with the same bounds as a webhook.
import { boundedPost, type PostResult } from './http-post.ts';
import type { NotifyStore, PushSubscriptionRecord } from './ports.ts';
import type { VapidKeys } from './vapid.ts';

/** A reader's browsers: a phone, a laptop, a tablet; more is a flood, not a reader. */
export const MAX_SUBSCRIPTIONS_PER_IDENTITY = 5;
/** Pushes to one identity are at least this far apart; what comes between is folded into the next. */
export const PUSH_SPACING_MS = 60_000;

export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** What a push says; kept small (push services cap payloads at about 4 KB). */
export interface PushMessage {
  title: string;
  body: string;
  url: string;
}

export class PushRefused extends Error {}

/** Whether an endpoint is on the allow-list (see NotifySettings.pushHosts). */
export function endpointAllowed(endpoint: string, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  for (const entry of allowed) {
    if (entry.includes('://')) {
      if (originOf(entry) === url.origin) return true;
      continue;
    }
    if (url.protocol !== 'https:' || url.port !== '') continue;
    const host = url.hostname.toLowerCase();
    if (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry) return true;
  }
  return false;
}

function originOf(entry: string): string | undefined {
  try {
    return new URL(entry).origin;
  } catch {
    return undefined;
  }
}

const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;

export class PushService {
  private keys: VapidKeys | undefined;

  constructor(
    private readonly store: NotifyStore,
    private readonly settings: { pushHosts: readonly string[]; contact: string },
    /** The key pair, made on first use (vapid.ts). */
    private readonly loadKeys: () => VapidKeys,
    private readonly now: () => number,
  ) {}

  /** The public key the page subscribes with. */
  publicKey(): string {
    this.keys ??= this.loadKeys();
    return this.keys.publicKey;
  }

  /** Saves a subscription or says why not, in words for the reader (PushRefused). */
  async subscribe(identityId: string, input: PushSubscriptionInput): Promise<void> {
    const { endpoint, keys } = input;
    if (!endpointAllowed(endpoint, this.settings.pushHosts))
      throw new PushRefused('This browser’s push service is not one this site sends to.');
    // A P-256 public key is 65 bytes (87 characters in base64url), the auth secret 16 (22).
    if (!B64URL.test(keys.p256dh) || keys.p256dh.replace(/=+$/, '').length !== 87 || !B64URL.test(keys.auth) || keys.auth.length < 22)
      throw new PushRefused('The subscription’s keys are not valid.');
    const saved = await this.store.savePushSubscription(
      { endpoint, identityId, p256dh: keys.p256dh, auth: keys.auth, createdAt: this.now() },
      MAX_SUBSCRIPTIONS_PER_IDENTITY,
    );
    if (!saved)
      throw new PushRefused(
        `Notifications are already on for ${MAX_SUBSCRIPTIONS_PER_IDENTITY} browsers. Turn them off somewhere first (Stop on this page turns off all of them).`,
      );
  }

  async subscriptionCount(identityId: string): Promise<number> {
    return (await this.store.pushSubscriptions(identityId)).length;
  }

  /** Stops one browser's pushes, or every browser's when no endpoint is named. */
  async unsubscribe(identityId: string, endpoint?: string): Promise<number> {
    if (endpoint) return this.store.deletePushSubscription(endpoint, identityId);
    return this.store.deletePushSubscriptionsOf(identityId);
  }

  /**
   * Sends one message to every browser of the identity. An endpoint the push service says is gone
   * (404, 410) is forgotten; the result is ok when at least one browser took it or none is left.
   */
  async send(identityId: string, message: PushMessage): Promise<PostResult> {
    const subscriptions = await this.store.pushSubscriptions(identityId);
    if (subscriptions.length === 0) return { ok: true, outcome: 'no subscriptions left' };
    const payload = JSON.stringify({ title: message.title.slice(0, 120), body: message.body.slice(0, 240), url: message.url });
    const results = await Promise.all(subscriptions.map((s) => this.sendOne(s, payload)));
    const delivered = results.filter((r) => r.ok).length;
    const gone = results.filter((r) => r.status === 404 || r.status === 410).length;
    const outcome = `${delivered} of ${subscriptions.length} browsers${gone ? `, ${gone} gone` : ''}: ${results.map((r) => r.outcome).join(', ')}`;
    return { ok: delivered > 0 || delivered + gone === subscriptions.length, outcome };
  }

  private async sendOne(sub: PushSubscriptionRecord, payload: string): Promise<PostResult> {
    // Checked again at sending: the operator may have narrowed the list since it was saved.
    if (!endpointAllowed(sub.endpoint, this.settings.pushHosts)) {
      await this.store.deletePushSubscription(sub.endpoint);
      return { ok: false, status: 410, outcome: 'endpoint no longer allowed' };
    }
    this.keys ??= this.loadKeys();
    // Loaded on the first push: most sites never send one (start-up and memory).
    const { default: webpush } = await import('web-push');
    const details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, {
      vapidDetails: { subject: this.settings.contact, publicKey: this.keys.publicKey, privateKey: this.keys.privateKey },
      TTL: 24 * 3600,
      contentEncoding: 'aes128gcm',
    });
    // fetch sets the length itself; the rest (encryption, VAPID, TTL) goes as web-push made it.
    const headers = Object.fromEntries(
      Object.entries(details.headers as Record<string, string | number>)
        .filter(([name]) => name.toLowerCase() !== 'content-length')
        .map(([name, value]) => [name, String(value)]),
    );
    const result = await boundedPost(details.endpoint, headers, new Uint8Array(details.body ?? []));
    if (result.status === 404 || result.status === 410) await this.store.deletePushSubscription(sub.endpoint);
    return result;
  }
}
