import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PreparedBody, prepareBody, prepareBodyAsync } from './http.ts';

// From the sources this is src/web; in the production bundle it is dist/, where
// scripts/build.js puts the stylesheets, the icon and the prebuilt script beside it.
const here = dirname(fileURLToPath(import.meta.url));

export interface Asset {
  /** The fingerprinted URL path, e.g. /assets/style.3f2a9c1b.css */
  path: string;
  readonly body: PreparedBody;
}

export interface Assets {
  css: Asset;
  js: Asset;
  icon: Asset;
  /** The push opt-in on /me (src/client/push.ts) and its service worker (push-worker.ts), served from the root. */
  push: Asset;
  pushWorker: Asset;
  byPath: Map<string, Asset>;
}

/**
 * An asset whose compressed forms are made when first asked for, or earlier by `warmAssets` once
 * the server listens: packing every asset at brotli's best took a tenth of the start-up time.
 */
class LazyAsset implements Asset {
  readonly path: string;
  private prepared: PreparedBody | undefined;

  constructor(
    name: string,
    ext: string,
    private readonly content: Buffer,
    private readonly contentType: string,
  ) {
    const hash = createHash('sha256').update(content).digest('hex').slice(0, 10);
    this.path = `/assets/${name}.${hash}.${ext}`;
  }

  get body(): PreparedBody {
    this.prepared ??= prepareBody(this.content, this.contentType);
    return this.prepared;
  }

  /** Compresses on the thread pool, so readers are served meanwhile. */
  async warm(): Promise<void> {
    if (this.prepared) return;
    const prepared = await prepareBodyAsync(this.content, this.contentType, 'best');
    this.prepared ??= prepared;
  }
}

const fingerprint = (name: string, ext: string, content: Buffer, contentType: string) => new LazyAsset(name, ext, content, contentType);

/** Compresses, in the background, every asset not yet asked for; called once the server listens. */
export async function warmAssets(assets: Assets): Promise<void> {
  for (const asset of [assets.css, assets.js, assets.icon, assets.push, assets.pushWorker])
    if (asset instanceof LazyAsset) await asset.warm();
}

/**
 * The client script: prebuilt by `npm run build` (named in dist/assets-manifest.json), or, when
 * running from the sources, bundled and minified in memory at start-up so that an edit to
 * src/client shows on the next start with no build step to forget.
 */
function clientScript(entry: 'main' | 'push' | 'push-worker' = 'main'): Buffer {
  const manifest = join(here, 'assets-manifest.json');
  if (existsSync(manifest)) {
    const names = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string>;
    return readFileSync(join(here, 'assets', names[entry === 'main' ? 'script' : entry]!));
  }
  // esbuild is a development dependency: loaded only on this path, never in production.
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  type BuildOptions = import('esbuild').BuildOptions;
  // The same options as the production build (scripts/build.js reads this file too).
  const options = JSON.parse(readFileSync(join(here, '..', 'client', 'bundle-options.json'), 'utf8')) as BuildOptions;
  const result = buildSync({ ...options, entryPoints: [join(here, '..', 'client', `${entry}.ts`)], write: false });
  return Buffer.from(result.outputFiles[0]!.contents);
}

export function buildAssets(): Assets {
  // One stylesheet for the whole site: the reading pages, then the discussion, then the admin.
  const cssParts = ['style.css', 'discussion.css', 'account.css', 'admin.css', 'notify.css', 'inbox.css']
    .map((name) => join(here, 'assets', name))
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file));
  const css = fingerprint('style', 'css', Buffer.concat(cssParts), 'text/css; charset=utf-8');
  const js = fingerprint('byline', 'js', clientScript(), 'text/javascript; charset=utf-8');
  const icon = fingerprint('icon', 'svg', readFileSync(join(here, 'assets', 'icon.svg')), 'image/svg+xml');
  const push = fingerprint('push', 'js', clientScript('push'), 'text/javascript; charset=utf-8');
  const pushWorker = fingerprint('push-worker', 'js', clientScript('push-worker'), 'text/javascript; charset=utf-8');
  return { css, js, icon, push, pushWorker, byPath: new Map([css, js, icon].map((a) => [a.path, a])) };
}
