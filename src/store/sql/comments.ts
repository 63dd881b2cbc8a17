import type { CommentStore, Transaction } from '../../discussion/ports.ts';
import { type CommentRecord, type CommentState, type NewComment, type OwnComment, RecordMissingError } from '../../discussion/records.ts';
import { type Driver, isUniqueViolation, type SqlExecutor } from '../driver.ts';
import { appendEvent } from './events.ts';
import { type CommentRow, commentSelect, num, toComment } from './rows.ts';

/** Removes placeholders that no longer hold up any reply, repeatedly, since removing one can free its parent. */
export async function pruneDeletedLeaves(tx: SqlExecutor, articleSlug: string): Promise<void> {
  for (let round = 0; round < 64; round++) {
    const { changes } = await tx.run(
      `DELETE FROM comments WHERE article_slug = ? AND state = 'deleted'
         AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = comments.id)`,
      [articleSlug],
    );
    if (changes === 0) return;
  }
}

const byIdempotencyKey = `${commentSelect} JOIN idempotency_keys k ON k.comment_id = c.id WHERE k.identity_id = ? AND k.idem_key = ?`;

type Follow = (comment: CommentRecord, tx: Transaction) => Promise<void>;

/** Opens a transaction whose body also gets the Transaction the domain hands on (SqlStore makes it). */
export type OpenTransaction = <T>(fn: (tx: SqlExecutor, scope: Transaction) => Promise<T>) => Promise<T>;

export function sqlCommentStore(driver: Driver, open: OpenTransaction): CommentStore {
  const existing = async (executor: SqlExecutor, identityId: string, idempotencyKey: string | null): Promise<CommentRecord | undefined> => {
    if (idempotencyKey === null) return undefined;
    const row = await executor.get<CommentRow>(byIdempotencyKey, [identityId, idempotencyKey]);
    return row && toComment(row);
  };

  const insert = (comment: NewComment, idempotencyKey: string | null, follow: Follow | undefined) =>
    open(async (tx, scope) => {
      const first = await existing(tx, comment.identityId, idempotencyKey);
      if (first) return { comment: first, created: false };
      await tx.run(
        `INSERT INTO comments (id, article_slug, parent_id, identity_id, body, depth, score, state, pinned, locked, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, 0, ?)`,
        [
          comment.id,
          comment.articleSlug,
          comment.parentId,
          comment.identityId,
          comment.body,
          comment.depth,
          comment.state,
          comment.createdAt,
        ],
      );
      if (idempotencyKey !== null) {
        await tx.run('INSERT INTO idempotency_keys (identity_id, idem_key, comment_id, created_at) VALUES (?, ?, ?, ?)', [
          comment.identityId,
          idempotencyKey,
          comment.id,
          comment.createdAt,
        ]);
      }
      const eventId =
        comment.state === 'visible'
          ? await appendEvent(driver, tx, comment.articleSlug, 'comment', { id: comment.id }, comment.createdAt)
          : undefined;
      const stored = toComment((await tx.get<CommentRow>(`${commentSelect} WHERE c.id = ?`, [comment.id]))!);
      // What follows a new comment (its inbox items, the notifications they queue) commits with it.
      await follow?.(stored, scope);
      return { comment: stored, created: true, eventId };
    });

  return {
    async insertComment(comment: NewComment, idempotencyKey: string | null, follow?: Follow) {
      try {
        return await insert(comment, idempotencyKey, follow);
      } catch (err) {
        // Two retries racing on engines that run them at once: the loser finds the winner's comment.
        if (isUniqueViolation(err)) {
          const first = await existing(driver, comment.identityId, idempotencyKey);
          if (first) return { comment: first, created: false };
        }
        throw err;
      }
    },

    commentForIdempotencyKey(identityId: string, idempotencyKey: string): Promise<CommentRecord | undefined> {
      return existing(driver, identityId, idempotencyKey);
    },

    async getComment(id: string): Promise<CommentRecord | undefined> {
      const row = await driver.get<CommentRow>(`${commentSelect} WHERE c.id = ?`, [id]);
      return row && toComment(row);
    },

    async threadRoot(id: string): Promise<string | undefined> {
      // Walks up the parent chain inside the database rather than loading the whole article;
      // the bound keeps a corrupted cycle from running away.
      const row = await driver.get<{ id: string }>(
        `WITH RECURSIVE up(id, parent_id, n) AS (
           SELECT id, parent_id, 0 FROM comments WHERE id = ?
           UNION ALL
           SELECT c.id, c.parent_id, up.n + 1 FROM comments c JOIN up ON c.id = up.parent_id WHERE up.n < 64
         ) SELECT id FROM up WHERE parent_id IS NULL`,
        [id],
      );
      return row?.id;
    },

    async inLockedThread(id: string): Promise<boolean> {
      // The comment or any comment above it is locked: a lock covers everything below it.
      const row = await driver.get<{ n: number | string }>(
        `WITH RECURSIVE up(id, parent_id, locked, n) AS (
           SELECT id, parent_id, locked, 0 FROM comments WHERE id = ?
           UNION ALL
           SELECT c.id, c.parent_id, c.locked, up.n + 1 FROM comments c JOIN up ON c.id = up.parent_id WHERE up.n < 64
         ) SELECT COUNT(*) AS n FROM up WHERE locked = 1`,
        [id],
      );
      return Number(row?.n ?? 0) > 0;
    },

    async listComments(articleSlug: string): Promise<CommentRecord[]> {
      const rows = await driver.all<CommentRow>(`${commentSelect} WHERE c.article_slug = ? ORDER BY c.created_at, c.id`, [articleSlug]);
      return rows.map(toComment);
    },

    async ownComments(identityId: string, articleSlug: string): Promise<OwnComment[]> {
      const rows = await driver.all<{ id: string; created_at: number | string; state: string }>(
        'SELECT id, created_at, state FROM comments WHERE identity_id = ? AND article_slug = ?',
        [identityId, articleSlug],
      );
      return rows.map((r) => ({ id: r.id, createdAt: num(r.created_at), state: r.state as CommentState }));
    },

    updateCommentBody(id: string, body: string, editedAt: number): Promise<{ eventId: number }> {
      return driver.transaction(async (tx) => {
        const row = await tx.get<{ article_slug: string }>(
          'UPDATE comments SET body = ?, edited_at = ? WHERE id = ? RETURNING article_slug',
          [body, editedAt, id],
        );
        if (!row) throw new RecordMissingError('comment');
        return { eventId: await appendEvent(driver, tx, row.article_slug, 'edit', { id }, editedAt) };
      });
    },

    deleteComment(id: string, now: number): Promise<{ outcome: 'placeholder' | 'removed'; eventId: number }> {
      return driver.transaction(async (tx) => {
        const row = await tx.get<{ article_slug: string }>('SELECT article_slug FROM comments WHERE id = ?', [id]);
        if (!row) throw new RecordMissingError('comment');
        const slug = row.article_slug;
        const child = await tx.get('SELECT 1 AS x FROM comments WHERE parent_id = ? LIMIT 1', [id]);
        let outcome: 'placeholder' | 'removed';
        if (child) {
          await tx.run("UPDATE comments SET state = 'deleted', body = '', pinned = 0 WHERE id = ?", [id]);
          outcome = 'placeholder';
        } else {
          await tx.run('DELETE FROM comments WHERE id = ?', [id]);
          await pruneDeletedLeaves(tx, slug);
          outcome = 'removed';
        }
        const eventId = await appendEvent(driver, tx, slug, 'delete', { id, outcome }, now);
        return { outcome, eventId };
      });
    },

    async isCommentsClosed(articleSlug: string): Promise<boolean> {
      const row = await driver.get<{ comments_closed: number }>('SELECT comments_closed FROM article_settings WHERE article_slug = ?', [
        articleSlug,
      ]);
      return row ? Number(row.comments_closed) === 1 : false;
    },

    async setCommentsClosed(articleSlug: string, closed: boolean): Promise<void> {
      await driver.run(
        'INSERT INTO article_settings (article_slug, comments_closed) VALUES (?, ?) ON CONFLICT (article_slug) DO UPDATE SET comments_closed = excluded.comments_closed',
        [articleSlug, closed ? 1 : 0],
      );
    },
  };
}
