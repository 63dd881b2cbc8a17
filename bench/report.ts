// The benchmark's results: their shape (bench/results/*.json), the targets of issue #12 checked
// against them, and the Markdown tables (bench/results/*.md, the shape of bench/README.md's).

export interface Summary {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** The serving process's CPU use during the round, in cores (1 = one core busy). */
  serverCpu: number;
  perRound: number[];
}

export interface ReadStepReport {
  key: string;
  label: string;
  paths: string[];
  bytes: number[];
  /** The headers of Byline's answer (the first path's), which the baselines send too. */
  headerNames: string[];
  coldMs?: number;
  byline: Summary;
  node: Summary;
  nginx: Summary | undefined;
  ratioNode: number;
  ratioNginx: number | null;
  peakRssMb: number;
}

export interface WriteStepReport {
  key: string;
  label: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  serverCpu: number;
  clientCpu: number;
  peakRssMb: number;
}

export interface Target {
  key: string;
  what: string;
  measured: string;
  met: boolean | null;
}

export interface Report {
  machine: Record<string, unknown> & { date: string; nproc: number; cpu: string; node: string; loadAverageAtStart: number[] };
  settings: Record<string, unknown> & {
    short: boolean;
    rounds: number;
    secondsPerRound: number;
    readLoadGenerator: string;
    readLoadGeneratorNote: string;
  };
  reads: ReadStepReport[];
  writes: WriteStepReport[];
  sse: { clients: number; rounds: number; p50: number; p99: number; max: number; missed: number; peakRssMb: number } | null;
  checks: {
    votes: { acknowledged: number; voteRowsAdded: number; acknowledgedMissing: number; scoreMismatches: number; ok: boolean };
    comments: { acknowledged: number; commentRowsAdded: number; acknowledgedMissing: number; ok: boolean };
  };
  memory: {
    startToFirstPageMs: number;
    startsMs: number[];
    rssAtFirstPageMb: number[];
    seededStartToFirstPageMs: number;
    idleRssMb: number;
    peakRssMb: number;
    vmHwmMb: number;
  };
  failures: string[];
  targets: Target[];
  durationSeconds: number;
}

const fmt = (n: number | undefined | null, digits = 0) => (n === undefined || n === null || Number.isNaN(n) ? '–' : n.toFixed(digits));
const ratio = (n: number | null | undefined) => (n === undefined || n === null || Number.isNaN(n) ? '–' : `${n.toFixed(2)}×`);

/** The targets of issue #12, from the reads' ratios to bare Node and the other figures. */
export function targetsOf(r: Report): Target[] {
  const read = (key: string) => r.reads.find((s) => s.key === key);
  const atLeast = (key: string, what: string, min: number, extra?: (s: ReadStepReport) => { ok: boolean; text: string }): Target => {
    const s = read(key);
    if (!s) return { key, what, measured: 'did not run', met: false };
    const more = extra?.(s);
    return {
      key,
      what,
      measured: `${ratio(s.ratioNode)}${more ? `, ${more.text}` : ''}`,
      met: s.ratioNode >= min && (more?.ok ?? true),
    };
  };
  const votes = r.writes.find((w) => w.key === 'votes');
  const m = r.memory;
  return [
    atLeast('articleAnonymous', '≥ 0.9× bare Node', 0.9),
    atLeast('articleSignedIn', '≥ 0.45× bare Node', 0.45),
    atLeast('articleSignedInNoScript', '≥ 0.1× bare Node, p99 ≤ 100 ms', 0.1, (s) => ({
      ok: s.byline.p99 <= 100,
      text: `p99 ${fmt(s.byline.p99, 1)} ms`,
    })),
    atLeast('commentsJson', '≥ 0.5× bare Node', 0.5),
    atLeast('bigArticleAnonymous', '≥ 0.9× bare Node', 0.9),
    {
      key: 'votes',
      what: '≥ 2,000/s, 0 lost after SIGKILL',
      measured: votes ? `${fmt(votes.rps)}/s, ${r.checks.votes.acknowledgedMissing} lost` : 'did not run',
      met: votes ? votes.rps >= 2000 && r.checks.votes.ok : false,
    },
    {
      key: 'postComments',
      what: '0 lost after SIGKILL',
      measured: `${r.checks.comments.acknowledgedMissing} lost of ${r.checks.comments.acknowledged}`,
      met: r.checks.comments.ok,
    },
    {
      key: 'sse',
      what: 'p99 ≤ 1 s to 500 streams, none missed',
      measured: r.sse ? `${fmt(r.sse.p99, 1)} ms to ${r.sse.clients}, ${r.sse.missed} missed` : 'did not run',
      met: r.sse ? r.sse.p99 <= 1000 && r.sse.missed === 0 && r.sse.clients >= 500 : false,
    },
    {
      key: 'peakRss',
      what: 'peak RSS ≤ 120 MB',
      measured: `${fmt(Math.max(m.peakRssMb, m.vmHwmMb), 1)} MB`,
      met: Math.max(m.peakRssMb, m.vmHwmMb) <= 120,
    },
    { key: 'idleRss', what: 'idle RSS ≤ 60 MB', measured: `${fmt(m.idleRssMb, 1)} MB`, met: m.idleRssMb <= 60 },
    {
      key: 'startToFirstPage',
      what: 'start to first page ≤ 0.5 s',
      measured: `${fmt(m.startToFirstPageMs)} ms`,
      met: m.startToFirstPageMs <= 500,
    },
  ];
}

export function renderMarkdown(r: Report): string {
  const target = (key: string) => r.targets.find((t) => t.key === key);
  const met = (t: Target | undefined) => (t === undefined || t.met === null ? '–' : t.met ? 'yes' : '**no**');
  const s = r.settings;
  const lines: string[] = [];
  lines.push(
    `Byline bench${s.short ? ' (short mode: indicative only)' : ''} — ${r.machine.date.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${r.machine.nproc} cores (${r.machine.cpu}), Node ${r.machine.node}, load average at start ${r.machine.loadAverageAtStart.join(' ')}.`,
    `Reads: ${s.readLoadGenerator === 'wrk' ? `${s.readLoadGeneratorNote}, 2 threads` : `**${s.readLoadGeneratorNote}**`}, ${s.connections} connections, ` +
      `Accept-Encoding: gzip; medians of ${s.rounds} interleaved round(s) of ${s.secondsPerRound} s (Byline, bare Node, nginx). ` +
      `Writes: ${s.writeLoadGenerator}, ${s.writeSeconds} s. Whole run ${fmt(r.durationSeconds)} s.`,
    '',
    '| step | req/s | p50 ms | p99 ms | errors | × bare Node | × nginx | target | met |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | :---: |',
  );
  for (const x of r.reads) {
    const t = target(x.key);
    const cold = x.coldMs === undefined ? '' : ` (first render ${fmt(x.coldMs)} ms)`;
    lines.push(
      `| ${x.label}${cold} | ${fmt(x.byline.rps)} | ${fmt(x.byline.p50, 1)} | ${fmt(x.byline.p99, 1)} | ${x.byline.errors} | ${ratio(x.ratioNode)} | ${ratio(x.ratioNginx)} | ${t?.what ?? ''} | ${met(t)} |`,
    );
  }
  for (const w of r.writes) {
    const t = target(w.key);
    lines.push(`| ${w.label} | ${fmt(w.rps)} | ${fmt(w.p50, 1)} | ${fmt(w.p99, 1)} | ${w.errors} | – | – | ${t?.what ?? ''} | ${met(t)} |`);
  }
  if (r.sse) {
    const t = target('sse');
    lines.push(
      `| (f) SSE, ${r.sse.clients} streams × ${r.sse.rounds} comments: time to every stream | – | ${fmt(r.sse.p50, 1)} | ${fmt(r.sse.p99, 1)} (max ${fmt(r.sse.max, 1)}) | ${r.sse.missed} missed | – | – | ${t?.what ?? ''} | ${met(t)} |`,
    );
  }
  lines.push(
    '',
    'Each read step against its own baselines (the same bytes and headers), req/s per round, and the CPU each server used (cores):',
    '',
    '| step | bytes (gzip) | Byline req/s | bare Node req/s | nginx req/s | CPU Byline | CPU bare Node | CPU nginx | Byline peak RSS MB |',
    '| --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: |',
  );
  const rounds = (x: { perRound: number[]; rps: number } | undefined) => (x ? `${fmt(x.rps)} (${x.perRound.join(', ')})` : '–');
  for (const x of r.reads) {
    lines.push(
      `| ${x.label.split(' ')[0]} ${x.paths.join(' + ')} | ${x.bytes.join(' + ')} | ${rounds(x.byline)} | ${rounds(x.node)} | ${rounds(x.nginx)} | ${fmt(x.byline.serverCpu, 2)} | ${fmt(x.node.serverCpu, 2)} | ${fmt(x.nginx?.serverCpu, 2)} | ${fmt(x.peakRssMb)} |`,
    );
  }
  if (r.writes.length > 0) {
    lines.push(
      '',
      'Writes: the client runs in its own process; CPU in cores over the measured interval:',
      '',
      '| step | CPU server | CPU client | peak RSS MB |',
      '| --- | ---: | ---: | ---: |',
    );
    for (const w of r.writes) lines.push(`| ${w.label} | ${fmt(w.serverCpu, 2)} | ${fmt(w.clientCpu, 2)} | ${fmt(w.peakRssMb)} |`);
  }
  const v = r.checks.votes;
  const c = r.checks.comments;
  lines.push(
    '',
    `After SIGKILL — votes: ${v.acknowledged} acknowledged, ${v.voteRowsAdded} rows added, ${v.acknowledgedMissing} missing, ${v.scoreMismatches} scores ≠ vote count. ` +
      `Comments: ${c.acknowledged} acknowledged, ${c.commentRowsAdded} rows added, ${c.acknowledgedMissing} missing.`,
    '',
    '| memory and start-up (production build) | measured | target | met |',
    '| --- | ---: | --- | :---: |',
  );
  const m = r.memory;
  lines.push(
    `| start to first served page, fresh data folder (median of ${m.startsMs.length}: ${m.startsMs.map((n) => fmt(n)).join(', ')} ms) | ${fmt(m.startToFirstPageMs)} ms | ≤ 500 ms | ${met(target('startToFirstPage'))} |`,
    `| start to first served page, seeded data folder | ${fmt(m.seededStartToFirstPageMs)} ms | – | – |`,
    `| idle RSS, 3 s after the first page, before load | ${fmt(m.idleRssMb, 1)} MB | ≤ 60 MB | ${met(target('idleRss'))} |`,
    `| peak RSS over the run (sampled every 250 ms / VmHWM at the end) | ${fmt(m.peakRssMb, 1)} / ${fmt(m.vmHwmMb, 1)} MB | ≤ 120 MB | ${met(target('peakRss'))} |`,
  );
  if (r.failures.length > 0) lines.push('', `**Failures:** ${r.failures.join('; ')}`);
  return `${lines.join('\n')}\n`;
}
