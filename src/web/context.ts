import type { Config } from '../config.ts';
import type { Site } from '../content/types.ts';
import type { Discussion } from '../discussion/service.ts';
import type { Store } from '../store/store.ts';
import type { Assets } from './assets.ts';
import type { Limiters } from './limits.ts';
import type { LiveHub } from './live.ts';
import type { PageCache } from './page-cache.ts';

/** The loaded content, swapped whole when the content folder changes in dev mode. */
export interface SiteHolder {
  site: Site;
  /** Bumped on every reload, so caches keyed by it fall away. */
  version: number;
}

export interface AppContext {
  config: Config;
  content: SiteHolder;
  store: Store;
  assets: Assets;
  /** The clock, injectable so tests can move time. */
  now: () => number;
  /** Absolute base URL for canonical links and feeds, without a trailing slash. */
  baseUrl: () => string;
  discussion: Discussion;
  live: LiveHub;
  pageCache: PageCache;
  limiters: Limiters;
  /** Tells every node (this one included) that an article's discussion changed. */
  changed: (slug: string) => void;
}
