// Runs the deploy/ recipe on loopback and checks it: see deploy/run-local.sh and deploy/README.md.
// Everything it starts is its own child process, stopped by pid at the end; the schema it
// creates is dropped. Exit code 0 only when every check passed.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { runBench } from './local/bench.ts';
import { checkProxyCache } from './local/cache-checks.ts';
import { call, check, firstCookie, freePort, sse, waitFor } from './local/http.ts';

const root = resolve(import.meta.dirname, '..');
const bench = process.argv.includes('--bench');
const serverUrl = process.env.BYLINE_DEPLOY_PG_URL ?? process.env.BYLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const benchOut = process.env.BYLINE_DEPLOY_BENCH_OUT ?? join(root, 'deploy', 'bench-results.md');
const slug = 'the-last-ten-percent';

function findBinary(name: string, paths: string[]): string | undefined {
  for (const p of paths) if (existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

async function admin<T = unknown>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

const children: ChildProcess[] = [];
const logs = new Map<ChildProcess, string>();
let stopping = false;

function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  logs.set(child, '');
  const keep = (c: Buffer) => logs.set(child, ((logs.get(child) ?? '') + c.toString('utf8')).slice(-200_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!stopping && !(child as { expectedExit?: boolean }).expectedExit)
      console.error(`${name} exited early (${code ?? signal}):\n${logs.get(child)}`);
  });
  children.push(child);
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  (child as { expectedExit?: boolean }).expectedExit = true;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
}

async function stopAll(): Promise<void> {
  stopping = true;
  for (const child of children) await stop(child);
}

/** nginx's own main config around deploy/nginx.conf: temp paths, and (for --bench) a static server. */
function nginxConfig(ngx: string, staticPort: number | undefined): string {
  const staticServer = staticPort
    ? `  server {
    listen 127.0.0.1:${staticPort};
    root ${join(ngx, 'static')};
    # Tuned like the recipe's cache (open_file_cache), so the comparison is fair to both.
    open_file_cache max=1000 inactive=20s;
    open_file_cache_valid 1s;
    location / { default_type "text/html; charset=utf-8"; add_header Content-Encoding gzip; add_header Vary Accept-Encoding; }
  }
`
    : '';
  return `worker_processes auto;
pid ${join(ngx, 'nginx.pid')};
error_log ${join(ngx, 'logs', 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;      # as Debian's own nginx.conf has it
  tcp_nopush on;
  client_body_temp_path ${join(ngx, 'client_body')};
  proxy_temp_path ${join(ngx, 'proxy')};
  fastcgi_temp_path ${join(ngx, 'proxy')};
  uwsgi_temp_path ${join(ngx, 'proxy')};
  scgi_temp_path ${join(ngx, 'proxy')};
  include ${join(ngx, 'byline.conf')};
${staticServer}}
`;
}

async function main(): Promise<number> {
  const nginx = findBinary('nginx', ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']);
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
    const [p1, p2, pn, ps] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const secret = randomBytes(32).toString('base64url');
    const baseEnv: NodeJS.ProcessEnv = {
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
      // Generous limits: the check and the optional bench sign in many names, and write many
      // comments and votes, from one address.
      BYLINE_LIMIT_NEW_NAMES_PER_HOUR: '100000',
      BYLINE_LIMIT_NEW_NAMES_PER_DAY: '100000',
      BYLINE_LIMIT_NEW_NAMES_PER_NETWORK_PER_DAY: '100000',
      BYLINE_LIMIT_COMMENTS_PER_15S: '100000',
      BYLINE_LIMIT_COMMENTS_PER_HOUR: '100000',
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

    // 3. nginx with deploy/nginx.conf: ports and the cache folder rewritten to the ones picked here.
    const ngx = join(work, 'nginx');
    const site = readFileSync(join(root, 'deploy', 'nginx.conf'), 'utf8')
      .replace('127.0.0.1:3001', `127.0.0.1:${p1}`)
      .replace('127.0.0.1:3002', `127.0.0.1:${p2}`)
      .replace(/listen 8080;/, `listen 127.0.0.1:${pn};`)
      .replace('/var/cache/nginx/byline', join(ngx, 'cache'));
    for (const d of ['', 'logs', 'client_body', 'proxy', 'cache', 'static']) {
      mkdirSync(join(ngx, d), { recursive: true });
      chmodSync(join(ngx, d), 0o777);
    }
    writeFileSync(join(ngx, 'byline.conf'), site);
    writeFileSync(join(ngx, 'nginx.conf'), nginxConfig(ngx, bench ? ps : undefined));
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
    const posted = await call(front, 'POST', `/api/v1/articles/${slug}/comments`, { body: 'Posted through nginx.' }, firstCookie(signIn));
    check(posted.status === 201, `comment posted through nginx: ${posted.status}`);
    const id = (JSON.parse(posted.body) as { comment: { id: string } }).comment.id;
    await waitFor('the comment on every SSE reader', () => streams.every((s) => s.text().includes(`"id":"${id}"`)), 10_000);
    check(true, 'the comment arrived over SSE through nginx and on both nodes');
    for (const s of streams) s.close();

    // 6. nginx's shared cache: used for anonymous readers, bounded staleness, never for a session.
    await checkProxyCache(front, slug);

    // Both nodes served traffic through nginx (round robin).
    const served = nodes.map((n) => (logs.get(n.proc) ?? '').split('\n').filter((l) => /^(GET|POST|PUT) /.test(l)).length);
    check(
      served.every((c) => c > 0),
      `both nodes answered requests (${served.join(' and ')})`,
    );

    if (bench) {
      // One node on its own SQLite file, no proxy in front: the write baseline.
      // (spawn leaves out variables set to undefined)
      const sqliteEnv: NodeJS.ProcessEnv = { ...baseEnv, BYLINE_MIGRATE: 'on', DATABASE_URL: undefined, BYLINE_TRUST_PROXY: undefined };
      await runBench({
        slug,
        front,
        node: nodes[0]!.url,
        staticBase: `http://127.0.0.1:${ps}`,
        staticDir: join(ngx, 'static'),
        wrk: findBinary('wrk', ['/usr/bin/wrk', '/usr/local/bin/wrk']),
        outFile: benchOut,
        countPgVotes: async () => Number((await admin<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.votes`))[0]!.n),
        startSqliteNode: async () => {
          const port = await freePort();
          const dataDir = join(work, 'sqlite');
          const proc = start('SQLite node', process.execPath, ['bin/byline.js', 'serve'], {
            ...sqliteEnv,
            PORT: String(port),
            BYLINE_DATA_DIR: dataDir,
          });
          const url = `http://127.0.0.1:${port}`;
          await waitFor(`${url}/healthz`, async () => (await call(url, 'GET', '/healthz')).status === 200, 60_000);
          return {
            url,
            stop: () => stop(proc, 'SIGKILL'),
            countVotes: () => {
              const db = new Database(join(dataDir, 'byline.db'));
              try {
                return (db.prepare('SELECT count(*) AS n FROM votes').get() as { n: number }).n;
              } finally {
                db.close();
              }
            },
          };
        },
      });
    }
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
    console.log('stopped the nodes and nginx; dropped the schema');
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
