// `npm run bench`: Byline under load, each read step next to the very same responses served by
// bare Node and by nginx, interleaved round by round. Byline runs as the production build in a
// child process on a temporary, seeded data folder; reads are driven by wrk, writes by a client
// loop in a process of its own. Everything listens on 127.0.0.1 only, and every load step is
// bounded in time and in request count. See bench/README.md for the method.
//
//   npm run bench                      3 rounds of 3 s per read step: about 3.5 minutes
//   BENCH_SHORT=1 npm run bench        (or --short) 1 round of 1 s, 50 SSE streams: about a minute;
//                                      exits non-zero when a step fails or a write is lost
//   BENCH_ROUNDS, BENCH_SECONDS, BENCH_WRITE_SECONDS, BENCH_SSE_CLIENTS, BENCH_OUT (results folder)
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/open.ts';
import { BaselineSet, findNginx, nginxVersion, startNginx } from './baselines.ts';
import { checkDurability } from './durability.ts';
import { type Answer, freePort, HOST, request, sleep, stop, waitForHttp } from './http.ts';
import { type Contender, interleave, median } from './interleave.ts';
import { percentile, sseFanOut } from './load.ts';
import { childrenOf, CpuMeter, MemorySampler, memoryKb } from './proc.ts';
import { type Report, type ReadStepReport, renderMarkdown, targetsOf, type WriteStepReport } from './report.ts';
import { commentBody, makeRandom, SentenceMaker, seedIdentities, seedThread } from './seed.ts';
import { type PhaseReport, runWrites, votePair, votePairs } from './write-client.ts';
import { findLoadGenerator, readLoad } from './wrk.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHORT = process.env.BENCH_SHORT === '1' || process.argv.includes('--short');
const num = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(n) || n <= 0 || n > 600) throw new Error(`${name} must be a positive number of at most 600.`);
  return n;
};
const ROUNDS = Math.round(num('BENCH_ROUNDS', SHORT ? 1 : 3));
const SECONDS = Math.round(num('BENCH_SECONDS', SHORT ? 1 : 3));
const WARMUP = SHORT ? 0 : 1;
const WRITE_SECONDS = num('BENCH_WRITE_SECONDS', SHORT ? 2 : 6);
const SSE_CLIENTS = Math.round(num('BENCH_SSE_CLIENTS', SHORT ? 50 : 500));
const SSE_ROUNDS = 5;
const STARTS = 3;
const CONNECTIONS = 32;
const ARTICLE = 'the-last-ten-percent';
const ARTICLE_COMMENTS = 300;
const BIG_ARTICLE = 'scope-is-a-promise';
const BIG_COMMENTS = SHORT ? 2000 : 10_000;
const VOTERS = SHORT ? 500 : 2000;
const OUT = resolve(process.env.BENCH_OUT ?? join(root, 'bench/results'));
const NAME = SHORT ? 'short' : 'latest';
// nginx here has no brotli module: every comparison asks for gzip, so all three send the same bytes.
const GZIP = { 'accept-encoding': 'gzip' };
const SESSION_COOKIE = '__Host-byline_session';

const t0 = performance.now();
const log = (line: string) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const round1 = (n: number) => Math.round(n * 10) / 10;

const serverEnv = (): NodeJS.ProcessEnv => {
  const high = '1000000000';
  const env: NodeJS.ProcessEnv = {
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
  };
  // Production runs the build: never the TypeScript sources.
  delete env.BYLINE_FROM_SOURCE;
  return env;
};

function spawnByline(port: number, dataDir: string, logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(
    process.execPath,
    [join(root, 'bin/byline.js'), 'serve', '--port', String(port), '--host', HOST, '--data', dataDir, '--content', join(root, 'content')],
    { cwd: root, env: serverEnv(), stdio: ['ignore', out, out] },
  );
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The production build must exist and be newer than every source file; builds it otherwise. */
function ensureBuild(): string {
  const bundle = join(root, 'dist/cli.js');
  let builtAt = 0;
  try {
    builtAt = statSync(bundle).mtimeMs;
  } catch {
    // no build yet
  }
  const why = builtAt === 0 ? 'dist/ is missing' : newestMtime(join(root, 'src')) > builtAt ? 'dist/ is older than src/' : '';
  if (!why) return 'dist/ is up to date';
  log(`${why}: running npm run build`);
  const res = spawnSync(process.execPath, [join(root, 'scripts/build.js')], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`npm run build failed (exit ${res.status}).`);
  return `${why}: built by this run`;
}

async function main(): Promise<number> {
  const load0 = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'byline-bench-'));
  const children: ChildProcess[] = [];
  const failures: string[] = [];
  let sampler: MemorySampler | undefined;
  const attempt = async <T>(what: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (err) {
      const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
      failures.push(message);
      log(`FAILED ${message}`);
      return undefined;
    }
  };
  try {
    log(
      `${SHORT ? 'short mode: ' : ''}${ROUNDS} round(s) of ${SECONDS} s per read step, load average at start ${load0.map((n) => n.toFixed(2)).join(' ')}`,
    );
    const generator = findLoadGenerator(log);
    log(`reads: ${generator.note}`);
    const build = ensureBuild();
    log(`production build: ${build}`);

    // ---- Start-up: spawn to the first 200 of an article page, on a fresh data folder each time ----
    const articlePath = `/writing/${ARTICLE}`;
    const starts: { ms: number; rssMb: number }[] = [];
    for (let i = 0; i < STARTS; i++) {
      await attempt(`start-up ${i + 1}`, async () => {
        const port = await freePort();
        const since = performance.now();
        const child = spawnByline(port, join(work, `fresh-${i}`), join(work, 'fresh.log'));
        children.push(child);
        try {
          const { ms } = await waitForHttp(port, articlePath, child, 'Byline', { status: 200, everyMs: 5, since });
          starts.push({ ms, rssMb: memoryKb(child.pid!).rss / 1024 });
        } finally {
          await stop(child);
        }
      });
    }
    log(`start to first page: ${starts.map((s) => `${s.ms.toFixed(0)} ms`).join(', ')}`);

    // ---- Seed ----
    const dataDir = join(work, 'data');
    const now = Date.now();
    const seedStart = performance.now();
    const store = await openStore({ dataDir, migrate: true });
    const sentences = new SentenceMaker(join(root, 'content'));
    const readers = await seedIdentities(store, 100, { now, tag: '' });
    const thread = await seedThread(store, { slug: ARTICLE, comments: ARTICLE_COMMENTS, identities: readers, now, seed: 1, sentences });
    const crowd = await seedIdentities(store, 400, { now, tag: 'Crowd' });
    const big = await seedThread(store, {
      slug: BIG_ARTICLE,
      comments: BIG_COMMENTS,
      identities: crowd,
      now,
      seed: 2,
      sentences,
      maxVotes: 3,
    });
    const voters = await seedIdentities(store, VOTERS, { now, tag: 'Voter' });
    await store.close();
    const seededVotes = thread.votes + big.votes;
    log(
      `seeded ${ARTICLE} (${ARTICLE_COMMENTS} comments), ${BIG_ARTICLE} (${BIG_COMMENTS} comments), ${VOTERS} voters with sessions, ` +
        `${seededVotes} votes in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
    );

    // ---- Byline, the production build, in a child process ----
    const port = await freePort();
    const spawnedAt = performance.now();
    const server = spawnByline(port, dataDir, join(work, 'server.log'));
    children.push(server);
    sampler = new MemorySampler(server.pid!);
    const first = await waitForHttp(port, articlePath, server, 'Byline', { status: 200, everyMs: 5, since: spawnedAt });
    const seededStartMs = first.ms;
    await sleep(3000);
    const idleRssMb = memoryKb(server.pid!).rss / 1024;
    log(
      `Byline is up on ${HOST}:${port} (pid ${server.pid}); first page after ${seededStartMs.toFixed(0)} ms, idle RSS ${idleRssMb.toFixed(1)} MB`,
    );

    // A real reader, signed in through the API.
    const signIn = await request(
      port,
      'POST',
      '/api/v1/session',
      { 'content-type': 'application/json' },
      JSON.stringify({ name: 'Bench Reader' }),
    );
    if (signIn.status !== 201) throw new Error(`Sign-in answered ${signIn.status}: ${signIn.body.toString()}`);
    const signedInCookie = ([signIn.headers['set-cookie'] ?? []].flat()[0] ?? '').split(';')[0]!;
    if (!signedInCookie.startsWith(`${SESSION_COOKIE}=`)) throw new Error(`Unexpected session cookie: ${signedInCookie}`);
    // The script's cookies say the browser fills in the reader's own state itself.
    const scriptCookie = `${signedInCookie}; byline_js=1; byline_signed_in=1`;

    // ---- The read steps, and the responses their baselines serve ----
    const baselines = new BaselineSet(join(work, 'baseline'));
    const viewerPath = `/api/v1/articles/${ARTICLE}/viewer`;
    const commentsPath = `/api/v1/articles/${ARTICLE}/comments`;
    const bigPath = `/writing/${BIG_ARTICLE}`;
    interface ReadStep {
      key: string;
      label: string;
      paths: string[];
      headers: Record<string, string>;
      baselinePaths: string[];
      coldMs?: number;
      bytes: number[];
      headerNames: string[];
    }
    const steps: ReadStep[] = [];
    const defineStep = async (
      key: string,
      prefix: string,
      label: string,
      paths: string[],
      headers: Record<string, string>,
      coldMs?: number,
    ) => {
      await attempt(`(${key}) capturing the responses`, async () => {
        const answers: Answer[] = [];
        for (const path of paths) answers.push(await request(port, 'GET', path, headers));
        const baselinePaths = paths.map((path, i) => baselines.add(prefix, path, answers[i]!));
        steps.push({
          headerNames: Object.keys(answers[0]!.headers),
          key,
          label,
          paths,
          headers,
          baselinePaths,
          coldMs: coldMs ?? answers[0]!.ms,
          bytes: answers.map((a) => a.body.length),
        });
      });
    };
    const coldJson = await request(port, 'GET', commentsPath, GZIP);
    const coldBig = await request(port, 'GET', bigPath, GZIP);
    const coldNoScript = await request(port, 'GET', articlePath, { ...GZIP, cookie: signedInCookie });
    await defineStep(
      'articleAnonymous',
      'a',
      `(a) Article page, anonymous, ${ARTICLE_COMMENTS} comments`,
      [articlePath],
      GZIP,
      first.answer.ms,
    );
    await defineStep(
      'articleSignedIn',
      'b',
      '(b) Signed in, with the script: the page + own state, alternating (page views/s = req/s ÷ 2)',
      [articlePath, viewerPath],
      { ...GZIP, cookie: scriptCookie },
    );
    await defineStep(
      'articleSignedInNoScript',
      'b2',
      '(b′) Signed in, no script (server render)',
      [articlePath],
      { ...GZIP, cookie: signedInCookie },
      coldNoScript.ms,
    );
    await defineStep('commentsJson', 'c', `(c) Comments JSON, ${ARTICLE_COMMENTS} comments`, [commentsPath], GZIP, coldJson.ms);
    await defineStep(
      'bigArticleAnonymous',
      'g',
      `(g) ${BIG_COMMENTS.toLocaleString('en')}-comment article, first page, anonymous`,
      [bigPath],
      GZIP,
      coldBig.ms,
    );

    // ---- The baselines: bare Node and nginx, both up for the whole read phase ----
    const manifestFile = baselines.writeManifest();
    const nodePort = await freePort();
    const nodeServer = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/static-server.ts'), manifestFile, String(nodePort)], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(nodeServer);
    await waitForHttp(nodePort, '/', nodeServer, 'The bare-Node baseline');
    const nginxBinary = findNginx();
    let nginxPort: number | undefined;
    let nginx: ChildProcess | undefined;
    let nginxNote = nginxBinary ? `nginx ${nginxVersion(nginxBinary)}` : 'nginx is not installed: no nginx baseline';
    if (nginxBinary) {
      await attempt('starting nginx', async () => {
        const p = await freePort();
        const started = startNginx(nginxBinary, baselines, join(work, 'nginx'), HOST, p);
        children.push(started.child);
        await waitForHttp(p, steps[0]?.baselinePaths[0] ?? '/', started.child, 'nginx');
        nginx = started.child;
        nginxPort = p;
        if (started.skipped.length > 0) nginxNote += `; headers left out (they hold a $): ${started.skipped.join(', ')}`;
      });
    }
    log(`baselines: bare Node on ${nodePort}, ${nginxPort ? `nginx on ${nginxPort}` : 'no nginx'} (${nginxNote})`);

    // Check that each baseline sends exactly Byline's bytes for every path before loading it.
    for (const step of steps) {
      for (const [i, path] of step.baselinePaths.entries()) {
        for (const [what, p] of [
          ['bare Node', nodePort],
          ['nginx', nginxPort],
        ] as const) {
          if (p === undefined) continue;
          const res = await request(p, 'GET', path, step.headers);
          if (res.status !== 200 || res.body.length !== step.bytes[i]) {
            failures.push(
              `${what} baseline for ${step.paths[i]} sent ${res.status}, ${res.body.length} B, not Byline's ${step.bytes[i]} B`,
            );
          }
        }
      }
    }

    const readReports: ReadStepReport[] = [];
    for (const step of steps) {
      await attempt(`(${step.key}) read load`, async () => {
        log(`${step.label}: ${WARMUP ? `warm-up ${WARMUP} s each, then ` : ''}${ROUNDS} × (Byline, bare Node, nginx) × ${SECONDS} s`);
        const load = (p: number, paths: string[]) => (seconds: number) =>
          readLoad(generator, { origin: `http://${HOST}:${p}`, paths, headers: step.headers, seconds, connections: CONNECTIONS });
        const contenders: Contender[] = [
          {
            who: 'byline',
            pids: () => [server.pid!],
            load: load(port, step.paths),
            before: () => sampler?.startStep(),
            after: () => sampler?.endStep() ?? Number.NaN,
          },
          { who: 'node', pids: () => [nodeServer.pid!], load: load(nodePort, step.baselinePaths) },
        ];
        const ng = nginx;
        if (ng && nginxPort !== undefined) {
          contenders.push({ who: 'nginx', pids: () => [ng.pid!, ...childrenOf(ng.pid)], load: load(nginxPort, step.baselinePaths) });
        }
        const results = await interleave(contenders, { rounds: ROUNDS, seconds: SECONDS, warmupSeconds: WARMUP });
        const { peakRssMb, ...byline } = results.get('byline')!;
        const node = results.get('node')!;
        const nginxSummary = results.get('nginx');
        readReports.push({
          key: step.key,
          label: step.label,
          paths: step.paths,
          bytes: step.bytes,
          headerNames: step.headerNames,
          coldMs: step.coldMs,
          byline,
          node,
          nginx: nginxSummary,
          ratioNode: byline.rps / node.rps,
          ratioNginx: nginxSummary ? byline.rps / nginxSummary.rps : null,
          peakRssMb,
        });
        log(
          `  Byline ${byline.rps.toFixed(0)} req/s (p50 ${byline.p50.toFixed(1)}, p99 ${byline.p99.toFixed(1)} ms, ${byline.errors} errors), ` +
            `bare Node ${node.rps.toFixed(0)}, nginx ${nginxSummary ? nginxSummary.rps.toFixed(0) : '–'}: ` +
            `${(byline.rps / node.rps).toFixed(2)}× bare Node${nginxSummary ? `, ${(byline.rps / nginxSummary.rps).toFixed(2)}× nginx` : ''}`,
        );
        if (byline.requests - byline.errors <= 0) throw new Error('Byline answered no request with 2xx/3xx');
      });
    }
    await stop(nodeServer);
    if (nginx) await stop(nginx, 'SIGQUIT');

    // ---- (f) Live updates to open event streams ----
    const ssePosted: string[] = [];
    const poster = readers[0]!;
    sampler.startStep();
    const sse = await attempt('(f) SSE', () =>
      sseFanOut({
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
          const id = (JSON.parse(res.body.toString()) as { comment: { id: string } }).comment.id;
          ssePosted.push(id);
          return id;
        },
      }),
    );
    const sseReport = sse
      ? {
          clients: SSE_CLIENTS,
          rounds: SSE_ROUNDS,
          p50: percentile(sse.latencies, 50),
          p99: percentile(sse.latencies, 99),
          max: sse.latencies[sse.latencies.length - 1] ?? Number.NaN,
          missed: sse.missed,
          openMs: sse.openMs,
          perRound: sse.perRound,
          peakRssMb: sampler.endStep(),
        }
      : null;
    if (sseReport)
      log(
        `(f) SSE ${SSE_CLIENTS} streams: p50 ${sseReport.p50.toFixed(1)} ms, p99 ${sseReport.p99.toFixed(1)} ms, missed ${sseReport.missed}`,
      );

    // ---- Writes, from a client process of their own ----
    const writeReports: WriteStepReport[] = [];
    const runWriteStep = async (key: string, label: string, plan: Parameters<typeof runWrites>[0]) => {
      const acknowledged: number[] = [];
      const createdIds: string[] = [];
      let measured: PhaseReport | undefined;
      let serverCpu = Number.NaN;
      let peakRssMb = Number.NaN;
      const cpu = new CpuMeter(() => [server.pid!]);
      const last = plan.phases.length - 1;
      log(`${label}: ${plan.phases.length > 1 ? `warm-up ${plan.phases[0]} s, then ` : ''}${plan.phases[last]} s`);
      await attempt(label, () =>
        runWrites(plan, {
          start: (phase) => {
            if (phase !== last) return;
            sampler?.startStep();
            cpu.begin();
          },
          end: (report) => {
            acknowledged.push(...report.acknowledged);
            createdIds.push(...report.createdIds);
            if (report.phase !== last) return;
            serverCpu = cpu.end();
            peakRssMb = sampler?.endStep() ?? Number.NaN;
            measured = report;
          },
        }),
      );
      if (measured) {
        const r = measured.result;
        writeReports.push({
          key,
          label,
          rps: r.rps,
          p50: r.p50,
          p99: r.p99,
          errors: r.errors,
          requests: r.requests,
          serverCpu,
          clientCpu: measured.clientCpuSeconds / r.seconds,
          peakRssMb,
        });
        log(
          `  ${r.rps.toFixed(0)} acknowledged/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors; ` +
            `CPU: server ${serverCpu.toFixed(2)} cores, client ${(measured.clientCpuSeconds / r.seconds).toFixed(2)} cores`,
        );
        if (r.ok === 0) failures.push(`${label}: no write was acknowledged`);
      }
      return { acknowledged, createdIds };
    };
    const phases = WARMUP ? [WARMUP, WRITE_SECONDS] : [WRITE_SECONDS];
    const random = makeRandom(7);
    const bodies = Array.from({ length: 1024 }, (_, i) =>
      JSON.stringify(
        i % 2 === 0
          ? { body: commentBody(random, sentences) }
          : { body: commentBody(random, sentences), parentId: thread.commentIds[(i * 37) % thread.commentIds.length] },
      ),
    );
    const common = { host: HOST, port, connections: CONNECTIONS, phases };
    const commentAcks = await runWriteStep('postComments', `(e) POST comments, ${VOTERS.toLocaleString('en')} readers, half replies`, {
      ...common,
      kind: 'comments',
      maxRequests: 100_000,
      slug: ARTICLE,
      tokens: voters.map((v) => v.token),
      bodies,
    });
    const voteAcks = await runWriteStep('votes', `(d) PUT votes, ${VOTERS.toLocaleString('en')} readers × ${ARTICLE_COMMENTS} comments`, {
      ...common,
      kind: 'votes',
      // Below votePairs() every request is a different reader/comment pair.
      maxRequests: Math.floor(votePairs(voters.length, thread.commentIds.length) * 0.95),
      voters: voters.map((v) => ({ id: v.id, token: v.token })),
      commentIds: thread.commentIds,
    });

    // ---- The whole run's memory, then a crash (SIGKILL), then what the database kept ----
    sampler.sample();
    const peakRssMb = sampler.peakKb / 1024;
    const hwmMb = sampler.hwmKb / 1024;
    sampler.stop();
    await stop(server, 'SIGKILL');
    log(`Byline killed with SIGKILL; peak RSS ${peakRssMb.toFixed(0)} MB sampled, VmHWM ${hwmMb.toFixed(0)} MB`);

    const checks = checkDurability({
      dbFile: join(dataDir, 'byline.db'),
      slug: ARTICLE,
      seededComments: ARTICLE_COMMENTS,
      seededVotes,
      acknowledgedVotes: voteAcks.acknowledged.map((k) => {
        const { voter, comment } = votePair(k, voters.length, thread.commentIds.length);
        return `${thread.commentIds[comment]}|${voters[voter]!.id}`;
      }),
      // A comment's answer names it: every one answered 2xx must be in the database.
      acknowledgedComments: [...commentAcks.createdIds, ...ssePosted],
    });
    log(`votes: ${JSON.stringify(checks.votes)}; comments: ${JSON.stringify(checks.comments)}`);
    if (!checks.votes.ok) {
      failures.push(`votes: ${checks.votes.acknowledgedMissing} acknowledged missing, ${checks.votes.scoreMismatches} scores ≠ vote count`);
    }
    if (!checks.comments.ok) failures.push(`comments: ${checks.comments.acknowledgedMissing} acknowledged missing`);

    // ---- Report ----
    const report: Report = {
      machine: {
        date: new Date().toISOString(),
        nproc: availableParallelism(),
        cpu: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        nginx: nginxBinary ? nginxVersion(nginxBinary) : null,
        loadAverageAtStart: load0.map((n) => Number(n.toFixed(2))),
        loadAverageAtEnd: loadavg().map((n) => Number(n.toFixed(2))),
      },
      settings: {
        short: SHORT,
        rounds: ROUNDS,
        secondsPerRound: SECONDS,
        warmupSeconds: WARMUP,
        writeSeconds: WRITE_SECONDS,
        connections: CONNECTIONS,
        acceptEncoding: GZIP['accept-encoding'],
        readLoadGenerator: generator.kind,
        readLoadGeneratorNote: generator.note,
        writeLoadGenerator: 'bounded keep-alive client loop in its own Node process',
        build,
        nginx: nginxNote,
        seeded: { articleComments: ARTICLE_COMMENTS, bigArticleComments: BIG_COMMENTS, voters: VOTERS },
      },
      reads: readReports,
      writes: writeReports,
      sse: sseReport,
      checks,
      memory: {
        startToFirstPageMs: round1(median(starts.map((s) => s.ms))),
        startsMs: starts.map((s) => round1(s.ms)),
        rssAtFirstPageMb: starts.map((s) => round1(s.rssMb)),
        seededStartToFirstPageMs: round1(seededStartMs),
        idleRssMb: round1(idleRssMb),
        peakRssMb: round1(peakRssMb),
        vmHwmMb: round1(hwmMb),
      },
      failures,
      targets: [],
      durationSeconds: 0,
    };
    report.targets = targetsOf(report);
    report.durationSeconds = round1((performance.now() - t0) / 1000);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, `${NAME}.json`), `${JSON.stringify(report, null, 2)}\n`);
    const markdown = renderMarkdown(report);
    writeFileSync(join(OUT, `${NAME}.md`), markdown);
    console.log(`\n${markdown}\nResults: ${join(OUT, `${NAME}.json`)} and ${NAME}.md`);
    if (failures.length > 0) console.error(`\n${failures.length} failure(s):\n- ${failures.join('\n- ')}`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    sampler?.stop();
    // SIGTERM first: nginx's master then takes its worker down with it.
    await Promise.all(children.map((child) => stop(child, 'SIGTERM', 2000)));
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  },
);
