import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { openStore } from '../store/open.ts';
import type { DatabaseExport } from '../store/store.ts';
import type { Command } from './index.ts';

// `byline import FILE`: loads a `byline export` file into an empty database.

export const importCommand: Command = {
  args: 'FILE',
  summary: 'load a `byline export` file into an empty database',
  async run(args: string[], config: Config) {
    const file = args[0];
    if (!file) throw new Error('Usage: byline import FILE');
    let data: DatabaseExport;
    try {
      data = JSON.parse(readFileSync(file, 'utf8')) as DatabaseExport;
    } catch (err) {
      throw new Error(`${file} is not readable JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true });
    try {
      await store.importAll(data);
      const counts = Object.entries(data.tables)
        .map(([table, rows]) => `${rows.length} ${table}`)
        .join(', ');
      console.log(`Imported ${counts}.`);
    } finally {
      await store.close();
    }
  },
};
