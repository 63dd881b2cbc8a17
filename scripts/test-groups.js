// Which test file belongs to which group, read from the files themselves so that a new test
// lands in the right group without a list to update:
// - e2e: everything under e2e/ (a real browser against a running app);
// - http: a test that starts the app (startTestApp, createApp, the hostile harness's
//   startServer, a PostgreSQL node) or runs the `byline` command, the deployment recipe or the
//   benchmark;
// - unit: every other test under test/, which runs in-process with no server.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/** @typedef {'unit' | 'http' | 'e2e'} TestGroup */

/** @type {readonly TestGroup[]} */
export const testGroups = ['unit', 'http', 'e2e'];

const startsTheApp = /\b(startTestApp|startServer|startPgNode|createApp)\(|src\/cli\.ts|dist\/cli\.js|deploy\/run-local|bench\/run\.ts/;

/**
 * HTTP suites that run a second time on PostgreSQL (PGlite, or the real server in CI): the ones
 * whose requests write through every part of the store. The others mostly read pages, which the
 * store suite (test/store.test.ts) already covers on every engine; running all of them on PGlite
 * would add about seven minutes to a run.
 */
export const secondEngineSuites = [
  'test/admin.test.ts',
  'test/discussion-api.test.ts',
  'test/holds.test.ts',
  'test/inbox.test.ts',
  'test/vote-integrity.test.ts',
  'test/write-policy.test.ts',
].map((file) => file.split('/').join(sep));

/**
 * Every *.test.ts file under `dir`, sorted.
 * @param {string} dir
 * @returns {string[]}
 */
export function testFiles(dir) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(testFiles(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/**
 * @param {string} file a path relative to the project root
 * @returns {TestGroup}
 */
export function groupOf(file) {
  if (file.startsWith(`e2e${sep}`)) return 'e2e';
  return startsTheApp.test(readFileSync(file, 'utf8')) ? 'http' : 'unit';
}

/**
 * The test files of the chosen groups.
 * @param {readonly TestGroup[]} groups
 * @returns {string[]}
 */
export function filesOf(groups) {
  const all = [...testFiles('test'), ...(groups.includes('e2e') ? testFiles('e2e') : [])];
  return all.filter((file) => groups.includes(groupOf(file)));
}
