import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Config } from '../config.ts';
import { migrate, migrations } from '../store/schema.ts';
import { expectedShape, missingFromShape, shapeOf } from '../store/schema-shape.ts';
import { SqliteDriver } from '../store/sqlite.ts';
import { sqliteFile } from './backup.ts';
import type { Command } from './command.ts';

// `byline restore FILE [--force]`: puts a backup back in place of the site's database.

/**
 * Checks a backup before anything is replaced: it must be a sound SQLite file holding a complete
 * Byline schema — every table and column that the migrations it records create, and no migration
 * this version of Byline does not know (a newer Byline's database would be misread).
 */
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
    const recorded = (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) =>
      Number(r.version),
    );
    const known = new Set(migrations.map((m) => m.version));
    const unknown = recorded.filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new Error(
        `${file} was written by a newer Byline: it records migration ${unknown.join(', ')}, which this version does not know. Upgrade Byline first, then restore.`,
      );
    }
    if (recorded.length === 0)
      throw new Error(`${file} is not a complete Byline database: its schema_migrations table records no migration. Not restoring it.`);
    const missing = missingFromShape(shapeOf(db), expectedShape(recorded));
    if (missing.length > 0) throw new Error(`${file} is not a complete Byline database: it lacks ${missing.join(', ')}. Not restoring it.`);
  } catch (err) {
    if (err instanceof Error && /not a database|malformed|file is not/i.test(err.message))
      throw new Error(`${file} is not a sound SQLite database: ${err.message}`);
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

const hasTable = (db: Database.Database, name: string) =>
  !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);

/**
 * The highest event cursor a database has handed out: its highest position, or, before migration
 * 7 gave events positions, its highest id (AUTOINCREMENT remembers it even after deletes). Both
 * are counted, so whichever an open page holds, the restored events come after it.
 */
function eventIdsHandedOut(db: Database.Database): number {
  if (!hasTable(db, 'events')) return 0;
  const highest = (db.prepare('SELECT MAX(id) AS id FROM events').get() as { id: number | null }).id ?? 0;
  const positioned = db.prepare("SELECT 1 FROM pragma_table_info('events') WHERE name = 'pos'").get() !== undefined;
  const position = positioned ? ((db.prepare('SELECT MAX(pos) AS pos FROM events').get() as { pos: number | null }).pos ?? 0) : 0;
  if (!hasTable(db, 'sqlite_sequence')) return Math.max(highest, position);
  const seq = (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number } | undefined)?.seq ?? 0;
  return Math.max(highest, position, seq);
}

/** What the live database has handed out so far, and the articles it has events or comments for. */
function liveState(target: string): { handedOut: number; articles: string[] } {
  if (!isLive(target)) return { handedOut: 0, articles: [] };
  const db = new Database(target, { readonly: true, fileMustExist: true });
  try {
    const articles = new Set<string>();
    for (const table of ['events', 'comments']) {
      if (!hasTable(db, table)) continue;
      for (const r of db.prepare(`SELECT DISTINCT article_slug FROM ${table}`).all() as { article_slug: string }[])
        articles.add(r.article_slug);
    }
    return { handedOut: eventIdsHandedOut(db), articles: [...articles] };
  } finally {
    db.close();
  }
}

/**
 * Makes the staged copy carry on the live database's event cursors: its sequence is set above
 * every cursor the live database handed out, and each article gets a 'reload' event after that.
 * An open page asks for events after the last cursor it saw; without this it would wait for
 * cursors the restored database hands out only much later, and silently miss every change until
 * then.
 */
function continueEventIds(
  staging: Database.Database,
  live: { handedOut: number; articles: string[] },
  now: number,
  previouslyAdded: number | null,
): number {
  let firstAdded = 0;
  staging.transaction(() => {
    if (previouslyAdded !== null) staging.prepare('DELETE FROM events WHERE id >= ?').run(previouslyAdded);
    let next = Math.max(eventIdsHandedOut(staging), live.handedOut);
    if (hasTable(staging, 'sqlite_sequence')) {
      const updated = staging.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'").run(next).changes;
      if (updated === 0) staging.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(next);
    }
    const articles = new Set(live.articles);
    for (const r of staging.prepare('SELECT DISTINCT article_slug FROM comments').all() as { article_slug: string }[])
      articles.add(r.article_slug);
    // Explicit ids and positions, the same: they carry on from `next` however the backup's events
    // table was declared, and later events are positioned after them.
    const insert = staging.prepare(
      "INSERT INTO events (id, pos, article_slug, kind, payload, created_at) VALUES (?, ?, ?, 'reload', '{}', ?)",
    );
    firstAdded = next + 1;
    for (const slug of [...articles].sort()) {
      next++;
      insert.run(next, next, slug, now);
    }
  })();
  return firstAdded;
}

function removeDatabaseFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

function integrity(file: string, what: string): void {
  const check = new Database(file, { readonly: true });
  try {
    const verdict = check.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') throw new Error(`${what} fails integrity_check: ${String(verdict)}`);
    const missing = missingFromShape(shapeOf(check), expectedShape());
    if (missing.length > 0) throw new Error(`${what} lacks ${missing.join(', ')}`);
  } finally {
    check.close();
  }
}

/**
 * Restores in three steps. The backup is copied to a staging file beside the database, brought up
 * to this version's schema and given event ids that continue the live database's. Then SQLite's
 * backup API copies the staging file onto the live one: it writes through SQLite's own locks, so
 * a server that is still running sees the restored content on its next query instead of reading a
 * file swapped under it.
 */
export async function restoreSqlite(backup: string, target: string, force: boolean, now: number = Date.now()): Promise<void> {
  checkBackup(backup);
  if (resolve(backup) === resolve(target)) throw new Error('The backup and the live database are the same file.');
  if (isLive(target) && !force) {
    throw new Error(`${target} is a live database. Stop the site (or accept replacing it while it runs) and run again with --force.`);
  }
  mkdirSync(dirname(resolve(target)), { recursive: true });
  const staging = `${resolve(target)}.restoring-${process.pid}`;
  removeDatabaseFiles(staging);
  try {
    const source = new Database(backup, { readonly: true, fileMustExist: true });
    try {
      await source.backup(staging, { progress: () => 0x7fffffff });
    } finally {
      source.close();
    }
    const driver = new SqliteDriver(staging);
    try {
      await migrate(driver);
    } finally {
      await driver.close();
    }
    integrity(staging, 'The backup, brought up to date,');

    const staged = new Database(staging);
    try {
      let live = liveState(target);
      let added = live.handedOut > 0 || live.articles.length > 0 ? continueEventIds(staged, live, now, null) : null;
      // A running site may have handed out more ids meanwhile: look once more, just before the copy.
      const latest = liveState(target);
      if (added !== null && latest.handedOut > live.handedOut) {
        live = latest;
        added = continueEventIds(staged, live, now, added);
      }
      await staged.backup(target, { progress: () => 0x7fffffff });
    } finally {
      staged.close();
    }
    integrity(target, 'The restored database');
  } finally {
    removeDatabaseFiles(staging);
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
    console.log(`Restored ${resolve(file)} into ${target}. Open pages will reload.`);
  },
};
