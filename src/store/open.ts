import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteDriver } from './sqlite.ts';
import { SqlStore } from './sql-store.ts';

export interface OpenStoreOptions {
  /** postgres://… selects PostgreSQL; anything else (or nothing) means SQLite in the data folder. */
  databaseUrl?: string;
  dataDir: string;
  migrate?: boolean;
}

export async function openStore(opts: OpenStoreOptions): Promise<SqlStore> {
  let store: SqlStore;
  if (opts.databaseUrl && /^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
    const { PgDriver } = await import('./postgres.ts');
    store = new SqlStore(new PgDriver(opts.databaseUrl));
  } else {
    mkdirSync(opts.dataDir, { recursive: true });
    store = new SqlStore(new SqliteDriver(join(opts.dataDir, 'byline.db')));
  }
  if (opts.migrate !== false) await store.migrate();
  return store;
}
