import Database from 'better-sqlite3';
import { migrationSql, migrations, splitStatements } from './schema.ts';

/**
 * The shape of a Byline database, table → columns, as the migrations create it. It is read from
 * an in-memory SQLite database the migrations are applied to, so it follows every new migration
 * without a second list to keep in step (table and column names are the same on PostgreSQL).
 */
export type SchemaShape = Map<string, string[]>;

const shapes = new Map<string, SchemaShape>();

/** The tables and columns that the migrations with these versions create (all of them by default). */
export function expectedShape(versions: readonly number[] = migrations.map((m) => m.version)): SchemaShape {
  const wanted = new Set(versions);
  const cacheKey = [...wanted].sort((a, b) => a - b).join(',');
  const cached = shapes.get(cacheKey);
  if (cached) return cached;
  const db = new Database(':memory:');
  try {
    for (const m of migrations) {
      if (!wanted.has(m.version)) continue;
      for (const statement of splitStatements(migrationSql('sqlite', m.sql))) db.exec(statement);
    }
    const shape = shapeOf(db);
    shapes.set(cacheKey, shape);
    return shape;
  } finally {
    db.close();
  }
}

/** The tables and columns a SQLite database holds (SQLite's own tables left out). */
export function shapeOf(db: Database.Database): SchemaShape {
  const shape: SchemaShape = new Map();
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
    name: string;
  }[];
  for (const { name } of tables) {
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').all(name) as { name: string }[];
    shape.set(
      name,
      columns.map((c) => c.name),
    );
  }
  return shape;
}

/** What `actual` lacks of `expected`, one line per missing table or column ("table comments", "column comments.score"). */
export function missingFromShape(actual: SchemaShape, expected: SchemaShape): string[] {
  const missing: string[] = [];
  for (const [table, columns] of expected) {
    const have = actual.get(table);
    if (!have) {
      missing.push(`table ${table}`);
      continue;
    }
    for (const column of columns) if (!have.includes(column)) missing.push(`column ${table}.${column}`);
  }
  return missing;
}

/**
 * One query that reads every column of every table the migrations create, a row at most each:
 * it fails, naming the table or column, when any of them is missing. Cheap enough for /healthz.
 */
export function schemaProbeSql(shape: SchemaShape = expectedShape()): string {
  const probes = [...shape].map(
    ([table, columns]) => `(SELECT COUNT(*) FROM (SELECT ${columns.join(', ')} FROM ${table} LIMIT 1) AS probe_${table}) AS ${table}`,
  );
  return `SELECT ${probes.join(', ')}`;
}
