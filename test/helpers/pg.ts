// Helpers for tests that need a real PostgreSQL server: where it is, a fresh schema per run,
// whether the test may stop and start it, and bounded polling.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { promisify } from 'node:util';
import pg from 'pg';
import { type Limits, loadConfig } from '../../src/config.ts';
import { PgDriver } from '../../src/store/postgres.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import { createApp } from '../../src/web/app.ts';
import type { AppContext } from '../../src/web/context.ts';
import { loadSiteHolder } from '../../src/web/site-holder.ts';
import { listenOnLoopback } from './app.ts';

/** The server's URL from BYLINE_TEST_PG_URL (or DATABASE_URL), when it names PostgreSQL. */
export const pgUrl: string | undefined = [process.env.BYLINE_TEST_PG_URL, process.env.DATABASE_URL].find(
  (u): u is string => typeof u === 'string' && /^postgres(ql)?:\/\//.test(u),
);

export const noServerMessage = 'PostgreSQL server not configured (set BYLINE_TEST_PG_URL)';

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The same server and database, with every unqualified table living in `schema`. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export interface FreshSchema {
  name: string;
  /** The server URL with this schema as the search path. */
  url: string;
  drop(): Promise<void>;
}

/** A new, empty schema for one test run; drop() removes it and everything in it. */
export async function freshSchema(url: string, prefix = 'byline_test'): Promise<FreshSchema> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE SCHEMA ${name}`);
  return {
    name,
    url: withSearchPath(url, name),
    drop: () => adminQuery(url, `DROP SCHEMA IF EXISTS ${name} CASCADE`),
  };
}

// ---------------------------------------------------------------------------------------------
// Controlling the local server (pg_ctlcluster, Debian's postgresql-common)

const pgCtlCluster = '/usr/bin/pg_ctlcluster';
const execFileAsync = promisify(execFile);

export interface ServerControl {
  version: string;
  cluster: string;
  /** `pg_ctlcluster <version> <cluster> stop -m immediate`: like pulling the plug. */
  stopImmediate(): Promise<void>;
  /** Starts it again; a server that is already running is fine. */
  start(): Promise<void>;
}

/**
 * How to stop and start the local cluster, or a reason why this test may not: it must run as
 * root with pg_ctlcluster present, and BYLINE_TEST_PG_CONTROL=1 must say that stopping the server
 * is allowed here.
 */
export function serverControl(cluster = 'main'): ServerControl | string {
  if (process.env.BYLINE_TEST_PG_CONTROL !== '1')
    return 'stopping PostgreSQL is not allowed here (set BYLINE_TEST_PG_CONTROL=1 to run this test)';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'cannot control the PostgreSQL server: not running as root';
  if (!existsSync(pgCtlCluster) || !existsSync('/etc/postgresql')) return 'cannot control the PostgreSQL server: pg_ctlcluster not found';
  const versions = readdirSync('/etc/postgresql').filter((v) => existsSync(`/etc/postgresql/${v}/${cluster}`));
  const version = versions.sort((x, y) => Number(y) - Number(x))[0];
  if (!version) return `cannot control the PostgreSQL server: no cluster '${cluster}' under /etc/postgresql`;
  const run = (...args: string[]) =>
    execFileAsync(pgCtlCluster, ['--skip-systemctl-redirect', version, cluster, ...args], { timeout: 60_000 });
  return {
    version,
    cluster,
    stopImmediate: async () => {
      await run('stop', '-m', 'immediate');
    },
    start: async () => {
      try {
        await run('start');
      } catch (err) {
        // Already running (an operator or a retry started it) is fine; anything else is not.
        const running = await run('status').then(
          () => true,
          () => false,
        );
        if (!running) throw err;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Waiting on conditions

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---------------------------------------------------------------------------------------------
// App nodes on PostgreSQL, and a plain HTTP client that speaks to them over real sockets

export const generousLimits: Limits = {
  newNamesPerPrefixPerHour: 100_000,
  newNamesPerPrefixPerDay: 100_000,
  newNamesPerNetworkPerDay: 100_000,
  commentsPer15Seconds: 100_000,
  commentsPerHour: 100_000,
  votesPerMinute: 100_000,
  recoveryFailuresPerHour: 5,
};

export interface PgNode {
  url: string;
  app: FastifyInstance;
  ctx: AppContext;
  store: SqlStore;
  close(): Promise<void>;
}

/**
 * One app node as `byline serve` would run it on PostgreSQL with migrations off: its own pool,
 * its own page cache and live hub, listening on a loopback port.
 */
export async function startPgNode(
  databaseUrl: string,
  opts: { limits?: Limits; poolSize?: number; statementTimeoutMs?: number; connectTimeoutMs?: number } = {},
): Promise<PgNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'byline-node-'));
  const config = loadConfig(
    {},
    {
      dataDir,
      contentDir: resolve('content'),
      secret: 'cluster-test-secret',
      logLevel: 'quiet',
      port: 0,
      databaseUrl,
      migrateOnStart: false,
      limits: opts.limits ?? generousLimits,
    },
  );
  const store = new SqlStore(
    new PgDriver(databaseUrl, {
      poolSize: opts.poolSize ?? 10,
      statementTimeoutMs: opts.statementTimeoutMs ?? 5000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
    }),
  );
  const content = await loadSiteHolder(config.contentDir, false);
  try {
    const { app, ctx } = await createApp({ config, content, store });
    const url = await listenOnLoopback(app);
    return {
      url,
      app,
      ctx,
      store,
      async close() {
        await app.close();
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json<T = unknown>(): T;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One request over a real socket; `body` objects are sent as JSON. Rejects only on socket errors. */
export function request(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; cookie?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.cookie) headers.cookie = opts.cookie;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const req = httpRequest(new URL(path, base), { method, headers, agent, timeout: opts.timeoutMs ?? 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export function cookieOf(answer: HttpAnswer): string {
  const set = answer.headers['set-cookie'];
  const line = Array.isArray(set) ? set[0] : set;
  if (!line) throw new Error(`no session cookie in the answer (${answer.status} ${answer.body.slice(0, 200)})`);
  return line.split(';')[0]!;
}

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
}

export interface SseStream {
  frames: SseFrame[];
  status: number;
  close(): void;
}

/** Opens an SSE stream and parses its frames as they arrive. Resolves once the headers are in. */
export function openSse(base: string, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolvePromise, reject) => {
    const frames: SseFrame[] = [];
    const req = httpRequest(new URL(path, base), { method: 'GET', headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: SseFrame = {};
          let meaningful = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line === '') continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') frame.id = value;
            else if (field === 'event') frame.event = value;
            else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
            else continue;
            meaningful = true;
          }
          if (meaningful && (frame.id !== undefined || frame.event !== undefined || frame.data !== undefined)) frames.push(frame);
        }
      });
      res.on('error', () => {});
      resolvePromise({ frames, status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on('error', (err) => reject(err));
    req.end();
  });
}
