// The attacker's test bench: a real Byline server in its own process (so its memory is its own
// and measurable), clients that speak from chosen loopback addresses (127.x.y.z, one per
// attacker), and a bystander who reads pages while an attack runs. Every loop here is bounded
// in count and in time, and every target is on this machine.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

export const demoContentDir = resolve('content');
/** A published demo article with comments open. */
export const demoSlug = 'done-is-a-decision';

export interface HostileServer {
  url: string;
  host: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Resident memory of the server process, in kilobytes (from /proc). */
  rssKb(): number;
  /** Everything the server printed, for failure messages. */
  output(): string;
  /** SIGTERM, then waits for the exit (bounded); answers the exit code, or null after SIGKILL. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string>;
  contentDir?: string;
  /** Reuse a data folder (left in place on stop); otherwise a fresh one is made and removed. */
  dataDir?: string;
  args?: string[];
}

/** Starts `byline serve` on 127.0.0.1 with a free port and waits for its start-up line. */
export async function startServer(opts: StartOptions = {}): Promise<HostileServer> {
  const ownData = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'byline-hostile-'));
  const child: ChildProcess = spawn(
    process.execPath,
    // The sources through the TypeScript loader, so the code under test is the code in the tree.
    [
      '--import',
      'tsx',
      'src/cli.ts',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data',
      dataDir,
      '--content',
      opts.contentDir ?? demoContentDir,
      ...(opts.args ?? []),
    ],
    { env: { ...process.env, BYLINE_SECRET: 'hostile-test-secret', BYLINE_LOG: 'quiet', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start within 30 s:\n${out}`)), 30_000);
    const look = () => {
      const m = /at http:\/\/[^:]+:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        done(Number(m[1]));
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}) before it started:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    pid: child.pid!,
    dataDir,
    rssKb() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : 0;
    },
    output: () => out,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'late'>((done) => setTimeout(() => done('late'), graceMs).unref())]);
      if (code === 'late') {
        child.kill('SIGKILL');
        await exited;
        if (ownData) rmSync(dataDir, { recursive: true, force: true });
        return null;
      }
      if (ownData) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** Milliseconds from sending to the last byte. */
  ms: number;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The loopback address to speak from (each attacker has its own). */
  from?: string;
  timeoutMs?: number;
}

/** One HTTP request on a fresh connection, bounded in time; never follows redirects. */
export function send(server: { host: string; port: number }, path: string, opts: SendOptions = {}): Promise<Reply> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = request(
      {
        host: server.host,
        port: server.port,
        path,
        method: opts.method ?? 'GET',
        headers: { connection: 'close', ...opts.headers },
        localAddress: opts.from,
        agent: false,
        timeout: opts.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          done({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8'), ms: performance.now() - started });
        });
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${path} timed out`)));
    req.on('error', fail);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** JSON call with the headers our own script sends (same-origin fetch). */
export function sendJson(server: HostileServer, method: string, path: string, body: unknown, opts: SendOptions = {}): Promise<Reply> {
  return send(server, path, {
    ...opts,
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      'sec-fetch-site': 'same-origin',
      origin: server.url,
      ...opts.headers,
    },
  });
}

export interface Reader {
  cookie: string;
  id: string;
  name: string;
}

/** Takes a display name through the API, speaking from `from`. */
export async function signIn(server: HostileServer, name: string, from = '127.0.0.1'): Promise<Reader> {
  const res = await sendJson(server, 'POST', '/api/v1/session', { name }, { from });
  if (res.status !== 201) throw new Error(`sign-in as ${name} answered ${res.status}: ${res.text}`);
  const set = res.headers['set-cookie'] ?? [];
  const session = set.map((c) => c.split(';')[0]!).find((c) => c.startsWith('__Host-') || c.includes('session'));
  if (!session) throw new Error(`no session cookie in ${JSON.stringify(set)}`);
  const json = JSON.parse(res.text) as { identity: { id: string; name: string } };
  return { cookie: session, id: json.identity.id, name: json.identity.name };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)]!;
};

/** Reads `path` `count` times in a row from 127.0.0.1 (a bystander) and answers each time in ms; a 5xx fails. */
export async function readPages(server: HostileServer, path: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await send(server, path, { headers: { 'accept-encoding': 'br, gzip' } });
    if (res.status >= 500) throw new Error(`bystander got ${res.status} for ${path}`);
    times.push(res.ms);
  }
  return times;
}

export interface AttackOutcome<T> {
  /** The bystander's median page time without the attack, in ms. */
  before: number;
  /** The bystander's median page time while the attack ran, in ms. */
  during: number;
  attack: T;
}

/**
 * Measures the bystander alone, then again while `attack` runs. The bystander keeps reading
 * until the attack ends (at least `count` reads, at most `count * 10`), so the "during" figure
 * covers the attack and nothing else.
 */
export async function underAttack<T>(
  server: HostileServer,
  attack: () => Promise<T>,
  opts: { path?: string; count?: number } = {},
): Promise<AttackOutcome<T>> {
  const path = opts.path ?? '/';
  const count = opts.count ?? 30;
  await readPages(server, path, 5);
  const before = median(await readPages(server, path, count));
  let finished = false;
  const running = attack().finally(() => {
    finished = true;
  });
  const during: number[] = [];
  while ((!finished || during.length < count) && during.length < count * 10) {
    during.push(...(await readPages(server, path, 1)));
  }
  return { before, during: median(during), attack: await running };
}

/** Runs `task(i)` for i in [0, total) with at most `width` in flight. */
export async function inParallel<T>(total: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, total) }, async () => {
      while (next < total) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** The security headers every response must carry (see src/web/security.ts). */
export function missingSecurityHeaders(headers: IncomingHttpHeaders): string[] {
  const missing: string[] = [];
  const csp = String(headers['content-security-policy'] ?? '');
  if (!csp.includes("frame-ancestors 'none'") || !csp.includes("object-src 'none'")) missing.push('content-security-policy');
  if (headers['x-content-type-options'] !== 'nosniff') missing.push('x-content-type-options');
  if (!headers['referrer-policy']) missing.push('referrer-policy');
  return missing;
}

/**
 * The bystander's median during the attack stays within `factor` times its own median without
 * it, measured in the same test. The baseline is floored at 2 ms: on loopback a page can take
 * a fraction of a millisecond, and a ratio of two sub-millisecond figures is scheduler noise.
 */
export function bystanderUnharmed(outcome: { before: number; during: number }, factor = 5): { ok: boolean; message: string } {
  const base = Math.max(outcome.before, 2);
  const ratio = outcome.during / base;
  return {
    ok: ratio <= factor,
    message: `bystander median ${outcome.during.toFixed(1)} ms during the attack against ${outcome.before.toFixed(1)} ms before (${ratio.toFixed(2)}×, limit ${factor}×)`,
  };
}
