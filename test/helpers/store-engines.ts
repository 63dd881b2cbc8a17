// The engines a store suite runs on: SQLite in a temporary folder, PGlite in-process and, when
// BYLINE_TEST_PG_URL names a server, PostgreSQL in a fresh schema dropped afterwards. Each open()
// gives a migrated, empty store of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteDriver } from '../../src/store/pglite.ts';
import { PgDriver } from '../../src/store/postgres.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import { SqliteDriver } from '../../src/store/sqlite.ts';
import { freshSchema, pgUrl } from './pg.ts';

export interface OpenedStore {
  store: SqlStore;
  close(): Promise<void>;
}

export interface StoreEngine {
  name: string;
  open(): Promise<OpenedStore>;
}

/** Every engine at hand; `label` names the temporary folders and schemas, to tell suites apart. */
export function storeEngines(label: string): StoreEngine[] {
  const engines: StoreEngine[] = [
    {
      name: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), `byline-${label}-`));
        const store = new SqlStore(new SqliteDriver(join(dir, 'byline.db')));
        await store.migrate();
        return {
          store,
          async close() {
            await store.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: 'pglite',
      async open() {
        const store = new SqlStore(new PgliteDriver());
        await store.migrate();
        return { store, close: () => store.close() };
      },
    },
  ];
  const url = pgUrl;
  if (url) {
    engines.push({
      name: 'postgres',
      async open() {
        const schema = await freshSchema(url, `byline_${label.replace(/\W/g, '_')}`);
        const store = new SqlStore(new PgDriver(schema.url));
        await store.migrate();
        return {
          store,
          async close() {
            await store.close();
            await schema.drop();
          },
        };
      },
    });
  }
  return engines;
}
