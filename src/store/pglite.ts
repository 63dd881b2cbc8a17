import { PGlite, types } from '@electric-sql/pglite';
import type { Driver, LiveColumn, PgliteAccess, Row, SqlExecutor, SqlValue } from './driver.ts';
import { toPostgresPlaceholders } from './postgres-dialect.ts';
import * as dialect from './postgres-dialect.ts';

interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
}

/**
 * PostgreSQL compiled to WebAssembly and run in-process: the PostgreSQL dialect with no server,
 * which lets the store's PostgreSQL path be tested anywhere. In memory by default, or in a data
 * folder.
 *
 * PGlite is one connection. Every statement and every transaction therefore takes a turn on one
 * promise chain, so a statement from another request can never land inside someone's open
 * transaction, whatever PGlite does internally.
 */
export class PgliteDriver implements Driver {
  readonly dialect = 'postgres' as const;
  readonly label = 'pglite';
  /** Writers commit concurrently: events are given positions after commit (docs/decisions/0008). */
  readonly positionsEventsOnInsert = false;
  readonly access: PgliteAccess = { engine: 'pglite' };
  readonly db: PGlite;
  private tail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(dataDir?: string) {
    this.db = new PGlite(dataDir, {
      // BIGINT (epoch milliseconds, serial ids, COUNT) as JS numbers, as the store expects.
      parsers: { [types.INT8]: (v: string) => Number(v) },
    });
  }

  /** Runs `fn` after everything queued before it, whether that succeeded or failed. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(fn, fn);
    this.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private static executor(q: Queryable): SqlExecutor {
    return {
      all: async <T = Row>(sql: string, params: readonly SqlValue[] = []) =>
        (await q.query<T>(toPostgresPlaceholders(sql), [...params])).rows,
      get: async <T = Row>(sql: string, params: readonly SqlValue[] = []) =>
        (await q.query<T>(toPostgresPlaceholders(sql), [...params])).rows[0],
      run: async (sql: string, params: readonly SqlValue[] = []) => ({
        changes: (await q.query(toPostgresPlaceholders(sql), [...params])).affectedRows ?? 0,
      }),
    };
  }

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.exclusive(() => PgliteDriver.executor(this.db).all<T>(sql, params));
  }

  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.exclusive(() => PgliteDriver.executor(this.db).get<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.exclusive(() => PgliteDriver.executor(this.db).run(sql, params));
  }

  /** PGlite's own transaction issues BEGIN, then COMMIT, or ROLLBACK when `fn` throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(() => this.db.transaction((tx) => fn(PgliteDriver.executor(tx))));
  }

  async exec(sql: string): Promise<void> {
    await this.exclusive(() => this.db.exec(sql));
  }

  async ping(): Promise<void> {
    await this.exclusive(() => this.db.query('SELECT 1'));
  }

  close(): Promise<void> {
    this.closing ??= this.exclusive(() => this.db.close());
    return this.closing;
  }

  lockForMigration(tx: SqlExecutor): Promise<void> {
    return dialect.lockForMigration(tx);
  }

  lockEventSequencer(tx: SqlExecutor): Promise<void> {
    return dialect.lockEventSequencer(tx);
  }

  continueSerial(tx: SqlExecutor, table: string, column: string): Promise<void> {
    return dialect.continueSerial(tx, table, column);
  }

  liveSchema(): Promise<Map<string, LiveColumn[]>> {
    return dialect.liveSchema(this);
  }
}
