import type { Driver, SqlExecutor } from './driver.ts';
import { isUniqueViolation } from './driver.ts';
import { EVENT_ORDER_LOCK, migrate } from './schema.ts';
import { RecordMissingError } from './store.ts';
import type {
  CommentRecord,
  CommentState,
  IdentityExport,
  IdentityRecord,
  NewComment,
  Role,
  Store,
  StoredEvent,
  VoteResult,
} from './store.ts';

interface IdentityRow {
  id: string;
  name: string;
  name_key: string;
  role: string;
  created_at: number | string;
  ip_prefix_hash: string | null;
  banned_until: number | string | null;
  ban_reason: string | null;
  muted: number;
}

interface CommentRow {
  id: string;
  article_slug: string;
  parent_id: string | null;
  identity_id: string | null;
  author_name: string | null;
  author_role: string | null;
  body: string;
  depth: number;
  score: number | string;
  state: string;
  pinned: number;
  locked: number;
  created_at: number | string;
  edited_at: number | string | null;
}

const identityColumns = 'id, name, name_key, role, created_at, ip_prefix_hash, banned_until, ban_reason, muted';
const commentSelect = `SELECT c.id, c.article_slug, c.parent_id, c.identity_id, i.name AS author_name, i.role AS author_role,
  c.body, c.depth, c.score, c.state, c.pinned, c.locked, c.created_at, c.edited_at
  FROM comments c LEFT JOIN identities i ON i.id = c.identity_id`;

// PostgreSQL returns BIGINT as a string; SQLite as a number. Times fit in a double exactly.
const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: number | string | null): number | null => (v === null ? null : num(v));

function toIdentity(r: IdentityRow): IdentityRecord {
  return {
    id: r.id,
    name: r.name,
    nameKey: r.name_key,
    role: r.role as Role,
    createdAt: num(r.created_at),
    ipPrefixHash: r.ip_prefix_hash,
    bannedUntil: numOrNull(r.banned_until),
    banReason: r.ban_reason,
    muted: Number(r.muted) === 1,
  };
}

function toComment(r: CommentRow): CommentRecord {
  return {
    id: r.id,
    articleSlug: r.article_slug,
    parentId: r.parent_id,
    identityId: r.identity_id,
    authorName: r.author_name,
    authorRole: (r.author_role as Role | null) ?? null,
    body: r.body,
    depth: Number(r.depth),
    score: num(r.score),
    state: r.state as CommentState,
    pinned: Number(r.pinned) === 1,
    locked: Number(r.locked) === 1,
    createdAt: num(r.created_at),
    editedAt: numOrNull(r.edited_at),
  };
}

/**
 * The one implementation of the storage interface, over a driver for SQLite, PostgreSQL or
 * PGlite. Every query here runs unchanged on both engines; see schema.ts for the shared dialect.
 */
export class SqlStore implements Store {
  constructor(readonly driver: Driver) {}

  get engine(): string {
    return this.driver.label;
  }

  migrate(): Promise<number[]> {
    return migrate(this.driver);
  }

  ping(): Promise<void> {
    return this.driver.ping();
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  private async appendEvent(tx: SqlExecutor, articleSlug: string, kind: string, payload: unknown, now: number): Promise<number> {
    // PostgreSQL hands out serial ids before commit, so two writers could commit ids out of order
    // and a live reader moving forward by id would skip one. Holding this lock until commit makes
    // ids become visible in order. (SQLite has a single writer and needs nothing.)
    if (this.driver.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?)', [EVENT_ORDER_LOCK]);
    const row = await tx.get<{ id: number | string }>(
      'INSERT INTO events (article_slug, kind, payload, created_at) VALUES (?, ?, ?, ?) RETURNING id',
      [articleSlug, kind, JSON.stringify(payload), now],
    );
    return num(row!.id);
  }

  async createIdentity(identity: IdentityRecord, recoveryHash: string | null): Promise<boolean> {
    try {
      const { changes } = await this.driver.run(
        `INSERT INTO identities (id, name, name_key, role, recovery_hash, ip_prefix_hash, created_at, muted)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (name_key) DO NOTHING`,
        [identity.id, identity.name, identity.nameKey, identity.role, recoveryHash, identity.ipPrefixHash, identity.createdAt],
      );
      return changes === 1;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async getIdentity(id: string): Promise<IdentityRecord | undefined> {
    const row = await this.driver.get<IdentityRow>(`SELECT ${identityColumns} FROM identities WHERE id = ?`, [id]);
    return row && toIdentity(row);
  }

  async getIdentityByNameKey(nameKey: string): Promise<IdentityRecord | undefined> {
    const row = await this.driver.get<IdentityRow>(`SELECT ${identityColumns} FROM identities WHERE name_key = ?`, [nameKey]);
    return row && toIdentity(row);
  }

  async getRecoveryHash(identityId: string): Promise<string | null> {
    const row = await this.driver.get<{ recovery_hash: string | null }>('SELECT recovery_hash FROM identities WHERE id = ?', [identityId]);
    return row?.recovery_hash ?? null;
  }

  async setRecoveryHash(identityId: string, hash: string): Promise<void> {
    await this.driver.run('UPDATE identities SET recovery_hash = ? WHERE id = ?', [hash, identityId]);
  }

  async swapRecoveryHash(identityId: string, expected: string, next: string): Promise<boolean> {
    const { changes } = await this.driver.run('UPDATE identities SET recovery_hash = ? WHERE id = ? AND recovery_hash = ?', [next, identityId, expected]);
    return changes === 1;
  }

  async createSession(tokenHash: string, identityId: string, now: number): Promise<void> {
    await this.driver.run('INSERT INTO sessions (token_hash, identity_id, created_at) VALUES (?, ?, ?)', [tokenHash, identityId, now]);
  }

  async identityForSession(tokenHash: string): Promise<IdentityRecord | undefined> {
    const row = await this.driver.get<IdentityRow>(
      `SELECT ${identityColumns.split(', ').map((c) => `i.${c}`).join(', ')} FROM sessions s JOIN identities i ON i.id = s.identity_id WHERE s.token_hash = ?`,
      [tokenHash],
    );
    return row && toIdentity(row);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.driver.run('DELETE FROM sessions WHERE token_hash = ?', [tokenHash]);
  }

  async deleteSessionsOf(identityId: string): Promise<number> {
    return (await this.driver.run('DELETE FROM sessions WHERE identity_id = ?', [identityId])).changes;
  }

  async deleteIdentity(identityId: string, now: number): Promise<string[]> {
    return this.driver.transaction(async (tx) => {
      const touched = new Set<string>();
      const voted = await tx.all<{ article_slug: string }>(
        'SELECT DISTINCT c.article_slug FROM votes v JOIN comments c ON c.id = v.comment_id WHERE v.identity_id = ?',
        [identityId],
      );
      for (const r of voted) touched.add(r.article_slug);
      // Scores follow the votes: take back each counted vote before the rows go.
      await tx.run(
        'UPDATE comments SET score = score - 1 WHERE id IN (SELECT comment_id FROM votes WHERE identity_id = ? AND counted = 1)',
        [identityId],
      );
      await tx.run('DELETE FROM votes WHERE identity_id = ?', [identityId]);
      const own = await tx.all<{ article_slug: string }>('SELECT DISTINCT article_slug FROM comments WHERE identity_id = ?', [identityId]);
      for (const r of own) touched.add(r.article_slug);
      await tx.run(
        "UPDATE comments SET state = 'deleted', body = '', identity_id = NULL, pinned = 0 WHERE identity_id = ?",
        [identityId],
      );
      for (const slug of own.map((r) => r.article_slug)) await this.pruneDeletedLeaves(tx, slug);
      await tx.run('DELETE FROM identities WHERE id = ?', [identityId]);
      for (const slug of touched) await this.appendEvent(tx, slug, 'reload', {}, now);
      return [...touched];
    });
  }

  /** Removes placeholders that no longer hold up any reply, repeatedly, since removing one can free its parent. */
  private async pruneDeletedLeaves(tx: SqlExecutor, articleSlug: string): Promise<void> {
    for (let round = 0; round < 64; round++) {
      const { changes } = await tx.run(
        `DELETE FROM comments WHERE article_slug = ? AND state = 'deleted'
           AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = comments.id)`,
        [articleSlug],
      );
      if (changes === 0) return;
    }
  }

  async exportIdentity(identityId: string): Promise<IdentityExport | undefined> {
    const identity = await this.getIdentity(identityId);
    if (!identity) return undefined;
    const comments = (await this.driver.all<CommentRow>(`${commentSelect} WHERE c.identity_id = ? ORDER BY c.created_at`, [identityId])).map(toComment);
    const votes = (
      await this.driver.all<{ comment_id: string; created_at: number | string }>(
        'SELECT comment_id, created_at FROM votes WHERE identity_id = ? ORDER BY created_at',
        [identityId],
      )
    ).map((v) => ({ commentId: v.comment_id, createdAt: num(v.created_at) }));
    return { identity, comments, votes };
  }

  async insertComment(comment: NewComment, idempotencyKey: string | null): Promise<{ comment: CommentRecord; created: boolean; eventId?: number }> {
    const existing = async (executor: SqlExecutor) => {
      if (idempotencyKey === null) return undefined;
      const row = await executor.get<CommentRow>(
        `${commentSelect} JOIN idempotency_keys k ON k.comment_id = c.id WHERE k.identity_id = ? AND k.idem_key = ?`,
        [comment.identityId, idempotencyKey],
      );
      return row && toComment(row);
    };
    try {
      return await this.driver.transaction(async (tx) => {
        const first = await existing(tx);
        if (first) return { comment: first, created: false };
        await tx.run(
          `INSERT INTO comments (id, article_slug, parent_id, identity_id, body, depth, score, state, pinned, locked, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, 0, ?)`,
          [comment.id, comment.articleSlug, comment.parentId, comment.identityId, comment.body, comment.depth, comment.state, comment.createdAt],
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
            ? await this.appendEvent(tx, comment.articleSlug, 'comment', { id: comment.id }, comment.createdAt)
            : undefined;
        const row = await tx.get<CommentRow>(`${commentSelect} WHERE c.id = ?`, [comment.id]);
        return { comment: toComment(row!), created: true, eventId };
      });
    } catch (err) {
      // Two retries racing on engines that run them at once: the loser finds the winner's comment.
      if (isUniqueViolation(err)) {
        const first = await existing(this.driver);
        if (first) return { comment: first, created: false };
      }
      throw err;
    }
  }

  async getComment(id: string): Promise<CommentRecord | undefined> {
    const row = await this.driver.get<CommentRow>(`${commentSelect} WHERE c.id = ?`, [id]);
    return row && toComment(row);
  }

  async listComments(articleSlug: string): Promise<CommentRecord[]> {
    const rows = await this.driver.all<CommentRow>(`${commentSelect} WHERE c.article_slug = ? ORDER BY c.created_at, c.id`, [articleSlug]);
    return rows.map(toComment);
  }

  async updateCommentBody(id: string, body: string, editedAt: number): Promise<{ eventId: number }> {
    return this.driver.transaction(async (tx) => {
      const row = await tx.get<{ article_slug: string }>('UPDATE comments SET body = ?, edited_at = ? WHERE id = ? RETURNING article_slug', [body, editedAt, id]);
      if (!row) throw new RecordMissingError('comment');
      return { eventId: await this.appendEvent(tx, row.article_slug, 'edit', { id }, editedAt) };
    });
  }

  async deleteComment(id: string, now: number): Promise<{ outcome: 'placeholder' | 'removed'; eventId: number }> {
    return this.driver.transaction(async (tx) => {
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
        await this.pruneDeletedLeaves(tx, slug);
        outcome = 'removed';
      }
      const eventId = await this.appendEvent(tx, slug, 'delete', { id, outcome }, now);
      return { outcome, eventId };
    });
  }

  async addVote(commentId: string, identityId: string, now: number, ipPrefixHash: string | null): Promise<VoteResult> {
    return this.driver.transaction(async (tx) => {
      const { changes } = await tx.run(
        'INSERT INTO votes (comment_id, identity_id, created_at, ip_prefix_hash, counted) VALUES (?, ?, ?, ?, 1) ON CONFLICT DO NOTHING',
        [commentId, identityId, now, ipPrefixHash],
      );
      return this.afterVote(tx, commentId, changes === 1 ? 1 : 0, now);
    });
  }

  async removeVote(commentId: string, identityId: string, now: number): Promise<VoteResult> {
    return this.driver.transaction(async (tx) => {
      const removed = await tx.get<{ counted: number }>('DELETE FROM votes WHERE comment_id = ? AND identity_id = ? RETURNING counted', [
        commentId,
        identityId,
      ]);
      return this.afterVote(tx, commentId, removed ? (Number(removed.counted) === 1 ? -1 : 0) : 0, now, removed !== undefined);
    });
  }

  /** The score moves in the same transaction as the vote row, so it always equals the count of counted votes. */
  private async afterVote(tx: SqlExecutor, commentId: string, delta: number, now: number, changed = delta !== 0): Promise<VoteResult> {
    const row =
      delta === 0
        ? await tx.get<{ score: number | string; article_slug: string }>('SELECT score, article_slug FROM comments WHERE id = ?', [commentId])
        : await tx.get<{ score: number | string; article_slug: string }>(
            'UPDATE comments SET score = score + ? WHERE id = ? RETURNING score, article_slug',
            [delta, commentId],
          );
    if (!row) throw new RecordMissingError('comment');
    const score = num(row.score);
    if (!changed) return { score, changed };
    const eventId = await this.appendEvent(tx, row.article_slug, 'score', { id: commentId, score }, now);
    return { score, changed, eventId };
  }

  async votedCommentIds(identityId: string, articleSlug: string): Promise<string[]> {
    const rows = await this.driver.all<{ comment_id: string }>(
      'SELECT v.comment_id FROM votes v JOIN comments c ON c.id = v.comment_id WHERE v.identity_id = ? AND c.article_slug = ?',
      [identityId, articleSlug],
    );
    return rows.map((r) => r.comment_id);
  }

  async countVotes(commentId: string): Promise<number> {
    const row = await this.driver.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM votes WHERE comment_id = ? AND counted = 1', [commentId]);
    return num(row!.n);
  }

  async createAuthorLink(tokenHash: string, name: string, expiresAt: number): Promise<void> {
    await this.driver.run('INSERT INTO author_links (token_hash, name, expires_at) VALUES (?, ?, ?)', [tokenHash, name, expiresAt]);
  }

  async consumeAuthorLink(tokenHash: string, now: number): Promise<string | undefined> {
    return this.driver.transaction(async (tx) => {
      const row = await tx.get<{ name: string }>(
        'UPDATE author_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING name',
        [now, tokenHash, now],
      );
      return row?.name;
    });
  }

  async eventsSince(articleSlug: string, afterId: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.driver.all<{ id: number | string; article_slug: string; kind: string; payload: string; created_at: number | string }>(
      'SELECT id, article_slug, kind, payload, created_at FROM events WHERE article_slug = ? AND id > ? ORDER BY id LIMIT ?',
      [articleSlug, afterId, limit],
    );
    return rows.map((r) => ({ id: num(r.id), articleSlug: r.article_slug, kind: r.kind, payload: r.payload, createdAt: num(r.created_at) }));
  }

  async latestEventId(): Promise<number> {
    const row = await this.driver.get<{ id: number | string | null }>('SELECT MAX(id) AS id FROM events');
    return row?.id == null ? 0 : num(row.id);
  }

  async isCommentsClosed(articleSlug: string): Promise<boolean> {
    const row = await this.driver.get<{ comments_closed: number }>('SELECT comments_closed FROM article_settings WHERE article_slug = ?', [articleSlug]);
    return row ? Number(row.comments_closed) === 1 : false;
  }
}
