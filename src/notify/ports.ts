// What notifications that leave the site keep in storage: the author's webhooks, the queue of
// deliveries (so nothing waiting is lost in a restart), the log of attempts the desk shows, and
// readers' push subscriptions. src/store/sql/notify.ts implements it on both engines.

/** The events the author can ask to hear of, by the inbox kind each comes from. */
export const AUTHOR_EVENTS = ['held', 'new_comment', 'reply'] as const;
export type AuthorEvent = (typeof AUTHOR_EVENTS)[number];

export const WEBHOOK_FORMATS = ['json', 'ntfy', 'discord', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface Webhook {
  id: string;
  url: string;
  format: WebhookFormat;
  events: AuthorEvent[];
  /** Signs the generic JSON format (see signature.ts); shown to the author once, when added. */
  secret: string;
  createdAt: number;
}

/** Where a delivery goes: one webhook, one identity's push subscriptions, or the author's mailbox. */
export type Channel = 'webhook' | 'push' | 'mail';

export interface NewDelivery {
  channel: Channel;
  /** The webhook's id, the identity's id, or "author" for mail. */
  target: string;
  /** What happened (an AuthorEvent, "reply" for push, or "test"). */
  event: string;
  /** The event as JSON (a NotifyEvent). */
  payload: string;
  /** Not before this time: how mail and push wait to gather what follows. */
  nextAt: number;
  createdAt: number;
}

export interface Delivery extends NewDelivery {
  id: number;
  attempts: number;
  state: 'pending' | 'sent' | 'failed';
}

export interface AttemptLog {
  id: number;
  channel: Channel;
  target: string;
  event: string;
  attempt: number;
  /** "HTTP 200", "timed out", …: what the other side said, in a few words. */
  outcome: string;
  ok: boolean;
  createdAt: number;
}

export interface PushSubscriptionRecord {
  endpoint: string;
  identityId: string;
  p256dh: string;
  auth: string;
  createdAt: number;
}

export interface NotifyStore {
  addWebhook(webhook: Webhook): Promise<void>;
  listWebhooks(): Promise<Webhook[]>;
  getWebhook(id: string): Promise<Webhook | undefined>;
  /** Removes the webhook and whatever was still waiting for it; false when there was none. */
  deleteWebhook(id: string): Promise<boolean>;

  enqueueDeliveries(items: readonly NewDelivery[]): Promise<void>;
  /** Pending deliveries whose time has come, oldest first. */
  dueDeliveries(now: number, limit: number): Promise<Delivery[]>;
  /**
   * Takes a delivery for this node until `leaseUntil`: true only for the one caller that moved it
   * from the `nextAt` it saw, so two nodes never send the same delivery at once.
   */
  claimDelivery(id: number, seenNextAt: number, leaseUntil: number): Promise<boolean>;
  /** After an attempt: sent, failed for good, or pending again at `nextAt` with `attempts` made. */
  settleDelivery(
    id: number,
    outcome: { state: 'sent' | 'failed' | 'pending'; attempts: number; nextAt: number; at: number },
  ): Promise<void>;
  /** When the channel's target last had something sent (null: never), to space mail and pushes. */
  lastSent(channel: Channel, target: string): Promise<number | null>;
  /** Forgets settled deliveries and log lines older than `before`, keeping each channel's latest `keepLog` lines. */
  pruneDeliveries(before: number, keepLog: number): Promise<void>;

  logAttempt(entry: Omit<AttemptLog, 'id'>): Promise<void>;
  recentAttempts(channel: Channel, limit: number): Promise<AttemptLog[]>;

  /**
   * Saves a subscription (a browser's endpoint belongs to the identity that last subscribed it),
   * unless the identity already has `max` others: then nothing is written and false is returned.
   */
  savePushSubscription(sub: PushSubscriptionRecord, max: number): Promise<boolean>;
  pushSubscriptions(identityId: string): Promise<PushSubscriptionRecord[]>;
  /** Deletes one endpoint (only the identity's own when `identityId` is given); how many went. */
  deletePushSubscription(endpoint: string, identityId?: string): Promise<number>;
  deletePushSubscriptionsOf(identityId: string): Promise<number>;

  /** The author's choices that are not a webhook's (which events the mail carries). */
  getNotifySetting(name: string): Promise<string | undefined>;
  setNotifySetting(name: string, value: string): Promise<void>;
}
