import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Driver } from './driver.ts';
import type { PgDriverOptions } from './postgres.ts';
import { SqliteDriver } from './sqlite.ts';

// The one place that decides which database engine a site runs on. Everything else asks the
// opened store (`store.access`, see driver.ts) or, before a store is open, `chooseEngine`.

export interface EngineSettings {
  /** postgres://… selects PostgreSQL; anything else (or nothing) means SQLite in the data folder. */
  databaseUrl?: string;
  dataDir: string;
}

export type EngineChoice = { engine: 'sqlite'; file: string; dataDir: string } | { engine: 'postgres'; url: string };

const postgresUrl = /^postgres(ql)?:\/\//;

/** Where a site keeps its SQLite database. */
export const sqliteFileIn = (dataDir: string): string => join(dataDir, 'byline.db');

export function chooseEngine(settings: EngineSettings): EngineChoice {
  if (settings.databaseUrl && postgresUrl.test(settings.databaseUrl)) return { engine: 'postgres', url: settings.databaseUrl };
  return { engine: 'sqlite', file: sqliteFileIn(settings.dataDir), dataDir: settings.dataDir };
}

/**
 * Opens a driver for the chosen engine. PostgreSQL's driver is loaded only when chosen. PGlite
 * is never chosen here: it is a development dependency, and tests hand its driver in themselves.
 */
export async function openDriver(choice: EngineChoice, opts: { postgres?: PgDriverOptions } = {}): Promise<Driver> {
  if (choice.engine === 'postgres') {
    const { PgDriver } = await import('./postgres.ts');
    return new PgDriver(choice.url, opts.postgres);
  }
  mkdirSync(choice.dataDir, { recursive: true });
  return new SqliteDriver(choice.file);
}
