// Small HTTP helpers for the benchmark's own one-off requests (not the load).
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export const HOST = '127.0.0.1';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

export function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const req = http.request({ host: HOST, port, method, path, headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }),
      );
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', fail);
    req.end(body);
  });
}

/**
 * Polls `path` every `everyMs` until it answers `status` (or anything below 500 when omitted);
 * returns the time from `since` to that answer, and the answer (its own `ms` is the first render).
 */
export async function waitForHttp(
  port: number,
  path: string,
  child: ChildProcess,
  what: string,
  opts: { status?: number; everyMs?: number; since?: number } = {},
): Promise<{ ms: number; answer: Answer }> {
  const since = opts.since ?? performance.now();
  const giveUp = performance.now() + 30_000;
  while (performance.now() < giveUp) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before answering.`);
    try {
      const res = await request(port, 'GET', path);
      if (opts.status === undefined ? res.status < 500 : res.status === opts.status) return { ms: performance.now() - since, answer: res };
    } catch {
      // not listening yet
    }
    await sleep(opts.everyMs ?? 100);
  }
  throw new Error(`${what} did not answer on port ${port} within 30 s.`);
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
