// The baselines every read step is compared with: the same responses Byline sent (the same body
// bytes, the same headers) served by bare Node (bench/static-server.ts) and by nginx. Each step's
// responses live under their own prefix (/a/…, /b/…), since several steps share a path.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Per path: the body files and the headers to send (Content-Encoding and -Length are the server's). */
export type BaselineManifest = Record<string, { identityFile: string; gzipFile?: string; headers: Record<string, string> }>;

export interface CapturedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

// Hop-by-hop or per-response headers each server makes itself; the cookie is the reader's.
const notCopied = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'set-cookie']);

export class BaselineSet {
  readonly manifest: BaselineManifest = {};
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Stores one response of Byline's under `prefix + path`; returns the baseline's path. */
  add(prefix: string, path: string, res: CapturedResponse): string {
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}; a baseline needs a 200.`);
    const at = `/${prefix}${path}`;
    const file = join(this.dir, 'files', at.slice(1));
    mkdirSync(dirname(file), { recursive: true });
    const gzipped = res.headers['content-encoding'] === 'gzip';
    writeFileSync(file, gzipped ? gunzipSync(res.body) : res.body);
    if (gzipped) writeFileSync(`${file}.gz`, res.body);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined || notCopied.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    this.manifest[at] = { identityFile: file, gzipFile: gzipped ? `${file}.gz` : undefined, headers };
    return at;
  }

  writeManifest(): string {
    const file = join(this.dir, 'manifest.json');
    writeFileSync(file, JSON.stringify(this.manifest, null, 2));
    return file;
  }

  /**
   * nginx as a static server should be: one worker, gzip_static (the .gz file Byline sent when
   * the client accepts gzip), the same headers added per location. nginx adds Last-Modified and
   * Accept-Ranges of its own (about 70 bytes), which weigh against nginx, not Byline.
   */
  nginxConf(dir: string, host: string, port: number): { conf: string; skipped: string[] } {
    const runningAsRoot = process.getuid?.() === 0;
    const skipped: string[] = [];
    const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const locations = Object.entries(this.manifest).map(([path, e]) => {
      const lines = [`    location = ${path} {`, `      default_type ${quote(e.headers['content-type'] ?? 'application/octet-stream')};`];
      lines.push(`      alias ${e.identityFile};`);
      for (const [name, value] of Object.entries(e.headers)) {
        if (name === 'content-type') continue;
        // `$` starts a variable in nginx strings and cannot be escaped there.
        if (value.includes('$')) {
          skipped.push(`${path} ${name}`);
          continue;
        }
        lines.push(`      add_header ${name} ${quote(value)};`);
      }
      lines.push('    }');
      return lines.join('\n');
    });
    const d = dir;
    const conf = `${runningAsRoot ? 'user root;\n' : ''}worker_processes 1;
pid ${d}/nginx.pid;
error_log ${d}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${d}/tmp/body;
  proxy_temp_path ${d}/tmp/proxy;
  fastcgi_temp_path ${d}/tmp/fastcgi;
  uwsgi_temp_path ${d}/tmp/uwsgi;
  scgi_temp_path ${d}/tmp/scgi;
  types { }
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  open_file_cache max=64;
  sendfile on;
  tcp_nopush on;
  server_tokens off;
  etag off;
  gzip_static on;
  gzip_vary off;
  server {
    listen ${host}:${port};
${locations.join('\n')}
  }
}
`;
    return { conf, skipped };
  }
}

export function findNginx(): string | undefined {
  return ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
}

export function nginxVersion(binary: string): string | null {
  const out = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  return /nginx\/(\S+)/.exec(`${out.stderr}${out.stdout}`)?.[1] ?? null;
}

export function startNginx(
  binary: string,
  set: BaselineSet,
  dir: string,
  host: string,
  port: number,
): { child: ChildProcess; skipped: string[] } {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const { conf, skipped } = set.nginxConf(dir, host, port);
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn(binary, ['-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, skipped };
}
