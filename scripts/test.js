#!/usr/bin/env node
// The one test command. It does its own set-up (dependencies, a browser), so a fresh machine needs
// nothing beforehand but Node.js and npm.
//
//   node scripts/test.js                 everything: typecheck, lint (with the layer rules), import
//                                        cycles, build, then the unit, HTTP and browser tests, and
//                                        the HTTP suites that write a second time on PostgreSQL
//   node scripts/test.js --no-browser    the same without the browser tests (npm run check)
//   node scripts/test.js unit http e2e   only the tests of these groups (npm run test:unit, …);
//                                        scripts/test-groups.js says which file is in which
//   --engine=pglite|postgres|none        the second engine for the HTTP suites: by default the
//                                        PostgreSQL server when BYLINE_TEST_PG_URL names one,
//                                        otherwise PGlite
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findOrInstallChromium } from './chromium.js';
import { filesOf, secondEngineSuites, testGroups } from './test-groups.js';

const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith('--')));

// The tree is formatted by Biome (`npm run format` writes it); the test command checks it.
const enforce = {
  format: true,
};

/** @type {import('./test-groups.js').TestGroup[]} */
const groups = [];
for (const word of argv.filter((a) => !a.startsWith('--'))) {
  const group = testGroups.find((g) => g === word);
  if (!group) usage(`unknown test group '${word}'`);
  else groups.push(group);
}
const everything = groups.length === 0;
if (everything) groups.push('unit', 'http', ...(flags.has('--no-browser') ? [] : /** @type {const} */ (['e2e'])));

const pgUrl = [process.env.BYLINE_TEST_PG_URL, process.env.DATABASE_URL].find(
  (u) => typeof u === 'string' && /^postgres(ql)?:\/\//.test(u),
);
const engineFlag = argv.find((a) => a.startsWith('--engine='))?.slice('--engine='.length);
const secondEngine = engineFlag ?? (pgUrl ? 'postgres' : 'pglite');
if (!['pglite', 'postgres', 'none'].includes(secondEngine)) usage(`unknown engine '${secondEngine}'`);

/** @param {string} message @returns {never} */
function usage(message) {
  console.error(`${message}\nusage: node scripts/test.js [unit] [http] [e2e] [--no-browser] [--engine=pglite|postgres|none]`);
  process.exit(2);
}

/** @param {string} label @param {number | string} status @returns {never} */
function fail(label, status) {
  console.error(`\n${label} failed (exit ${status}).`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

/**
 * Runs one step; a failing step ends the run.
 * @param {string} label @param {string} cmd @param {string[]} cmdArgs
 */
function run(label, cmd, cmdArgs) {
  console.log(`\n# ${label}`);
  const result = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  if (result.status !== 0) fail(label, result.status ?? result.signal ?? 'unknown');
}

if (!existsSync(join('node_modules', '.bin', 'tsx'))) {
  run(
    'install dependencies (npm ci)',
    'npm',
    existsSync('package-lock.json') ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'],
  );
}

/** @param {string} name */
const bin = (name) => join('node_modules', '.bin', name);

if (everything) {
  run('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', '.']);
  // The layer rules are noRestrictedImports overrides in biome.json (see CONTRIBUTING.md); the
  // cycle check is its own step so that a cycle is named as one in the output.
  run('lint and layer rules (biome lint)', bin('biome'), ['lint', '.', '--skip=suspicious/noImportCycles']);
  run('import cycles in src/ (biome noImportCycles)', bin('biome'), [
    'lint',
    'src',
    '--only=suspicious/noImportCycles',
    '--max-diagnostics=none',
  ]);
  if (enforce.format) run('format (biome format, check only)', bin('biome'), ['format', '.']);
}

// The built server is what production runs; the smoke test in the HTTP group starts it.
if (groups.includes('http')) run('build (npm run build)', process.execPath, ['scripts/build.js']);

const env = { ...process.env };
if (groups.includes('e2e')) env.CHROME_PATH = findOrInstallChromium();
const files = filesOf(groups);

// Tests that play an attacker compare a bystander's page times before and during the attack,
// so they run one at a time, with no other test file competing for the two cores. Tests that
// stop the database server, and the benchmark's short run (it loads both cores), run alone,
// after everything else.
const hostile = files.filter((f) => f.includes(join('test', 'hostile')));
const alone = files.filter((f) => f.includes('outage') || f.includes('bench-short'));
const together = files.filter((f) => !alone.includes(f) && !hostile.includes(f));
const again = secondEngine === 'none' ? [] : together.filter((f) => secondEngineSuites.includes(f));

/** @typedef {{ pass: number, fail: number, skipped: number }} Counts */

/**
 * Runs one batch through node:test, echoing its report and counting its results.
 * @param {string} label @param {string[]} batch @param {number} concurrency @param {NodeJS.ProcessEnv} [batchEnv]
 * @returns {Promise<Counts & { status: number }>}
 */
function runBatch(label, batch, concurrency, batchEnv = env) {
  return new Promise((resolve) => {
    if (batch.length === 0) return resolve({ pass: 0, fail: 0, skipped: 0, status: 0 });
    console.log(`\n# ${label} (${batch.length} files)`);
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...batch],
      { stdio: ['ignore', 'pipe', 'inherit'], env: batchEnv },
    );
    /** @type {Counts} */
    const counts = { pass: 0, fail: 0, skipped: 0 };
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ℹ (pass|fail|skipped) (\d+)/.exec(line);
        if (m?.[1]) counts[/** @type {keyof Counts} */ (m[1])] = Number(m[2]);
      }
    });
    child.on('close', (status) => {
      console.log(`# ${label}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
      resolve({ ...counts, status: status ?? 1 });
    });
  });
}

console.log(`\n# tests: ${groups.join(', ')} (${files.length} files)`);
const results = [
  await runBatch('tests', together, 2),
  await runBatch(`HTTP suites again on ${secondEngine}`, again, 2, { ...env, BYLINE_TEST_ENGINE: secondEngine }),
  await runBatch('hostile tests, one at a time', hostile, 1),
  await runBatch('tests that run alone (database outage, short benchmark)', alone, 1),
];
const total = results.reduce((t, r) => ({ pass: t.pass + r.pass, fail: t.fail + r.fail, skipped: t.skipped + r.skipped }), {
  pass: 0,
  fail: 0,
  skipped: 0,
});
const failedRun = results.some((r) => r.status !== 0);
if (failedRun && total.fail === 0) total.fail = 1;
console.log(`\n${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`);
process.exit(failedRun ? 1 : 0);
