import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RateLimiterMemory, RateLimiterRes, RateLimiterSQLite, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { DomainError } from '../discussion/errors.ts';

export interface Limiters {
  newNames: RateLimiterAbstract;
  commentsBurst: RateLimiterAbstract;
  commentsHourly: RateLimiterAbstract;
  votes: RateLimiterAbstract;
  recoveryFailures: RateLimiterAbstract;
  editsBurst: RateLimiterAbstract;
  editsHourly: RateLimiterAbstract;
  deletes: RateLimiterAbstract;
  accountActions: RateLimiterAbstract;
  close(): void;
}

/**
 * Rate limits through rate-limiter-flexible. On SQLite the counters live in their own small
 * database file beside the site's (so they survive restarts without sharing the main write
 * lock); nodes on PostgreSQL pass a shared store factory instead.
 */
export function createLimiters(config: Config, shared?: (opts: { keyPrefix: string; points: number; duration: number }) => RateLimiterAbstract): Limiters {
  const l = config.limits;
  const w = config.writeLimits;
  let db: Database.Database | undefined;
  let make = shared;
  if (!make) {
    if (config.databaseUrl) {
      make = (opts) => new RateLimiterMemory(opts);
    } else {
      db = new Database(join(config.dataDir, 'limits.db'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const client = db;
      make = (opts) =>
        new RateLimiterSQLite({ ...opts, storeClient: client, storeType: 'better-sqlite3', tableName: `rl_${opts.keyPrefix}`, clearExpiredByTimeout: false });
    }
  }
  return {
    newNames: make({ keyPrefix: 'names', points: l.newNamesPerPrefixPerHour, duration: 3600 }),
    commentsBurst: make({ keyPrefix: 'cburst', points: l.commentsPer15Seconds, duration: 15 }),
    commentsHourly: make({ keyPrefix: 'chour', points: l.commentsPerHour, duration: 3600 }),
    votes: make({ keyPrefix: 'votes', points: l.votesPerMinute, duration: 60 }),
    recoveryFailures: make({ keyPrefix: 'recover', points: l.recoveryFailuresPerHour, duration: 3600 }),
    editsBurst: make({ keyPrefix: 'eminute', points: w.editsPerMinute, duration: 60 }),
    editsHourly: make({ keyPrefix: 'ehour', points: w.editsPerHour, duration: 3600 }),
    deletes: make({ keyPrefix: 'deletes', points: w.deletesPerMinute, duration: 60 }),
    accountActions: make({ keyPrefix: 'account', points: w.accountActionsPerHour, duration: 3600 }),
    close: () => db?.close(),
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
