import type { ServerResponse } from 'node:http';
import type { EventStore } from '../discussion/ports.ts';
import type { StoredEvent } from '../discussion/records.ts';
import { FrameCache } from './live-frames.ts';

export interface LiveClient {
  res: ServerResponse;
  lastId: number;
  ready: boolean;
}

interface Room {
  clients: Set<LiveClient>;
  cursor: number;
  flushing: boolean;
  again: boolean;
}

/** Turns a stored event into the SSE frame's event name and data, or undefined to skip it. */
export type EventFormatter = (event: StoredEvent) => Promise<{ event: string; data: unknown } | undefined>;

export interface LiveLimits {
  /** Streams open at once from one address prefix. */
  perPrefix: number;
  /** Streams open at once on this node. */
  total: number;
  /** Most events replayed to a reconnecting reader before it is told to reload instead. */
  replayMax: number;
  /**
   * Most bytes replayed to a reconnecting reader before it is told to reload instead: with long
   * comments a few events are megabytes, and a reader who never reads would otherwise cost the
   * server that much copying each time it connects.
   */
  replayMaxBytes: number;
  /** Unsent bytes a stream may hold before its reader is dropped. */
  bufferMaxBytes: number;
  /** Interval of the keep-alive comment. */
  heartbeatMs: number;
  /** How long a replay waits for a reader to take what was already sent. */
  drainTimeoutMs: number;
}

export const defaultLiveLimits: LiveLimits = {
  perPrefix: 8,
  total: 2000,
  replayMax: 200,
  replayMaxBytes: 1024 * 1024,
  bufferMaxBytes: 256 * 1024,
  heartbeatMs: 25_000,
  drainTimeoutMs: 10_000,
};

/** A place among the open streams, held from admission until the stream closes. */
export interface StreamSlot {
  readonly prefix: string;
  release(): void;
}

export type StreamRefusal = 'prefix' | 'total' | 'closing';

/** Past the replay bound the page is too far behind to patch: it reloads instead. */
const reloadFrame = `event: reload\ndata: ${JSON.stringify({ reason: 'behind' })}\n\n`;

/**
 * Live updates for readers of an article over Server-Sent Events. Every change is an event row
 * written in the same transaction as the change, so ids are ordered and durable: a client that
 * reconnects with Last-Event-ID is sent what it missed, up to a bound. A notification (from this
 * node, or from another node through the database) makes the room read new events once and send
 * them to every connected reader, however many there are.
 *
 * Every cost a stream can cause is bounded: streams per address prefix and in total, the replay
 * on reconnect, and the bytes waiting for a reader who does not read.
 */
export class LiveHub {
  private readonly rooms = new Map<string, Room>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly perPrefix = new Map<string, number>();
  private open = 0;
  private closing = false;
  private readonly frames = new FrameCache(16 * 1024 * 1024);
  private readonly limits: LiveLimits;

  constructor(
    private readonly store: EventStore,
    private readonly format: EventFormatter,
    limits: Partial<LiveLimits> = {},
  ) {
    this.limits = { ...defaultLiveLimits, ...limits };
    // A comment line keeps proxies and idle timeouts from closing quiet streams.
    this.heartbeat = setInterval(() => {
      for (const room of this.rooms.values()) for (const c of room.clients) this.send(c, ': keep-alive\n\n');
    }, this.limits.heartbeatMs);
    this.heartbeat.unref();
  }

  get connections(): number {
    let n = 0;
    for (const room of this.rooms.values()) n += room.clients.size;
    return n;
  }

  /**
   * Takes a place for a new stream, or says why there is none. Synchronous, so two requests
   * arriving together cannot both take the last place.
   */
  reserve(prefix: string): StreamSlot | StreamRefusal {
    if (this.closing) return 'closing';
    if (this.open >= this.limits.total) return 'total';
    const held = this.perPrefix.get(prefix) ?? 0;
    if (held >= this.limits.perPrefix) return 'prefix';
    this.perPrefix.set(prefix, held + 1);
    this.open++;
    let released = false;
    return {
      prefix,
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        const left = (this.perPrefix.get(prefix) ?? 1) - 1;
        if (left > 0) this.perPrefix.set(prefix, left);
        else this.perPrefix.delete(prefix);
      },
    };
  }

  private async frame(ev: StoredEvent): Promise<string> {
    const cached = this.frames.get(ev);
    if (cached !== undefined) return cached;
    const out = await this.format(ev);
    const frame = out ? `id: ${ev.id}\nevent: ${out.event}\ndata: ${JSON.stringify(out.data)}\n\n` : `id: ${ev.id}\n\n`;
    this.frames.set(ev, frame);
    return frame;
  }

  /** Writes to a reader, and drops the reader whose unsent bytes pass the high-water mark. */
  private send(client: LiveClient, chunk: string): boolean {
    const { res } = client;
    if (res.destroyed || res.writableEnded) return false;
    res.write(chunk);
    if (res.writableLength > this.limits.bufferMaxBytes) {
      res.destroy();
      return false;
    }
    return true;
  }

  /** Waits until the reader has taken what was sent; false if it did not in time or went away. */
  private drained(res: ServerResponse): Promise<boolean> {
    if (!res.writableNeedDrain) return Promise.resolve(!res.destroyed);
    return new Promise((done) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        res.off('drain', onDrain);
        res.off('close', onClose);
        done(ok);
      };
      const onDrain = () => finish(true);
      const onClose = () => finish(false);
      const timer = setTimeout(() => finish(false), this.limits.drainTimeoutMs);
      res.on('drain', onDrain);
      res.on('close', onClose);
    });
  }

  /**
   * Adds a reader whose place was reserved, sends what it missed since `lastEventId` (or tells it
   * to reload when that is more than the replay bound), then keeps it for broadcasts.
   */
  async join(slug: string, res: ServerResponse, lastEventId: number, slot: StreamSlot): Promise<LiveClient | undefined> {
    const client: LiveClient = { res, lastId: lastEventId, ready: false };
    let room: Room | undefined;
    res.on('close', () => {
      slot.release();
      if (!room) return;
      room.clients.delete(client);
      if (room.clients.size === 0 && !room.flushing) this.rooms.delete(slug);
    });
    if (res.destroyed) return undefined;
    const joined = await this.roomFor(slug);
    if (this.closing) res.end();
    if (res.destroyed || res.writableEnded) return undefined;
    room = joined;
    joined.clients.add(client);
    // Catch up from the client's own point until it has reached the room's; only then does it
    // take broadcasts, so no event is sent twice or skipped. The rounds are few: each one only
    // covers what arrived during the one before.
    let replayed = 0;
    let replayedBytes = 0;
    const tooFarBehind = () => {
      if (!res.writableEnded) res.end(reloadFrame);
      return undefined;
    };
    for (let round = 0; round < 10; round++) {
      const left = this.limits.replayMax - replayed;
      const backlog = await this.store.eventsSince(slug, client.lastId, left + 1);
      if (backlog.length > left) return tooFarBehind();
      // Rendered (and cached) before anything is sent, so an oversized replay costs no writes.
      const frames: string[] = [];
      for (const ev of backlog) {
        const frame = await this.frame(ev);
        replayedBytes += Buffer.byteLength(frame);
        if (replayedBytes > this.limits.replayMaxBytes) return tooFarBehind();
        frames.push(frame);
      }
      for (const [i, ev] of backlog.entries()) {
        const frame = frames[i]!;
        if (!this.send(client, frame)) return undefined;
        client.lastId = ev.id;
        replayed++;
        if (res.writableNeedDrain && !(await this.drained(res))) {
          res.destroy();
          return undefined;
        }
      }
      if (backlog.length === 0) {
        client.lastId = Math.max(client.lastId, joined.cursor);
        break;
      }
      if (client.lastId >= joined.cursor) break;
    }
    client.ready = true;
    return client;
  }

  private async roomFor(slug: string): Promise<Room> {
    const existing = this.rooms.get(slug);
    if (existing) return existing;
    const cursor = await this.store.latestEventId();
    // Another reader may have opened the room while this one waited.
    const room = this.rooms.get(slug) ?? { clients: new Set<LiveClient>(), cursor, flushing: false, again: false };
    this.rooms.set(slug, room);
    return room;
  }

  /** Something changed on this article: send the new events to everyone reading it. */
  async notify(slug: string): Promise<void> {
    const room = this.rooms.get(slug);
    if (!room) {
      // Nobody is reading the article, so nothing says what changed: start its frames afresh.
      this.frames.forget(slug);
      return;
    }
    if (room.flushing) {
      room.again = true;
      return;
    }
    room.flushing = true;
    try {
      do {
        room.again = false;
        const events = await this.store.eventsSince(slug, room.cursor, 1000);
        this.frames.forgetChangedBy(slug, events);
        for (const ev of events) {
          const frame = await this.frame(ev);
          room.cursor = ev.id;
          for (const c of room.clients) {
            if (c.ready && c.lastId < ev.id) {
              this.send(c, frame);
              c.lastId = ev.id;
            }
          }
        }
        if (events.length === 1000) room.again = true;
      } while (room.again);
    } finally {
      room.flushing = false;
      if (room.clients.size === 0) this.rooms.delete(slug);
    }
  }

  /**
   * Ends every stream and refuses new ones. Readers' EventSource reconnects by itself (to
   * another node, or to this one after a restart), so this runs first when the server stops:
   * open streams would otherwise keep it from ever finishing. A reader that does not take the
   * end is cut a moment later.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const room of this.rooms.values()) {
      for (const c of room.clients) {
        if (!c.res.writableEnded) c.res.end();
        setTimeout(() => c.res.destroy(), 1000).unref();
      }
    }
    this.rooms.clear();
    this.frames.clear();
  }
}
