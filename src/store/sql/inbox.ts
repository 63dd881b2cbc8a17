import type { InboxStore, Transactions } from '../../discussion/ports.ts';
import {
  type CommentState,
  type DayActivity,
  type DeskCounts,
  INBOX_AMOUNTS,
  type IdentityRecord,
  type InboxAmount,
  type InboxSettings,
  type NotificationEntry,
  type NotificationKind,
  type NotificationRecord,
} from '../../discussion/records.ts';
import type { Driver } from '../driver.ts';
import { columnList, type RowOf } from '../tables.ts';
import { type IdentityRow, identityColumns, num, numOrNull, toIdentity } from './rows.ts';

const DAY_MS = 86_400_000;

type NotificationRow = RowOf<'notifications'>;

function toNotification(r: NotificationRow): NotificationRecord {
  return {
    id: num(r.id),
    identityId: r.identity_id,
    kind: r.kind as NotificationKind,
    commentId: r.comment_id,
    articleSlug: r.article_slug,
    actorName: r.actor_name,
    createdAt: num(r.created_at),
    readAt: numOrNull(r.read_at),
  };
}

type EntryRow = NotificationRow & {
  c_body: string | null;
  c_state: string | null;
  c_identity_id: string | null;
  c_muted: number | string | null;
  root_id: string | null;
};

/**
 * The latest notifications with their comments and each comment's thread root, in one query: the
 * recursive part walks up from the listed comments only (bounded like CommentStore.threadRoot).
 */
const ENTRIES_SQL = `WITH RECURSIVE
  recent(nid, comment_id) AS (SELECT id, comment_id FROM notifications WHERE identity_id = ? ORDER BY id DESC LIMIT ?),
  up(nid, id, parent_id, n) AS (
    SELECT r.nid, c.id, c.parent_id, 0 FROM recent r JOIN comments c ON c.id = r.comment_id
    UNION ALL
    SELECT up.nid, c.id, c.parent_id, up.n + 1 FROM comments c JOIN up ON c.id = up.parent_id WHERE up.n < 64
  ),
  roots(nid, root_id) AS (SELECT nid, id FROM up WHERE parent_id IS NULL)
SELECT ${columnList('notifications', undefined, 'n')}, c.body AS c_body, c.state AS c_state, c.identity_id AS c_identity_id,
  ci.muted AS c_muted, roots.root_id
FROM recent
  JOIN notifications n ON n.id = recent.nid
  LEFT JOIN comments c ON c.id = n.comment_id
  LEFT JOIN identities ci ON ci.id = c.identity_id
  LEFT JOIN roots ON roots.nid = n.id
ORDER BY n.id DESC`;

function toEntry(r: EntryRow): NotificationEntry {
  const comment =
    r.c_body !== null && r.c_state !== null
      ? {
          body: r.c_body,
          state: r.c_state as CommentState,
          identityId: r.c_identity_id,
          authorMuted: Number(r.c_muted) === 1,
          rootId: r.root_id ?? r.comment_id ?? '',
        }
      : null;
  return { ...toNotification(r), comment };
}

/** A stored amount, or null where none was chosen (or one this version does not know). */
function asAmount(value: string | null | undefined): InboxAmount | null {
  return INBOX_AMOUNTS.find((a) => a === value) ?? null;
}

/** Written by readers: comments whose writer is gone count, the author's own do not. */
const BY_READERS = "(ci.role IS NULL OR ci.role <> 'author')";

/** The inbox's queries; binding them to a transaction is the whole store's (SqlStore.within). */
export function sqlInboxStore(driver: Driver): Omit<InboxStore, keyof Transactions> {
  return {
    async addNotification(n: Omit<NotificationRecord, 'id' | 'readAt'>): Promise<void> {
      await driver.run(
        'INSERT INTO notifications (identity_id, kind, comment_id, article_slug, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        [n.identityId, n.kind, n.commentId, n.articleSlug, n.actorName, n.createdAt],
      );
    },

    async listNotifications(identityId: string, limit: number): Promise<NotificationRecord[]> {
      const rows = await driver.all<RowOf<'notifications'>>(
        `SELECT ${columnList('notifications')} FROM notifications WHERE identity_id = ? ORDER BY id DESC LIMIT ?`,
        [identityId, limit],
      );
      return rows.map(toNotification);
    },

    async listNotificationEntries(identityId: string, limit: number): Promise<NotificationEntry[]> {
      return (await driver.all<EntryRow>(ENTRIES_SQL, [identityId, limit])).map(toEntry);
    },

    async countUnread(identityId: string): Promise<number> {
      const row = await driver.get<{ n: number | string }>(
        'SELECT COUNT(*) AS n FROM notifications WHERE identity_id = ? AND read_at IS NULL',
        [identityId],
      );
      return num(row!.n);
    },

    async markNotificationsRead(identityId: string, now: number): Promise<number> {
      return (await driver.run('UPDATE notifications SET read_at = ? WHERE identity_id = ? AND read_at IS NULL', [now, identityId]))
        .changes;
    },

    async setFeedTokenHash(identityId: string, hash: string | null): Promise<void> {
      await driver.run('UPDATE identities SET feed_token_hash = ? WHERE id = ?', [hash, identityId]);
    },

    async hasFeedToken(identityId: string): Promise<boolean> {
      const row = await driver.get<{ feed_token_hash: string | null }>('SELECT feed_token_hash FROM identities WHERE id = ?', [identityId]);
      return !!row?.feed_token_hash;
    },

    async identityForFeedToken(hash: string): Promise<IdentityRecord | undefined> {
      const row = await driver.get<IdentityRow>(`SELECT ${identityColumns()} FROM identities WHERE feed_token_hash = ?`, [hash]);
      return row && toIdentity(row);
    },

    async inboxSettings(identityId: string): Promise<InboxSettings> {
      const row = await driver.get<Pick<RowOf<'inbox_settings'>, 'amount' | 'desk_seen_at'>>(
        'SELECT amount, desk_seen_at FROM inbox_settings WHERE identity_id = ?',
        [identityId],
      );
      return { amount: asAmount(row?.amount), deskSeenAt: row ? numOrNull(row.desk_seen_at) : null };
    },

    async setInboxAmount(identityId: string, amount: InboxAmount): Promise<void> {
      await driver.run(
        `INSERT INTO inbox_settings (identity_id, amount, desk_seen_at) VALUES (?, ?, NULL)
         ON CONFLICT (identity_id) DO UPDATE SET amount = excluded.amount`,
        [identityId, amount],
      );
    },

    async setDeskSeen(identityId: string, at: number): Promise<void> {
      await driver.run(
        `INSERT INTO inbox_settings (identity_id, amount, desk_seen_at) VALUES (?, NULL, ?)
         ON CONFLICT (identity_id) DO UPDATE SET desk_seen_at = excluded.desk_seen_at`,
        [identityId, at],
      );
    },

    async authorInboxes(): Promise<{ identityId: string; amount: InboxAmount | null }[]> {
      const rows = await driver.all<{ id: string; amount: string | null }>(
        `SELECT i.id, s.amount FROM identities i LEFT JOIN inbox_settings s ON s.identity_id = i.id WHERE i.role = 'author' ORDER BY i.id`,
      );
      return rows.map((r) => ({ identityId: r.id, amount: asAmount(r.amount) }));
    },

    async deskCounts(since: number): Promise<DeskCounts> {
      const row = await driver.get<{ held: number | string; fresh: number | string | null }>(
        `SELECT (SELECT COUNT(*) FROM comments WHERE state = 'held') AS held,
           (SELECT COUNT(*) FROM comments c LEFT JOIN identities ci ON ci.id = c.identity_id
             WHERE c.state = 'visible' AND c.created_at > ? AND ${BY_READERS} AND (ci.muted IS NULL OR ci.muted = 0)) AS fresh`,
        [since],
      );
      return { held: num(row!.held), fresh: num(row!.fresh ?? 0) };
    },

    async dailyActivity(from: number, to: number): Promise<DayActivity[]> {
      // Whole days as integer division of epoch milliseconds, the same on both engines.
      const rows = await driver.all<{
        day: number | string;
        article_slug: string;
        comments: number | string;
        held: number | string;
        replies: number | string;
      }>(
        `SELECT c.created_at / ${DAY_MS} AS day, c.article_slug,
           COUNT(*) AS comments,
           SUM(CASE WHEN c.state = 'held' THEN 1 ELSE 0 END) AS held,
           SUM(CASE WHEN pi.role = 'author' THEN 1 ELSE 0 END) AS replies
         FROM comments c
           LEFT JOIN identities ci ON ci.id = c.identity_id
           LEFT JOIN comments p ON p.id = c.parent_id
           LEFT JOIN identities pi ON pi.id = p.identity_id
         WHERE c.created_at >= ? AND c.created_at < ? AND c.state <> 'deleted' AND ${BY_READERS}
         GROUP BY c.created_at / ${DAY_MS}, c.article_slug
         ORDER BY day DESC, c.article_slug`,
        [from, to],
      );
      return rows.map((r) => ({
        day: num(r.day) * DAY_MS,
        articleSlug: r.article_slug,
        comments: num(r.comments),
        held: num(r.held),
        replies: num(r.replies),
      }));
    },
  };
}
