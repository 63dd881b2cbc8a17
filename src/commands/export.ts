import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import { openStore } from '../store/open.ts';
import type { DatabaseExport } from '../store/store.ts';
import type { Command } from './command.ts';

// `byline export [FILE]`: the whole discussion as JSON (see SqlStore.exportAll for what is in it).

/** The export as text: stable order and layout, so two exports of the same data are identical bytes. */
export function exportText(data: DatabaseExport): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

export const exportCommand: Command = {
  args: '[FILE]',
  summary: 'write every identity, comment, vote and audit entry as JSON (stdout without FILE)',
  async run(args: string[], config: Config) {
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart });
    try {
      const text = exportText(await store.exportAll());
      const file = args[0];
      if (file && file !== '-') {
        writeFileSync(file, text, { mode: 0o600 });
        console.error(`Exported the discussion to ${resolve(file)}. It holds recovery-key hashes: keep it private.`);
      } else {
        process.stdout.write(text);
      }
    } finally {
      await store.close();
    }
  },
};
