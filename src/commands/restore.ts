import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Config } from '../config.ts';
import { sqliteFile } from './backup.ts';
import type { Command } from './index.ts';

// `byline restore FILE [--force]`: puts a backup back in place of the site's database.

/** Checks a backup before anything is replaced: it must be a sound SQLite file of a Byline site. */
export function checkBackup(file: string): void {
  if (!existsSync(file)) throw new Error(`There is no file at ${file}.`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${file} is not a SQLite database (${err instanceof Error ? err.message : String(err)}).`);
  }
  try {
    const verdict = db.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') throw new Error(`${file} fails integrity_check: ${String(verdict)}. Not restoring it.`);
    const ledger = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!ledger) throw new Error(`${file} is not a Byline database (it has no schema_migrations table).`);
  } catch (err) {
    if (err instanceof Error && /not a database|malformed|file is not/i.test(err.message)) throw new Error(`${file} is not a sound SQLite database: ${err.message}`);
    throw err;
  } finally {
    db.close();
  }
}

/** A database that exists and holds anything at all is live: replacing it needs --force. */
export function isLive(target: string): boolean {
  if (!existsSync(target) || statSync(target).size === 0) return false;
  const db = new Database(target, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    return tables.n > 0;
  } finally {
    db.close();
  }
}

/**
 * Restores with SQLite's backup API run the other way, backup → live file: it writes through
 * SQLite's own locks, so a server that is still running sees the restored content on its next
 * query instead of reading a file swapped under it.
 */
export async function restoreSqlite(backup: string, target: string, force: boolean): Promise<void> {
  checkBackup(backup);
  if (resolve(backup) === resolve(target)) throw new Error('The backup and the live database are the same file.');
  if (isLive(target) && !force) {
    throw new Error(`${target} is a live database. Stop the site (or accept replacing it while it runs) and run again with --force.`);
  }
  const source = new Database(backup, { readonly: true, fileMustExist: true });
  try {
    await source.backup(target, { progress: () => 0x7fffffff });
  } finally {
    source.close();
  }
  const check = new Database(target, { readonly: true });
  try {
    const verdict = check.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') throw new Error(`The restored database fails integrity_check: ${String(verdict)}`);
  } finally {
    check.close();
  }
}

export const restoreCommand: Command = {
  args: 'FILE [--force]',
  summary: 'replace the SQLite database with a backup (checked first)',
  async run(args: string[], config: Config) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
    const file = positionals[0];
    if (!file) throw new Error('Usage: byline restore FILE [--force]');
    const target = sqliteFile(config);
    await restoreSqlite(file, target, values.force);
    console.log(`Restored ${resolve(file)} into ${target}.`);
  },
};
