// The write load (new comments, votes) in a process of its own, so that its CPU is measured apart
// from the server's and from the benchmark's. It runs the bounded client loop of load.ts, one
// phase after another (warm-up, then measured), and reports each phase over IPC: the outcome,
// which requests were acknowledged, and its own CPU time (process.cpuUsage).
// Started by bench/run.ts through runWrites() below; not meant to be run by hand.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clientLoop, type LoopRequest, type StepResult } from './load.ts';

const SESSION_COOKIE = '__Host-byline_session';

interface Common {
  host: string;
  port: number;
  connections: number;
  /** Seconds of each phase; every phase but the last is a warm-up. */
  phases: number[];
  maxRequests: number;
}
export type WritePlan =
  | (Common & { kind: 'comments'; slug: string; tokens: string[]; bodies: string[] })
  | (Common & { kind: 'votes'; voters: { id: string; token: string }[]; commentIds: string[] });

export interface PhaseReport {
  phase: number;
  result: StepResult;
  /** CPU seconds (user + system) the client used in the phase, and the phase's length. */
  clientCpuSeconds: number;
  /** Indices (over all phases) of the requests answered 2xx. */
  acknowledged: number[];
  /** The ids of the comments whose creation was acknowledged (their answer names them). */
  createdIds: string[];
}

type Message = { type: 'start'; phase: number } | { type: 'end'; report: PhaseReport } | { type: 'failed'; error: string };

/** The vote for request k: every k below `votePairs()` is a different reader/comment pair. */
export function votePair(k: number, voters: number, comments: number): { voter: number; comment: number } {
  return { voter: k % voters, comment: (Math.floor(k / voters) + k) % comments };
}

/** How many requests votePair keeps distinct: k = q·V + r gives comment (q·(V+1) + r) mod C. */
export function votePairs(voters: number, comments: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return voters * (comments / gcd(voters + 1, comments));
}

function requestFor(plan: WritePlan, k: number): LoopRequest {
  if (plan.kind === 'comments') {
    return {
      method: 'POST',
      path: `/api/v1/articles/${plan.slug}/comments`,
      headers: { 'content-type': 'application/json', cookie: `${SESSION_COOKIE}=${plan.tokens[k % plan.tokens.length]}` },
      body: plan.bodies[k % plan.bodies.length],
    };
  }
  const { voter, comment } = votePair(k, plan.voters.length, plan.commentIds.length);
  return {
    method: 'PUT',
    path: `/api/v1/comments/${plan.commentIds[comment]}/vote`,
    headers: { cookie: `${SESSION_COOKIE}=${plan.voters[voter]!.token}` },
  };
}

function commentIdOf(body: string): string {
  try {
    return (JSON.parse(body) as { comment?: { id?: string } }).comment?.id ?? '(no id in the answer)';
  } catch {
    return '(answer not JSON)';
  }
}

async function runPlan(plan: WritePlan, send: (m: Message) => Promise<void>): Promise<void> {
  let offset = 0;
  for (let phase = 0; phase < plan.phases.length; phase++) {
    const base = offset;
    const acknowledged: number[] = [];
    const createdIds: string[] = [];
    await send({ type: 'start', phase });
    const cpu0 = process.cpuUsage();
    const result = await clientLoop({
      host: plan.host,
      port: plan.port,
      seconds: plan.phases[phase]!,
      connections: plan.connections,
      maxRequests: plan.maxRequests - base,
      make: (i) => requestFor(plan, base + i),
      onAnswer: (i, status, body) => {
        offset = Math.max(offset, base + i + 1);
        if (status < 200 || status >= 300) return;
        acknowledged.push(base + i);
        if (plan.kind === 'comments') createdIds.push(commentIdOf(body));
      },
    });
    const cpu = process.cpuUsage(cpu0);
    await send({ type: 'end', report: { phase, result, clientCpuSeconds: (cpu.user + cpu.system) / 1e6, acknowledged, createdIds } });
  }
}

/**
 * Runs a plan in a child process. `onPhase` is called as each phase starts and ends, so that the
 * caller can measure the server over exactly the same interval.
 */
export function runWrites(plan: WritePlan, onPhase: { start(phase: number): void; end(report: PhaseReport): void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let failed: string | undefined;
    child.on('message', (m: Message) => {
      if (m.type === 'start') onPhase.start(m.phase);
      else if (m.type === 'end') onPhase.end(m.report);
      else failed = m.error;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (failed || code !== 0) reject(new Error(`The write client failed (exit ${code}): ${failed ?? 'no report'}`));
      else resolve();
    });
    child.send(plan);
  });
}

if (process.argv.includes('--child') && process.send) {
  // Each message is flushed before the next step, so none is lost when the channel closes.
  const send = (m: Message) => new Promise<void>((done) => process.send?.(m, undefined, undefined, () => done()));
  process.once('message', (plan: WritePlan) => {
    runPlan(plan, send)
      .catch(async (err: unknown) => {
        process.exitCode = 1;
        await send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      })
      .finally(() => process.disconnect());
  });
}
