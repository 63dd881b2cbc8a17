import type { LiveColumn, SqlExecutor } from './driver.ts';

// What PostgreSQL needs that SQLite does not, written once for both PostgreSQL drivers (a server
// through node-postgres, PGlite in-process): advisory locks, sequences, and reading the schema.

/** Advisory lock keys ("byli", "byle"): any constant unique to Byline will do. */
const MIGRATION_LOCK = 0x62796c69;
const EVENT_ORDER_LOCK = 0x62796c65;

const converted = new Map<string, string>();
/** The store's statements are a fixed set; the bound only matters if a caller builds SQL dynamically. */
const maxConverted = 2048;

/**
 * Rewrites the `?` placeholders that the store writes (SQLite's style) into PostgreSQL's `$1…$n`.
 * The store's SQL never puts a `?` inside a string literal, so a plain scan is enough. The result
 * is cached per SQL string because the same few statements run on every request.
 */
export function toPostgresPlaceholders(sql: string): string {
  let out = converted.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    if (converted.size >= maxConverted) converted.clear();
    converted.set(sql, out);
  }
  return out;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function lockForMigration(tx: SqlExecutor): Promise<void> {
  await tx.get('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
}

/**
 * PostgreSQL hands out serial ids before commit, so writers commit them out of order; live readers
 * therefore move by a position that the event sequencer gives after commit. Only sequencers take
 * this lock, never a writer: holding it through its commit, each sequencer's positions are visible
 * before the next one reads the highest. Keyed by schema too, so sites (or test runs) sharing one
 * server don't queue on each other.
 */
export async function lockEventSequencer(tx: SqlExecutor): Promise<void> {
  await tx.get('SELECT pg_advisory_xact_lock(hashtext(current_schema()), ?)', [EVENT_ORDER_LOCK]);
}

/** Sets the column's sequence past the highest id present (rows written with explicit ids don't advance it). */
export async function continueSerial(tx: SqlExecutor, table: string, column: string): Promise<void> {
  await tx.get(
    `SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX(${quoteIdent(column)}) FROM ${quoteIdent(table)}), 0) + 1, false) AS v`,
    [quoteIdent(table), column],
  );
}

/** The tables of the current schema (the search path's first), columns in declared order. */
export async function liveSchema(db: SqlExecutor): Promise<Map<string, LiveColumn[]>> {
  const rows = await db.all<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`,
  );
  const shape = new Map<string, LiveColumn[]>();
  for (const r of rows) {
    const columns = shape.get(r.table_name) ?? [];
    columns.push({ name: r.column_name, type: r.data_type, notNull: r.is_nullable === 'NO' });
    shape.set(r.table_name, columns);
  }
  return shape;
}
