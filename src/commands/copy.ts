import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Config } from '../config.ts';
import type { Driver, SqlExecutor, SqlValue } from '../store/driver.ts';
import { migrate, migrations } from '../store/schema.ts';
import type { Command } from './index.ts';

// `byline copy --from <sqlite file> --to postgres://...`: moves a whole site from SQLite to
// PostgreSQL. It copies every table the SQLite file holds (whatever migrations have added), parents
// before children, in one PostgreSQL transaction, then counts every table on both sides.

/** Tables that are not the site's data: the migration ledger and rate-limit counters. */
export function isSkippedTable(name: string): boolean {
  return name === 'schema_migrations' || name === 'rate_limits' || name.startsWith('rl_') || name.startsWith('sqlite_');
}

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export interface CopyResult {
  tables: TableCount[];
  /** True when every table has as many rows in the target as in the source. */
  ok: boolean;
}

export interface CopyOptions {
  /** Path of the SQLite database file (byline.db). */
  from: string;
  /** A PostgreSQL driver (a server, or PGlite in tests). */
  to: Driver;
  /** Empty the target's tables first instead of refusing a target that already holds a site. */
  force?: boolean;
  /** Rows per INSERT; lowered automatically for wide tables. */
  batchSize?: number;
  log?: (line: string) => void;
}

export class CopyRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyRefusedError';
  }
}

interface TablePlan {
  name: string;
  columns: string[];
  /** Tables this one references (other than itself). */
  parents: string[];
  /** The SELECT reading the source rows, parents before children within the table. */
  select: string;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Reads the source's tables, columns and foreign keys, and orders the tables parents first. */
function planTables(src: Database.Database): TablePlan[] {
  const tables = (src.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string | null }[]).filter(
    (t) => !isSkippedTable(t.name),
  );
  const plans = new Map<string, TablePlan>();
  for (const t of tables) {
    const info = src.prepare(`PRAGMA table_info(${quote(t.name)})`).all() as { name: string; pk: number }[];
    const fks = src.prepare(`PRAGMA foreign_key_list(${quote(t.name)})`).all() as { table: string; from: string; to: string | null }[];
    const columns = info.map((c) => c.name);
    const pkColumns = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const withoutRowid = /WITHOUT\s+ROWID/i.test(t.sql ?? '');
    const order = withoutRowid ? pkColumns.map((c) => `t.${quote(c)}`).join(', ') || '1' : 't.rowid';
    const self = fks.find((fk) => fk.table === t.name);
    let select: string;
    if (self) {
      // A tree in one table (comments and their replies): rows sorted by their distance from a
      // root, so a reply is never inserted before the comment it answers.
      const to = self.to ?? pkColumns[0] ?? 'rowid';
      const from = quote(self.from);
      const key = quote(to);
      select = `WITH RECURSIVE tree(k, lvl) AS (
          SELECT ${key}, 0 FROM ${quote(t.name)} WHERE ${from} IS NULL
          UNION ALL SELECT c.${key}, tree.lvl + 1 FROM ${quote(t.name)} c JOIN tree ON c.${from} = tree.k WHERE tree.lvl < 100000
        )
        SELECT ${columns.map((c) => `t.${quote(c)}`).join(', ')} FROM ${quote(t.name)} t JOIN tree ON tree.k = t.${key}
        ORDER BY tree.lvl, ${order}`;
    } else {
      select = `SELECT ${columns.map((c) => `t.${quote(c)}`).join(', ')} FROM ${quote(t.name)} t ORDER BY ${order}`;
    }
    const parents = [...new Set(fks.map((fk) => fk.table).filter((p) => p !== t.name && !isSkippedTable(p)))];
    plans.set(t.name, { name: t.name, columns, parents, select });
  }
  // Depth-first topological sort; a cycle between tables can't be copied row by row.
  const ordered: TablePlan[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const plan = plans.get(name);
    if (!plan || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new CopyRefusedError(`Tables reference each other in a cycle (${[...path, name].join(' -> ')}); cannot order the copy.`);
    state.set(name, 'visiting');
    for (const p of plan.parents) visit(p, [...path, name]);
    state.set(name, 'done');
    ordered.push(plan);
  };
  for (const name of plans.keys()) visit(name, []);
  return ordered;
}

async function targetColumns(tx: SqlExecutor, table: string): Promise<Set<string>> {
  const rows = await tx.all<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
    [table],
  );
  return new Set(rows.map((r) => r.column_name));
}

async function countRows(db: SqlExecutor, table: string): Promise<number> {
  const row = await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${quote(table)}`);
  return Number(row?.n ?? 0);
}

function toSqlValue(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || v instanceof Uint8Array) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return String(v);
}

/** Opens the SQLite file named by `from` (the file, or a data folder holding byline.db). */
export function resolveSqliteFile(from: string): string {
  const file = existsSync(from) && statSync(from).isDirectory() ? join(from, 'byline.db') : from;
  if (!existsSync(file)) throw new CopyRefusedError(`There is no SQLite database at ${file}.`);
  return file;
}

/**
 * Copies a SQLite site into a PostgreSQL database: migrates the target, refuses one that
 * already holds a site (unless `force`), copies every table in one transaction and resets the
 * serial sequences, then counts rows on both sides. The source is read inside one read
 * transaction, so the copy is a consistent snapshot even if the site is still running (stop
 * it anyway, or writes made after the snapshot stay behind).
 */
export async function copySite(opts: CopyOptions): Promise<CopyResult> {
  const log = opts.log ?? (() => {});
  const file = resolveSqliteFile(opts.from);
  if (opts.to.dialect !== 'postgres') throw new CopyRefusedError('The target of a copy must be PostgreSQL.');
  const src = new Database(file, { readonly: true, fileMustExist: true });
  try {
    src.defaultSafeIntegers(false);
    src.exec('BEGIN');
    const known = new Set(migrations.map((m) => m.version));
    const hasLedger = src.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
    const applied = hasLedger ? (src.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => Number(r.version)) : [];
    if (applied.length === 0) throw new CopyRefusedError(`${file} is not a Byline database (it has no applied migrations).`);
    const unknown = applied.filter((v) => !known.has(v));
    if (unknown.length > 0) throw new CopyRefusedError(`${file} was written by a newer Byline (migrations ${unknown.join(', ')}); upgrade this Byline first.`);
    const missing = [...known].filter((v) => !applied.includes(v));
    if (missing.length > 0) {
      throw new CopyRefusedError(`${file} lacks migrations ${missing.join(', ')}; run \`byline migrate\` on the SQLite site first (BYLINE_DATA_DIR=<its folder>, no DATABASE_URL).`);
    }

    const plans = planTables(src);
    const appliedNow = await migrate(opts.to);
    if (appliedNow.length > 0) log(`Migrated the target: ${appliedNow.join(', ')}.`);

    const copied = await opts.to.transaction(async (tx) => {
      // Every table must exist in the target with every source column.
      for (const plan of plans) {
        const cols = await targetColumns(tx, plan.name);
        if (cols.size === 0) throw new CopyRefusedError(`The target has no table ${plan.name}.`);
        const absent = plan.columns.filter((c) => !cols.has(c));
        if (absent.length > 0) throw new CopyRefusedError(`The target's ${plan.name} lacks column(s) ${absent.join(', ')}.`);
      }
      const occupied: string[] = [];
      for (const plan of plans) if ((await countRows(tx, plan.name)) > 0) occupied.push(plan.name);
      if (occupied.length > 0) {
        if (!opts.force) {
          throw new CopyRefusedError(`The target already holds data (${occupied.join(', ')}). Copy into an empty database, or pass --force to replace what it holds.`);
        }
        // Children first, so no foreign key is left dangling at any step.
        for (const plan of [...plans].reverse()) await tx.run(`DELETE FROM ${quote(plan.name)}`);
        log(`--force: emptied ${occupied.join(', ')} in the target.`);
      }

      const counts = new Map<string, number>();
      for (const plan of plans) {
        const width = plan.columns.length;
        const perBatch = Math.max(1, Math.min(opts.batchSize ?? 500, Math.floor(30_000 / Math.max(1, width))));
        const head = `INSERT INTO ${quote(plan.name)} (${plan.columns.map(quote).join(', ')}) VALUES `;
        const rowPlaceholders = `(${plan.columns.map(() => '?').join(', ')})`;
        let batch: SqlValue[] = [];
        let rowsInBatch = 0;
        let total = 0;
        const flush = async () => {
          if (rowsInBatch === 0) return;
          await tx.run(head + new Array(rowsInBatch).fill(rowPlaceholders).join(', '), batch);
          total += rowsInBatch;
          batch = [];
          rowsInBatch = 0;
        };
        const stmt = src.prepare(plan.select).raw(true);
        for (const row of stmt.iterate() as Iterable<unknown[]>) {
          for (const v of row) batch.push(toSqlValue(v));
          rowsInBatch++;
          if (rowsInBatch >= perBatch) await flush();
        }
        await flush();
        counts.set(plan.name, total);
        log(`Copied ${plan.name}: ${total} row(s).`);
      }

      // Serial ids (events, audit entries) continue after the copied ones.
      const serials = await tx.all<{ table_name: string; column_name: string }>(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
      );
      for (const s of serials) {
        if (!plans.some((p) => p.name === s.table_name)) continue;
        await tx.get(
          `SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX(${quote(s.column_name)}) FROM ${quote(s.table_name)}), 0) + 1, false)`,
          [quote(s.table_name), s.column_name],
        );
      }
      return counts;
    });

    // Verify from both sides, after the commit: the source within the same snapshot it was read in.
    const tables: TableCount[] = [];
    for (const plan of plans) {
      const source = Number((src.prepare(`SELECT COUNT(*) AS n FROM ${quote(plan.name)}`).get() as { n: number }).n);
      const target = await countRows(opts.to, plan.name);
      if (copied.get(plan.name) !== source) log(`Warning: read ${copied.get(plan.name)} row(s) of ${plan.name} but the source holds ${source} (rows whose parent is missing are not copied).`);
      tables.push({ table: plan.name, source, target });
    }
    return { tables, ok: tables.every((t) => t.source === t.target) };
  } finally {
    if (src.inTransaction) src.exec('COMMIT');
    src.close();
  }
}

export function formatCounts(result: CopyResult): string {
  const width = Math.max(5, ...result.tables.map((t) => t.table.length));
  const lines = [`${'table'.padEnd(width)}  ${'source'.padStart(8)}  ${'target'.padStart(8)}  check`];
  for (const t of result.tables) {
    lines.push(`${t.table.padEnd(width)}  ${String(t.source).padStart(8)}  ${String(t.target).padStart(8)}  ${t.source === t.target ? 'ok' : 'MISMATCH'}`);
  }
  return lines.join('\n');
}

export const copyCommand: Command = {
  args: '--from FILE --to URL [--force]',
  summary: 'copy a SQLite site into PostgreSQL and verify the counts',
  async run(argv: string[], config: Config): Promise<void> {
    const { values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        force: { type: 'boolean', default: false },
        batch: { type: 'string' },
      },
    });
    const from = values.from ?? join(config.dataDir, 'byline.db');
    const to = values.to ?? config.databaseUrl;
    if (!to || !/^postgres(ql)?:\/\//.test(to)) {
      console.error('Usage: byline copy --from <sqlite file or data folder> --to postgres://user@host:5432/db [--force]');
      process.exitCode = 2;
      return;
    }
    const batchSize = values.batch === undefined ? undefined : Number(values.batch);
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
      console.error(`--batch '${values.batch}' must be a whole number above 0.`);
      process.exitCode = 2;
      return;
    }
    const { PgDriver } = await import('../store/postgres.ts');
    const driver = new PgDriver(to, { statementTimeoutMs: 0 });
    const started = Date.now();
    try {
      const result = await copySite({ from, to: driver, force: values.force, batchSize, log: (line) => console.error(line) });
      console.log(formatCounts(result));
      if (!result.ok) {
        console.error('The counts differ: the copy is NOT complete. Do not switch the site over.');
        process.exitCode = 1;
        return;
      }
      console.log(`Copied and verified ${result.tables.length} tables in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    } catch (err) {
      console.error(`Copy failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    } finally {
      await driver.close();
    }
  },
};
