import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Config } from '../config.ts';
import type { Driver, SqlExecutor, SqlValue } from '../store/driver.ts';
import { chooseEngine, openDriver, sqliteFileIn } from '../store/engine.ts';
import { migrate, migrations } from '../store/schema.ts';
import { missingFromShape, type SchemaShape, shapeOf } from '../store/schema-shape.ts';
import { copiedTables, type TableSpec } from '../store/tables.ts';
import type { Command } from './command.ts';

// `byline copy --from <sqlite file> --to postgres://...`: moves a whole site from SQLite to
// PostgreSQL. It copies every table of the schema (src/store/tables.ts) but the migration ledger,
// parents before children, in one PostgreSQL transaction, then counts every table on both sides.

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
  /** The SELECT reading the source rows, parents before children within the table. */
  select: string;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** How each table is read from the source: in insertion order, and a tree's parents before its replies. */
function planTable(spec: TableSpec): TablePlan {
  const columns = spec.columns.map((c) => c.name);
  const table = quote(spec.name);
  const selected = columns.map((c) => `t.${quote(c)}`).join(', ');
  const tree = spec.def.tree;
  if (!tree) return { name: spec.name, columns, select: `SELECT ${selected} FROM ${table} t ORDER BY t.rowid` };
  // A tree in one table (comments and their replies): rows sorted by their distance from a
  // root, so a reply is never inserted before the comment it answers.
  const from = quote(tree.parent);
  const key = quote(tree.key);
  const select = `WITH RECURSIVE tree(k, lvl) AS (
      SELECT ${key}, 0 FROM ${table} WHERE ${from} IS NULL
      UNION ALL SELECT c.${key}, tree.lvl + 1 FROM ${table} c JOIN tree ON c.${from} = tree.k WHERE tree.lvl < 100000
    )
    SELECT ${selected} FROM ${table} t JOIN tree ON tree.k = t.${key}
    ORDER BY tree.lvl, t.rowid`;
  return { name: spec.name, columns, select };
}

/** The tables and columns the copy reads and writes, as a shape to compare databases against. */
function planShape(plans: TablePlan[]): SchemaShape {
  return new Map(plans.map((p) => [p.name, p.columns]));
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
  const file = existsSync(from) && statSync(from).isDirectory() ? sqliteFileIn(from) : from;
  if (!existsSync(file)) throw new CopyRefusedError(`There is no SQLite database at ${file}.`);
  return file;
}

/** Refuses a source that is not a complete Byline database of exactly this version's migrations. */
function checkSource(src: Database.Database, file: string, plans: TablePlan[]): void {
  const known = new Set(migrations.map((m) => m.version));
  const hasLedger = src.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
  const applied = hasLedger
    ? (src.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => Number(r.version))
    : [];
  if (applied.length === 0) throw new CopyRefusedError(`${file} is not a Byline database (it has no applied migrations).`);
  const unknown = applied.filter((v) => !known.has(v));
  if (unknown.length > 0)
    throw new CopyRefusedError(`${file} was written by a newer Byline (migrations ${unknown.join(', ')}); upgrade this Byline first.`);
  const missing = [...known].filter((v) => !applied.includes(v));
  if (missing.length > 0) {
    throw new CopyRefusedError(
      `${file} lacks migrations ${missing.join(', ')}; run \`byline migrate\` on the SQLite site first (BYLINE_DATA_DIR=<its folder>, no DATABASE_URL).`,
    );
  }
  const absent = missingFromShape(shapeOf(src), planShape(plans));
  if (absent.length > 0) throw new CopyRefusedError(`${file} is not a complete Byline database: it lacks ${absent.join(', ')}.`);
}

/** Every table must exist in the target with every column the copy writes. */
async function checkTarget(target: Driver, plans: TablePlan[]): Promise<void> {
  const live = await target.liveSchema();
  for (const plan of plans) {
    const columns = live.get(plan.name);
    if (!columns) throw new CopyRefusedError(`The target has no table ${plan.name}.`);
    const absent = plan.columns.filter((c) => !columns.some((have) => have.name === c));
    if (absent.length > 0) throw new CopyRefusedError(`The target's ${plan.name} lacks column(s) ${absent.join(', ')}.`);
  }
}

/** Refuses a target that holds data, or (with --force) empties it, children first. */
async function emptyTarget(tx: SqlExecutor, plans: TablePlan[], force: boolean | undefined, log: (line: string) => void): Promise<void> {
  const occupied: string[] = [];
  for (const plan of plans) if ((await countRows(tx, plan.name)) > 0) occupied.push(plan.name);
  if (occupied.length === 0) return;
  if (!force) {
    throw new CopyRefusedError(
      `The target already holds data (${occupied.join(', ')}). Copy into an empty database, or pass --force to replace what it holds.`,
    );
  }
  // Children first, so no foreign key is left dangling at any step.
  for (const plan of [...plans].reverse()) await tx.run(`DELETE FROM ${quote(plan.name)}`);
  log(`--force: emptied ${occupied.join(', ')} in the target.`);
}

/** Copies one table's rows in multi-row INSERTs; answers how many. */
async function copyTable(tx: SqlExecutor, src: Database.Database, plan: TablePlan, batchSize: number | undefined): Promise<number> {
  const width = plan.columns.length;
  const perBatch = Math.max(1, Math.min(batchSize ?? 500, Math.floor(30_000 / Math.max(1, width))));
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
  return total;
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
  const plans = copiedTables().map(planTable);
  const src = new Database(file, { readonly: true, fileMustExist: true });
  try {
    src.defaultSafeIntegers(false);
    src.exec('BEGIN');
    checkSource(src, file, plans);
    const appliedNow = await migrate(opts.to);
    if (appliedNow.length > 0) log(`Migrated the target: ${appliedNow.join(', ')}.`);
    await checkTarget(opts.to, plans);

    const copied = await opts.to.transaction(async (tx) => {
      await emptyTarget(tx, plans, opts.force, log);
      const counts = new Map<string, number>();
      for (const plan of plans) {
        counts.set(plan.name, await copyTable(tx, src, plan, opts.batchSize));
        log(`Copied ${plan.name}: ${counts.get(plan.name)} row(s).`);
      }
      // Serial ids (events, audit entries, notifications) continue after the copied ones.
      for (const spec of copiedTables()) if (spec.def.serial) await opts.to.continueSerial(tx, spec.name, spec.def.serial);
      return counts;
    });

    // Verify from both sides, after the commit: the source within the same snapshot it was read in.
    const tables: TableCount[] = [];
    for (const plan of plans) {
      const source = Number((src.prepare(`SELECT COUNT(*) AS n FROM ${quote(plan.name)}`).get() as { n: number }).n);
      const target = await countRows(opts.to, plan.name);
      if (copied.get(plan.name) !== source)
        log(
          `Warning: read ${copied.get(plan.name)} row(s) of ${plan.name} but the source holds ${source} (rows whose parent is missing are not copied).`,
        );
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
    lines.push(
      `${t.table.padEnd(width)}  ${String(t.source).padStart(8)}  ${String(t.target).padStart(8)}  ${t.source === t.target ? 'ok' : 'MISMATCH'}`,
    );
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
    const from = values.from ?? sqliteFileIn(config.dataDir);
    const target = chooseEngine({ databaseUrl: values.to ?? config.databaseUrl, dataDir: config.dataDir });
    if (target.engine !== 'postgres') {
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
    // No statement timeout: one INSERT of a large table may rightly take a while.
    const driver = await openDriver(target, { postgres: { statementTimeoutMs: 0 } });
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
