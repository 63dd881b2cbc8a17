import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { runToEnd } from './helpers/cli.ts';

const pgUrl = process.env.BYLINE_TEST_PG_URL;
const nginx =
  ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ??
  (spawnSync('sh', ['-c', 'command -v nginx']).status === 0 ? 'nginx' : undefined);

// The deployment recipe is only worth its name if it runs: two nodes and nginx on loopback, one
// PostgreSQL, a page and a live comment through nginx, and nginx's shared cache: used for
// anonymous readers, a new comment reaching them within the bound Byline's Cache-Control sets,
// and never used for a signed-in reader (deploy/run-local.ts and deploy/local/cache-checks.ts do
// the checking, and fail when the caching rules of deploy/nginx.conf are removed or wrong).
test('deploy/run-local.sh starts two nodes behind nginx on PostgreSQL, with a shared cache, and its checks pass', {
  timeout: 240_000,
}, async (t) => {
  if (!pgUrl) return t.skip('PostgreSQL server not configured (set BYLINE_TEST_PG_URL)');
  if (!nginx) return t.skip('nginx is not installed (apt-get install -y nginx)');
  const { code, output } = await runToEnd('bash', ['deploy/run-local.sh'], { ...process.env, BYLINE_DEPLOY_PG_URL: pgUrl });
  t.diagnostic(output.trim().split('\n').slice(-8).join('\n'));
  assert.equal(code, 0, output);
});
