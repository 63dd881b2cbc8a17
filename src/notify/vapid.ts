// The site's own key pair for Web Push (VAPID): made on first use and kept in the data folder,
// readable by its owner only. Browsers tie a subscription to the public key, so losing the file
// means readers subscribe again; it is never exported.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export const VAPID_FILE = 'vapid-keys.json';

export function loadOrCreateVapidKeys(dataDir: string): VapidKeys {
  const file = join(dataDir, VAPID_FILE);
  if (existsSync(file)) {
    const keys = JSON.parse(readFileSync(file, 'utf8')) as Partial<VapidKeys>;
    if (typeof keys.publicKey === 'string' && typeof keys.privateKey === 'string')
      return { publicKey: keys.publicKey, privateKey: keys.privateKey };
    throw new Error(`${file} is not a Web Push key file; move it away and a new one is made (readers then subscribe again).`);
  }
  mkdirSync(dataDir, { recursive: true });
  // Loaded only to make the pair, once per site: start-up and memory don't pay for web-push.
  const webpush = createRequire(import.meta.url)('web-push') as typeof import('web-push');
  const keys = webpush.generateVAPIDKeys();
  // 'wx': two processes starting together never overwrite each other's keys; the loser reads the winner's.
  try {
    writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') return loadOrCreateVapidKeys(dataDir);
    throw err;
  }
  return keys;
}
