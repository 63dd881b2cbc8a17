// Runs the deploy/ recipe on loopback and checks it: see deploy/run-local.sh and deploy/README.md.
// Everything it starts is its own child process, stopped by pid at the end; the schema it
// creates is dropped. Exit code 0 only when every check passed.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

const root = resolve(import.meta.dirname, '..');
const bench = process.argv.includes('--bench');
const serverUrl = process.env.BYLINE_DEPLOY_PG_URL ?? process.env.BYLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const slug = 'the-last-ten-percent';

function findNginx(): string | undefined {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a && typeof a === 'object' ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(base: string, method: string, path: string, body?: unknown, cookie?: string): Promise<Answer> {
  return new Promise((res, rej) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (cookie) headers.cookie = cookie;
    const req = httpRequest(new URL(path, base), { method, headers, timeout: 10_000 }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', rej);
    req.end(payload);
  });
}

/** An SSE reader that just accumulates the raw stream. */
function sse(base: string, path: string): Promise<{ text: () => string; close: () => void }> {
  return new Promise((res, rej) => {
    let text = '';
    const req = httpRequest(new URL(path, base), { headers: { accept: 'text/event-stream' } }, (r) => {
      if (r.statusCode !== 200) return rej(new Error(`SSE ${path}: ${r.statusCode}`));
      r.setEncoding('utf8');
      r.on('data', (c: string) => {
        text += c;
      });
      r.on('error', () => {});
      res({ text: () => text, close: () => req.destroy() });
    });
    req.on('error', rej);
    req.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const children: ChildProcess[] = [];
const logs = new Map<ChildProcess, string>();

function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  logs.set(child, '');
  const keep = (c: Buffer) => logs.set(child, (logs.get(child) ?? '') + c.toString('utf8'));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited early (${code ?? signal}):\n${logs.get(child)}`);
  });
  children.push(child);
  return child;
}

let stopping = false;

async function stopAll(): Promise<void> {
  stopping = true;
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok  ${what}`);
}

async function main(): Promise<number> {
  const nginx = findNginx();
  if (!nginx) {
    console.error('nginx is not installed. Install it with:  apt-get install -y nginx   (then run this script again)');
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'byline-deploy-'));
  chmodSync(work, 0o755);
  const schema = `byline_deploy_${randomBytes(5).toString('hex')}`;
  const u = new URL(serverUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = u.toString();
  let schemaCreated = false;
  try {
    await admin(`CREATE SCHEMA ${schema}`);
    schemaCreated = true;
    const [p1, p2, pn] = [await freePort(), await freePort(), await freePort()];
    const secret = randomBytes(32).toString('base64url');
    const baseEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      BYLINE_MIGRATE: 'off',
      BYLINE_TRUST_PROXY: '127.0.0.1',
      BYLINE_SECRET: secret,
      BYLINE_CONTENT_DIR: join(root, 'content'),
      BYLINE_PG_POOL_SIZE: '10',
      BYLINE_PG_STATEMENT_TIMEOUT_MS: '5000',
      HOST: '127.0.0.1',
      BYLINE_LOG: 'info',
      // Generous limits: the check and the optional bench sign in many names from one address.
      BYLINE_LIMIT_NEW_NAMES_PER_HOUR: '100000',
      BYLINE_LIMIT_VOTES_PER_MINUTE: '100000',
      BYLINE_STREAMS_PER_PREFIX: '100000',
    };

    // 1. Migrate once.
    const migrate = spawnSync(process.execPath, ['bin/byline.js', 'migrate'], {
      cwd: root,
      env: { ...baseEnv, BYLINE_DATA_DIR: join(work, 'migrate') },
      encoding: 'utf8',
    });
    check(migrate.status === 0, `byline migrate (${(migrate.stdout + migrate.stderr).trim()})`);

    // 2. Two nodes, migrations off.
    const nodes = [p1, p2].map((port, i) => ({
      url: `http://127.0.0.1:${port}`,
      proc: start(`node ${i + 1}`, process.execPath, ['bin/byline.js', 'serve'], {
        ...baseEnv,
        PORT: String(port),
        BYLINE_DATA_DIR: join(work, `node${i + 1}`),
      }),
    }));
    for (const n of nodes) await waitFor(`${n.url}/healthz`, async () => (await call(n.url, 'GET', '/healthz')).status === 200, 60_000);
    check(true, `two nodes healthy on :${p1} and :${p2}`);

    // 3. nginx with deploy/nginx.conf, ports rewritten to the ones picked here.
    const site = readFileSync(join(root, 'deploy', 'nginx.conf'), 'utf8')
      .replace('127.0.0.1:3001', `127.0.0.1:${p1}`)
      .replace('127.0.0.1:3002', `127.0.0.1:${p2}`)
      .replace(/listen 8080;/, `listen 127.0.0.1:${pn};`);
    const ngx = join(work, 'nginx');
    for (const d of ['', 'logs', 'client_body', 'proxy']) {
      mkdirSync(join(ngx, d), { recursive: true });
      chmodSync(join(ngx, d), 0o777);
    }
    writeFileSync(join(ngx, 'byline.conf'), site);
    writeFileSync(
      join(ngx, 'nginx.conf'),
      `worker_processes 1;
pid ${join(ngx, 'nginx.pid')};
error_log ${join(ngx, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log ${join(ngx, 'logs', 'access.log')};
  client_body_temp_path ${join(ngx, 'client_body')};
  proxy_temp_path ${join(ngx, 'proxy')};
  fastcgi_temp_path ${join(ngx, 'proxy')};
  uwsgi_temp_path ${join(ngx, 'proxy')};
  scgi_temp_path ${join(ngx, 'proxy')};
  include ${join(ngx, 'byline.conf')};
}
`,
    );
    const test = spawnSync(nginx, ['-t', '-p', ngx, '-c', join(ngx, 'nginx.conf')], { encoding: 'utf8' });
    check(test.status === 0, `nginx -t accepts deploy/nginx.conf${test.status === 0 ? '' : `: ${test.stderr}`}`);
    start('nginx', nginx, ['-p', ngx, '-c', join(ngx, 'nginx.conf'), '-g', 'daemon off;'], process.env);
    const front = `http://127.0.0.1:${pn}`;
    await waitFor('nginx', async () => (await call(front, 'GET', '/healthz')).status === 200);

    // 4. A page through nginx.
    const page = await call(front, 'GET', `/writing/${slug}`);
    check(page.status === 200 && page.body.includes('<section id="comments"'), `GET /writing/${slug} through nginx: ${page.status}`);

    // 5. A comment posted through nginx arrives over SSE, on readers connected through nginx
    // and directly to each node.
    const streams = [await sse(front, `/api/v1/articles/${slug}/events`), await sse(front, `/api/v1/articles/${slug}/events`)];
    for (const n of nodes) streams.push(await sse(n.url, `/api/v1/articles/${slug}/events`));
    const signIn = await call(front, 'POST', '/api/v1/session', { name: `Deploy Check ${randomBytes(3).toString('hex')}` });
    check(signIn.status === 201, `sign-in through nginx: ${signIn.status}`);
    const cookie = String([signIn.headers['set-cookie']].flat()[0]).split(';')[0]!;
    const posted = await call(front, 'POST', `/api/v1/articles/${slug}/comments`, { body: 'Posted through nginx.' }, cookie);
    check(posted.status === 201, `comment posted through nginx: ${posted.status}`);
    const id = (JSON.parse(posted.body) as { comment: { id: string } }).comment.id;
    await waitFor('the comment on every SSE reader', () => streams.every((s) => s.text().includes(`"id":"${id}"`)), 10_000);
    check(true, 'the comment arrived over SSE through nginx and on both nodes');
    for (const s of streams) s.close();

    // Both nodes served traffic through nginx (round robin).
    const served = nodes.map((n) => (logs.get(n.proc) ?? '').split('\n').filter((l) => /^(GET|POST|PUT) /.test(l)).length);
    check(
      served.every((c) => c > 0),
      `both nodes answered requests (${served.join(' and ')})`,
    );

    if (bench) await runBench(front, nodes[0]!.url, cookie, id);
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    for (const [child, log] of logs) if (log.trim()) console.error(`--- output of pid ${child.pid}:\n${log.slice(-3000)}`);
    return 1;
  } finally {
    await stopAll();
    if (schemaCreated)
      await admin(`DROP SCHEMA ${schema} CASCADE`).catch((err: unknown) => console.error(`could not drop schema ${schema}:`, err));
    rmSync(work, { recursive: true, force: true });
    console.log('stopped both nodes and nginx; dropped the schema');
  }
}

/** Figures for deploy/README.md: anonymous page throughput and write rate on this machine. */
async function runBench(front: string, node: string, _cookie: string, commentId: string): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  for (const [label, base] of [
    ['one node, anonymous article page', node],
    ['through nginx (two nodes), anonymous article page', front],
  ] as const) {
    const r = await autocannon({ url: `${base}/writing/${slug}`, connections: 20, duration: 5 });
    console.log(`bench ${label}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}`);
  }
  // Writes: votes by distinct readers (each a transaction with an event row), 20 in flight.
  const n = 300;
  const cookies: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await call(front, 'POST', '/api/v1/session', { name: `Bench Voter ${i}` });
    cookies.push(String([res.headers['set-cookie']].flat()[0]).split(';')[0]!);
  }
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < n) {
        const c = cookies[next++]!;
        await call(front, 'PUT', `/api/v1/comments/${commentId}/vote`, undefined, c);
      }
    }),
  );
  const secs = (Date.now() - started) / 1000;
  console.log(`bench writes: ${n} votes in ${secs.toFixed(1)} s = ${Math.round(n / secs)} votes/s through nginx (20 in flight)`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
