// The thin seam between Byline's one SQL store and a database engine. Queries are written once,
// with `?` placeholders, in the SQL that SQLite and PostgreSQL share; a driver runs them, and
// whatever the engines do differently (locks, sequences, reading the schema) is a method here
// rather than a branch in the store.
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

export type Dialect = 'sqlite' | 'postgres';

/** A column as the live database declares it (type as the engine spells it, e.g. "BIGINT", "bigint"). */
export interface LiveColumn {
  name: string;
  type: string;
  notNull: boolean;
}

/** What only SQLite offers: its file and writer connection (online backup, tools beside the site). */
export interface SqliteAccess {
  readonly engine: 'sqlite';
  readonly file: string;
  readonly database: BetterSqlite3.Database;
}

/** What only a PostgreSQL server offers: LISTEN on a connection of its own, NOTIFY, and the pool. */
export interface PostgresAccess {
  readonly engine: 'postgres';
  /** For connections outside the pool (LISTEN), which must reach the same database and schema. */
  readonly url: string;
  readonly pool: pg.Pool;
  /**
   * A few connections for bookkeeping whose loss in a crash harms nothing: rate-limit counters
   * and change notifications. They commit without waiting for the disk (synchronous_commit off),
   * so a write request waits for one flush (its own change), not three.
   */
  readonly bookkeeping: pg.Pool;
  /** Sends `payload` to every connection listening on `channel`, when the statement commits. */
  notify(channel: string, payload: string): Promise<void>;
  /** Runs a script outside any transaction (e.g. creating a table the rate limiter shares). */
  exec(sql: string): Promise<void>;
}

/** PGlite, PostgreSQL in-process: one connection, nothing to share with other processes. */
export interface PgliteAccess {
  readonly engine: 'pglite';
}

/** The engine under a store, with what only that engine can do; narrow on `engine`. */
export type EngineAccess = SqliteAccess | PostgresAccess | PgliteAccess;

export interface Driver extends SqlExecutor {
  readonly dialect: Dialect;
  /** A short label for logs and test names: "sqlite", "pglite", "postgres". */
  readonly label: string;
  readonly access: EngineAccess;
  /**
   * Runs `fn` in a transaction: all of it commits or none of it does, and the promise resolves
   * only after the commit is durable. Drivers may commit several transactions together.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  /** Cheap round trip for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Inside a migration's transaction: nodes starting together take turns, so one applies each version. */
  lockForMigration(tx: SqlExecutor): Promise<void>;
  /**
   * Whether an appended event gets its delivery position (the live readers' cursor) in its own
   * INSERT. True where writers take turns (SQLite): the next position is the highest plus one.
   * False where writers commit concurrently (PostgreSQL): the event sequencer gives positions
   * after commit (src/store/sql/events.ts, docs/decisions/0008).
   */
  readonly positionsEventsOnInsert: boolean;
  /**
   * Inside the event sequencer's transaction: sequencers on every node take turns, each holding
   * its turn through its own commit, so positions become visible in the order they are given.
   */
  lockEventSequencer(tx: SqlExecutor): Promise<void>;
  /** After rows were written with explicit ids: the next id `table.column` hands out follows the highest. */
  continueSerial(tx: SqlExecutor, table: string, column: string): Promise<void>;
  /** Every table of the current database (or schema) with its columns in order; the engine's own tables left out. */
  liveSchema(): Promise<Map<string, LiveColumn[]>>;
}

/** Thrown by drivers when the database cannot be reached, so the web layer answers 503. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`The database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreUnavailableError';
  }
}

/** True for a unique-constraint violation in either engine. */
export function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === '23505';
}
