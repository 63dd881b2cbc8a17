import type { Driver } from './driver.ts';
import { chooseEngine, type EngineSettings, openDriver } from './engine.ts';
import { SqlStore } from './sql-store.ts';

export interface OpenStoreOptions extends EngineSettings {
  migrate?: boolean;
  /** A driver the caller opened (tests: PGlite, PostgreSQL in-process) instead of the one the settings choose. */
  driver?: Driver;
}

/** Opens the site's store on the engine its settings choose (engine.ts), migrated unless told not to. */
export async function openStore(opts: OpenStoreOptions): Promise<SqlStore> {
  const store = new SqlStore(opts.driver ?? (await openDriver(chooseEngine(opts))));
  if (opts.migrate !== false) await store.migrate();
  return store;
}
