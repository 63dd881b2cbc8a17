import pg from 'pg';
import type { Driver, LiveColumn, PostgresAccess, Row, SqlExecutor, SqlValue } from './driver.ts';
import * as dialect from './postgres-dialect.ts';
import { isConnectionError, isRetryable, mapError } from './postgres-errors.ts';
import { notify } from './postgres-listen.ts';

// The PostgreSQL server driver. Its neighbours are re-exported here, so callers have one module
// to import PostgreSQL things from.
export { toPostgresPlaceholders } from './postgres-dialect.ts';
export { isConnectionError, mapError } from './postgres-errors.ts';
export { type ListenOptions, listen, notify } from './postgres-listen.ts';

export interface PgDriverOptions {
  poolSize?: number;
  /** Server-side limit per statement; 0 turns it off. */
  statementTimeoutMs?: number;
  /** How long a request waits for a connection (new or from the pool) before it gets a 503. */
  connectTimeoutMs?: number;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

const INT8_OID = 20;

/**
 * BIGINT (and COUNT(*), which is BIGINT) come back as JS numbers. node-postgres gives strings by
 * default because int8 can exceed 2^53; Byline's BIGINTs are epoch milliseconds, serial ids and
 * counts, all far below that. The override is per pool so it can't change other pg users.
 */
function typeOverrides(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', (v: string) => Number(v));
  return types;
}

const MAX_TX_ATTEMPTS = 3;

/**
 * PostgreSQL through a node-postgres pool, for several app nodes sharing one database.
 *
 * Every query checks a client out itself (instead of `pool.query`) so that an ordinary SQL error,
 * such as a unique violation, returns the connection to the pool, and only a broken connection is
 * thrown away. Connection failures surface as StoreUnavailableError so the web layer answers 503;
 * the pool opens fresh connections by itself once the server is back.
 */
/** Bookkeeping is a short statement now and then per write: a few connections are plenty. */
const BOOKKEEPING_CONNECTIONS = 3;

export class PgDriver implements Driver {
  readonly dialect = 'postgres' as const;
  readonly label = 'postgres';
  /** Writers commit concurrently: events are given positions after commit (docs/decisions/0008). */
  readonly positionsEventsOnInsert = false;
  readonly pool: pg.Pool;
  readonly bookkeeping: pg.Pool;
  /** Runs single statements on the bookkeeping pool (NOTIFY). */
  private readonly bookkeepingExecutor: Pick<SqlExecutor, 'run'>;
  readonly access: PostgresAccess;
  private closing: Promise<void> | undefined;

  /** `url` is kept for the LISTEN connection, which must reach the same database and schema. */
  constructor(
    readonly url: string,
    opts: PgDriverOptions = {},
  ) {
    const poolSize = opts.poolSize ?? envInt('BYLINE_PG_POOL_SIZE', 10);
    const statementTimeoutMs = opts.statementTimeoutMs ?? envInt('BYLINE_PG_STATEMENT_TIMEOUT_MS', 5000);
    const connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    this.pool = new pg.Pool({ ...this.poolOptions(url, connectTimeoutMs, statementTimeoutMs), max: Math.max(1, poolSize) });
    // An idle client whose connection dies (server restart, terminated backend) is reported
    // here. pg.Pool has already dropped it; without a listener Node would crash the process.
    this.pool.on('error', () => {});
    this.bookkeeping = new pg.Pool({ ...this.poolOptions(url, connectTimeoutMs, statementTimeoutMs), max: BOOKKEEPING_CONNECTIONS });
    this.bookkeeping.on('error', () => {});
    this.bookkeepingExecutor = {
      run: async (sql, params = []) => {
        const result = await this.bookkeeping
          .query(dialect.toPostgresPlaceholders(sql), params as SqlValue[])
          .catch((err: unknown) => Promise.reject(mapError(err)));
        return { changes: result.rowCount ?? 0 };
      },
    };
    // Rate-limit counters and NOTIFY are not anyone's acknowledged write: a crash may lose the
    // last fraction of a second of them (a few extra allowed requests; a wake-up that listeners
    // make up for by reading the events table), so their commits need not wait for the disk.
    this.bookkeeping.on('connect', (client) => {
      client.query('SET synchronous_commit TO off').catch(() => {});
    });
    this.access = {
      engine: 'postgres',
      url,
      pool: this.pool,
      bookkeeping: this.bookkeeping,
      notify: (channel, payload) => notify(this.bookkeepingExecutor, channel, payload),
      exec: (sql) => this.exec(sql),
    };
  }

  /** What both pools share: where, how long to wait, how results are typed. */
  private poolOptions(url: string, connectTimeoutMs: number, statementTimeoutMs: number): pg.PoolConfig {
    return {
      connectionString: url,
      connectionTimeoutMillis: connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'byline',
      types: typeOverrides(),
      ...(statementTimeoutMs > 0
        ? {
            statement_timeout: statementTimeoutMs,
            // The server enforces statement_timeout; this client-side bound catches the case it
            // can't: a network that silently stops delivering packets.
            query_timeout: statementTimeoutMs + connectTimeoutMs,
          }
        : {}),
    };
  }

  /**
   * Runs `fn` on a checked-out client. The client goes back to the pool afterwards unless its
   * connection broke, in which case it is destroyed so nobody else gets it.
   */
  private async withClient<T>(fn: (client: pg.PoolClient, poison: () => void) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapError(err);
    }
    let broken: Error | undefined;
    // A checked-out client still emits 'error' when its socket dies; pg.Pool only listens while
    // the client is idle, so one must be attached here or the process would crash.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      return await fn(client, () => {
        broken ??= new Error('connection left in an unknown state');
      });
    } catch (err) {
      if (isConnectionError(err)) broken ??= err instanceof Error ? err : new Error(String(err));
      throw mapError(err);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  private executor(client: pg.PoolClient): SqlExecutor {
    return {
      all: async <T = Row>(sql: string, params: readonly SqlValue[] = []) => {
        const res = await client.query(dialect.toPostgresPlaceholders(sql), params as SqlValue[]);
        return res.rows as T[];
      },
      get: async <T = Row>(sql: string, params: readonly SqlValue[] = []) => {
        const res = await client.query(dialect.toPostgresPlaceholders(sql), params as SqlValue[]);
        return res.rows[0] as T | undefined;
      },
      run: async (sql: string, params: readonly SqlValue[] = []) => {
        const res = await client.query(dialect.toPostgresPlaceholders(sql), params as SqlValue[]);
        return { changes: res.rowCount ?? 0 };
      },
    };
  }

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.withClient((client) => this.executor(client).all<T>(sql, params));
  }

  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.withClient((client) => this.executor(client).get<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.withClient((client) => this.executor(client).run(sql, params));
  }

  /**
   * BEGIN…COMMIT on one client, at READ COMMITTED. A deadlock or serialization failure means
   * PostgreSQL rolled everything back and nothing of `fn` is left, so `fn` is run again (a few
   * times at most); the store's transaction bodies only touch the database, which makes that safe.
   * COMMIT returns once the commit is flushed (synchronous_commit defaults to on).
   */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(async (client, poison) => {
          await client.query('BEGIN');
          try {
            const result = await fn(this.executor(client));
            await client.query('COMMIT');
            return result;
          } catch (err) {
            // A client whose ROLLBACK failed may still be inside the transaction: never reuse it.
            await client.query('ROLLBACK').catch(poison);
            throw err;
          }
        });
      } catch (err) {
        if (attempt < MAX_TX_ATTEMPTS && isRetryable(err)) continue;
        throw err;
      }
    }
  }

  async exec(sql: string): Promise<void> {
    // Without parameters node-postgres uses the simple protocol, which accepts several statements.
    await this.withClient((client) => client.query(sql));
  }

  async ping(): Promise<void> {
    await this.withClient((client) => client.query('SELECT 1'));
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([this.pool.end(), this.bookkeeping.end()]).then(() => {});
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
