// `./deploy/run-local.sh --bench`: figures for deploy/README.md's "past two nodes" table, every
// ratio taken against a baseline measured in the same run. Load comes from wrk (a C load
// generator with its own threads); only without wrk does the old Node client stand in, and the
// results say so. Every loop is bounded in count and time; everything targets 127.0.0.1.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { call, check, firstCookie, type Stream, sse } from './http.ts';

const here = import.meta.dirname;
const ROUNDS = Math.max(3, Number(process.env.BYLINE_DEPLOY_BENCH_ROUNDS ?? 3) || 3);
const PAGE_SECONDS = 5;
const PAGE_CONNECTIONS = 32;
const VOTE_SECONDS = 5;
const VOTE_CONNECTIONS = 20;
const VOTERS = 600;
const VOTE_COMMENTS = 40;
const PAGE_COMMENTS = 300;
const SSE_CLIENTS = 500;
const SSE_COMMENTS = 10;

export interface BenchSetup {
  slug: string;
  /** nginx with its cache in front of the two nodes. */
  front: string;
  /** One of the two nodes, served directly. */
  node: string;
  /** The same nginx serving files from `staticDir` on another port. */
  staticBase: string;
  staticDir: string;
  /** Starts one node on SQLite; `stop` kills it (SIGKILL: what was acknowledged must be on disk). */
  startSqliteNode: () => Promise<{ url: string; stop: () => Promise<void>; countVotes: () => number }>;
  countPgVotes: () => Promise<number>;
  wrk: string | undefined;
  outFile: string;
}

interface Rate {
  rps: number;
  p99Ms: number;
  errors: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? Number.NaN;

function runWrk(
  wrk: string,
  script: string,
  url: string,
  opts: { seconds: number; connections: number; headers?: string[]; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const args = ['-t2', `-c${opts.connections}`, `-d${opts.seconds}s`, '--timeout', '10s', '-s', join(here, script)];
  for (const h of opts.headers ?? []) args.push('-H', h);
  args.push(url);
  return new Promise((res, rej) => {
    const child = spawn(wrk, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (opts.seconds + 30) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) res(out);
      else rej(new Error(`wrk exited ${code}: ${out}`));
    });
  });
}

function parseLine<T>(out: string, prefix: string): T {
  const line = out.split('\n').find((l) => l.startsWith(`${prefix} `));
  if (!line) throw new Error(`no ${prefix} line in wrk's output:\n${out}`);
  return JSON.parse(line.slice(prefix.length + 1)) as T;
}

async function pageRate(setup: BenchSetup, url: string): Promise<Rate> {
  const headers = ['Accept-Encoding: gzip'];
  if (setup.wrk) {
    const r = parseLine<{ requests: number; durationUs: number; errors: number; status: number; p99Us: number }>(
      await runWrk(setup.wrk, 'wrk-report.lua', url, { seconds: PAGE_SECONDS, connections: PAGE_CONNECTIONS, headers }),
      'DEPLOY_WRK',
    );
    return { rps: r.requests / (r.durationUs / 1e6), p99Ms: r.p99Us / 1000, errors: r.errors + r.status };
  }
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({ url, connections: PAGE_CONNECTIONS, duration: PAGE_SECONDS, headers: { 'accept-encoding': 'gzip' } });
  return { rps: r.requests.average, p99Ms: r.latency.p99, errors: r.non2xx + r.errors };
}

/** Signs in `count` readers, `inFlight` at a time; returns their session cookies. */
async function signIn(base: string, count: number, label: string, inFlight = 20): Promise<string[]> {
  const cookies: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        const res = await call(base, 'POST', '/api/v1/session', { name: `${label} ${i}` });
        if (res.status !== 201) throw new Error(`sign-in ${i} on ${base}: ${res.status} ${res.body}`);
        cookies[i] = firstCookie(res);
      }
    }),
  );
  return cookies;
}

async function postComments(base: string, slug: string, cookie: string, count: number, inFlight = 10): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        const res = await call(
          base,
          'POST',
          `/api/v1/articles/${slug}/comments`,
          { body: `Bench comment ${i}: a few words to read.` },
          cookie,
        );
        if (res.status !== 201) throw new Error(`comment ${i} on ${base}: ${res.status} ${res.body}`);
        ids[i] = (JSON.parse(res.body) as { comment: { id: string } }).comment.id;
      }
    }),
  );
  return ids;
}

interface VoteRun {
  acked: number;
  failed: number;
  rate: number;
  p99Ms: number;
  note: string;
}

/** Durable votes on `base`: every (comment, reader) pair is new, so every acknowledged vote is a row. */
async function voteRate(setup: BenchSetup, base: string, label: string): Promise<VoteRun> {
  const author = (await signIn(base, 1, `${label} Writer`))[0]!;
  const comments = await postComments(base, setup.slug, author, VOTE_COMMENTS);
  const voters = await signIn(base, VOTERS, `${label} voter`);
  const pairs: string[] = [];
  for (const voter of voters) for (const c of comments) pairs.push(`${c} ${voter}`);
  if (setup.wrk) {
    const file = join(setup.staticDir, '..', `votes-${label.replace(/\W+/g, '-')}.txt`);
    writeFileSync(file, `${pairs.join('\n')}\n`);
    const r = parseLine<{ acked: number; failed: number; exhausted: number; durationUs: number; p99Us: number }>(
      await runWrk(setup.wrk, 'wrk-votes.lua', base, {
        seconds: VOTE_SECONDS,
        connections: VOTE_CONNECTIONS,
        env: { DEPLOY_VOTES_FILE: file, DEPLOY_VOTES_THREADS: '2' },
      }),
      'DEPLOY_VOTES',
    );
    const note = r.exhausted ? ' (ran out of reader/comment pairs before the end: the rate is a floor)' : '';
    return { acked: r.acked, failed: r.failed, rate: r.acked / (r.durationUs / 1e6), p99Ms: r.p99Us / 1000, note };
  }
  // Without wrk: the bounded Node client loop, 20 in flight, for the same time.
  const started = Date.now();
  let next = 0;
  let acked = 0;
  let failed = 0;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: VOTE_CONNECTIONS }, async () => {
      while (next < pairs.length && Date.now() - started < VOTE_SECONDS * 1000) {
        const [c, k] = pairs[next++]!.split(' ') as [string, string];
        const t = Date.now();
        const res = await call(base, 'PUT', `/api/v1/comments/${c}/vote`, undefined, k);
        latencies.push(Date.now() - t);
        if (res.status < 300) acked++;
        else failed++;
      }
    }),
  );
  const secs = (Date.now() - started) / 1000;
  return { acked, failed, rate: acked / secs, p99Ms: percentile(latencies, 99), note: ' (Node client loop: wrk missing)' };
}

/** SSE fan-out: `SSE_CLIENTS` readers through nginx (so spread over both nodes), comments posted through nginx. */
async function sseFanOut(setup: BenchSetup): Promise<{ p50: number; p99: number; max: number; delivered: number; expected: number }> {
  const seen: Map<string, number>[] = [];
  const streams: Stream[] = [];
  try {
    for (let i = 0; i < SSE_CLIENTS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, SSE_CLIENTS - i) }, async () => {
          const got = new Map<string, number>();
          seen.push(got);
          let tail = '';
          streams.push(
            await sse(setup.front, `/api/v1/articles/${setup.slug}/events`, (chunk) => {
              const now = performance.now();
              const text = tail + chunk;
              for (const m of text.matchAll(/"id":"([^"]+)"/g)) if (!got.has(m[1]!)) got.set(m[1]!, now);
              tail = text.slice(-120);
            }),
          );
        }),
      );
    }
    const author = (await signIn(setup.front, 1, 'Live Writer'))[0]!;
    const sentAt = new Map<string, number>();
    for (let i = 0; i < SSE_COMMENTS; i++) {
      const t = performance.now();
      const res = await call(setup.front, 'POST', `/api/v1/articles/${setup.slug}/comments`, { body: `Live ${i}` }, author);
      if (res.status !== 201) throw new Error(`SSE comment ${i}: ${res.status}`);
      sentAt.set((JSON.parse(res.body) as { comment: { id: string } }).comment.id, t);
      await new Promise((r) => setTimeout(r, 300));
    }
    // Bounded wait for the last deliveries.
    const deadline = Date.now() + 10_000;
    const delivered = () => seen.reduce((n, got) => n + [...sentAt.keys()].filter((id) => got.has(id)).length, 0);
    while (delivered() < SSE_CLIENTS * SSE_COMMENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const latencies: number[] = [];
    for (const got of seen) for (const [id, t] of sentAt) if (got.has(id)) latencies.push(got.get(id)! - t);
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      delivered: latencies.length,
      expected: SSE_CLIENTS * SSE_COMMENTS,
    };
  } finally {
    for (const s of streams) s.close();
  }
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

export async function runBench(setup: BenchSetup): Promise<void> {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const generator = setup.wrk
    ? `wrk (${setup.wrk}), 2 threads`
    : "autocannon and a Node client loop: wrk is not installed (apt-get install -y wrk), so these figures are the load generator's as much as Byline's";
  console.log(`bench: load generator ${generator}; load average at start ${load}`);

  // Pages: the article with PAGE_COMMENTS comments, as gzip, the same bytes on all three.
  const author = (await signIn(setup.front, 1, 'Page Writer'))[0]!;
  await postComments(setup.front, setup.slug, author, PAGE_COMMENTS);
  const path = `/writing/${setup.slug}`;
  const page = await new Promise<Buffer>((res, rej) => {
    import('node:http').then(({ get }) =>
      get(`${setup.node}${path}`, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => res(Buffer.concat(chunks)));
      }).on('error', rej),
    );
  });
  mkdirSync(dirname(join(setup.staticDir, path)), { recursive: true });
  writeFileSync(join(setup.staticDir, path), page);
  const targets = { node: `${setup.node}${path}`, front: `${setup.front}${path}`, nginxStatic: `${setup.staticBase}${path}` };
  const rounds: Record<keyof typeof targets, Rate[]> = { node: [], front: [], nginxStatic: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const key of Object.keys(targets) as (keyof typeof targets)[]) {
      const r = await pageRate(setup, targets[key]);
      rounds[key].push(r);
      console.log(`bench round ${round + 1} ${key}: ${Math.round(r.rps)} req/s, p99 ${r.p99Ms.toFixed(1)} ms, errors ${r.errors}`);
    }
  }
  const med = (key: keyof typeof targets) => ({
    rps: median(rounds[key].map((r) => r.rps)),
    p99: median(rounds[key].map((r) => r.p99Ms)),
    errors: rounds[key].reduce((n, r) => n + r.errors, 0),
  });
  const [node, front, nginxStatic] = [med('node'), med('front'), med('nginxStatic')];

  // Votes: one SQLite node directly, then two nodes on PostgreSQL through nginx.
  const sqlite = await setup.startSqliteNode();
  let sqliteVotes: VoteRun;
  try {
    sqliteVotes = await voteRate(setup, sqlite.url, 'SQLite');
  } finally {
    await sqlite.stop();
  }
  const sqliteRows = sqlite.countVotes();
  const pgBefore = await setup.countPgVotes();
  const pgVotes = await voteRate(setup, setup.front, 'PostgreSQL');
  const pgRows = (await setup.countPgVotes()) - pgBefore;
  console.log(
    `bench votes SQLite: ${sqliteVotes.acked} acknowledged, ${sqliteRows} rows after SIGKILL, ${sqliteVotes.failed} refused${sqliteVotes.note}`,
  );
  console.log(
    `bench votes PostgreSQL through nginx: ${pgVotes.acked} acknowledged, ${pgRows} rows, ${pgVotes.failed} refused${pgVotes.note}`,
  );

  const live = await sseFanOut(setup);
  console.log(`bench SSE: ${live.delivered}/${live.expected} deliveries, p50 ${live.p50.toFixed(0)} ms, p99 ${live.p99.toFixed(0)} ms`);

  const pageBytes = `${(page.length / 1024).toFixed(0)} KiB gzip, ${PAGE_COMMENTS}+ comments`;
  const rows = [
    '| measured (one run of `./deploy/run-local.sh --bench`) | figure | ratio in the same run | target |',
    '| --- | --- | --- | --- |',
    `| anonymous article page (${pageBytes}), one node on PostgreSQL served directly | ${fmt(node.rps)} req/s, p99 ${fmt(node.p99)} ms | baseline | — |`,
    `| the same bytes as a static file, served by the same nginx | ${fmt(nginxStatic.rps)} req/s, p99 ${fmt(nginxStatic.p99)} ms | baseline | — |`,
    `| the page through the recipe: nginx's cache in front of two nodes | ${fmt(front.rps)} req/s, p99 ${fmt(front.p99)} ms | ${ratio(front.rps, node.rps)} one node, ${ratio(front.rps, nginxStatic.rps)} nginx static | ≥ 1.3× one node: ${verdict(front.rps >= 1.3 * node.rps)}; ≥ 0.8× nginx static: ${verdict(front.rps >= 0.8 * nginxStatic.rps)} |`,
    `| durable votes by distinct readers, one node on SQLite, ${VOTE_CONNECTIONS} in flight | ${fmt(sqliteVotes.rate)} votes/s, p99 ${fmt(sqliteVotes.p99Ms)} ms; ${sqliteVotes.acked} acknowledged, ${sqliteRows} stored after SIGKILL${sqliteVotes.note} | baseline | — |`,
    `| durable votes through nginx to two nodes on PostgreSQL, ${VOTE_CONNECTIONS} in flight | ${fmt(pgVotes.rate)} votes/s, p99 ${fmt(pgVotes.p99Ms)} ms; ${pgVotes.acked} acknowledged, ${pgRows} stored, ${Math.max(0, pgVotes.acked - pgRows)} lost${pgVotes.note} | ${ratio(pgVotes.rate, sqliteVotes.rate)} SQLite | ≥ 0.5×, 0 lost: ${verdict(pgVotes.rate >= 0.5 * sqliteVotes.rate && pgRows >= pgVotes.acked)} |`,
    `| live comment to ${SSE_CLIENTS} SSE readers through nginx over both nodes (${SSE_COMMENTS} comments, from POST to arrival) | p50 ${fmt(live.p50)} ms, p99 ${fmt(live.p99)} ms, max ${fmt(live.max)} ms; ${live.delivered}/${live.expected} delivered | — | p99 ≤ 1 s: ${verdict(live.p99 <= 1000 && live.delivered === live.expected)} |`,
  ];
  const table = `${rows.join('\n')}\n\nLoad generator: ${generator}. Page figures: medians of ${ROUNDS} interleaved rounds of ${PAGE_SECONDS} s at ${PAGE_CONNECTIONS} connections, \`Accept-Encoding: gzip\`. Load average at start: ${load}. Votes measure the store code of this checkout.\n`;
  console.log(`\n${table}`);
  writeFileSync(setup.outFile, table);
  console.log(`bench table written to ${setup.outFile}`);
  check(sqliteRows >= sqliteVotes.acked && pgRows >= pgVotes.acked, 'no acknowledged vote was lost');
}
