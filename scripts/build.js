#!/usr/bin/env node
// The production build: the server bundled into dist/cli.js (npm packages stay external and are
// loaded from node_modules), the stylesheets and icon copied beside it, and the reader's script
// bundled once with a content fingerprint in its name, listed in dist/assets-manifest.json.
// Production then runs plain JavaScript: no TypeScript loader, no bundler at start-up.
// `npm run dev` and the tests keep running the TypeScript sources.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const started = Date.now();

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

await build({
  entryPoints: [join(root, 'src', 'cli.ts')],
  outfile: join(dist, 'cli.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: ['node20'],
  packages: 'external',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// Read at run time by src/web/assets.ts, relative to the bundle.
cpSync(join(root, 'src', 'web', 'assets'), join(dist, 'assets'), { recursive: true });

// The same options as the in-memory bundle made when running from the sources (src/web/assets.ts).
const clientOptions = JSON.parse(readFileSync(join(root, 'src', 'client', 'bundle-options.json'), 'utf8'));
const client = await build({ ...clientOptions, entryPoints: [join(root, 'src', 'client', 'main.ts')], write: false, logLevel: 'warning' });
const bundled = client.outputFiles?.[0];
if (!bundled) throw new Error('esbuild wrote no client bundle');
const script = Buffer.from(bundled.contents);
const scriptName = `byline.${createHash('sha256').update(script).digest('hex').slice(0, 10)}.js`;
writeFileSync(join(dist, 'assets', scriptName), script);
writeFileSync(join(dist, 'assets-manifest.json'), `${JSON.stringify({ script: scriptName }, null, 2)}\n`);

/** @param {string} file */
const kb = (file) => (readFileSync(file).length / 1024).toFixed(1);
console.log(
  `Built dist/ in ${Date.now() - started} ms: cli.js ${kb(join(dist, 'cli.js'))} KB, ${scriptName} ${kb(join(dist, 'assets', scriptName))} KB.`,
);
