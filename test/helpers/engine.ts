// Which storage engine the HTTP suites run on. The store suite (test/store.test.ts) runs every
// engine in one process; the HTTP suites run once per engine instead, chosen by
// BYLINE_TEST_ENGINE, so the same requests meet SQLite, PostgreSQL in-process (PGlite) and, in CI,
// the real PostgreSQL server. scripts/test.js sets the variable for the second run.

import { PgliteDriver } from '../../src/store/pglite.ts';
import { openStore } from '../../src/store/open.ts';
import type { SqlStore } from '../../src/store/sql-store.ts';
import { freshSchema, noServerMessage, pgUrl } from './pg.ts';

export type TestEngine = 'sqlite' | 'pglite' | 'postgres';

const engines: readonly TestEngine[] = ['sqlite', 'pglite', 'postgres'];

/** BYLINE_TEST_ENGINE, or SQLite when it is unset; anything else stops the run with a clear message. */
export function testEngine(value = process.env.BYLINE_TEST_ENGINE): TestEngine {
  if (value === undefined || value === '') return 'sqlite';
  if ((engines as readonly string[]).includes(value)) return value as TestEngine;
  throw new Error(`BYLINE_TEST_ENGINE must be one of ${engines.join(', ')} (got '${value}')`);
}

export interface TestStore {
  engine: TestEngine;
  store: SqlStore;
  /** The URL the app is configured with: set on the PostgreSQL server, so the app runs as a node would. */
  databaseUrl?: string;
  /** Closes the store and removes what it created (the fresh schema on the server). */
  close(): Promise<void>;
}

/**
 * Opens a migrated, empty store on the chosen engine. A `databaseUrl` given by the test itself
 * wins over the engine switch: that test asked for one database on purpose.
 */
export async function openTestStore(opts: { dataDir: string; databaseUrl?: string; engine?: TestEngine }): Promise<TestStore> {
  const engine = opts.engine ?? testEngine();
  if (opts.databaseUrl || engine === 'sqlite') {
    const store = await openStore({ databaseUrl: opts.databaseUrl, dataDir: opts.dataDir, migrate: true });
    return { engine, store, databaseUrl: opts.databaseUrl, close: () => store.close() };
  }
  if (engine === 'pglite') {
    // In memory: each app gets its own PostgreSQL, as each SQLite app gets its own file.
    const store = await openStore({ dataDir: opts.dataDir, driver: new PgliteDriver(), migrate: true });
    return { engine, store, close: () => store.close() };
  }
  if (!pgUrl) throw new Error(`BYLINE_TEST_ENGINE=postgres: ${noServerMessage}`);
  const schema = await freshSchema(pgUrl, 'byline_http');
  const store = await openStore({ databaseUrl: schema.url, dataDir: opts.dataDir, migrate: true });
  return {
    engine,
    store,
    databaseUrl: schema.url,
    async close() {
      await store.close();
      await schema.drop();
    },
  };
}
