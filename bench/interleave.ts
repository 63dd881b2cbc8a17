// Interleaved rounds: Byline, bare Node, nginx, Byline, bare Node, nginx, … so that load from
// other programs on the machine falls on all of them alike; medians of the rounds.
import type { StepResult } from './load.ts';
import { CpuMeter } from './proc.ts';
import type { Summary } from './report.ts';

export interface Contender {
  who: string;
  /** The processes whose CPU counts as this server's. */
  pids(): number[];
  load(seconds: number): Promise<StepResult>;
  /** Called around each measured round (Byline's memory sampler); `after` returns the round's peak RSS in MB. */
  before?(): void;
  after?(): number;
}

export const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function interleave(
  contenders: readonly Contender[],
  opts: { rounds: number; seconds: number; warmupSeconds: number },
): Promise<Map<string, Summary & { peakRssMb: number }>> {
  if (opts.warmupSeconds > 0) for (const c of contenders) await c.load(opts.warmupSeconds);
  const rounds = new Map(contenders.map((c) => [c.who, [] as (StepResult & { serverCpu: number; peakRssMb: number })[]]));
  for (let r = 0; r < opts.rounds; r++) {
    for (const c of contenders) {
      const cpu = new CpuMeter(() => c.pids());
      c.before?.();
      cpu.begin();
      const result = await c.load(opts.seconds);
      const serverCpu = cpu.end();
      rounds.get(c.who)?.push({ ...result, serverCpu, peakRssMb: c.after?.() ?? Number.NaN });
    }
  }
  const out = new Map<string, Summary & { peakRssMb: number }>();
  for (const [who, rs] of rounds) {
    out.set(who, {
      rps: median(rs.map((x) => x.rps)),
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      errors: rs.reduce((n, x) => n + x.errors, 0),
      requests: rs.reduce((n, x) => n + x.requests, 0),
      serverCpu: median(rs.map((x) => x.serverCpu)),
      perRound: rs.map((x) => Math.round(x.rps)),
      peakRssMb: Math.max(...rs.map((x) => x.peakRssMb)),
    });
  }
  return out;
}
