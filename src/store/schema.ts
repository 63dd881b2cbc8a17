import type { Dialect, Driver } from './driver.ts';

/**
 * The schema of both engines, in one place. Migrations are written in the SQL that SQLite and
 * PostgreSQL share (TEXT, INTEGER, BIGINT; times as epoch milliseconds; booleans as 0/1); the
 * few words that differ are written as tokens and filled in per dialect.
 */
const tokens: Record<Dialect, Record<string, string>> = {
  sqlite: { '{{serial}}': 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  postgres: { '{{serial}}': 'BIGSERIAL PRIMARY KEY' },
};

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'discussion',
    sql: `
CREATE TABLE identities (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL DEFAULT 'reader',
  recovery_hash TEXT,
  feed_token_hash TEXT UNIQUE,
  ip_prefix_hash TEXT,
  created_at BIGINT NOT NULL,
  banned_until BIGINT,
  ban_reason TEXT,
  muted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL
);
CREATE INDEX sessions_identity ON sessions(identity_id);
CREATE TABLE comments (
  id TEXT PRIMARY KEY,
  article_slug TEXT NOT NULL,
  parent_id TEXT REFERENCES comments(id),
  identity_id TEXT REFERENCES identities(id) ON DELETE SET NULL,
  body TEXT NOT NULL,
  depth INTEGER NOT NULL,
  score INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'visible',
  pinned INTEGER NOT NULL DEFAULT 0,
  locked INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  edited_at BIGINT
);
CREATE INDEX comments_article ON comments(article_slug, created_at);
CREATE INDEX comments_parent ON comments(parent_id);
CREATE INDEX comments_identity ON comments(identity_id);
CREATE TABLE votes (
  comment_id TEXT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  ip_prefix_hash TEXT,
  counted INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (comment_id, identity_id)
);
CREATE INDEX votes_identity ON votes(identity_id);
CREATE TABLE idempotency_keys (
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  idem_key TEXT NOT NULL,
  comment_id TEXT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (identity_id, idem_key)
);
CREATE TABLE author_links (
  token_hash TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE TABLE events (
  id {{serial}},
  article_slug TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX events_article ON events(article_slug, id);
CREATE TABLE article_settings (
  article_slug TEXT PRIMARY KEY,
  comments_closed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE audit_log (
  id {{serial}},
  actor_id TEXT,
  actor_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  reason TEXT,
  created_at BIGINT NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'moderation and inbox',
    sql: `
CREATE TABLE banned_prefixes (
  prefix_hash TEXT PRIMARY KEY,
  banned_until BIGINT NOT NULL,
  reason TEXT,
  created_at BIGINT NOT NULL
);
CREATE TABLE notifications (
  id {{serial}},
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  comment_id TEXT,
  article_slug TEXT NOT NULL,
  actor_name TEXT,
  created_at BIGINT NOT NULL,
  read_at BIGINT
);
CREATE INDEX notifications_identity ON notifications(identity_id, id);
CREATE INDEX votes_comment_prefix ON votes(comment_id, ip_prefix_hash, created_at);
CREATE INDEX comments_state ON comments(state, created_at)
`,
  },
  {
    version: 3,
    name: 'session expiry',
    // Sessions end after a stretch without use as well as at an absolute age; sessions from
    // before this version were last seen, as far as anyone knows, when they were made.
    sql: `
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);
CREATE INDEX sessions_created ON sessions(created_at)
`,
  },
  {
    version: 4,
    name: 'site facts',
    // Small facts about the data itself, such as which version of the name rules made the
    // stored name keys (src/store/name-keys.ts).
    sql: `
CREATE TABLE byline_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
)
`,
  },
  {
    version: 5,
    name: 'author notifications',
    // How much of the discussion reaches an author's inbox, and when they last opened the desk
    // (its "new" count starts there). The index serves the daily summary, which reads recent
    // comments across every article.
    sql: `
CREATE TABLE inbox_settings (
  identity_id TEXT PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE,
  amount TEXT,
  desk_seen_at BIGINT
);
CREATE INDEX comments_created ON comments(created_at)
`,
  },
  {
    version: 6,
    name: 'notifications beyond the site',
    // The author's webhooks, the queue of deliveries (webhooks, push, mail) that survives a
    // restart, the log of attempts the desk shows, readers' push subscriptions, which go with
    // the identity that made them, and the author's choices for mail (src/notify/ports.ts).
    sql: `
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  format TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE notify_queue (
  id {{serial}},
  channel TEXT NOT NULL,
  target TEXT NOT NULL,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  created_at BIGINT NOT NULL,
  done_at BIGINT
);
CREATE INDEX notify_queue_due ON notify_queue(state, next_at);
CREATE INDEX notify_queue_target ON notify_queue(channel, target, done_at);
CREATE TABLE notify_log (
  id {{serial}},
  channel TEXT NOT NULL,
  target TEXT NOT NULL,
  event TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  ok INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX notify_log_channel ON notify_log(channel, id);
CREATE TABLE push_subscriptions (
  endpoint TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_identity ON push_subscriptions(identity_id);
CREATE TABLE notify_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
)
`,
  },
  {
    version: 7,
    name: 'event positions',
    // Live readers move by an event's position, given after commit on PostgreSQL so that writers
    // need no cluster-wide lock (docs/decisions/0008). Existing events keep their ids as their
    // positions, so every cursor a page holds keeps its meaning. The partial index finds what is
    // still to be positioned; positions are unique, which also makes a second sequencer that
    // somehow ran beside the first fail rather than hand out a position twice.
    sql: `
ALTER TABLE events ADD COLUMN pos BIGINT;
UPDATE events SET pos = id;
CREATE UNIQUE INDEX events_pos ON events(pos);
CREATE INDEX events_article_pos ON events(article_slug, pos);
CREATE INDEX events_unpositioned ON events(id) WHERE pos IS NULL;
DROP INDEX events_article
`,
  },
];

export function migrationSql(dialect: Dialect, sql: string): string {
  let out = sql;
  for (const [token, value] of Object.entries(tokens[dialect])) out = out.split(token).join(value);
  return out;
}

/**
 * Applies every migration not yet applied, each in its own transaction. The driver's migration
 * lock (an advisory lock on PostgreSQL) makes nodes that start together take turns, so exactly
 * one applies each version.
 */
export async function migrate(driver: Driver): Promise<number[]> {
  const done: number[] = [];
  for (const m of migrations) {
    const applied = await driver.transaction(async (tx) => {
      await driver.lockForMigration(tx);
      await tx.run(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      if (await tx.get('SELECT 1 AS x FROM schema_migrations WHERE version = ?', [m.version])) return false;
      for (const statement of splitStatements(migrationSql(driver.dialect, m.sql))) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
      return true;
    });
    if (applied) done.push(m.version);
  }
  return done;
}

export async function pendingMigrations(driver: Driver): Promise<Migration[]> {
  try {
    const applied = new Set((await driver.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    return migrations.filter((m) => !applied.has(m.version));
  } catch {
    return migrations;
  }
}

export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
