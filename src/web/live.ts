import type { ServerResponse } from 'node:http';
import type { Store, StoredEvent } from '../store/store.ts';

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

/**
 * Live updates for readers of an article over Server-Sent Events. Every change is an event row
 * written in the same transaction as the change, so ids are ordered and durable: a client that
 * reconnects with Last-Event-ID is sent exactly what it missed. A notification (from this node,
 * or from another node through the database) makes the room read new events once and send them
 * to every connected reader, however many there are.
 */
export class LiveHub {
  private readonly rooms = new Map<string, Room>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly format: EventFormatter,
  ) {
    // A comment line every 25 s keeps proxies from closing idle streams.
    this.heartbeat = setInterval(() => {
      for (const room of this.rooms.values()) for (const c of room.clients) c.res.write(': keep-alive\n\n');
    }, 25_000);
    this.heartbeat.unref();
  }

  get connections(): number {
    let n = 0;
    for (const room of this.rooms.values()) n += room.clients.size;
    return n;
  }

  private async frame(ev: StoredEvent): Promise<string | undefined> {
    const out = await this.format(ev);
    if (!out) return `id: ${ev.id}\n\n`;
    return `id: ${ev.id}\nevent: ${out.event}\ndata: ${JSON.stringify(out.data)}\n\n`;
  }

  async join(slug: string, res: ServerResponse, lastEventId: number): Promise<LiveClient> {
    let room = this.rooms.get(slug);
    if (!room) {
      room = { clients: new Set(), cursor: await this.store.latestEventId(), flushing: false, again: false };
      const existing = this.rooms.get(slug);
      if (existing) room = existing;
      else this.rooms.set(slug, room);
    }
    const client: LiveClient = { res, lastId: lastEventId, ready: false };
    room.clients.add(client);
    res.on('close', () => {
      room.clients.delete(client);
      if (room.clients.size === 0 && !room.flushing) this.rooms.delete(slug);
    });
    // Catch up from the client's own point until it has reached the room's; only then does it
    // take broadcasts, so no event is sent twice or skipped.
    for (let round = 0; round < 100; round++) {
      const backlog = await this.store.eventsSince(slug, client.lastId, 500);
      for (const ev of backlog) {
        const frame = await this.frame(ev);
        if (frame) res.write(frame);
        client.lastId = ev.id;
      }
      if (backlog.length < 500 && client.lastId >= room.cursor) break;
      if (backlog.length === 0) {
        client.lastId = Math.max(client.lastId, room.cursor);
        break;
      }
    }
    client.ready = true;
    return client;
  }

  /** Something changed on this article: send the new events to everyone reading it. */
  async notify(slug: string): Promise<void> {
    const room = this.rooms.get(slug);
    if (!room) return;
    if (room.flushing) {
      room.again = true;
      return;
    }
    room.flushing = true;
    try {
      do {
        room.again = false;
        const events = await this.store.eventsSince(slug, room.cursor, 1000);
        for (const ev of events) {
          const frame = await this.frame(ev);
          room.cursor = ev.id;
          if (!frame) continue;
          for (const c of room.clients) {
            if (c.ready && c.lastId < ev.id) {
              c.res.write(frame);
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

  close(): void {
    clearInterval(this.heartbeat);
    for (const room of this.rooms.values()) for (const c of room.clients) c.res.end();
    this.rooms.clear();
  }
}
