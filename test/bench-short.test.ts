// The benchmark's short mode (`node --import tsx bench/run.ts --short`) as CI runs it: every step
// runs, and nothing the server acknowledged is lost when it is killed with SIGKILL after the writes.
// No figure is asserted: a shared machine makes every timing noise.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Report } from '../bench/report.ts';
import { runToEnd } from './helpers/cli.ts';

test('the short benchmark runs every step and loses no acknowledged vote or comment after a SIGKILL', { timeout: 300_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'byline-bench-short-'));
  try {
    const { code, output } = await runToEnd(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--short'], {
      ...process.env,
      BENCH_OUT: out,
      BENCH_SHORT: '1',
    });
    assert.equal(code, 0, `the short benchmark failed:\n${output}`);

    const report = JSON.parse(readFileSync(join(out, 'short.json'), 'utf8')) as Report;
    assert.deepEqual(report.failures, []);
    assert.equal(report.checks.votes.acknowledgedMissing, 0);
    assert.equal(report.checks.votes.scoreMismatches, 0);
    assert.ok(report.checks.votes.acknowledged > 0, 'some votes were acknowledged');
    assert.equal(report.checks.comments.acknowledgedMissing, 0);
    assert.ok(report.checks.comments.acknowledged > 0, 'some comments were acknowledged');
    // Every read step ran against both baselines, and the tables were written.
    assert.deepEqual(
      report.reads.map((r) => r.key),
      ['articleAnonymous', 'articleSignedIn', 'articleSignedInNoScript', 'commentsJson', 'bigArticleAnonymous'],
    );
    for (const r of report.reads) assert.ok(r.byline.requests > r.byline.errors, `${r.key}: Byline answered`);
    assert.match(
      readFileSync(join(out, 'short.md'), 'utf8'),
      /\| step \| req\/s \| p50 ms \| p99 ms \| errors \| × bare Node \| × nginx \| target \| met \|/,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
