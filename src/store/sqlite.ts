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
 *
 * The reads of one turn of the event loop share one read transaction on that connection (see
 * shareSnapshot): each read on its own takes and drops SQLite's locks, system calls that cost
 * about as much as the small reads a page view makes. The snapshot never outlives the turn,
 * and a commit on the writer ends it first, so a read after a write always sees the write.
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
    this.readExec = this.executor(this.reader, this.reader === this.writer ? this.statements : this.readStatements);
    this.writeExec = this.executor(this.writer, this.statements);
    // An in-memory database has one connection, the writer's: its reads take no locks to share.
    if (this.reader !== this.writer) {
      this.beginRead = this.reader.prepare('BEGIN');
      this.endRead = this.reader.prepare('COMMIT');
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

  // Built once: reads outside a transaction are the hottest path, and need no object of their own.
  private readonly readExec: SqlExecutor;
  private readonly writeExec: SqlExecutor;
  private readonly beginRead: Database.Statement | undefined;
  private readonly endRead: Database.Statement | undefined;
  /** Whether the reader connection holds this turn's shared read transaction. */
  private sharing = false;

  /**
   * Opens the read transaction this turn's reads share, if none is open: it ends when the turn
   * does (setImmediate: the loop does not wait for I/O while an immediate is due), or before
   * the writer commits, whichever comes first.
   */
  private shareSnapshot(): void {
    if (this.sharing || !this.beginRead || this.reader.inTransaction) return;
    this.beginRead.run();
    this.sharing = true;
    setImmediate(this.releaseSnapshot);
  }

  /** Ends the shared read transaction, if one is open; a read-only COMMIT only lets go of the snapshot. */
  private readonly releaseSnapshot = (): void => {
    if (!this.sharing) return;
    this.sharing = false;
    if (this.reader.inTransaction) this.endRead?.run();
  };

  async all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    this.shareSnapshot();
    return this.readExec.all<T>(sql, params);
  }
  async get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    this.shareSnapshot();
    return this.readExec.get<T>(sql, params);
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
      const tx = this.writeExec;
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
        // Reads that follow must see this commit, and a snapshot held open would keep the
        // checkpoint from recycling the WAL.
        this.releaseSnapshot();
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
    this.releaseSnapshot();
    this.writer.exec(sql);
  }

  async ping(): Promise<void> {
    this.reader.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    while (this.draining) await new Promise((r) => setImmediate(r));
    this.releaseSnapshot();
    if (this.reader !== this.writer) this.reader.close();
    this.writer.close();
  }
}
