// The baseline: the article page's bytes served as a static file by a minimal Node HTTP server,
// already compressed (brotli and gzip, as Byline would send them), held in memory.
// Usage: node --import tsx bench/static-server.ts <dir with page.html, page.html.br, page.html.gz> <port>
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [dir, portArg] = process.argv.slice(2);
if (!dir || !portArg) throw new Error('Usage: static-server.ts DIR PORT');
const raw = readFileSync(join(dir, 'page.html'));
const br = readFileSync(join(dir, 'page.html.br'));
const gzip = readFileSync(join(dir, 'page.html.gz'));
const etag = `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`;

const server = createServer((req, res) => {
  const accept = req.headers['accept-encoding'] ?? '';
  const [body, encoding] = /\bbr\b/.test(accept) ? [br, 'br'] : /\bgzip\b/.test(accept) ? [gzip, 'gzip'] : [raw, undefined];
  const headers: Record<string, string | number> = {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
    Vary: 'Accept-Encoding',
    ETag: etag,
  };
  if (encoding) headers['Content-Encoding'] = encoding;
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(Number(portArg), '127.0.0.1', () => console.log(`static baseline on 127.0.0.1:${portArg}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
