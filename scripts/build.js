#!/usr/bin/env node
// The production build: the server and the npm packages it loads on every start bundled into
// dist/cli.js and its chunks, the stylesheets and icon copied beside it, and the reader's script
// bundled once with a content fingerprint in its name, listed in dist/assets-manifest.json.
// Production then runs plain JavaScript: no TypeScript loader, no bundler at start-up, and no
// walk through node_modules for the few hundred files Fastify and the rest are made of.
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
  outdir: dist,
  entryNames: '[name]',
  // What src/cli.ts loads with import() stays in chunks of its own beside cli.js, loaded when a
  // command needs it: serving never parses the operator commands. Beside, not in a folder, so
  // paths taken from import.meta.url (src/web/assets.ts) are the same in every chunk.
  splitting: true,
  chunkNames: '[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: ['node20'],
  // Resolving and reading each package's files one by one was a fifth of the start-up time, so
  // packages are bundled, except: better-sqlite3 (a native addon found beside its package),
  // pg (loaded only on PostgreSQL; its optional pg-native must not be resolved), nodemailer and
  // web-push (loaded only when a mail or push is sent), PGlite and the development tools.
  external: ['better-sqlite3', 'pg', 'pg-native', 'nodemailer', 'web-push', '@electric-sql/pglite', 'esbuild', 'tsx'],
  // Bundled CommonJS packages require Node's own modules; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __bylineRequire } from 'node:module'; const require = __bylineRequire(import.meta.url);" },
  sourcemap: true,
  // The packages' licences stay in node_modules, where npm put them; the bundle is never shipped apart.
  legalComments: 'none',
  // Less source for V8 to keep in memory; names are kept, so a stack trace still says where it was.
  minifyWhitespace: true,
  minifySyntax: true,
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
