import { RateLimiterPostgres, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { type EngineAccess, isUniqueViolation, type PostgresAccess } from '../store/driver.ts';
import { mapError } from '../store/postgres-errors.ts';

// What makes several app nodes on one PostgreSQL behave as one site: rate-limit counters in the
// database, and a change feed through LISTEN/NOTIFY so every node's live readers and page cache
// hear about a write made on any node. On SQLite and PGlite (one process) none of this runs.

/** The channel every node listens on; the payload is an article slug. */
export const CHANGES_CHANNEL = 'byline_changes';
/** The one table all rate limiters share; keys carry the limiter's prefix. */
export const RATE_LIMIT_TABLE = 'rate_limits';

/** Anything that can say which engine it runs on: an opened store. */
export interface OnEngine {
  readonly access: EngineAccess;
}

/** The PostgreSQL server under `store`, or undefined on SQLite and PGlite (one process, nothing to share). */
export function postgresAccessOf(store: OnEngine): PostgresAccess | undefined {
  return store.access.engine === 'postgres' ? store.access : undefined;
}

export type LimiterFactory = (opts: { keyPrefix: string; points: number; duration: number }) => RateLimiterAbstract;

/**
 * Rate limiters whose counters live in PostgreSQL, so a reader who spreads requests over several
 * nodes is still counted once. The table is created here, before the node serves anything (the
 * library would otherwise create it in the background and refuse requests until it had).
 * Undefined when the store is not a PostgreSQL server.
 */
export async function clusterLimiterFactory(store: OnEngine): Promise<LimiterFactory | undefined> {
  const server = postgresAccessOf(store);
  if (!server) return undefined;
  try {
    await server.exec(
      `CREATE TABLE IF NOT EXISTS ${RATE_LIMIT_TABLE} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`,
    );
  } catch (err) {
    // Two nodes creating the table at the same moment: the other one won, which is fine.
    if (!isUniqueViolation(err)) throw err;
  }
  // The library queries the pool directly; this wrapper makes a lost database a 503, as
  // everywhere else, instead of an unexplained 500.
  // Counters go through the bookkeeping pool: they commit without waiting for the disk.
  const pool = server.bookkeeping;
  const client = {
    query: (q: { name?: string; text: string; values?: unknown[] }) => pool.query(q).catch((err: unknown) => Promise.reject(mapError(err))),
  };
  let first = true;
  return (opts) => {
    // One limiter sweeping expired rows (every 5 minutes, for the whole table) is enough.
    const clearExpiredByTimeout = first;
    first = false;
    return new RateLimiterPostgres({
      ...opts,
      storeClient: client,
      storeType: 'pool',
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      clearExpiredByTimeout,
    });
  };
}

export interface ChangeFeedHandlers {
  /** Do this node's part for a change: drop cached pages, send new events to live readers. */
  onChange: (slug: string) => void;
  /** The listening connection came back after a drop: notifications may have been missed. */
  onReconnect: () => void;
}

export interface ChangeFeed {
  /** Tells every node (this one too) that an article's discussion changed. */
  publish(slug: string): void;
  close(): Promise<void>;
}

const RESEND_FIRST_MS = 250;
const RESEND_MAX_MS = 5000;

/**
 * Joins the cluster's change feed, or returns undefined when the store is not a PostgreSQL
 * server. A node hears its own notifications too; that is harmless, because live readers are
 * sent events by id from the events table and a page-cache invalidation is idempotent.
 *
 * A NOTIFY that fails (the database went away just after the write committed) is kept and sent
 * again with backoff, so other nodes' caches don't stay stale; while the listening connection
 * is down, `onReconnect` makes up for whatever was missed once it is back.
 */
export async function joinChangeFeed(store: OnEngine, handlers: ChangeFeedHandlers): Promise<ChangeFeed | undefined> {
  const found = postgresAccessOf(store);
  if (!found) return undefined;
  const server: PostgresAccess = found;
  let closed = false;
  const pending = new Set<string>();
  let resendTimer: NodeJS.Timeout | undefined;
  let resendDelay = RESEND_FIRST_MS;
  let sending = false;

  // Loaded here, not at the top: a site on SQLite never loads the PostgreSQL client (its memory
  // and start-up time; docs/decisions/0005).
  const { listen } = await import('../store/postgres-listen.ts');
  const listener = await listen(
    server.url,
    CHANGES_CHANNEL,
    (payload) => {
      if (payload) handlers.onChange(payload);
    },
    {
      onReconnect: () => {
        handlers.onReconnect();
        void flush();
      },
      onError: () => {
        // The listener retries by itself; requests meanwhile report the outage as 503s.
      },
    },
  );

  const scheduleResend = () => {
    if (closed || resendTimer || pending.size === 0) return;
    resendTimer = setTimeout(() => {
      resendTimer = undefined;
      void flush();
    }, resendDelay);
    resendTimer.unref();
    resendDelay = Math.min(resendDelay * 2, RESEND_MAX_MS);
  };

  async function flush(): Promise<void> {
    if (sending || closed) return;
    sending = true;
    try {
      // One NOTIFY at a time; changes that arrive meanwhile are coalesced per article.
      while (pending.size > 0 && !closed) {
        const slug = pending.values().next().value as string;
        // Taken out before sending, so a change published during the send is sent again after it.
        pending.delete(slug);
        try {
          await server.notify(CHANGES_CHANNEL, slug);
        } catch (err) {
          pending.add(slug);
          throw err;
        }
      }
      resendDelay = RESEND_FIRST_MS;
    } catch {
      scheduleResend();
    } finally {
      sending = false;
    }
  }

  return {
    publish(slug: string) {
      if (closed) return;
      pending.add(slug);
      void flush();
    },
    async close() {
      closed = true;
      if (resendTimer) clearTimeout(resendTimer);
      resendTimer = undefined;
      await listener.close();
    },
  };
}
