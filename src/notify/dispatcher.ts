// Works through the queue of deliveries: each webhook delivery on its own, a reader's pushes
// and the author's mail folded together and spaced apart. A failed attempt is tried again
// later, further apart each time, and given up after MAX_ATTEMPTS (about an hour). The queue is
// in the store, so what was waiting when the server stopped is sent after it starts again.
import type { NotifyEvent } from './events.ts';
import type { PostResult } from './http-post.ts';
import type { Channel, Delivery, NotifyStore } from './ports.ts';

/** The waits after the first, second, … failed attempt: six attempts over about an hour. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 300_000, 900_000, 2_400_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** How long a node holds a delivery it is sending before another may take it (a crash mid-send). */
const LEASE_MS = 120_000;
/** Settled deliveries and old log lines are forgotten after a week; the desk keeps the latest lines. */
const KEEP_MS = 7 * 24 * 3600 * 1000;
const KEEP_LOG_LINES = 100;
const PRUNE_EVERY_MS = 3600 * 1000;
const BATCH = 100;

/** How each channel sends; folded channels get every event waiting for the target at once. */
export interface Senders {
  webhook(webhookId: string, event: NotifyEvent, deliveryId: number): Promise<PostResult>;
  push(identityId: string, events: readonly NotifyEvent[]): Promise<PostResult>;
  mail(events: readonly NotifyEvent[]): Promise<PostResult>;
}

export interface DispatcherOptions {
  now: () => number;
  pollMs: number;
  /** The least time between two pushes to one identity, and between two mails. */
  spacingMs: { push: number; mail: number };
}

export function retryAfter(attempts: number): number | undefined {
  return attempts >= MAX_ATTEMPTS ? undefined : RETRY_DELAYS_MS[attempts - 1];
}

export class Dispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private lastPrune = 0;

  constructor(
    private readonly store: NotifyStore,
    private readonly senders: Senders,
    private readonly opts: DispatcherOptions,
  ) {}

  /** Looks at the queue every pollMs from now on. */
  start(): void {
    this.timer = setInterval(() => this.kick(), this.opts.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs the queue soon; a kick while it runs makes it run once more after. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.runDue().catch((err) => console.error('Sending notifications failed:', err));
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
  }

  /** Waits for the run in progress, if any (tests, and close). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.idle();
  }

  /** Sends everything whose time has come. */
  async runDue(): Promise<void> {
    const now = this.opts.now();
    const due = await this.store.dueDeliveries(now, BATCH);
    const folded = new Map<string, Delivery[]>();
    for (const d of due) {
      if (d.channel === 'webhook') await this.sendWebhook(d, now);
      else {
        const key = `${d.channel}\n${d.target}`;
        folded.set(key, [...(folded.get(key) ?? []), d]);
      }
    }
    for (const group of folded.values()) await this.sendFolded(group, now);
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.store.pruneDeliveries(now - KEEP_MS, KEEP_LOG_LINES);
    }
  }

  private async sendWebhook(d: Delivery, now: number): Promise<void> {
    if (!(await this.store.claimDelivery(d.id, d.nextAt, now + LEASE_MS))) return;
    const result = await this.senders.webhook(d.target, JSON.parse(d.payload) as NotifyEvent, d.id);
    await this.settle([d], 'webhook', d.target, d.event, result);
  }

  /** A reader's pushes or the author's mail: everything waiting goes as one, once the spacing allows. */
  private async sendFolded(group: Delivery[], now: number): Promise<void> {
    const { channel, target } = group[0]!;
    const spacing = channel === 'push' ? this.opts.spacingMs.push : this.opts.spacingMs.mail;
    const last = await this.store.lastSent(channel, target);
    const until = last === null ? now : last + spacing;
    const claimed: Delivery[] = [];
    for (const d of group) if (await this.store.claimDelivery(d.id, d.nextAt, until > now ? until : now + LEASE_MS)) claimed.push(d);
    // Too soon after the last one: they wait (claimed up to then) and go together.
    if (until > now || claimed.length === 0) return;
    const events = claimed.map((d) => JSON.parse(d.payload) as NotifyEvent);
    const result = channel === 'push' ? await this.senders.push(target, events) : await this.senders.mail(events);
    await this.settle(claimed, channel, target, claimed.length === 1 ? claimed[0]!.event : `${claimed.length} events`, result);
  }

  private async settle(items: Delivery[], channel: Channel, target: string, event: string, result: PostResult): Promise<void> {
    const at = this.opts.now();
    const attempt = Math.max(...items.map((d) => d.attempts)) + 1;
    const wait = result.ok ? undefined : retryAfter(attempt);
    const outcome = result.ok
      ? result.outcome
      : `${result.outcome}; ${wait === undefined ? 'given up' : `will try again in ${words(wait)}`}`;
    await this.store.logAttempt({ channel, target, event, attempt, outcome, ok: result.ok, createdAt: at });
    for (const d of items) {
      const attempts = d.attempts + 1;
      if (result.ok) await this.store.settleDelivery(d.id, { state: 'sent', attempts, nextAt: at, at });
      else {
        const delay = retryAfter(attempts);
        await this.store.settleDelivery(d.id, {
          state: delay === undefined ? 'failed' : 'pending',
          attempts,
          nextAt: at + (delay ?? 0),
          at,
        });
      }
    }
  }
}

const words = (ms: number) => (ms < 90_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);
