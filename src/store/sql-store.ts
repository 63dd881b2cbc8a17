import type { Driver, SqlExecutor } from './driver.ts';
import { isUniqueViolation } from './driver.ts';
import { EVENT_ORDER_LOCK, migrate } from './schema.ts';
import { schemaProbeSql } from './schema-shape.ts';
import { type RekeyReport, rekeyIdentities } from './name-keys.ts';
import { RecordMissingError } from './store.ts';
import type {
  AuditEntry,
  CommentFilter,
  CommentRecord,
  CommentState,
  DatabaseExport,
  EventPruning,
  IdentityExport,
  NotificationKind,
  NotificationRecord,
  VoteCountRule,
  VoteRecord,
  IdentityRecord,
  NewComment,
  Role,
  SessionRecord,
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
  author_muted: number | null;
}

const identityColumns = 'id, name, name_key, role, created_at, ip_prefix_hash, banned_until, ban_reason, muted';
const commentSelect = `SELECT c.id, c.article_slug, c.parent_id, c.identity_id, i.name AS author_name, i.role AS author_role,
  c.body, c.depth, c.score, c.state, c.pinned, c.locked, c.created_at, c.edited_at, i.muted AS author_muted
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
    // Present only when set, so a record reads back exactly as it was written.
    ...(Number(r.author_muted ?? 0) === 1 ? { authorMuted: true } : {}),
  };
}

/**
 * The tables `byline export` writes and `byline import` reads, with their columns in schema order
 * and which hold integers (PostgreSQL hands BIGINT back as text; the export always has numbers).
 * Sessions, one-time links, idempotency keys and live events are left out: they are short-lived
 * and meaningless on another installation. Recovery and feed token hashes are kept, so readers
 * keep their names and feed URLs.
 */
const exportTables: { table: string; order: string; columns: [string, 'text' | 'int'][] }[] = [
  {
    table: 'identities',
    order: 'id',
    columns: [
      ['id', 'text'], ['name', 'text'], ['name_key', 'text'], ['role', 'text'], ['recovery_hash', 'text'], ['feed_token_hash', 'text'],
      ['ip_prefix_hash', 'text'], ['created_at', 'int'], ['banned_until', 'int'], ['ban_reason', 'text'], ['muted', 'int'],
    ],
  },
  {
    table: 'comments',
    order: 'created_at, id',
    columns: [
      ['id', 'text'], ['article_slug', 'text'], ['parent_id', 'text'], ['identity_id', 'text'], ['body', 'text'], ['depth', 'int'],
      ['score', 'int'], ['state', 'text'], ['pinned', 'int'], ['locked', 'int'], ['created_at', 'int'], ['edited_at', 'int'],
    ],
  },
  {
    table: 'votes',
    order: 'comment_id, identity_id',
    columns: [['comment_id', 'text'], ['identity_id', 'text'], ['created_at', 'int'], ['ip_prefix_hash', 'text'], ['counted', 'int']],
  },
  { table: 'article_settings', order: 'article_slug', columns: [['article_slug', 'text'], ['comments_closed', 'int']] },
  {
    table: 'audit_log',
    order: 'id',
    columns: [['id', 'int'], ['actor_id', 'text'], ['actor_name', 'text'], ['action', 'text'], ['target', 'text'], ['reason', 'text'], ['created_at', 'int']],
  },
  { table: 'banned_prefixes', order: 'prefix_hash', columns: [['prefix_hash', 'text'], ['banned_until', 'int'], ['reason', 'text'], ['created_at', 'int']] },
  {
    table: 'notifications',
    order: 'id',
    columns: [
      ['id', 'int'], ['identity_id', 'text'], ['kind', 'text'], ['comment_id', 'text'], ['article_slug', 'text'], ['actor_name', 'text'],
      ['created_at', 'int'], ['read_at', 'int'],
    ],
  },
];

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
    // Keyed by schema too, so sites (or test runs) sharing one server don't queue on each other.
    if (this.driver.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(hashtext(current_schema()), ?)', [EVENT_ORDER_LOCK]);
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
    await this.driver.run('INSERT INTO sessions (token_hash, identity_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)', [
      tokenHash,
      identityId,
      now,
      now,
    ]);
  }

  async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    const row = await this.driver.get<IdentityRow & { session_created_at: number | string; session_last_seen_at: number | string | null }>(
      `SELECT ${identityColumns.split(', ').map((c) => `i.${c}`).join(', ')}, s.created_at AS session_created_at, s.last_seen_at AS session_last_seen_at
       FROM sessions s JOIN identities i ON i.id = s.identity_id WHERE s.token_hash = ?`,
      [tokenHash],
    );
    if (!row) return undefined;
    const createdAt = num(row.session_created_at);
    return { identity: toIdentity(row), createdAt, lastSeenAt: numOrNull(row.session_last_seen_at) ?? createdAt };
  }

  async touchSession(tokenHash: string, now: number): Promise<void> {
    await this.driver.run('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?', [now, tokenHash]);
  }

  async deleteExpiredSessions(idleBefore: number, createdBefore: number): Promise<number> {
    return (await this.driver.run('DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?', [idleBefore, createdBefore])).changes;
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
      await this.forgetName(tx, identityId);
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

  /**
   * A deleted name leaves every record that showed it to someone else: other readers'
   * notifications of its replies lose the name (they read "[deleted] replied"), and the audit
   * log's entries about the identity and its comments say "[deleted]" instead. Names are unique
   * while held, so an entry naming it belongs to this identity (or to an earlier, also deleted, one).
   */
  private async forgetName(tx: SqlExecutor, identityId: string): Promise<void> {
    const identity = await tx.get<{ name: string }>('SELECT name FROM identities WHERE id = ?', [identityId]);
    if (!identity) return;
    const { name } = identity;
    await tx.run(
      `UPDATE notifications SET actor_name = NULL WHERE kind IN ('reply', 'author_reply')
         AND (actor_name = ? OR comment_id IN (SELECT id FROM comments WHERE identity_id = ?))`,
      [name, identityId],
    );
    await tx.run("UPDATE audit_log SET actor_name = '[deleted]' WHERE actor_id = ?", [identityId]);
    const entries = await tx.all<{ id: number | string; target: string }>("SELECT id, target FROM audit_log WHERE target LIKE 'identity %' OR target LIKE 'comment %'");
    const aboutIdentity = `identity ${identityId} (`;
    const byName = ` by ${name} on `;
    for (const entry of entries) {
      const target = entry.target.startsWith(aboutIdentity)
        ? `${aboutIdentity}[deleted])`
        : entry.target.startsWith('comment ') && entry.target.includes(byName)
          ? entry.target.replace(byName, ' by [deleted] on ')
          : undefined;
      if (target !== undefined && target !== entry.target) await tx.run('UPDATE audit_log SET target = ? WHERE id = ?', [target, num(entry.id)]);
    }
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

  async commentForIdempotencyKey(identityId: string, idempotencyKey: string): Promise<CommentRecord | undefined> {
    const row = await this.driver.get<CommentRow>(`${commentSelect} JOIN idempotency_keys k ON k.comment_id = c.id WHERE k.identity_id = ? AND k.idem_key = ?`, [
      identityId,
      idempotencyKey,
    ]);
    return row && toComment(row);
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

  async threadRoot(id: string): Promise<string | undefined> {
    // Walks up the parent chain inside the database rather than loading the whole article;
    // the bound keeps a corrupted cycle from running away.
    const row = await this.driver.get<{ id: string }>(
      `WITH RECURSIVE up(id, parent_id, n) AS (
         SELECT id, parent_id, 0 FROM comments WHERE id = ?
         UNION ALL
         SELECT c.id, c.parent_id, up.n + 1 FROM comments c JOIN up ON c.id = up.parent_id WHERE up.n < 64
       ) SELECT id FROM up WHERE parent_id IS NULL`,
      [id],
    );
    return row?.id;
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

  async addVote(commentId: string, identityId: string, now: number, ipPrefixHash: string | null, rule?: VoteCountRule): Promise<VoteResult> {
    return this.driver.transaction(async (tx) => {
      let counted = rule?.counted ?? true;
      // The per-prefix bound is checked in the vote's own transaction, so a burst can't slip past it.
      if (counted && rule?.maxPerPrefix !== undefined && ipPrefixHash !== null) {
        const row = await tx.get<{ n: number | string }>(
          'SELECT COUNT(*) AS n FROM votes WHERE comment_id = ? AND ip_prefix_hash = ? AND counted = 1 AND created_at >= ?',
          [commentId, ipPrefixHash, rule.since ?? 0],
        );
        if (num(row!.n) >= rule.maxPerPrefix) counted = false;
      }
      const { changes } = await tx.run(
        'INSERT INTO votes (comment_id, identity_id, created_at, ip_prefix_hash, counted) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        [commentId, identityId, now, ipPrefixHash, counted ? 1 : 0],
      );
      const inserted = changes === 1;
      return this.afterVote(tx, commentId, inserted && counted ? 1 : 0, now, inserted);
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

  async ownComments(identityId: string, articleSlug: string): Promise<{ id: string; createdAt: number; state: CommentState }[]> {
    const rows = await this.driver.all<{ id: string; created_at: number | string; state: string }>(
      'SELECT id, created_at, state FROM comments WHERE identity_id = ? AND article_slug = ?',
      [identityId, articleSlug],
    );
    return rows.map((r) => ({ id: r.id, createdAt: num(r.created_at), state: r.state as CommentState }));
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

  async peekAuthorLink(tokenHash: string, now: number): Promise<string | undefined> {
    const row = await this.driver.get<{ name: string }>('SELECT name FROM author_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?', [
      tokenHash,
      now,
    ]);
    return row?.name;
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

  async oldestEventId(): Promise<number> {
    const row = await this.driver.get<{ id: number | string | null }>('SELECT MIN(id) AS id FROM events');
    return row?.id == null ? 0 : num(row.id);
  }

  async pruneEvents(rule: EventPruning): Promise<number> {
    const keep = Math.max(1, Math.floor(rule.keepPerArticle));
    const batch = Math.max(1, Math.floor(rule.batchSize));
    const slugs = await this.driver.all<{ article_slug: string }>('SELECT DISTINCT article_slug FROM events');
    let deleted = 0;
    for (const { article_slug: slug } of slugs) deleted += await this.pruneArticleEvents(slug, rule.before, keep, batch);
    return deleted;
  }

  /**
   * An article's events are pruned from the oldest up to an edge: the newest event that is both
   * older than `before` and not among the `keep` latest. The edge itself stays, turned into a
   * 'reload': a page replaying from before it has missed events, and reloading is what it needs.
   * The marker is written before anything is deleted, so no replay ever sees the gap without it.
   */
  private async pruneArticleEvents(slug: string, before: number, keep: number, batch: number): Promise<number> {
    const edge = await this.driver.get<{ id: number | string }>(
      `SELECT id FROM events WHERE article_slug = ? AND created_at < ?
         AND id < COALESCE((SELECT id FROM events WHERE article_slug = ? ORDER BY id DESC LIMIT 1 OFFSET ?), 0)
       ORDER BY id DESC LIMIT 1`,
      [slug, before, slug, keep - 1],
    );
    if (!edge) return 0;
    const edgeId = num(edge.id);
    await this.driver.run("UPDATE events SET kind = 'reload', payload = '{}' WHERE id = ? AND (kind <> 'reload' OR payload <> '{}')", [edgeId]);
    let deleted = 0;
    // Bounded batches, each its own short transaction, so live writers never wait long behind it.
    for (;;) {
      const { changes } = await this.driver.run(
        'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE article_slug = ? AND id < ? ORDER BY id LIMIT ?)',
        [slug, edgeId, batch],
      );
      deleted += changes;
      if (changes < batch) return deleted;
    }
  }

  private schemaProbe: string | undefined;

  rekeyIdentities(version: string, keyOf: (name: string) => string): Promise<RekeyReport | undefined> {
    return rekeyIdentities(this.driver, version, keyOf);
  }

  async schemaProblem(): Promise<string | undefined> {
    this.schemaProbe ??= schemaProbeSql();
    try {
      await this.driver.get(this.schemaProbe);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  async isCommentsClosed(articleSlug: string): Promise<boolean> {
    const row = await this.driver.get<{ comments_closed: number }>('SELECT comments_closed FROM article_settings WHERE article_slug = ?', [articleSlug]);
    return row ? Number(row.comments_closed) === 1 : false;
  }

  async setCommentsClosed(articleSlug: string, closed: boolean): Promise<void> {
    await this.driver.run(
      'INSERT INTO article_settings (article_slug, comments_closed) VALUES (?, ?) ON CONFLICT (article_slug) DO UPDATE SET comments_closed = excluded.comments_closed',
      [articleSlug, closed ? 1 : 0],
    );
  }

  // ---- Moderation ----

  async setCommentState(id: string, state: CommentState, now: number): Promise<{ articleSlug: string; previous: CommentState }> {
    return this.driver.transaction(async (tx) => {
      const row = await tx.get<{ article_slug: string; state: string }>('SELECT article_slug, state FROM comments WHERE id = ?', [id]);
      if (!row) throw new RecordMissingError('comment');
      const previous = row.state as CommentState;
      if (previous === state) return { articleSlug: row.article_slug, previous };
      await tx.run('UPDATE comments SET state = ? WHERE id = ?', [state, id]);
      // A comment leaving the queue is news to live readers exactly like a new post; any other
      // change (hidden, restored) alters the thread's shape, so live pages reload it.
      if (previous === 'held' && state === 'visible') await this.appendEvent(tx, row.article_slug, 'comment', { id }, now);
      else if (previous !== 'held' || state !== 'hidden') await this.appendEvent(tx, row.article_slug, 'reload', {}, now);
      return { articleSlug: row.article_slug, previous };
    });
  }

  async setCommentFlag(id: string, flag: 'pinned' | 'locked', on: boolean, now: number): Promise<{ articleSlug: string }> {
    return this.driver.transaction(async (tx) => {
      const column = flag === 'pinned' ? 'pinned' : 'locked';
      const row = await tx.get<{ article_slug: string }>(`UPDATE comments SET ${column} = ? WHERE id = ? RETURNING article_slug`, [on ? 1 : 0, id]);
      if (!row) throw new RecordMissingError('comment');
      await this.appendEvent(tx, row.article_slug, 'reload', {}, now);
      return { articleSlug: row.article_slug };
    });
  }

  async listCommentsFiltered(filter: CommentFilter): Promise<CommentRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.articleSlug) {
      where.push('c.article_slug = ?');
      params.push(filter.articleSlug);
    }
    if (filter.state) {
      where.push('c.state = ?');
      params.push(filter.state);
    }
    if (filter.identityId) {
      where.push('c.identity_id = ?');
      params.push(filter.identityId);
    }
    if (filter.name) {
      where.push('LOWER(i.name) LIKE ?');
      params.push(`%${filter.name.toLowerCase().replace(/[%_]/g, '')}%`);
    }
    params.push(filter.limit);
    const rows = await this.driver.all<CommentRow>(
      `${commentSelect}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY c.created_at DESC, c.id DESC LIMIT ?`,
      params,
    );
    return rows.map(toComment);
  }

  async setIdentityBan(identityId: string, until: number | null, reason: string | null): Promise<void> {
    const { changes } = await this.driver.run('UPDATE identities SET banned_until = ?, ban_reason = ? WHERE id = ?', [until, reason, identityId]);
    if (changes === 0) throw new RecordMissingError('identity');
  }

  async setIdentityMuted(identityId: string, muted: boolean): Promise<void> {
    const { changes } = await this.driver.run('UPDATE identities SET muted = ? WHERE id = ?', [muted ? 1 : 0, identityId]);
    if (changes === 0) throw new RecordMissingError('identity');
  }

  async banPrefix(prefixHash: string, until: number, reason: string | null, now: number): Promise<void> {
    await this.driver.run(
      `INSERT INTO banned_prefixes (prefix_hash, banned_until, reason, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (prefix_hash) DO UPDATE SET banned_until = excluded.banned_until, reason = excluded.reason, created_at = excluded.created_at`,
      [prefixHash, until, reason, now],
    );
  }

  async prefixBannedUntil(prefixHash: string, now: number): Promise<number | null> {
    const row = await this.driver.get<{ banned_until: number | string }>(
      'SELECT banned_until FROM banned_prefixes WHERE prefix_hash = ? AND banned_until > ?',
      [prefixHash, now],
    );
    return row ? num(row.banned_until) : null;
  }

  async votesOn(commentId: string): Promise<VoteRecord[]> {
    const rows = await this.driver.all<{
      identity_id: string;
      name: string;
      identity_created_at: number | string;
      ip_prefix_hash: string | null;
      created_at: number | string;
      counted: number;
    }>(
      `SELECT v.identity_id, i.name, i.created_at AS identity_created_at, v.ip_prefix_hash, v.created_at, v.counted
       FROM votes v JOIN identities i ON i.id = v.identity_id WHERE v.comment_id = ? ORDER BY v.created_at, v.identity_id`,
      [commentId],
    );
    return rows.map((r) => ({
      identityId: r.identity_id,
      identityName: r.name,
      identityCreatedAt: num(r.identity_created_at),
      ipPrefixHash: r.ip_prefix_hash,
      createdAt: num(r.created_at),
      counted: Number(r.counted) === 1,
    }));
  }

  async addAudit(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.driver.run('INSERT INTO audit_log (actor_id, actor_name, action, target, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      entry.actorId,
      entry.actorName,
      entry.action,
      entry.target,
      entry.reason,
      entry.createdAt,
    ]);
  }

  async listAudit(limit: number): Promise<AuditEntry[]> {
    const rows = await this.driver.all<{
      id: number | string;
      actor_id: string | null;
      actor_name: string;
      action: string;
      target: string;
      reason: string | null;
      created_at: number | string;
    }>('SELECT id, actor_id, actor_name, action, target, reason, created_at FROM audit_log ORDER BY id DESC LIMIT ?', [limit]);
    return rows.map((r) => ({
      id: num(r.id),
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      target: r.target,
      reason: r.reason,
      createdAt: num(r.created_at),
    }));
  }

  // ---- Inbox ----

  async addNotification(n: Omit<NotificationRecord, 'id' | 'readAt'>): Promise<void> {
    await this.driver.run(
      'INSERT INTO notifications (identity_id, kind, comment_id, article_slug, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      [n.identityId, n.kind, n.commentId, n.articleSlug, n.actorName, n.createdAt],
    );
  }

  async listNotifications(identityId: string, limit: number): Promise<NotificationRecord[]> {
    const rows = await this.driver.all<{
      id: number | string;
      identity_id: string;
      kind: string;
      comment_id: string | null;
      article_slug: string;
      actor_name: string | null;
      created_at: number | string;
      read_at: number | string | null;
    }>(
      'SELECT id, identity_id, kind, comment_id, article_slug, actor_name, created_at, read_at FROM notifications WHERE identity_id = ? ORDER BY id DESC LIMIT ?',
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
  }

  async countUnread(identityId: string): Promise<number> {
    const row = await this.driver.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM notifications WHERE identity_id = ? AND read_at IS NULL', [identityId]);
    return num(row!.n);
  }

  async markNotificationsRead(identityId: string, now: number): Promise<number> {
    return (await this.driver.run('UPDATE notifications SET read_at = ? WHERE identity_id = ? AND read_at IS NULL', [now, identityId])).changes;
  }

  async setFeedTokenHash(identityId: string, hash: string | null): Promise<void> {
    await this.driver.run('UPDATE identities SET feed_token_hash = ? WHERE id = ?', [hash, identityId]);
  }

  async hasFeedToken(identityId: string): Promise<boolean> {
    const row = await this.driver.get<{ feed_token_hash: string | null }>('SELECT feed_token_hash FROM identities WHERE id = ?', [identityId]);
    return !!row?.feed_token_hash;
  }

  async identityForFeedToken(hash: string): Promise<IdentityRecord | undefined> {
    const row = await this.driver.get<IdentityRow>(`SELECT ${identityColumns} FROM identities WHERE feed_token_hash = ?`, [hash]);
    return row && toIdentity(row);
  }

  // ---- Export and import ----

  async exportAll(): Promise<DatabaseExport> {
    const tables: DatabaseExport['tables'] = {};
    for (const spec of exportTables) {
      const rows = await this.driver.all<Record<string, string | number | null>>(
        `SELECT ${spec.columns.map(([c]) => c).join(', ')} FROM ${spec.table} ORDER BY ${spec.order}`,
      );
      tables[spec.table] = rows.map((r) => {
        const out: Record<string, string | number | null> = {};
        for (const [column, type] of spec.columns) {
          const v = r[column] ?? null;
          out[column] = v === null ? null : type === 'int' ? Number(v) : String(v);
        }
        return out;
      });
    }
    return { format: 'byline-export', version: 1, tables };
  }

  async importAll(data: DatabaseExport): Promise<void> {
    if (data?.format !== 'byline-export' || data.version !== 1 || typeof data.tables !== 'object') {
      throw new Error('This file is not a Byline export (format byline-export, version 1).');
    }
    await this.driver.transaction(async (tx) => {
      const used = await tx.get<{ n: number | string }>('SELECT (SELECT COUNT(*) FROM identities) + (SELECT COUNT(*) FROM comments) AS n');
      if (num(used!.n) > 0) throw new Error('The database already holds identities or comments; import only into an empty database.');
      for (const spec of exportTables) {
        const rows = data.tables[spec.table] ?? [];
        const columns = spec.columns.map(([c]) => c);
        const sql = `INSERT INTO ${spec.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
        for (const row of rows) {
          // Replies are linked after every comment exists, so the file's order never trips the foreign key.
          const values = columns.map((c) => (spec.table === 'comments' && c === 'parent_id' ? null : (row[c] ?? null)));
          await tx.run(sql, values);
        }
        if (spec.table === 'comments') {
          for (const row of rows) {
            if (row.parent_id !== null && row.parent_id !== undefined) await tx.run('UPDATE comments SET parent_id = ? WHERE id = ?', [row.parent_id, row.id ?? null]);
          }
        }
        if (this.driver.dialect === 'postgres' && columns.includes('id') && spec.columns[0]?.[1] === 'int') {
          await tx.get(`SELECT setval(pg_get_serial_sequence('${spec.table}', 'id'), COALESCE((SELECT MAX(id) FROM ${spec.table}), 0) + 1, false) AS v`);
        }
      }
    });
  }
}
