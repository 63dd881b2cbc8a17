import Database from 'better-sqlite3';
import type { Driver, LiveColumn, Row, SqliteAccess, SqlExecutor, SqlValue } from './driver.ts';

interface Pending {
  fn: (tx: SqlExecutor) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * SQLite through better-sqlite3, in WAL mode with synchronous=FULL so that a committed
 * transaction survives a power cut, not only a process crash.
 *
 * Writes go through one connection and are group-committed: transactions that queue up while
 * one is running are run together inside a single BEGIN…COMMIT, each in its own SAVEPOINT (so
 * one failing rolls back only itself), and every caller is answered after the shared COMMIT.
 * One fsync then acknowledges many writers, which is how durable votes stay fast.
 * Reads outside a transaction use a second connection, which WAL lets run beside the writer.
 */
export class SqliteDriver implements Driver {
  readonly dialect = 'sqlite' as const;
  readonly label = 'sqlite';
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly readStatements = new Map<string, Database.Statement>();
  private queue: Pending[] = [];
  private draining = false;
  /** Most transactions folded into one commit; bounds the latency of the first writer in a batch. */
  private readonly maxBatch = 256;

  constructor(readonly file: string) {
    this.writer = new Database(file);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma('synchronous = FULL');
    this.writer.pragma('foreign_keys = ON');
    this.writer.pragma('busy_timeout = 5000');
    this.reader = file === ':memory:' ? this.writer : new Database(file, { readonly: false });
    if (this.reader !== this.writer) {
      this.reader.pragma('foreign_keys = ON');
      this.reader.pragma('busy_timeout = 5000');
    }
  }

  /** The writer connection, for tools that need SQLite itself (online backup). */
  get database(): Database.Database {
    return this.writer;
  }

  get access(): SqliteAccess {
    return { engine: 'sqlite', file: this.file, database: this.writer };
  }

  // SQLite has one writer at a time (BEGIN IMMEDIATE), so migrations and events are already in
  // order (an event's position is given in its INSERT), and AUTOINCREMENT follows explicit ids by
  // itself.
  readonly positionsEventsOnInsert = true;
  async lockForMigration(): Promise<void> {}
  async lockEventSequencer(): Promise<void> {}
  async continueSerial(): Promise<void> {}

  async liveSchema(): Promise<Map<string, LiveColumn[]>> {
    const shape = new Map<string, LiveColumn[]>();
    const tables = this.reader
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[];
    for (const { name } of tables) {
      const columns = this.reader
        .prepare('SELECT name, type, "notnull" AS not_null, pk FROM pragma_table_info(?) ORDER BY cid')
        .all(name) as {
        name: string;
        type: string;
        not_null: number;
        pk: number;
      }[];
      // A primary key column is reported NOT NULL, as PostgreSQL reports it: the store never
      // writes NULL there, though SQLite would allow it in a key that is not an INTEGER.
      shape.set(
        name,
        columns.map((c) => ({ name: c.name, type: c.type, notNull: c.not_null === 1 || c.pk > 0 })),
      );
    }
    return shape;
  }

  private prepare(db: Database.Database, cache: Map<string, Database.Statement>, sql: string): Database.Statement {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  }

  private executor(db: Database.Database, cache: Map<string, Database.Statement>): SqlExecutor {
    return {
      all: async <T = Row>(sql: string, params: readonly SqlValue[] = []) => this.prepare(db, cache, sql).all(...params) as T[],
      get: async <T = Row>(sql: string, params: readonly SqlValue[] = []) => this.prepare(db, cache, sql).get(...params) as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) => {
        const stmt = this.prepare(db, cache, sql);
        if (stmt.reader) {
          stmt.all(...params);
          return { changes: 0 };
        }
        return { changes: stmt.run(...params).changes };
      },
    };
  }

  private readonly readExec = (): SqlExecutor =>
    this.executor(this.reader, this.reader === this.writer ? this.statements : this.readStatements);
  private readonly writeExec = (): SqlExecutor => this.executor(this.writer, this.statements);

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.readExec().all<T>(sql, params);
  }
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.readExec().get<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // Let the writers of this tick join the batch before it starts.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const tx = this.writeExec();
      const outcomes: { ok: boolean; value: unknown }[] = [];
      try {
        this.writer.exec('BEGIN IMMEDIATE');
      } catch (err) {
        for (const p of batch) p.reject(err);
        continue;
      }
      for (const p of batch) {
        this.writer.exec('SAVEPOINT tx');
        try {
          const value = await p.fn(tx);
          this.writer.exec('RELEASE tx');
          outcomes.push({ ok: true, value });
        } catch (err) {
          this.writer.exec('ROLLBACK TO tx');
          this.writer.exec('RELEASE tx');
          outcomes.push({ ok: false, value: err });
        }
      }
      try {
        this.writer.exec('COMMIT');
      } catch (err) {
        if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
        for (const p of batch) p.reject(err);
        continue;
      }
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) p.resolve(outcome.value);
        else p.reject(outcome.value);
      });
    }
    this.draining = false;
  }

  async exec(sql: string): Promise<void> {
    this.writer.exec(sql);
  }

  async ping(): Promise<void> {
    this.reader.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    while (this.draining) await new Promise((r) => setImmediate(r));
    if (this.reader !== this.writer) this.reader.close();
    this.writer.close();
  }
}
