#!/usr/bin/env node
// The one test command: typecheck, lint, then every unit, HTTP and browser test through
// Node's own test runner. It does its own set-up, so a fresh machine needs nothing beforehand.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findOrInstallChromium } from './chromium.js';

const args = new Set(process.argv.slice(2));
const withBrowser = !args.has('--no-browser');

function run(label, cmd, cmdArgs, env = process.env) {
  console.log(`\n# ${label}`);
  const result = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`\n${label} failed (exit ${result.status ?? result.signal}).`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

function testFiles(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(testFiles(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const bin = (name) => join('node_modules', '.bin', name);
run('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', '.']);
run('lint (biome)', bin('biome'), ['lint', 'src', 'test', 'e2e', 'bench', 'scripts']);

const env = { ...process.env };
let files = testFiles('test');
if (withBrowser) {
  const chromium = findOrInstallChromium();
  env.CHROME_PATH = chromium;
  files = files.concat(testFiles('e2e'));
}

console.log(`\n# tests (${files.length} files)`);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit', env },
);
process.exit(result.status ?? 1);
