// Every storage port by job, in one place. The discussion's ports (identities and sessions,
// comments, votes, moderation, inbox, live events) are defined by the domain in
// src/discussion/ports.ts and re-exported here; the ports below serve only the operator's tools
// and the server itself. SqlStore (sql-store.ts) implements them all.
import type { EngineAccess } from './driver.ts';

export type {
  CommentStore,
  DiscussionStore,
  EventStore,
  IdentityStore,
  InboxStore,
  ModerationStore,
  VoteStore,
} from '../discussion/ports.ts';

/** Every table of the discussion as plain rows, column names as in the schema (see `byline export`). */
export type DatabaseExport = { format: 'byline-export'; version: 1; tables: Record<string, Record<string, string | number | null>[]> };

/** The whole discussion in and out, for `byline export` and `byline import`. */
export interface BackupStore {
  exportAll(): Promise<DatabaseExport>;
  /** Loads an export into an empty database; refuses a database that already holds identities or comments. */
  importAll(data: DatabaseExport): Promise<void>;
}

/** What /healthz and the start-up log ask of the store. */
export interface HealthStore {
  /** "sqlite", "pglite" or "postgres". */
  readonly engine: string;
  ping(): Promise<void>;
  /** Why the database can't serve the pages (a table or column missing), or undefined when it can. */
  schemaProblem(): Promise<string | undefined>;
}

/** Opening, upgrading and closing the store, and what only its engine can do. */
export interface StoreLifecycle {
  /** The engine underneath, with its own capabilities (see driver.ts); narrow on `access.engine`. */
  readonly access: EngineAccess;
  /** Applies the migrations not yet applied; answers their versions. */
  migrate(): Promise<number[]>;
  close(): Promise<void>;
}
