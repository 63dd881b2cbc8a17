// What the benchmark reads about other processes from /proc: memory and CPU time.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU seconds a process has used so far (all its threads), or NaN once it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** The direct children of a process (nginx's worker under its master). */
export function childrenOf(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU use of some processes over an interval, as a share of one core (1.0 = one core busy). */
export class CpuMeter {
  private start: number[] = [];
  private t0 = 0;
  constructor(private readonly pids: () => number[]) {}
  begin(): void {
    this.t0 = performance.now();
    this.start = this.pids().map(cpuSeconds);
  }
  end(): number {
    const seconds = (performance.now() - this.t0) / 1000;
    const used = this.pids().reduce((sum, pid, i) => sum + (cpuSeconds(pid) - (this.start[i] ?? Number.NaN)), 0);
    return used / seconds;
  }
}

export function memoryKb(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0), hwm: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** Samples a process's resident memory from /proc every 250 ms; keeps the peak and the high-water mark. */
export class MemorySampler {
  private readonly timer: NodeJS.Timeout;
  peakKb = 0;
  stepPeakKb = 0;
  hwmKb = 0;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
  }
  sample(): void {
    const { rss, hwm } = memoryKb(this.pid);
    if (rss === 0) return;
    this.hwmKb = Math.max(this.hwmKb, hwm);
    this.peakKb = Math.max(this.peakKb, rss);
    this.stepPeakKb = Math.max(this.stepPeakKb, rss);
  }
  startStep(): void {
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
