import type { DiscussionStore } from '../discussion/ports.ts';
import type { NotifyStore } from '../notify/ports.ts';
import type { Driver, EngineAccess } from './driver.ts';
import type { BackupStore, HealthStore, StoreLifecycle } from './ports.ts';
import { migrate } from './schema.ts';
import { sqlBackupStore } from './sql/backup.ts';
import { sqlCommentStore } from './sql/comments.ts';
import { sqlEventStore } from './sql/events.ts';
import { sqlHealthStore } from './sql/health.ts';
import { sqlIdentityStore } from './sql/identities.ts';
import { sqlInboxStore } from './sql/inbox.ts';
import { sqlModerationStore } from './sql/moderation.ts';
import { sqlNotifyStore } from './sql/notify.ts';
import { sqlVoteStore } from './sql/votes.ts';
import type { Store } from './store.ts';

/** Every port's SQL module over one driver; the annotation makes a port left out a type error. */
function sqlPorts(driver: Driver): DiscussionStore & NotifyStore & BackupStore & Omit<HealthStore, 'engine'> {
  return {
    ...sqlIdentityStore(driver),
    ...sqlCommentStore(driver),
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
  constructor(readonly driver: Driver) {
    Object.assign(this, sqlPorts(driver));
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
