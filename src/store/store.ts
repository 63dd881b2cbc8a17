// The storage interface the rest of Byline talks to: the intersection of the narrow ports by job
// (ports.ts). New code should ask for the ports it uses rather than for all of `Store`. The
// records live in the domain (src/discussion/records.ts) and are re-exported here so existing
// imports keep working.
import type { DiscussionStore } from '../discussion/ports.ts';
import type { NotifyStore } from '../notify/ports.ts';
import type { BackupStore, HealthStore, StoreLifecycle } from './ports.ts';

export type {
  AuditEntry,
  CommentFilter,
  CommentRecord,
  CommentState,
  EventPruning,
  IdentityExport,
  IdentityRecord,
  NewComment,
  NotificationKind,
  NotificationRecord,
  OwnComment,
  RekeyReport,
  Role,
  SessionRecord,
  StoredEvent,
  VoteCountRule,
  VoteRecord,
  VoteResult,
} from '../discussion/records.ts';
export { RecordMissingError } from '../discussion/records.ts';
export type {
  BackupStore,
  CommentStore,
  DatabaseExport,
  DiscussionStore,
  EventStore,
  HealthStore,
  IdentityStore,
  InboxStore,
  ModerationStore,
  StoreLifecycle,
  VoteStore,
} from './ports.ts';

export type Store = DiscussionStore & NotifyStore & BackupStore & HealthStore & StoreLifecycle;
