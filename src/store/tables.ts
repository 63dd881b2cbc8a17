// Every table of a Byline database and its columns, in the order the migrations (schema.ts)
// leave them, written once: `byline export` and `byline import` (sql/backup.ts), `byline copy`
// (commands/copy.ts) and the row types of the SQL modules are derived from this list, and
// test/store.test.ts checks it against the live schema on every engine. A migration that adds
// or changes a column changes this list too, or that test fails.

/** How a column is declared: TEXT, INTEGER, BIGINT, or the engine's auto-incrementing id. */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'serial';

export interface ColumnDef {
  readonly type: ColumnType;
  readonly nullable?: boolean;
}

export interface TableDef {
  readonly columns: Readonly<Record<string, ColumnDef>>;
  /** Written by `byline export` (rows in this order) and read by `byline import`; absent: the table stays behind. */
  readonly export?: { readonly order: string };
  /** Copied by `byline copy`; false only for the migration ledger, which the target keeps itself. */
  readonly copy: boolean;
  /** The column a sequence fills: after rows are written with explicit ids, it continues after them. */
  readonly serial?: string;
  /** Rows that point at another row of the same table: copied parents first. */
  readonly tree?: { readonly parent: string; readonly key: string };
}

const text = { type: 'text' } as const;
const textOrNull = { type: 'text', nullable: true } as const;
const integer = { type: 'integer' } as const;
const bigint = { type: 'bigint' } as const;
const bigintOrNull = { type: 'bigint', nullable: true } as const;
const serial = { type: 'serial' } as const;

/**
 * Parents before the tables that reference them, so this order is also a safe order to write
 * rows in. Sessions, one-time links, idempotency keys, live events, site facts and the author's
 * inbox settings are not exported: they are short-lived, meaningless on another installation, or
 * a preference the author sets again in a moment. Recovery and feed token
 * hashes are, so readers keep their names and feed URLs.
 */
export const TABLES = {
  schema_migrations: {
    columns: { version: integer, name: text, applied_at: bigint },
    copy: false,
  },
  identities: {
    columns: {
      id: text,
      name: text,
      name_key: text,
      role: text,
      recovery_hash: textOrNull,
      feed_token_hash: textOrNull,
      ip_prefix_hash: textOrNull,
      created_at: bigint,
      banned_until: bigintOrNull,
      ban_reason: textOrNull,
      muted: integer,
    },
    export: { order: 'id' },
    copy: true,
  },
  sessions: {
    columns: { token_hash: text, identity_id: text, created_at: bigint, last_seen_at: bigintOrNull },
    copy: true,
  },
  comments: {
    columns: {
      id: text,
      article_slug: text,
      parent_id: textOrNull,
      identity_id: textOrNull,
      body: text,
      depth: integer,
      score: integer,
      state: text,
      pinned: integer,
      locked: integer,
      created_at: bigint,
      edited_at: bigintOrNull,
    },
    export: { order: 'created_at, id' },
    copy: true,
    tree: { parent: 'parent_id', key: 'id' },
  },
  votes: {
    columns: { comment_id: text, identity_id: text, created_at: bigint, ip_prefix_hash: textOrNull, counted: integer },
    export: { order: 'comment_id, identity_id' },
    copy: true,
  },
  idempotency_keys: {
    columns: { identity_id: text, idem_key: text, comment_id: text, created_at: bigint },
    copy: true,
  },
  author_links: {
    columns: { token_hash: text, name: text, expires_at: bigint, used_at: bigintOrNull },
    copy: true,
  },
  events: {
    // pos: the live readers' cursor, NULL until the event sequencer gives it (migration 7).
    columns: { id: serial, article_slug: text, kind: text, payload: text, created_at: bigint, pos: bigintOrNull },
    copy: true,
    serial: 'id',
  },
  article_settings: {
    columns: { article_slug: text, comments_closed: integer },
    export: { order: 'article_slug' },
    copy: true,
  },
  audit_log: {
    columns: { id: serial, actor_id: textOrNull, actor_name: text, action: text, target: text, reason: textOrNull, created_at: bigint },
    export: { order: 'id' },
    copy: true,
    serial: 'id',
  },
  banned_prefixes: {
    columns: { prefix_hash: text, banned_until: bigint, reason: textOrNull, created_at: bigint },
    export: { order: 'prefix_hash' },
    copy: true,
  },
  notifications: {
    columns: {
      id: serial,
      identity_id: text,
      kind: text,
      comment_id: textOrNull,
      article_slug: text,
      actor_name: textOrNull,
      created_at: bigint,
      read_at: bigintOrNull,
    },
    export: { order: 'id' },
    copy: true,
    serial: 'id',
  },
  byline_meta: {
    columns: { name: text, value: text },
    copy: true,
  },
  inbox_settings: {
    columns: { identity_id: text, amount: textOrNull, desk_seen_at: bigintOrNull },
    copy: true,
  },
  // Notifications beyond the site (migration 6). None is exported: webhook secrets and push
  // subscriptions belong to this installation (the push keys live in its data folder), and
  // the queue and log are short-lived. `byline copy` moves them, so a move keeps them working.
  webhooks: {
    columns: { id: text, url: text, format: text, events: text, secret: text, created_at: bigint },
    copy: true,
  },
  notify_queue: {
    columns: {
      id: serial,
      channel: text,
      target: text,
      event: text,
      payload: text,
      attempts: integer,
      next_at: bigint,
      state: text,
      created_at: bigint,
      done_at: bigintOrNull,
    },
    copy: true,
    serial: 'id',
  },
  notify_log: {
    columns: { id: serial, channel: text, target: text, event: text, attempt: integer, outcome: text, ok: integer, created_at: bigint },
    copy: true,
    serial: 'id',
  },
  push_subscriptions: {
    columns: { endpoint: text, identity_id: text, p256dh: text, auth: text, created_at: bigint },
    copy: true,
  },
  notify_settings: {
    columns: { name: text, value: text },
    copy: true,
  },
} as const satisfies Record<string, TableDef>;

type Tables = typeof TABLES;
export type TableName = keyof Tables;
export type ColumnName<T extends TableName> = keyof Tables[T]['columns'] & string;

/** The tables `byline export` writes, in the order it writes them. */
export type ExportedTable = { [T in TableName]: Tables[T] extends { export: object } ? T : never }[TableName];

type ValueOf<C> = (C extends { type: 'text' } ? string : number | string) | (C extends { nullable: true } ? null : never);

/**
 * A row as a driver hands it back. Integers may arrive as text: PostgreSQL's BIGINT can exceed
 * a double, so drivers are free to return it as a string (the store reads them with Number()).
 */
export type RowOf<T extends TableName> = { [C in ColumnName<T>]: ValueOf<Tables[T]['columns'][C]> };

export interface TableSpec {
  name: TableName;
  columns: { name: string; type: ColumnType; nullable: boolean }[];
  def: TableDef;
}

const specs: TableSpec[] = Object.entries(TABLES as Record<TableName, TableDef>).map(([name, def]) => ({
  name: name as TableName,
  columns: Object.entries(def.columns).map(([column, c]) => ({ name: column, type: c.type, nullable: c.nullable === true })),
  def,
}));

/** Every table, parents first. */
export function allTables(): readonly TableSpec[] {
  return specs;
}

/** The tables `byline export` writes and `byline import` reads, in that order. */
export function exportedTables(): readonly (TableSpec & { def: { export: { order: string } } })[] {
  return specs.filter((s): s is TableSpec & { def: { export: { order: string } } } => s.def.export !== undefined);
}

/** The tables `byline copy` moves, parents first. */
export function copiedTables(): readonly TableSpec[] {
  return specs.filter((s) => s.def.copy);
}

/** "a, b, c": a table's columns for a SELECT or INSERT, in schema order. */
export function columnList<T extends TableName>(
  table: T,
  columns: readonly ColumnName<T>[] = Object.keys(TABLES[table].columns) as ColumnName<T>[],
  alias?: string,
): string {
  return columns.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');
}
