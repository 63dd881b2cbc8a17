// Read load for the benchmark. wrk (a C load generator with its own threads) is the one used: a
// load generator written in Node saturates on a 2-core machine near the rates it measures. Only
// when wrk is absent and cannot be installed does autocannon stand in, and the results say so.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { StepResult } from './load.ts';

const here = dirname(fileURLToPath(import.meta.url));
const THREADS = 2;

export interface ReadLoad {
  /** http://host:port, no path. */
  origin: string;
  /** One path, or several that each connection takes in turn. */
  paths: readonly string[];
  headers: Record<string, string>;
  seconds: number;
  connections: number;
}

export type LoadGenerator = { kind: 'wrk'; binary: string; note: string } | { kind: 'autocannon'; note: string };

/** Finds wrk, installs it with apt-get when running as root and it is missing, else autocannon. */
export function findLoadGenerator(log: (line: string) => void): LoadGenerator {
  const found = () => ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p));
  // BENCH_NO_WRK=1 forces the fallback (to try it where wrk is installed).
  let binary = process.env.BENCH_NO_WRK === '1' ? undefined : found();
  let note = 'wrk';
  if (!binary && process.getuid?.() === 0 && process.env.BENCH_NO_WRK !== '1') {
    log('wrk is missing: installing it with apt-get (Debian package wrk)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let res = spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { env, stdio: 'ignore', timeout: 120_000 });
    if (res.status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 120_000 });
      res = spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { env, stdio: 'ignore', timeout: 120_000 });
    }
    binary = found();
    note = binary ? 'wrk (installed by this run with apt-get)' : note;
  }
  if (binary) {
    const version = /wrk\s+(\S+)/.exec(spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1];
    return { kind: 'wrk', binary, note: `${note} ${version ?? ''}`.trim() };
  }
  const warning =
    `WARNING: ${process.env.BENCH_NO_WRK === '1' ? 'wrk is turned off (BENCH_NO_WRK=1)' : 'wrk is not installed and could not be installed'}; ` +
    'reads are driven by autocannon, which runs in Node on the ' +
    'same cores as the server and saturates near the rates it measures. These read figures understate Byline and the baselines alike.';
  log(`\n${'!'.repeat(100)}\n${warning}\n${'!'.repeat(100)}\n`);
  return { kind: 'autocannon', note: warning };
}

export function readLoad(generator: LoadGenerator, load: ReadLoad): Promise<StepResult> {
  return generator.kind === 'wrk' ? runWrk(generator.binary, load) : runAutocannon(load);
}

interface WrkReport {
  requests: number;
  durationUs: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

function runWrk(binary: string, load: ReadLoad): Promise<StepResult> {
  const args = [
    `-t${THREADS}`,
    `-c${load.connections}`,
    `-d${Math.max(1, Math.round(load.seconds))}s`,
    '--timeout',
    '10s',
    '-s',
    join(here, 'wrk-report.lua'),
    ...Object.entries(load.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    `${load.origin}${load.paths[0]}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env: { ...process.env, BENCH_WRK_PATHS: load.paths.join('|') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_WRK '));
      if (code !== 0 || !line) {
        reject(new Error(`wrk exited with ${code}: ${err.trim() || out.trim()}`));
        return;
      }
      const r = JSON.parse(line.slice('BENCH_WRK '.length)) as WrkReport;
      const seconds = r.durationUs / 1e6;
      const socketErrors = r.connect + r.read + r.write + r.timeout;
      resolve({
        requests: r.requests,
        seconds,
        rps: r.requests / seconds,
        p50: r.p50Us / 1000,
        p99: r.p99Us / 1000,
        max: r.maxUs / 1000,
        ok: r.requests - r.status,
        non2xx: r.status,
        socketErrors,
        errors: r.status + socketErrors,
      });
    });
  });
}

async function runAutocannon(load: ReadLoad): Promise<StepResult> {
  const result = await autocannon({
    url: `${load.origin}${load.paths[0]}`,
    connections: load.connections,
    duration: load.seconds,
    headers: load.headers,
    timeout: 10,
    // Each connection takes the paths in turn, as wrk-report.lua does.
    requests: load.paths.length > 1 ? load.paths.map((path) => ({ method: 'GET', path })) : undefined,
  });
  const ok = result['2xx'] + result['3xx'];
  const non2xx = result.non2xx - result['3xx'];
  const requests = ok + non2xx;
  return {
    requests,
    seconds: result.duration,
    rps: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    ok,
    non2xx,
    socketErrors: result.errors,
    errors: non2xx + result.errors,
  };
}
