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
/**
 * Bundles one entry of src/client into dist/assets under a fingerprinted name, which it returns.
 * @param {string} entry
 * @param {string} name
 */
async function bundleClient(entry, name) {
  const client = await build({
    ...clientOptions,
    entryPoints: [join(root, 'src', 'client', `${entry}.ts`)],
    write: false,
    logLevel: 'warning',
  });
  const bundled = client.outputFiles?.[0];
  if (!bundled) throw new Error(`esbuild wrote no bundle for src/client/${entry}.ts`);
  const script = Buffer.from(bundled.contents);
  const fileName = `${name}.${createHash('sha256').update(script).digest('hex').slice(0, 10)}.js`;
  writeFileSync(join(dist, 'assets', fileName), script);
  return fileName;
}
const scriptName = await bundleClient('main', 'byline');
// The push opt-in on /me and its service worker (served from the site's root, see src/web/routes/notify.ts).
const manifest = {
  script: scriptName,
  push: await bundleClient('push', 'push'),
  'push-worker': await bundleClient('push-worker', 'push-worker'),
};
writeFileSync(join(dist, 'assets-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

/** @param {string} file */
const kb = (file) => (readFileSync(file).length / 1024).toFixed(1);
console.log(
  `Built dist/ in ${Date.now() - started} ms: cli.js ${kb(join(dist, 'cli.js'))} KB, ${scriptName} ${kb(join(dist, 'assets', scriptName))} KB.`,
);
