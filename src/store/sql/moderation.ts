import type { ModerationStore } from '../../discussion/ports.ts';
import {
  type AuditEntry,
  type CommentFilter,
  type CommentRecord,
  type CommentState,
  RecordMissingError,
} from '../../discussion/records.ts';
import type { Driver } from '../driver.ts';
import { columnList, type RowOf } from '../tables.ts';
import { appendEvent } from './events.ts';
import { type CommentRow, commentSelect, num, toComment } from './rows.ts';

/** The WHERE clause and parameters of a moderation listing. */
function filterSql(filter: CommentFilter): { where: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  if (filter.articleSlug) {
    clauses.push('c.article_slug = ?');
    params.push(filter.articleSlug);
  }
  if (filter.state) {
    clauses.push('c.state = ?');
    params.push(filter.state);
  }
  if (filter.identityId) {
    clauses.push('c.identity_id = ?');
    params.push(filter.identityId);
  }
  if (filter.name) {
    clauses.push('LOWER(i.name) LIKE ?');
    params.push(`%${filter.name.toLowerCase().replace(/[%_]/g, '')}%`);
  }
  return { where: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', params };
}

export function sqlModerationStore(driver: Driver): ModerationStore {
  return {
    setCommentState(id: string, state: CommentState, now: number): Promise<{ articleSlug: string; previous: CommentState }> {
      return driver.transaction(async (tx) => {
        const row = await tx.get<{ article_slug: string; state: string }>('SELECT article_slug, state FROM comments WHERE id = ?', [id]);
        if (!row) throw new RecordMissingError('comment');
        const previous = row.state as CommentState;
        if (previous === state) return { articleSlug: row.article_slug, previous };
        await tx.run('UPDATE comments SET state = ? WHERE id = ?', [state, id]);
        // A comment leaving the queue is news to live readers exactly like a new post; any other
        // change (hidden, restored) alters the thread's shape, so live pages reload it.
        if (previous === 'held' && state === 'visible') await appendEvent(driver, tx, row.article_slug, 'comment', { id }, now);
        else if (previous !== 'held' || state !== 'hidden') await appendEvent(driver, tx, row.article_slug, 'reload', {}, now);
        return { articleSlug: row.article_slug, previous };
      });
    },

    setCommentFlag(id: string, flag: 'pinned' | 'locked', on: boolean, now: number): Promise<{ articleSlug: string }> {
      return driver.transaction(async (tx) => {
        const column = flag === 'pinned' ? 'pinned' : 'locked';
        const row = await tx.get<{ article_slug: string }>(`UPDATE comments SET ${column} = ? WHERE id = ? RETURNING article_slug`, [
          on ? 1 : 0,
          id,
        ]);
        if (!row) throw new RecordMissingError('comment');
        await appendEvent(driver, tx, row.article_slug, 'reload', {}, now);
        return { articleSlug: row.article_slug };
      });
    },

    async listCommentsFiltered(filter: CommentFilter): Promise<CommentRecord[]> {
      const { where, params } = filterSql(filter);
      const rows = await driver.all<CommentRow>(`${commentSelect}${where} ORDER BY c.created_at DESC, c.id DESC LIMIT ?`, [
        ...params,
        filter.limit,
      ]);
      return rows.map(toComment);
    },

    async setIdentityBan(identityId: string, until: number | null, reason: string | null): Promise<void> {
      const { changes } = await driver.run('UPDATE identities SET banned_until = ?, ban_reason = ? WHERE id = ?', [
        until,
        reason,
        identityId,
      ]);
      if (changes === 0) throw new RecordMissingError('identity');
    },

    async setIdentityMuted(identityId: string, muted: boolean): Promise<void> {
      const { changes } = await driver.run('UPDATE identities SET muted = ? WHERE id = ?', [muted ? 1 : 0, identityId]);
      if (changes === 0) throw new RecordMissingError('identity');
    },

    async banPrefix(prefixHash: string, until: number, reason: string | null, now: number): Promise<void> {
      await driver.run(
        `INSERT INTO banned_prefixes (prefix_hash, banned_until, reason, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (prefix_hash) DO UPDATE SET banned_until = excluded.banned_until, reason = excluded.reason, created_at = excluded.created_at`,
        [prefixHash, until, reason, now],
      );
    },

    async prefixBannedUntil(prefixHash: string, now: number): Promise<number | null> {
      const row = await driver.get<{ banned_until: number | string }>(
        'SELECT banned_until FROM banned_prefixes WHERE prefix_hash = ? AND banned_until > ?',
        [prefixHash, now],
      );
      return row ? num(row.banned_until) : null;
    },

    async addAudit(entry: Omit<AuditEntry, 'id'>): Promise<void> {
      await driver.run('INSERT INTO audit_log (actor_id, actor_name, action, target, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
        entry.actorId,
        entry.actorName,
        entry.action,
        entry.target,
        entry.reason,
        entry.createdAt,
      ]);
    },

    async listAudit(limit: number): Promise<AuditEntry[]> {
      const rows = await driver.all<RowOf<'audit_log'>>(`SELECT ${columnList('audit_log')} FROM audit_log ORDER BY id DESC LIMIT ?`, [
        limit,
      ]);
      return rows.map((r) => ({
        id: num(r.id),
        actorId: r.actor_id,
        actorName: r.actor_name,
        action: r.action,
        target: r.target,
        reason: r.reason,
        createdAt: num(r.created_at),
      }));
    },
  };
}
