// The thin seam between Byline's one SQL store and a database engine. Queries are written once,
// with `?` placeholders, in the SQL that SQLite and PostgreSQL share; a driver runs them.

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

export type Dialect = 'sqlite' | 'postgres';

export interface Driver extends SqlExecutor {
  readonly dialect: Dialect;
  /** A short label for logs and test names: "sqlite", "pglite", "postgres". */
  readonly label: string;
  /**
   * Runs `fn` in a transaction: all of it commits or none of it does, and the promise resolves
   * only after the commit is durable. Drivers may commit several transactions together.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  /** Cheap round trip for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by drivers when the database cannot be reached, so the web layer answers 503. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`The database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreUnavailableError';
  }
}

/** True for a unique-constraint violation in either engine. */
export function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === '23505';
}
