import type { DiscussionStore, Transaction, Transactions } from '../discussion/ports.ts';
import type { NotifyStore } from '../notify/ports.ts';
import type { Driver, EngineAccess, SqlExecutor } from './driver.ts';
import type { BackupStore, HealthStore, StoreLifecycle } from './ports.ts';
import { migrate } from './schema.ts';
import { sqlBackupStore } from './sql/backup.ts';
import { type OpenTransaction, sqlCommentStore } from './sql/comments.ts';
import { sqlEventStore } from './sql/events.ts';
import { sqlHealthStore } from './sql/health.ts';
import { sqlIdentityStore } from './sql/identities.ts';
import { sqlInboxStore } from './sql/inbox.ts';
import { sqlModerationStore } from './sql/moderation.ts';
import { sqlNotifyStore } from './sql/notify.ts';
import { sqlVoteStore } from './sql/votes.ts';
import type { Store } from './store.ts';

/** A transaction as the domain holds it: the executor it runs on, and what waits for its commit. */
class SqlTransaction implements Transaction {
  private readonly waiting: (() => void)[] = [];
  /** The store's ports bound to this transaction, made on first use (SqlStore.within). */
  bound: SqlStore | undefined;

  constructor(readonly executor: SqlExecutor) {}

  afterCommit(fn: () => void): void {
    this.waiting.push(fn);
  }

  committed(): void {
    for (const fn of this.waiting) {
      try {
        fn();
      } catch (err) {
        console.error('After a commit:', err);
      }
    }
  }
}

function openOn(driver: Driver): OpenTransaction {
  return async (fn) => {
    // A driver may run the body again (PostgreSQL after a deadlock): the last run's scope is the one that committed.
    let scope: SqlTransaction | undefined;
    const value = await driver.transaction((tx) => {
      scope = new SqlTransaction(tx);
      return fn(tx, scope);
    });
    scope?.committed();
    return value;
  };
}

/** Inside an open transaction a "new" one is that same transaction: it commits (and tells) once, at the end. */
const openWithin =
  (scope: SqlTransaction): OpenTransaction =>
  (fn) =>
    fn(scope.executor, scope);

/**
 * The driver as seen from inside the open transaction `tx`: every statement runs in it, and a
 * transaction asked for runs its body in it too. Everything else (locks, the engine's own
 * methods) is the driver's, reached through the prototype.
 */
function driverWithin(driver: Driver, tx: SqlExecutor): Driver {
  const bound = Object.create(driver) as Driver;
  return Object.assign(bound, {
    all: tx.all.bind(tx),
    get: tx.get.bind(tx),
    run: tx.run.bind(tx),
    transaction: <T>(fn: (inner: SqlExecutor) => Promise<T>) => fn(tx),
  });
}

/** Every port's SQL module over one driver; the annotation makes a port left out a type error. */
function sqlPorts(
  driver: Driver,
  open: OpenTransaction,
): Omit<DiscussionStore, keyof Transactions> & NotifyStore & BackupStore & Omit<HealthStore, 'engine'> {
  return {
    ...sqlIdentityStore(driver),
    ...sqlCommentStore(driver, open),
    ...sqlVoteStore(driver),
    ...sqlModerationStore(driver),
    ...sqlInboxStore(driver),
    ...sqlEventStore(driver),
    ...sqlBackupStore(driver),
    ...sqlHealthStore(driver),
    ...sqlNotifyStore(driver),
  };
}

// The class carries the ports' methods (copied in by the constructor), which this declaration
// tells TypeScript about; `sqlPorts`' return type is what checks that every one is there.
export interface SqlStore extends DiscussionStore, NotifyStore, BackupStore, HealthStore, StoreLifecycle {}

/**
 * The one implementation of every storage port, over a driver for SQLite, PostgreSQL or PGlite.
 * Each port has its own SQL module (src/store/sql/); every query there runs unchanged on both
 * engines (see schema.ts for the shared dialect), and what differs is a method of the driver.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares what the constructor assigns
export class SqlStore implements Store {
  private readonly open: OpenTransaction;

  /** `scope`: the open transaction this store's ports are bound to (see `within`); none for the site's store. */
  constructor(
    readonly driver: Driver,
    scope?: SqlTransaction,
  ) {
    this.open = scope ? openWithin(scope) : openOn(driver);
    Object.assign(this, sqlPorts(driver, this.open));
  }

  within<S>(this: S, tx: Transaction): S {
    const self = this as unknown as SqlStore;
    if (!(tx instanceof SqlTransaction)) throw new Error('That transaction is not one this store opened.');
    tx.bound ??= new SqlStore(driverWithin(self.driver, tx.executor), tx);
    return tx.bound as unknown as S;
  }

  inTransaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.open((_tx, scope) => fn(scope));
  }

  get engine(): string {
    return this.driver.label;
  }

  get access(): EngineAccess {
    return this.driver.access;
  }

  migrate(): Promise<number[]> {
    return migrate(this.driver);
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
