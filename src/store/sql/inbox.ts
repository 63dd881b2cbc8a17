import type { InboxStore } from '../../discussion/ports.ts';
import type { IdentityRecord, NotificationKind, NotificationRecord } from '../../discussion/records.ts';
import type { Driver } from '../driver.ts';
import { columnList, type RowOf } from '../tables.ts';
import { type IdentityRow, identityColumns, num, numOrNull, toIdentity } from './rows.ts';

export function sqlInboxStore(driver: Driver): InboxStore {
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
      return rows.map((r) => ({
        id: num(r.id),
        identityId: r.identity_id,
        kind: r.kind as NotificationKind,
        commentId: r.comment_id,
        articleSlug: r.article_slug,
        actorName: r.actor_name,
        createdAt: num(r.created_at),
        readAt: numOrNull(r.read_at),
      }));
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
  };
}
