#!/usr/bin/env node
// The one test command: typecheck, lint, then every unit, HTTP and browser test through Node's
// own test runner. It does its own set-up (dependencies, a browser), so a fresh machine needs
// nothing beforehand but Node.js and npm.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findOrInstallChromium } from './chromium.js';

const args = new Set(process.argv.slice(2));
const withBrowser = !args.has('--no-browser');

function fail(label, status) {
  console.error(`\n${label} failed (exit ${status}).`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function run(label, cmd, cmdArgs) {
  console.log(`\n# ${label}`);
  const result = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  if (result.status !== 0) fail(label, result.status ?? result.signal);
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(testFiles(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

if (!existsSync(join('node_modules', '.bin', 'tsx'))) {
  run('install dependencies (npm ci)', 'npm', existsSync('package-lock.json') ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
}

const bin = (name) => join('node_modules', '.bin', name);
run('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', '.']);
run('lint (biome)', bin('biome'), ['lint', 'src', 'test', 'e2e', 'bench', 'scripts']);

// The built server is what production runs; the smoke test starts it.
run('build (npm run build)', process.execPath, ['scripts/build.js']);

const env = { ...process.env };
let files = testFiles('test');
if (withBrowser) {
  env.CHROME_PATH = findOrInstallChromium();
  files = files.concat(testFiles('e2e'));
}

// Tests that play an attacker compare a bystander's page times before and during the attack,
// so they run one at a time, with no other test file competing for the two cores. Tests that
// stop the database server run alone, after everything else.
const hostile = files.filter((f) => f.includes(join('test', 'hostile')));
const alone = files.filter((f) => f.includes('outage'));
const together = files.filter((f) => !alone.includes(f) && !hostile.includes(f));

/** Runs one batch through node:test, echoing its report and counting its results. */
function runBatch(batch, concurrency) {
  return new Promise((resolve) => {
    if (batch.length === 0) return resolve({ pass: 0, fail: 0, skipped: 0, status: 0 });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...batch],
      { stdio: ['ignore', 'pipe', 'inherit'], env },
    );
    const counts = { pass: 0, fail: 0, skipped: 0 };
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ℹ (pass|fail|skipped) (\d+)/.exec(line);
        if (m) counts[m[1]] = Number(m[2]);
      }
    });
    child.on('close', (status) => resolve({ ...counts, status: status ?? 1 }));
  });
}

console.log(`\n# tests (${files.length} files)`);
const results = [await runBatch(together, 2), await runBatch(hostile, 1), await runBatch(alone, 1)];
const total = results.reduce((t, r) => ({ pass: t.pass + r.pass, fail: t.fail + r.fail, skipped: t.skipped + r.skipped }), { pass: 0, fail: 0, skipped: 0 });
const failedRun = results.some((r) => r.status !== 0);
if (failedRun && total.fail === 0) total.fail = 1;
console.log(`\n${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`);
process.exit(failedRun ? 1 : 0);
