// Production runs the built JavaScript in dist/ (scripts/build.js), not the TypeScript sources:
// this starts `byline serve` from the build, with no loader, and reads the site as a visitor.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

test('the built server runs with no loader and serves the site and its fingerprinted script without the TypeScript loader', async () => {
  if (!existsSync('dist/cli.js')) {
    const build = spawnSync(process.execPath, ['scripts/build.js'], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  }
  const manifest = JSON.parse(readFileSync('dist/assets-manifest.json', 'utf8')) as { script: string };
  assert.match(manifest.script, /^byline\.[0-9a-f]{10}\.js$/);

  const dataDir = mkdtempSync(join(tmpdir(), 'byline-built-'));
  // The bundle itself, with no --import: plain JavaScript that needs no loader.
  const child = spawn(process.execPath, ['dist/cli.js', 'serve', '--port', '0', '--data', dataDir], {
    env: { ...process.env, BYLINE_SECRET: 'built-test', BYLINE_FROM_SOURCE: '', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  try {
    const port = await new Promise<number>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no start-up line:\n${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /at http:\/\/localhost:(\d+)\//.exec(out);
        if (m) {
          clearTimeout(timer);
          done(Number(m[1]));
        }
      });
      child.on('exit', (code) => fail(new Error(`exited ${code}:\n${out}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const home = await fetch(`${base}/`);
    assert.equal(home.status, 200);
    const html = await home.text();
    const scriptPath = /<script[^>]+src="(\/assets\/byline\.[0-9a-f]{10}\.js)"/.exec(html)?.[1];
    assert.ok(scriptPath, 'the page links the fingerprinted script');
    const script = await fetch(`${base}${scriptPath}`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('cache-control') ?? '', /immutable/);
    assert.equal(scriptPath, `/assets/${manifest.script}`);
    assert.equal(
      await script.text(),
      readFileSync(join('dist', 'assets', manifest.script), 'utf8'),
      'the prebuilt bundle is served as built',
    );
    const article = await fetch(`${base}/writing/done-is-a-decision`);
    assert.equal(article.status, 200);
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
