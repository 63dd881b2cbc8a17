import { DEFAULT_PAGE_CACHE_MB } from '../config.ts';
import { type PreparedBody, prepareBodyAsync, preparedBytes } from './http.ts';

/** The default memory for cached pages when the configuration does not say (BYLINE_PAGE_CACHE_MB). */
export const DEFAULT_PAGE_CACHE_BYTES = DEFAULT_PAGE_CACHE_MB * 1024 * 1024;

/** Bookkeeping per entry (the key, the map slot, the object): counted so tiny entries are not free. */
const ENTRY_OVERHEAD_BYTES = 256;

/** Who may be given a published body without its route running (the rules are in session.ts). */
export type Audience = 'anonymous' | 'shared-page';

/**
 * Where and how a cached body is answered, so the fast path (fast-path.ts) can send it without
 * the route: only a route that just sent these bytes for this address publishes them.
 */
export interface Publication {
  /** The canonical address, exactly as a client sends it (path and query). */
  url: string;
  /** The content version the body was made from: after a reload the route must run again. */
  version: number;
  vary: string;
  audience: Audience;
}

interface Entry {
  slug: string;
  /** A response body, or (under a `data|` key) data kept to make responses from. */
  body: PreparedBody | Kept<unknown>;
  storedAt: number;
  bytes: number;
  /** Times served from the cache. */
  hits: number;
  published?: Publication;
}

/** Served this many times from the cache, a page is worth the best compression. */
const REFINE_AFTER_HITS = 2;

/** Data kept in the cache beside the pages: counted in the same byte budget. */
interface Kept<T> {
  kept: T;
}

const isKept = (body: Entry['body']): body is Kept<unknown> => 'kept' in body;

export interface PageCacheOptions {
  /** Total bytes of every encoding of every entry; the least recently used go first past it. */
  maxBytes?: number;
  /** Entries older than this are dropped, so relative times ("3 hours ago") stay roughly true. */
  maxAgeMs?: number;
  /** A body bigger than this share of `maxBytes` is served but never kept (one page must not evict all). */
  maxEntryShare?: number;
  /** Recompress popular entries at the best levels in the background (off in unit tests that count bytes). */
  refine?: boolean;
}

/**
 * Rendered anonymous pages (and feeds and comment lists), compressed once. Bounded in bytes and
 * least-recently-used first out. A write to an article drops that article's entries and no
 * others, and bumps its generation so a render that was running during the write is not stored.
 */
export class PageCache {
  private readonly entries = new Map<string, Entry>();
  /** Published addresses, to the key of the entry that answers them. */
  private readonly urls = new Map<string, string>();
  /** The key each stored body is kept under, so a route can publish the body it was handed. */
  private readonly keys = new WeakMap<PreparedBody, string>();
  private readonly generations = new Map<string, number>();
  /** Renders in progress, so a crowd asking for the same missing page causes one render. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** How many top-level threads an article has for anonymous readers, as of a generation. */
  private readonly threadCounts = new Map<string, { generation: number; threads: number }>();
  private readonly refineQueue = new Set<string>();
  private refining: Promise<void> | undefined;
  private used = 0;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  /** Shared data may be larger than one page: it saves every render of the article a store read. */
  readonly maxDataBytes: number;
  private readonly maxAgeMs: number;
  private readonly refine: boolean;

  constructor(opts: PageCacheOptions = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_PAGE_CACHE_BYTES;
    this.maxEntryBytes = Math.floor(this.maxBytes * (opts.maxEntryShare ?? 1 / 8));
    this.maxDataBytes = Math.floor(this.maxBytes / 3);
    this.maxAgeMs = opts.maxAgeMs ?? 5 * 60 * 1000;
    this.refine = opts.refine ?? true;
  }

  /** Bytes held now (never more than `maxBytes`). */
  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): PreparedBody | undefined {
    const body = this.lookup(key, now);
    return body && !isKept(body) ? body : undefined;
  }

  private lookup(key: string, now: number): Entry['body'] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.storedAt > this.maxAgeMs) {
      this.remove(key, entry);
      return undefined;
    }
    // Most recently used goes to the end of the map's order; eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    // Only pages readers come back to get the costly pass: a stream of one-off misses (a crawler,
    // an attacker) must not keep a core busy with best-level compression.
    if (++entry.hits === REFINE_AFTER_HITS && this.refine && !isKept(entry.body)) this.scheduleRefine(key);
    return entry.body;
  }

  /** The article's generation: read it before rendering and hand it back to `set`. */
  generation(slug: string): number {
    return this.generations.get(slug) ?? 0;
  }

  /**
   * Stores a render unless the article was written to while it was being made, or it is too big
   * to keep. Answers whether it was kept.
   */
  set(key: string, slug: string, generation: number, body: PreparedBody, now: number): boolean {
    return this.store(key, slug, generation, body, preparedBytes(body), this.maxEntryBytes, now);
  }

  private store(key: string, slug: string, generation: number, body: Entry['body'], size: number, maxBytes: number, now: number): boolean {
    if (this.generation(slug) !== generation) return false;
    const bytes = size + key.length * 2 + ENTRY_OVERHEAD_BYTES;
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    if (bytes > maxBytes) return false;
    while (this.used + bytes > this.maxBytes && this.entries.size > 0) {
      const [oldestKey, oldest] = this.entries.entries().next().value!;
      this.remove(oldestKey, oldest);
    }
    this.entries.set(key, { slug, body, storedAt: now, bytes, hits: 0 });
    if (!isKept(body)) this.keys.set(body, key);
    this.used += bytes;
    return true;
  }

  /**
   * Says that `publication.url` is answered by this cached body (for as long as it stays cached),
   * so later requests for it can be answered without the route. A body that was not kept is not
   * published.
   */
  publish(body: PreparedBody, publication: Publication): void {
    const key = this.keys.get(body);
    const entry = key === undefined ? undefined : this.entries.get(key);
    if (!entry || key === undefined) return;
    if (entry.published?.url === publication.url) return;
    entry.published = publication;
    this.urls.set(publication.url, key);
  }

  /**
   * The body published at `url` (exactly as sent) and how it is answered, if it is still cached and
   * `admits` its publication (asked first, so a request refused here does not count as a hit).
   */
  published(
    url: string,
    now: number,
    admits: (publication: Publication) => boolean,
  ): { body: PreparedBody; publication: Publication } | undefined {
    const key = this.urls.get(url);
    if (key === undefined) return undefined;
    const publication = this.entries.get(key)?.published;
    if (!publication || !admits(publication)) return undefined;
    const body = this.lookup(key, now);
    return body && !isKept(body) ? { body, publication } : undefined;
  }

  /**
   * Data an article's renders share (such as its comments as loaded from the store), kept until
   * the article changes, within the same byte budget as the pages (`bytesOf` says how much it
   * holds). Concurrent callers share one load.
   */
  async data<T>(name: string, slug: string, now: () => number, bytesOf: (value: T) => number, load: () => Promise<T>): Promise<T> {
    const key = `data|${name}|${slug}`;
    const found = this.lookup(key, now());
    if (found && isKept(found)) return found.kept as T;
    const generation = this.generation(slug);
    const flightKey = `${generation}\u0000${key}`;
    const running = this.inFlight.get(flightKey) as Promise<T> | undefined;
    if (running) return running;
    const loaded = load().then((value) => {
      this.store(key, slug, generation, { kept: value }, bytesOf(value), this.maxDataBytes, now());
      return value;
    });
    this.inFlight.set(flightKey, loaded);
    try {
      return await loaded;
    } finally {
      this.inFlight.delete(flightKey);
    }
  }

  /**
   * The cached body for `key`, or the one `render` makes. Concurrent misses for the same key share
   * one render; a render that fails fails every waiter and stores nothing.
   */
  async getOrRender(key: string, slug: string, now: () => number, render: () => Promise<PreparedBody>): Promise<PreparedBody> {
    const cached = this.get(key, now());
    if (cached) return cached;
    const generation = this.generation(slug);
    const flightKey = `${generation}\u0000${key}`;
    const running = this.inFlight.get(flightKey) as Promise<PreparedBody> | undefined;
    if (running) return running;
    const made = render().then((body) => {
      this.set(key, slug, generation, body, now());
      return body;
    });
    this.inFlight.set(flightKey, made);
    try {
      return await made;
    } finally {
      this.inFlight.delete(flightKey);
    }
  }

  /** Remembers how many top-level threads an anonymous reader sees, for cheap cursor checks. */
  noteThreadCount(slug: string, generation: number, threads: number): void {
    if (this.generation(slug) === generation) this.threadCounts.set(slug, { generation, threads });
  }

  /** The article's thread count as of its current generation, if a render has told us. */
  threadCount(slug: string): number | undefined {
    const known = this.threadCounts.get(slug);
    return known && known.generation === this.generation(slug) ? known.threads : undefined;
  }

  invalidate(slug: string): void {
    this.generations.set(slug, this.generation(slug) + 1);
    this.threadCounts.delete(slug);
    for (const [key, entry] of this.entries) if (entry.slug === slug) this.remove(key, entry);
  }

  clear(): void {
    for (const [key, entry] of this.entries) this.remove(key, entry);
    for (const slug of this.generations.keys()) this.invalidate(slug);
  }

  private remove(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    if (entry.published && this.urls.get(entry.published.url) === key) this.urls.delete(entry.published.url);
    this.used -= entry.bytes;
  }

  private scheduleRefine(key: string): void {
    this.refineQueue.add(key);
    this.refining ??= this.drainRefineQueue().finally(() => {
      this.refining = undefined;
    });
  }

  /** Resolves when no background recompression is running (for an orderly shutdown or a test). */
  async settled(): Promise<void> {
    while (this.refining) await this.refining;
  }

  /**
   * Recompresses popular entries at the best levels, one at a time, on the thread pool: readers got
   * the fast bytes at once; later readers get the smaller ones. An entry replaced or dropped in
   * the meantime is left alone.
   */
  private async drainRefineQueue(): Promise<void> {
    for (let key = this.nextRefine(); key !== undefined; key = this.nextRefine()) {
      const entry = this.entries.get(key);
      if (!entry || isKept(entry.body)) continue;
      const best = await prepareBodyAsync(entry.body.raw, entry.body.contentType, 'best').catch(() => undefined);
      const current = this.entries.get(key);
      if (!best || current !== entry) continue;
      const bytes = preparedBytes(best) + key.length * 2 + ENTRY_OVERHEAD_BYTES;
      if (bytes > entry.bytes) continue;
      this.used += bytes - entry.bytes;
      this.keys.set(best, key);
      entry.body = best;
      entry.bytes = bytes;
    }
  }

  private nextRefine(): string | undefined {
    const key = this.refineQueue.values().next().value;
    if (key !== undefined) this.refineQueue.delete(key);
    return key;
  }
}
