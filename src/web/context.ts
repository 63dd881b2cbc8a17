import type { Config } from '../config.ts';
import type { Site } from '../content/types.ts';
import type { Inbox } from '../discussion/inbox.ts';
import type { Moderation } from '../discussion/moderation.ts';
import type { Discussion } from '../discussion/service.ts';
import type { AdminReads } from './admin-reads.ts';
import type { Assets } from './assets.ts';
import type { LiveHub } from './live.ts';
import type { PageCache } from './page-cache.ts';
import type { ReaderWrites } from './reader-writes.ts';
import type { SiteReads } from './site-reads.ts';

/** The loaded content, swapped whole when the content folder changes in dev mode. */
export interface SiteHolder {
  site: Site;
  /** Bumped on every reload, so caches keyed by it fall away. */
  version: number;
}

/**
 * Everything a request handler may use, built once by the composition root (compose.ts) and
 * handed to every route. Routes reach storage only through the services here.
 */
export interface AppContext {
  config: Config;
  content: SiteHolder;
  assets: Assets;
  /** The clock, injectable so tests can move time. */
  now: () => number;
  /** Absolute base URL for canonical links and feeds, without a trailing slash. */
  baseUrl: () => string;
  discussion: Discussion;
  moderation: Moderation;
  inbox: Inbox;
  /** A reader's writes with the rate limits they take from. */
  writes: ReaderWrites;
  reads: SiteReads;
  adminReads: AdminReads;
  live: LiveHub;
  pageCache: PageCache;
  /** Tells every node (this one included) that an article's discussion changed. */
  changed: (slug: string) => void;
}
