import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config.ts';
import { chooseEngine } from '../store/engine.ts';
import type { Command } from './command.ts';

// `byline backup FILE`: a consistent copy of the SQLite database while the site keeps serving.

/** The site's SQLite file; a site on PostgreSQL is refused with what to use instead. */
export function sqliteFile(config: Config): string {
  const choice = chooseEngine(config);
  if (choice.engine !== 'sqlite') {
    throw new Error('This site uses PostgreSQL: back it up with pg_dump (or `byline export` for the discussion as JSON).');
  }
  return choice.file;
}

/**
 * Copies a live SQLite database with SQLite's online backup. The whole copy is done in one step,
 * inside one read transaction: in WAL mode the site's writers carry on meanwhile, and the copy is
 * the database exactly as it was when that step began (every write acknowledged before it is in
 * it). Writing to a temporary name first means FILE is never a half-written database.
 */
export async function backupSqlite(source: string, target: string): Promise<{ pages: number }> {
  if (!existsSync(source)) throw new Error(`There is no database at ${source}.`);
  const out = resolve(target);
  const partial = `${out}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const result = await db.backup(partial, { progress: () => 0x7fffffff });
    const check = new Database(partial, { readonly: true });
    try {
      const verdict = check.pragma('integrity_check', { simple: true });
      if (verdict !== 'ok') throw new Error(`The copy failed its integrity check: ${String(verdict)}`);
    } finally {
      check.close();
    }
    renameSync(partial, out);
    return { pages: result.totalPages };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
}

export const backupCommand: Command = {
  args: 'FILE',
  summary: 'copy the SQLite database to FILE while the site keeps serving',
  async run(args: string[], config: Config) {
    const target = args[0];
    if (!target || target.startsWith('-')) throw new Error('Usage: byline backup FILE');
    const { pages } = await backupSqlite(sqliteFile(config), target);
    console.log(`Backed up ${pages} pages to ${resolve(target)}; the copy passes integrity_check.`);
  },
};
