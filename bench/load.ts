// Load generators for the benchmark written in Node: a bounded keep-alive client loop for writes
// (it knows the outcome of every single request; write-client.ts runs it in its own process) and
// an SSE fan-out probe. Reads are driven by wrk (wrk.ts).
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface StepResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  socketErrors: number;
  errors: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface LoopRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * A bounded closed loop: `connections` workers each send one request at a time until the time or
 * the count runs out; then every request in flight is waited for, so each one has a known outcome.
 */
export async function clientLoop(opts: {
  host: string;
  port: number;
  seconds: number;
  connections: number;
  maxRequests: number;
  make: (i: number) => LoopRequest;
  onAnswer?: (i: number, status: number, body: string) => void;
}): Promise<StepResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  let non2xx = 0;
  let socketErrors = 0;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  const send = (r: LoopRequest) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const headers = { ...r.headers };
      if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
      const req = http.request(
        { host: opts.host, port: opts.port, method: r.method, path: r.path, headers, agent, timeout: 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(r.body);
    });
  const worker = async () => {
    while (performance.now() < deadline && next < opts.maxRequests) {
      const i = next++;
      const t0 = performance.now();
      try {
        const { status, body } = await send(opts.make(i));
        latencies.push(performance.now() - t0);
        if (status >= 200 && status < 300) ok++;
        else non2xx++;
        opts.onAnswer?.(i, status, body);
      } catch {
        socketErrors++;
        opts.onAnswer?.(i, 0, '');
      }
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const requests = ok + non2xx;
  return {
    requests,
    seconds,
    rps: ok / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    ok,
    non2xx,
    socketErrors,
    errors: non2xx + socketErrors,
  };
}

/** One reader's open event stream: the arrival time of each `comment` event, by comment id. */
interface Listener {
  req: http.ClientRequest;
  arrivals: Map<string, number>;
  closed: boolean;
}

/**
 * Opens `count` event streams on an article, then posts `rounds` comments one after another and
 * times how long each stream takes to see each one (from just before the POST is sent).
 */
export async function sseFanOut(opts: {
  host: string;
  port: number;
  slug: string;
  count: number;
  rounds: number;
  post: (round: number) => Promise<string>;
  waitMs?: number;
}): Promise<{
  latencies: number[];
  perRound: { p50: number; p99: number; max: number; missed: number }[];
  missed: number;
  openMs: number;
}> {
  const listeners: Listener[] = [];
  const opened = performance.now();
  await Promise.all(
    Array.from(
      { length: opts.count },
      () =>
        new Promise<void>((resolve, reject) => {
          const listener: Listener = { req: undefined as unknown as http.ClientRequest, arrivals: new Map(), closed: false };
          const req = http.get(
            {
              host: opts.host,
              port: opts.port,
              path: `/api/v1/articles/${opts.slug}/events`,
              agent: false,
              headers: { accept: 'text/event-stream' },
            },
            (res) => {
              if (res.statusCode !== 200) {
                reject(new Error(`event stream answered ${res.statusCode}`));
                res.resume();
                return;
              }
              res.setEncoding('utf8');
              let buffer = '';
              let first = true;
              res.on('data', (chunk: string) => {
                const at = performance.now();
                buffer += chunk;
                if (first) {
                  first = false;
                  resolve();
                }
                let end = buffer.indexOf('\n\n');
                while (end >= 0) {
                  const frame = buffer.slice(0, end);
                  buffer = buffer.slice(end + 2);
                  end = buffer.indexOf('\n\n');
                  if (!frame.includes('event: comment')) continue;
                  const data = frame.split('\n').find((l) => l.startsWith('data: '));
                  if (!data) continue;
                  const id = (JSON.parse(data.slice(6)) as { id?: string }).id;
                  if (id) listener.arrivals.set(id, at);
                }
              });
              res.on('close', () => {
                listener.closed = true;
              });
            },
          );
          req.on('error', reject);
          listener.req = req;
          listeners.push(listener);
        }),
    ),
  );
  const openMs = performance.now() - opened;
  const latencies: number[] = [];
  const perRound: { p50: number; p99: number; max: number; missed: number }[] = [];
  let missed = 0;
  try {
    for (let round = 0; round < opts.rounds; round++) {
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      const id = await opts.post(round);
      const giveUp = performance.now() + (opts.waitMs ?? 5000);
      while (performance.now() < giveUp && listeners.some((l) => !l.arrivals.has(id) && !l.closed))
        await new Promise((r) => setTimeout(r, 5));
      const these = listeners
        .map((l) => l.arrivals.get(id))
        .filter((at): at is number => at !== undefined)
        .map((at) => at - t0);
      these.sort((a, b) => a - b);
      const roundMissed = listeners.length - these.length;
      missed += roundMissed;
      latencies.push(...these);
      perRound.push({
        p50: percentile(these, 50),
        p99: percentile(these, 99),
        max: these[these.length - 1] ?? Number.NaN,
        missed: roundMissed,
      });
    }
  } finally {
    for (const l of listeners) l.req.destroy();
  }
  latencies.sort((a, b) => a - b);
  return { latencies, perRound, missed, openMs };
}
