// `npm run bench`: Byline under load, next to the same page served as a static file.
// Byline runs as a child process (its RSS is its own; the load generator's CPU is separate) on a
// temporary data folder seeded with a realistic discussion. Everything listens on 127.0.0.1 only,
// and every load step is bounded in time (BENCH_SECONDS, default 8) and in request count.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/open.ts';
import { cannon, clientLoop, percentile, type StepResult, sseFanOut } from './load.ts';
import { commentBody, makeRandom, SentenceMaker, type SeededIdentity, seedIdentities, seedThread } from './seed.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP = Math.min(2, Math.max(1, SECONDS / 4));
const CONNECTIONS = 32;
const SSE_CLIENTS = Number(process.env.BENCH_SSE_CLIENTS ?? 500);
const SSE_ROUNDS = 5;
const ARTICLE = 'the-last-ten-percent';
const BIG_ARTICLE = 'scope-is-a-promise';
const HOST = '127.0.0.1';
const ACCEPT = { 'accept-encoding': 'br, gzip' };
const SESSION_COOKIE = '__Host-byline_session';
if (!Number.isFinite(SECONDS) || SECONDS <= 0 || SECONDS > 60) throw new Error('BENCH_SECONDS must be between 0 and 60.');

const log = (line: string) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const t0 = performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
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

function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; ms: number }>((done, fail) => {
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

async function waitForHttp(port: number, path: string, child: ChildProcess, what: string): Promise<void> {
  const giveUp = performance.now() + 30_000;
  while (performance.now() < giveUp) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before answering.`);
    try {
      const res = await request(port, 'GET', path);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${what} did not answer on port ${port} within 30 s.`);
}

/** Samples a process's resident memory from /proc every 250 ms. */
class MemorySampler {
  private timer: NodeJS.Timeout;
  peakKb = 0;
  stepPeakKb = 0;
  hwmKb = 0;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
  }
  sample(): void {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      this.hwmKb = Math.max(this.hwmKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      this.peakKb = Math.max(this.peakKb, rss);
      this.stepPeakKb = Math.max(this.stepPeakKb, rss);
    } catch {
      // the process is gone
    }
  }
  startStep(): void {
    this.sample();
    this.stepPeakKb = 0;
    this.sample();
  }
  endStep(): number {
    this.sample();
    return this.stepPeakKb / 1024;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

interface Row extends StepResult {
  key: string;
  label: string;
  peakRssMb?: number;
  coldMs?: number;
  note?: string;
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'byline-bench-'));
  const dataDir = join(work, 'data');
  const staticDir = join(work, 'static');
  mkdirSync(staticDir, { recursive: true });
  const children: ChildProcess[] = [];
  let sampler: MemorySampler | undefined;
  try {
    // ---- Seed ----
    const now = Date.now();
    const seedStart = performance.now();
    const store = await openStore({ dataDir, migrate: true });
    const sentences = new SentenceMaker(join(root, 'content'));
    const readers = await seedIdentities(store, 100, { now, tag: '' });
    const thread = await seedThread(store, { slug: ARTICLE, comments: 300, identities: readers, now, seed: 1, sentences });
    const crowd = await seedIdentities(store, 400, { now, tag: 'Crowd' });
    const big = await seedThread(store, { slug: BIG_ARTICLE, comments: 10_000, identities: crowd, now, seed: 2, sentences, maxVotes: 3 });
    const voters = await seedIdentities(store, 2000, { now, tag: 'Voter' });
    await store.close();
    const seededVotes = thread.votes + big.votes;
    log(
      `seeded ${ARTICLE} (300 comments, 100 readers), ${BIG_ARTICLE} (10,000 comments, 400 readers), 2,000 voters with sessions, ` +
        `${seededVotes} votes in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
    );

    // ---- Byline in a child process ----
    const port = await freePort();
    const serverLog = openSync(join(work, 'server.log'), 'a');
    const high = '1000000000';
    const server = spawn(
      process.execPath,
      [join(root, 'bin/byline.js'), 'serve', '--port', String(port), '--host', HOST, '--data', dataDir, '--content', join(root, 'content')],
      {
        cwd: root,
        env: {
          ...process.env,
          BYLINE_SECRET: 'bench-secret',
          BYLINE_LOG: 'quiet',
          BYLINE_LIMIT_NEW_NAMES_PER_HOUR: high,
          BYLINE_LIMIT_COMMENTS_PER_15S: high,
          BYLINE_LIMIT_COMMENTS_PER_HOUR: high,
          BYLINE_LIMIT_VOTES_PER_MINUTE: high,
          BYLINE_LIMIT_RECOVERY_FAILURES_PER_HOUR: high,
          // The load comes from one address, as no real crowd does: lift the per-address caps.
          BYLINE_STREAMS_PER_PREFIX: high,
          BYLINE_STREAMS_TOTAL: high,
          BYLINE_CONNECTIONS_PER_ADDRESS: '0',
        },
        stdio: ['ignore', serverLog, serverLog],
      },
    );
    children.push(server);
    await waitForHttp(port, '/healthz', server, 'Byline');
    sampler = new MemorySampler(server.pid!);
    log(`Byline is up on ${HOST}:${port} (pid ${server.pid})`);

    // A real reader, signed in through the API.
    const signIn = await request(
      port,
      'POST',
      '/api/v1/session',
      { 'content-type': 'application/json' },
      JSON.stringify({ name: 'Bench Reader' }),
    );
    if (signIn.status !== 201) throw new Error(`Sign-in answered ${signIn.status}: ${signIn.body.toString()}`);
    const setCookie = [signIn.headers['set-cookie'] ?? []].flat()[0] ?? '';
    const signedInCookie = setCookie.split(';')[0]!;
    if (!signedInCookie.startsWith(`${SESSION_COOKIE}=`)) throw new Error(`Unexpected session cookie: ${setCookie}`);

    // ---- Baseline: the very same page bytes as a static file ----
    const articlePath = `/writing/${ARTICLE}`;
    const cold = await request(port, 'GET', articlePath, ACCEPT);
    const rawPage = await request(port, 'GET', articlePath);
    const gzPage = await request(port, 'GET', articlePath, { 'accept-encoding': 'gzip' });
    const brPage = await request(port, 'GET', articlePath, { 'accept-encoding': 'br' });
    if (rawPage.status !== 200 || gzPage.headers['content-encoding'] !== 'gzip' || brPage.headers['content-encoding'] !== 'br') {
      throw new Error('The article page did not come back in all three encodings.');
    }
    writeFileSync(join(staticDir, 'page.html'), rawPage.body);
    writeFileSync(join(staticDir, 'page.html.gz'), gzPage.body);
    writeFileSync(join(staticDir, 'page.html.br'), brPage.body);
    const pageSizes = { raw: rawPage.body.length, gzip: gzPage.body.length, br: brPage.body.length };
    log(
      `article page: ${pageSizes.raw} B raw, ${pageSizes.br} B brotli, ${pageSizes.gzip} B gzip; first (uncached) render ${cold.ms.toFixed(1)} ms`,
    );

    const rows: Row[] = [];
    const measure = async (key: string, label: string, run: (seconds: number) => Promise<StepResult>, extra: Partial<Row> = {}) => {
      log(`${label}: warm-up ${WARMUP} s, then ${SECONDS} s`);
      await run(WARMUP);
      sampler?.startStep();
      const result = await run(SECONDS);
      const row: Row = { key, label, ...result, ...extra, peakRssMb: sampler?.endStep() };
      rows.push(row);
      log(`  ${fmt(row.rps)} req/s, p50 ${fmt(row.p50, 1)} ms, p99 ${fmt(row.p99, 1)} ms, errors ${row.errors}`);
      return row;
    };

    const staticPort = await freePort();
    const staticServer = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/static-server.ts'), staticDir, String(staticPort)], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(staticServer);
    await waitForHttp(staticPort, '/', staticServer, 'The static baseline');
    const baseline = await measure('baselineNode', 'Baseline: static file, Node http', (s) =>
      cannon({ url: `http://${HOST}:${staticPort}/page.html`, seconds: s, connections: CONNECTIONS, headers: ACCEPT }),
    );
    staticServer.kill('SIGTERM');

    let nginxRow: Row | undefined;
    const nginx = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
    if (nginx) {
      const nginxPort = await freePort();
      const nginxDir = join(work, 'nginx');
      mkdirSync(join(nginxDir, 'tmp'), { recursive: true });
      const runningAsRoot = process.getuid?.() === 0;
      writeFileSync(
        join(nginxDir, 'nginx.conf'),
        `${runningAsRoot ? 'user root;\n' : ''}worker_processes 1;
pid ${nginxDir}/nginx.pid;
error_log ${nginxDir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${nginxDir}/tmp/body;
  proxy_temp_path ${nginxDir}/tmp/proxy;
  fastcgi_temp_path ${nginxDir}/tmp/fastcgi;
  uwsgi_temp_path ${nginxDir}/tmp/uwsgi;
  scgi_temp_path ${nginxDir}/tmp/scgi;
  types { text/html html; }
  keepalive_requests 1000000;
  open_file_cache max=16;
  sendfile on;
  server {
    listen ${HOST}:${nginxPort};
    root ${staticDir};
    gzip_static on;
    gzip_vary on;
    add_header Cache-Control no-cache;
  }
}
`,
      );
      const nginxChild = spawn(
        nginx,
        ['-p', nginxDir, '-e', join(nginxDir, 'error.log'), '-c', join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      children.push(nginxChild);
      try {
        await waitForHttp(nginxPort, '/page.html', nginxChild, 'nginx');
        const probe = await request(nginxPort, 'GET', '/page.html', ACCEPT);
        nginxRow = await measure(
          'baselineNginx',
          'Baseline: static file, nginx (gzip_static)',
          (s) => cannon({ url: `http://${HOST}:${nginxPort}/page.html`, seconds: s, connections: CONNECTIONS, headers: ACCEPT }),
          { note: `nginx sends ${probe.headers['content-encoding'] ?? 'identity'} (${probe.body.length} B): no brotli module` },
        );
      } catch (err) {
        log(`nginx baseline skipped: ${err instanceof Error ? err.message : err}`);
      } finally {
        nginxChild.kill('SIGQUIT');
      }
    } else {
      log('nginx is not installed: only the Node baseline runs.');
    }

    // ---- Byline ----
    const url = (path: string) => `http://${HOST}:${port}${path}`;
    await measure(
      'articleAnonymous',
      '(a) Article page, anonymous',
      (s) => cannon({ url: url(articlePath), seconds: s, connections: CONNECTIONS, headers: ACCEPT }),
      {
        coldMs: cold.ms,
      },
    );
    // (b) A signed-in reader in a browser that runs the script: the shared cached page (the
    // script's `byline_js` cookie says so) plus one small call for the reader's own state. A
    // page view is both requests, so the signed-in rate below combines the two.
    const scriptCookie = `${signedInCookie}; byline_js=1; byline_signed_in=1`;
    const coldSigned = await request(port, 'GET', articlePath, { ...ACCEPT, cookie: scriptCookie });
    await measure(
      'articleSignedInPage',
      '(b) Article page, signed in: the page',
      (s) => cannon({ url: url(articlePath), seconds: s, connections: CONNECTIONS, headers: { ...ACCEPT, cookie: scriptCookie } }),
      { coldMs: coldSigned.ms },
    );
    const viewerPath = `/api/v1/articles/${ARTICLE}/viewer`;
    await measure('viewerState', "(b) Article page, signed in: the reader's own state", (s) =>
      cannon({ url: url(viewerPath), seconds: s, connections: CONNECTIONS, headers: { ...ACCEPT, cookie: signedInCookie } }),
    );
    const pageRow = rows.find((r) => r.key === 'articleSignedInPage')!;
    const stateRow = rows.find((r) => r.key === 'viewerState')!;
    rows.push({
      ...pageRow,
      key: 'articleSignedIn',
      label: '(b) Article page, signed in (page + own state, page views/s)',
      rps: 1 / (1 / pageRow.rps + 1 / stateRow.rps),
      p50: pageRow.p50 + stateRow.p50,
      p99: pageRow.p99 + stateRow.p99,
      errors: pageRow.errors + stateRow.errors,
    });
    // Without the script the server renders the reader's own page on every request.
    await measure('articleSignedInNoScript', '(b) Article page, signed in, no script (server render)', (s) =>
      cannon({ url: url(articlePath), seconds: s, connections: CONNECTIONS, headers: { ...ACCEPT, cookie: signedInCookie } }),
    );
    const commentsPath = `/api/v1/articles/${ARTICLE}/comments`;
    const coldJson = await request(port, 'GET', commentsPath, ACCEPT);
    await measure(
      'commentsJson',
      '(c) Comments JSON, 300 comments',
      (s) => cannon({ url: url(commentsPath), seconds: s, connections: CONNECTIONS, headers: ACCEPT }),
      {
        coldMs: coldJson.ms,
      },
    );
    const bigPath = `/writing/${BIG_ARTICLE}`;
    const coldBig = await request(port, 'GET', bigPath, ACCEPT);
    const bigSignedCold = await request(port, 'GET', bigPath, { ...ACCEPT, cookie: signedInCookie });
    await measure(
      'bigArticleAnonymous',
      '(g) 10,000-comment article, first page, anonymous',
      (s) => cannon({ url: url(bigPath), seconds: s, connections: CONNECTIONS, headers: ACCEPT }),
      { coldMs: coldBig.ms, note: `signed-in render ${bigSignedCold.ms.toFixed(0)} ms` },
    );

    // (f) Live updates to 500 open event streams.
    log(`(f) SSE: ${SSE_CLIENTS} streams, ${SSE_ROUNDS} comments`);
    sampler.startStep();
    const poster = readers[0]!;
    const sse = await sseFanOut({
      host: HOST,
      port,
      slug: ARTICLE,
      count: SSE_CLIENTS,
      rounds: SSE_ROUNDS,
      post: async (round) => {
        const res = await request(
          port,
          'POST',
          `/api/v1/articles/${ARTICLE}/comments`,
          { 'content-type': 'application/json', cookie: `${SESSION_COOKIE}=${poster.token}` },
          JSON.stringify({ body: `Live update check number ${round + 1}: does everyone see this at once?` }),
        );
        if (res.status !== 201) throw new Error(`Posting a comment answered ${res.status}: ${res.body.toString()}`);
        return (JSON.parse(res.body.toString()) as { comment: { id: string } }).comment.id;
      },
    });
    const sseRow = {
      clients: SSE_CLIENTS,
      rounds: SSE_ROUNDS,
      p50: percentile(sse.latencies, 50),
      p99: percentile(sse.latencies, 99),
      max: sse.latencies[sse.latencies.length - 1] ?? Number.NaN,
      missed: sse.missed,
      openMs: sse.openMs,
      perRound: sse.perRound,
      peakRssMb: sampler.endStep(),
    };
    log(
      `  p50 ${fmt(sseRow.p50, 1)} ms, p99 ${fmt(sseRow.p99, 1)} ms, max ${fmt(sseRow.max, 1)} ms, missed ${sseRow.missed}; opening took ${fmt(sse.openMs)} ms`,
    );

    // (e) New comments from many readers.
    const random = makeRandom(7);
    const bodies = Array.from({ length: 512 }, () => JSON.stringify({ body: commentBody(random, sentences) }));
    const replyBodies = Array.from({ length: 512 }, (_, i) =>
      JSON.stringify({ body: commentBody(random, sentences), parentId: thread.commentIds[(i * 37) % thread.commentIds.length] }),
    );
    const cookieOf = (v: SeededIdentity) => `${SESSION_COOKIE}=${v.token}`;
    let commentsPosted = 0;
    const postComments = (seconds: number) =>
      clientLoop({
        host: HOST,
        port,
        seconds,
        connections: CONNECTIONS,
        maxRequests: 100_000,
        make: (i) => ({
          method: 'POST',
          path: `/api/v1/articles/${ARTICLE}/comments`,
          headers: { 'content-type': 'application/json', cookie: cookieOf(voters[i % voters.length]!), ...ACCEPT },
          body: i % 2 === 0 ? bodies[i % bodies.length] : replyBodies[i % replyBodies.length],
        }),
        onAnswer: (_i, status) => {
          if (status === 201) commentsPosted++;
        },
      });
    await measure('postComments', '(e) POST comments, 2,000 readers', postComments);

    // (d) Durable votes: every request a different reader/comment pair.
    const acked: string[] = [];
    let voteOffset = 0;
    const votes = (seconds: number) => {
      const base = voteOffset;
      return clientLoop({
        host: HOST,
        port,
        seconds,
        connections: CONNECTIONS,
        maxRequests: 190_000 - base,
        make: (i) => {
          const k = base + i;
          const voter = voters[k % voters.length]!;
          const comment = thread.commentIds[(Math.floor(k / voters.length) + k) % thread.commentIds.length]!;
          return { method: 'PUT', path: `/api/v1/comments/${comment}/vote`, headers: { cookie: cookieOf(voter), ...ACCEPT } };
        },
        onAnswer: (i, status) => {
          voteOffset = Math.max(voteOffset, base + i + 1);
          if (status >= 200 && status < 300) {
            const k = base + i;
            acked.push(
              `${thread.commentIds[(Math.floor(k / voters.length) + k) % thread.commentIds.length]}|${voters[k % voters.length]!.id}`,
            );
          }
        },
      });
    };
    const voteRow = await measure('votes', '(d) PUT votes, 2,000 readers × 300 comments', votes);

    // The whole run's memory, then a crash (SIGKILL) before checking what the database kept.
    sampler.sample();
    const peakRssMb = sampler.peakKb / 1024;
    const hwmMb = sampler.hwmKb / 1024;
    sampler.stop();
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    log(`Byline killed with SIGKILL after the votes; peak RSS ${peakRssMb.toFixed(0)} MB (VmHWM ${hwmMb.toFixed(0)} MB)`);

    const db = new Database(join(dataDir, 'byline.db'));
    const stored = new Set(
      (db.prepare('SELECT comment_id, identity_id FROM votes').all() as { comment_id: string; identity_id: string }[]).map(
        (r) => `${r.comment_id}|${r.identity_id}`,
      ),
    );
    const missing = acked.filter((pair) => !stored.has(pair)).length;
    const newVoteRows = stored.size - seededVotes;
    const scoreMismatches = (
      db
        .prepare(
          'SELECT COUNT(*) AS n FROM comments c WHERE c.score != (SELECT COUNT(*) FROM votes v WHERE v.comment_id = c.id AND v.counted = 1)',
        )
        .get() as { n: number }
    ).n;
    const commentRows = (db.prepare('SELECT COUNT(*) AS n FROM comments WHERE article_slug = ?').get(ARTICLE) as { n: number }).n;
    db.close();
    const voteCheck = {
      acknowledged: acked.length,
      voteRowsAdded: newVoteRows,
      acknowledgedMissing: missing,
      scoreMismatches,
      ok: missing === 0 && newVoteRows === acked.length && scoreMismatches === 0,
    };
    const commentCheck = {
      acknowledged: commentsPosted + SSE_ROUNDS,
      commentRowsAdded: commentRows - 300,
      ok: commentRows - 300 === commentsPosted + SSE_ROUNDS,
    };
    log(`votes: ${JSON.stringify(voteCheck)}; comments: ${JSON.stringify(commentCheck)}`);

    // ---- Report ----
    const ratio = (key: string, against: Row | undefined = baseline) => {
      const row = rows.find((r) => r.key === key);
      return row && against ? Number((row.rps / against.rps).toFixed(3)) : null;
    };
    const keys = [
      'articleAnonymous',
      'articleSignedIn',
      'articleSignedInPage',
      'viewerState',
      'articleSignedInNoScript',
      'commentsJson',
      'bigArticleAnonymous',
      'postComments',
      'votes',
    ];
    const ratios = Object.fromEntries(keys.map((k) => [k, ratio(k)]));
    const ratiosVsNginx = nginxRow ? Object.fromEntries(keys.map((k) => [k, ratio(k, nginxRow)])) : null;
    const targets = [
      {
        what: 'Anonymous article page ≥ 0.5× static baseline',
        measured: ratios.articleAnonymous,
        met: (ratios.articleAnonymous ?? 0) >= 0.5,
      },
      {
        what: 'Signed-in article page ≥ 0.25× static baseline',
        measured: ratios.articleSignedIn,
        met: (ratios.articleSignedIn ?? 0) >= 0.25,
      },
      {
        what: 'Durable votes ≥ 2,000/s, every acknowledged vote stored',
        measured: Math.round(voteRow.rps),
        met: voteRow.rps >= 2000 && voteCheck.ok,
      },
      {
        what: 'SSE to 500 clients p99 ≤ 1 s',
        measured: Number(sseRow.p99.toFixed(1)),
        met: sseRow.p99 <= 1000 && sseRow.missed === 0 && SSE_CLIENTS >= 500,
      },
      {
        what: '10,000-comment first page ≥ 0.25× static baseline',
        measured: ratios.bigArticleAnonymous,
        met: (ratios.bigArticleAnonymous ?? 0) >= 0.25,
      },
      { what: 'Server RSS ≤ 200 MB through the run', measured: Number(hwmMb.toFixed(1)), met: hwmMb <= 200 },
    ];
    const seconds = (performance.now() - t0) / 1000;
    const machine = {
      date: new Date().toISOString(),
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      nginx: nginx ? nginxVersion(nginx) : null,
    };
    const results = {
      machine,
      settings: {
        seconds: SECONDS,
        warmupSeconds: WARMUP,
        connections: CONNECTIONS,
        acceptEncoding: ACCEPT['accept-encoding'],
        loadGenerator: 'autocannon (reads), keep-alive client loop (writes)',
      },
      page: pageSizes,
      steps: Object.fromEntries(rows.map((r) => [r.key, r])),
      sse: sseRow,
      checks: { votes: voteCheck, comments: commentCheck },
      memory: { peakRssMb: Number(peakRssMb.toFixed(1)), vmHwmMb: Number(hwmMb.toFixed(1)) },
      ratios,
      ratiosVsNginx,
      targets,
      durationSeconds: Number(seconds.toFixed(1)),
    };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);

    const lines = [
      `Byline bench — ${machine.date.slice(0, 10)}, ${machine.nproc} cores (${machine.cpu}), Node ${machine.node}, ${SECONDS} s per step, ${CONNECTIONS} connections`,
      '',
      '| step | req/s | p50 ms | p99 ms | errors | peak RSS MB | × Node static | × nginx static |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.label}${r.coldMs !== undefined ? ` (first render ${fmt(r.coldMs)} ms)` : ''} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} | ${fmt(r.peakRssMb)} | ${
            r.key.startsWith('baseline') ? '–' : fmt(ratio(r.key) ?? Number.NaN, 2)
          } | ${r.key.startsWith('baseline') || !nginxRow ? '–' : fmt(ratio(r.key, nginxRow) ?? Number.NaN, 2)} |`,
      ),
      `| (f) SSE, ${SSE_CLIENTS} streams × ${SSE_ROUNDS} comments: time to every stream | – | ${fmt(sseRow.p50, 1)} | ${fmt(sseRow.p99, 1)} (max ${fmt(sseRow.max, 1)}) | ${sseRow.missed} missed | ${fmt(sseRow.peakRssMb)} | – | – |`,
      '',
      `Votes: ${voteCheck.acknowledged} acknowledged, ${voteCheck.voteRowsAdded} rows added after a SIGKILL, ${voteCheck.acknowledgedMissing} missing, ${voteCheck.scoreMismatches} scores ≠ vote count.`,
      `Comments: ${commentCheck.acknowledged} acknowledged, ${commentCheck.commentRowsAdded} rows added.`,
      `Server memory: peak RSS ${peakRssMb.toFixed(0)} MB (VmHWM ${hwmMb.toFixed(0)} MB). Page: ${pageSizes.raw} B raw, ${pageSizes.br} B br, ${pageSizes.gzip} B gzip.`,
      '',
      '| target | measured | met |',
      '| --- | ---: | :---: |',
      ...targets.map((t) => `| ${t.what} | ${t.measured ?? '–'} | ${t.met ? 'yes' : 'no'} |`),
      '',
      `Whole run: ${seconds.toFixed(0)} s. Results: bench/results/latest.json`,
    ];
    console.log(`\n${lines.join('\n')}`);
  } finally {
    sampler?.stop();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

function nginxVersion(binary: string): string | null {
  const out = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  return /nginx\/(\S+)/.exec(`${out.stderr}${out.stdout}`)?.[1] ?? null;
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
