// The bare-Node baseline: the very responses Byline sent (body bytes and headers) served from
// memory by a minimal Node `http` server, one per path. A response Byline compressed is kept in
// both forms and chosen by Accept-Encoding, as any static server must.
// Usage: node --import tsx bench/static-server.ts <manifest.json> <port>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { BaselineManifest } from './baselines.ts';

const [manifestPath, portArg] = process.argv.slice(2);
if (!manifestPath || !portArg) throw new Error('Usage: static-server.ts MANIFEST PORT');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BaselineManifest;

interface Entry {
  identity: Buffer;
  gzip: Buffer | undefined;
  headers: Record<string, string>;
}
const entries = new Map<string, Entry>();
for (const [path, e] of Object.entries(manifest)) {
  entries.set(path, {
    identity: readFileSync(e.identityFile),
    gzip: e.gzipFile ? readFileSync(e.gzipFile) : undefined,
    headers: e.headers,
  });
}

const server = createServer((req, res) => {
  const entry = entries.get(req.url ?? '');
  if (!entry) {
    res.writeHead(404).end();
    return;
  }
  const gzip = entry.gzip && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '') ? entry.gzip : undefined;
  const headers: Record<string, string | number> = { ...entry.headers, 'Content-Length': (gzip ?? entry.identity).length };
  if (gzip) headers['Content-Encoding'] = 'gzip';
  res.writeHead(200, headers);
  res.end(gzip ?? entry.identity);
});
server.keepAliveTimeout = 30_000;
server.listen(Number(portArg), '127.0.0.1', () => console.log(`static baseline on 127.0.0.1:${portArg}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
