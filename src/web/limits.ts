import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RateLimiterMemory, RateLimiterRes, RateLimiterSQLite, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { DomainError } from '../discussion/errors.ts';
import { clusterLimiterFactory, type LimiterFactory, type OnEngine } from '../cluster/node.ts';
import { chooseEngine } from '../store/engine.ts';

export interface Limiters {
  newNames: RateLimiterAbstract;
  newNamesDaily: RateLimiterAbstract;
  newNamesNetwork: RateLimiterAbstract;
  commentsBurst: RateLimiterAbstract;
  commentsHourly: RateLimiterAbstract;
  votes: RateLimiterAbstract;
  recoveryFailures: RateLimiterAbstract;
  editsBurst: RateLimiterAbstract;
  editsHourly: RateLimiterAbstract;
  deletes: RateLimiterAbstract;
  accountActions: RateLimiterAbstract;
  deskActions: RateLimiterAbstract;
  close(): void;
}

/** Where the counters live: a factory for each limiter, and what to let go of at shutdown. */
export interface LimiterBackend {
  make: LimiterFactory;
  close(): void;
}

/**
 * On SQLite the counters live in their own small database file beside the site's, so they
 * survive restarts without sharing the main write lock.
 */
function sqliteLimiterBackend(dataDir: string): LimiterBackend {
  const db = new Database(join(dataDir, 'limits.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  reusePreparedStatements(db);
  return {
    make: (opts) =>
      new RateLimiterSQLite({
        ...opts,
        storeClient: db,
        storeType: 'better-sqlite3',
        tableName: `rl_${opts.keyPrefix}`,
        clearExpiredByTimeout: false,
      }),
    close: () => db.close(),
  };
}

/**
 * The limiter library prepares its SQL again on every call; a profile of comment posting showed
 * `prepare` alone at 6% of the server's time. Its statements are a small fixed set (a few per
 * limiter's table), so each is prepared once and reused; better-sqlite3 runs them synchronously,
 * so one statement is never used by two calls at once. Bounded in case that ever changes.
 */
function reusePreparedStatements(db: Database.Database): void {
  const prepared = new Map<string, Database.Statement>();
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    let statement = prepared.get(sql);
    if (!statement) {
      if (prepared.size >= 256) prepared.clear();
      statement = prepare(sql);
      prepared.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

const memoryLimiterBackend = (): LimiterBackend => ({ make: (opts) => new RateLimiterMemory(opts), close: () => {} });

/**
 * Chooses where rate-limit counters live from the engine the store runs on: in PostgreSQL,
 * shared by every node (src/cluster/node.ts); in a file beside SQLite's; in memory on PGlite,
 * which is one process with nothing to share or keep.
 */
export async function limiterBackendFor(config: Config, store: OnEngine): Promise<LimiterBackend> {
  switch (store.access.engine) {
    case 'postgres': {
      const make = await clusterLimiterFactory(store);
      return make ? { make, close: () => {} } : memoryLimiterBackend();
    }
    case 'sqlite':
      return sqliteLimiterBackend(config.dataDir);
    case 'pglite':
      return memoryLimiterBackend();
  }
}

/**
 * Rate limits through rate-limiter-flexible, on the backend `limiterBackendFor` chose. A bare
 * factory is taken as a shared backend with nothing to close; with neither, the backend follows
 * the engine the settings choose (src/store/engine.ts): a file beside SQLite, memory otherwise.
 */
export function createLimiters(config: Config, backend?: LimiterBackend | LimiterFactory): Limiters {
  const l = config.limits;
  const w = config.writeLimits;
  const chosen: LimiterBackend =
    typeof backend === 'function'
      ? { make: backend, close: () => {} }
      : (backend ?? (chooseEngine(config).engine === 'sqlite' ? sqliteLimiterBackend(config.dataDir) : memoryLimiterBackend()));
  const make = chosen.make;
  return {
    newNames: make({ keyPrefix: 'names', points: l.newNamesPerPrefixPerHour, duration: 3600 }),
    newNamesDaily: make({ keyPrefix: 'namesday', points: l.newNamesPerPrefixPerDay, duration: 86_400 }),
    newNamesNetwork: make({ keyPrefix: 'namesnet', points: l.newNamesPerNetworkPerDay, duration: 86_400 }),
    commentsBurst: make({ keyPrefix: 'cburst', points: l.commentsPer15Seconds, duration: 15 }),
    commentsHourly: make({ keyPrefix: 'chour', points: l.commentsPerHour, duration: 3600 }),
    votes: make({ keyPrefix: 'votes', points: l.votesPerMinute, duration: 60 }),
    recoveryFailures: make({ keyPrefix: 'recover', points: l.recoveryFailuresPerHour, duration: 3600 }),
    editsBurst: make({ keyPrefix: 'eminute', points: w.editsPerMinute, duration: 60 }),
    editsHourly: make({ keyPrefix: 'ehour', points: w.editsPerHour, duration: 3600 }),
    deletes: make({ keyPrefix: 'deletes', points: w.deletesPerMinute, duration: 60 }),
    accountActions: make({ keyPrefix: 'account', points: w.accountActionsPerHour, duration: 3600 }),
    deskActions: make({ keyPrefix: 'desk', points: w.deskActionsPerHour, duration: 3600 }),
    close: () => chosen.close(),
  };
}

export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message);
  }
}

const waitWords = (seconds: number) => (seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`);

/** Takes one point or throws a 429 with how long to wait, in words a reader understands. */
export async function take(limiter: RateLimiterAbstract, key: string, what: string): Promise<void> {
  try {
    await limiter.consume(key, 1);
  } catch (err) {
    if (err instanceof RateLimiterRes) {
      const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new RateLimitedError(`You're ${what} too often. Please wait ${waitWords(seconds)} and try again.`, seconds);
    }
    throw err;
  }
}

/** One allowance to take from: the limiter, whose counter, and what the reader is doing (for the message). */
export type Allowance = [limiter: RateLimiterAbstract, key: string, what: string];

/**
 * Takes one point from each allowance, or none: when a later one refuses, the points already
 * taken are given back, so a refused write costs nothing.
 */
export async function takeAll(allowances: Allowance[]): Promise<void> {
  const taken: Allowance[] = [];
  try {
    for (const allowance of allowances) {
      await take(...allowance);
      taken.push(allowance);
    }
  } catch (err) {
    await Promise.all(taken.map(([limiter, key]) => refund(limiter, key)));
    throw err;
  }
}

/**
 * Refuses at once, without taking anything, when an allowance is already used up: a flood of
 * writes past the limit then costs one counter read each instead of the write's whole work.
 */
export async function refuseIfSpent(allowances: Allowance[]): Promise<void> {
  for (const [limiter, key, what] of allowances) {
    const seconds = await isBlocked(limiter, key);
    if (seconds > 0) throw new RateLimitedError(`You're ${what} too often. Please wait ${waitWords(seconds)} and try again.`, seconds);
  }
}

/** Gives back a point taken for a write that was then refused. */
export async function refund(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.reward(key, 1);
}

/** Checks without consuming (used to refuse before a costly or revealing step). */
export async function isBlocked(limiter: RateLimiterAbstract, key: string): Promise<number> {
  const res = await limiter.get(key);
  if (res && res.remainingPoints <= 0) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return 0;
}
