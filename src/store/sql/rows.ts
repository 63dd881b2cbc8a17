import type { CommentRecord, CommentState, IdentityRecord, Role } from '../../discussion/records.ts';
import { type ColumnName, columnList, type RowOf } from '../tables.ts';

// Rows as the drivers return them, and how they become the domain's records. Shared by the SQL
// modules of every port.

// PostgreSQL may return BIGINT as a string; SQLite as a number. Times fit in a double exactly.
export const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
export const numOrNull = (v: number | string | null): number | null => (v === null ? null : num(v));

/** What an identity record is read from: every column but the secrets (recovery and feed token hashes). */
const identityFields = [
  'id',
  'name',
  'name_key',
  'role',
  'created_at',
  'ip_prefix_hash',
  'banned_until',
  'ban_reason',
  'muted',
] as const satisfies readonly ColumnName<'identities'>[];

export type IdentityRow = Pick<RowOf<'identities'>, (typeof identityFields)[number]>;

/** The identity columns for a SELECT, optionally qualified by a table alias ("i.id, i.name, …"). */
export const identityColumns = (alias?: string): string => columnList('identities', identityFields, alias);

export type CommentRow = RowOf<'comments'> & {
  author_name: string | null;
  author_role: string | null;
  author_muted: number | null;
};

/** A comment with its writer's current name, role and mute joined in; append WHERE / JOIN clauses. */
export const commentSelect = `SELECT ${columnList('comments', undefined, 'c')}, i.name AS author_name, i.role AS author_role, i.muted AS author_muted
  FROM comments c LEFT JOIN identities i ON i.id = c.identity_id`;

export function toIdentity(r: IdentityRow): IdentityRecord {
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

export function toComment(r: CommentRow): CommentRecord {
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
