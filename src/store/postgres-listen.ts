import pg from 'pg';
import type { SqlExecutor } from './driver.ts';
import { mapError } from './postgres-errors.ts';

// LISTEN / NOTIFY between app nodes on one PostgreSQL server.

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
export async function notify(driver: Pick<SqlExecutor, 'run'>, channel: string, payload: string): Promise<void> {
  await driver.run('SELECT pg_notify(?, ?)', [channel, payload]);
}
