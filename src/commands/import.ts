import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { loadSite } from '../content/load.ts';
import { openStore } from '../store/open.ts';
import { checkImport } from './import-check.ts';
import type { Command } from './command.ts';

// `byline import FILE`: loads a `byline export` file into an empty database, after checking every
// row of it (see import-check.ts): a file with any problem is reported in full and nothing is written.

/** The author's names from the content folder's site.yaml: imported readers may not hold them. */
async function authorNamesOf(config: Config): Promise<string[]> {
  const result = await loadSite(config.contentDir);
  const names = result.site?.config.authorNames ?? [];
  if (names.length === 0) {
    const problems = result.problems.length > 0 ? `:\n${result.problems.map((p) => `  - ${p}`).join('\n')}` : '.';
    throw new Error(
      `byline import checks names against the author's names in ${config.contentDir}/site.yaml, and could not read them${problems}`,
    );
  }
  return names;
}

export const importCommand: Command = {
  args: 'FILE',
  summary: 'load a `byline export` file into an empty database (checked first; nothing written on any problem)',
  async run(args: string[], config: Config) {
    const file = args[0];
    if (!file) throw new Error('Usage: byline import FILE');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file} is not readable JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const check = checkImport(parsed, await authorNamesOf(config));
    if (check.problems.length > 0) {
      const count = check.problems.length === 1 ? '1 problem' : `${check.problems.length} problems`;
      throw new Error(`${file} has ${count}; nothing was imported.\n${check.problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true });
    try {
      await store.importAll(check.data);
      const counts = Object.entries(check.data.tables)
        .map(([table, rows]) => `${rows.length} ${table}`)
        .join(', ');
      console.log(`Imported ${counts}.`);
      const { nameKeys, depths, scores } = check.corrected;
      if (nameKeys + depths + scores > 0) {
        console.log(
          `Recomputed from the data rather than trusted: ${nameKeys} name keys, ${depths} reply depths, ${scores} scores differed from the file.`,
        );
      }
    } finally {
      await store.close();
    }
  },
};
