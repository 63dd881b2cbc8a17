import pg from 'pg';
import type { Driver, Row, SqlExecutor, SqlValue } from './driver.ts';
import { StoreUnavailableError } from './driver.ts';

// ---------------------------------------------------------------------------------------------
// Placeholders

const converted = new Map<string, string>();
/** SqlStore's statements are a fixed set; the bound only matters if a caller builds SQL dynamically. */
const maxConverted = 2048;

/**
 * Rewrites the `?` placeholders that SqlStore writes (SQLite's style) into PostgreSQL's `$1…$n`.
 * The store's SQL never puts a `?` inside a string literal, so a plain scan is enough. The result
 * is cached per SQL string because the same few statements run on every request.
 */
export function toPostgresPlaceholders(sql: string): string {
  let out = converted.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    if (converted.size >= maxConverted) converted.clear();
    converted.set(sql, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Telling "the database is down" apart from "this statement is wrong"

const unavailableErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const unavailableSqlStates = new Set([
  '57P01', // admin_shutdown: the server is stopping or our backend was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '53300', // too_many_connections: the server cannot take this node right now
]);

const unavailableMessages =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Connection refused/i;

/** True when `err` says the server can't be reached or dropped us, rather than that the SQL failed. */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  if (err instanceof StoreUnavailableError) return true;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string') {
    if (unavailableErrnos.has(e.code) || unavailableSqlStates.has(e.code)) return true;
    // Class 08: connection exceptions.
    if (/^08[0-9A-Z]{3}$/.test(e.code)) return true;
  }
  if (typeof e.message === 'string' && unavailableMessages.test(e.message)) return true;
  // Node reports a failed connect to a host with several addresses as an AggregateError.
  if (Array.isArray(e.errors)) return e.errors.some((inner) => isConnectionError(inner, depth + 1));
  return false;
}

/** Turns a connection failure into StoreUnavailableError (a 503); other errors pass through unchanged. */
export function mapError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isConnectionError(err)) return err;
  const mapped = new StoreUnavailableError(err);
  mapped.cause = err;
  return mapped;
}

/** Errors after which PostgreSQL has rolled the whole transaction back and asks for it to be retried. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

// ---------------------------------------------------------------------------------------------
// The driver

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
export class PgDriver implements Driver {
  readonly dialect = 'postgres' as const;
  readonly label = 'postgres';
  readonly pool: pg.Pool;
  private closing: Promise<void> | undefined;

  /** `url` is kept for the LISTEN connection, which must reach the same database and schema. */
  constructor(
    readonly url: string,
    opts: PgDriverOptions = {},
  ) {
    const poolSize = opts.poolSize ?? envInt('BYLINE_PG_POOL_SIZE', 10);
    const statementTimeoutMs = opts.statementTimeoutMs ?? envInt('BYLINE_PG_STATEMENT_TIMEOUT_MS', 5000);
    const connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    this.pool = new pg.Pool({
      connectionString: url,
      max: Math.max(1, poolSize),
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
    });
    // An idle client whose connection dies (server restart, terminated backend) is reported
    // here. pg.Pool has already dropped it; without a listener Node would crash the process.
    this.pool.on('error', () => {});
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
        const res = await client.query(toPostgresPlaceholders(sql), params as SqlValue[]);
        return res.rows as T[];
      },
      get: async <T = Row>(sql: string, params: readonly SqlValue[] = []) => {
        const res = await client.query(toPostgresPlaceholders(sql), params as SqlValue[]);
        return res.rows[0] as T | undefined;
      },
      run: async (sql: string, params: readonly SqlValue[] = []) => {
        const res = await client.query(toPostgresPlaceholders(sql), params as SqlValue[]);
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
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

// ---------------------------------------------------------------------------------------------
// LISTEN / NOTIFY between app nodes

export interface ListenOptions {
  /**
   * Called after the connection came back and LISTEN is in place again. Notifications sent while
   * it was down are lost, so the caller should catch up from the events table here.
   */
  onReconnect?: () => void;
  /** Reports connection problems; the listener keeps retrying on its own. */
  onError?: (err: unknown) => void;
}

const LISTEN_MAX_BACKOFF_MS = 2000;
const LISTEN_FIRST_BACKOFF_MS = 100;
/** A LISTEN connection is otherwise silent, so a dead peer would go unnoticed without a probe. */
const LISTEN_HEARTBEAT_MS = 10_000;

/**
 * Listens on `channel` over a dedicated connection (LISTEN can't use pooled clients, which
 * change hands). When the connection drops it reconnects with backoff, up to 2 s between tries,
 * until `close()`. The first connection must succeed: a node that can't reach the database at
 * startup should fail loudly rather than run without live updates.
 */
export async function listen(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  opts: ListenOptions = {},
): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let current: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let backoff = LISTEN_FIRST_BACKOFF_MS;

  const report = (err: unknown) => {
    try {
      opts.onError?.(err);
    } catch {
      // A faulty reporter must not stop the reconnect loop.
    }
  };

  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 2000,
      keepAlive: true,
      query_timeout: 5000,
      application_name: 'byline-listen',
    });
    client.on('error', (err) => {
      report(err);
      drop(client);
    });
    client.on('end', () => drop(client));
    client.on('notification', (msg) => {
      if (msg.channel !== channel) return;
      try {
        onMessage(msg.payload ?? '');
      } catch (err) {
        // Thrown from inside the socket's data handler it would take the whole process down.
        report(err);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      client.end().catch(() => {});
      throw mapError(err);
    }
    return client;
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    const wait = backoff;
    backoff = Math.min(backoff * 2, LISTEN_MAX_BACKOFF_MS);
    retryTimer = setTimeout(async () => {
      retryTimer = undefined;
      if (closed) return;
      try {
        const client = await connect();
        if (closed) {
          await client.end().catch(() => {});
          return;
        }
        current = client;
        backoff = LISTEN_FIRST_BACKOFF_MS;
        opts.onReconnect?.();
      } catch (err) {
        report(err);
        scheduleReconnect();
      }
    }, wait);
  };

  function drop(client: pg.Client): void {
    if (client !== current) return;
    current = undefined;
    client.end().catch(() => {});
    scheduleReconnect();
  }

  current = await connect();
  heartbeat = setInterval(() => {
    const client = current;
    if (!client) return;
    client.query('SELECT 1').catch((err: unknown) => {
      report(err);
      drop(client);
    });
  }, LISTEN_HEARTBEAT_MS);
  heartbeat.unref();

  return {
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (heartbeat) clearInterval(heartbeat);
      retryTimer = undefined;
      heartbeat = undefined;
      const client = current;
      current = undefined;
      if (client) await client.end().catch(() => {});
    },
  };
}

/**
 * Sends `payload` to every node listening on `channel`. PostgreSQL delivers it when the
 * statement's transaction commits and caps it at 8000 bytes, so send ids, not documents.
 */
export async function notify(driver: PgDriver, channel: string, payload: string): Promise<void> {
  await driver.run('SELECT pg_notify(?, ?)', [channel, payload]);
}
