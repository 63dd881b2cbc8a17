// Nodes of one site start together (a deploy, a restart after an outage): whatever each does once
// at start-up must let the others do it too, on the PostgreSQL server where they really race.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PgDriver } from '../src/store/postgres.ts';
import { migrate } from '../src/store/schema.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import { freshSchema, pgUrl } from './helpers/pg.ts';

test('nodes starting together on a new database all start: the name-key version is written once', async (t) => {
  if (!pgUrl) return t.skip('PostgreSQL server not configured (set BYLINE_TEST_PG_URL)');
  const schema = await freshSchema(pgUrl, 'byline_cluster_start');
  const drivers = Array.from({ length: 4 }, () => new PgDriver(schema.url));
  try {
    await migrate(drivers[0]!);
    const stores = drivers.map((d) => new SqlStore(d));
    // Several rounds, each a new version of the rules: the race is a window of a few statements.
    for (let round = 1; round <= 10; round++) {
      const version = `test-version-${round}`;
      const results = await Promise.allSettled(stores.map((s) => s.rekeyIdentities(version, (name) => name.toLowerCase())));
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
        results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('; '),
      );
      const rows = await drivers[0]!.all<{ value: string }>("SELECT value FROM byline_meta WHERE name = 'name_key_version'");
      assert.deepEqual(rows, [{ value: version }]);
    }
  } finally {
    for (const d of drivers) await d.close();
    await schema.drop();
  }
});
