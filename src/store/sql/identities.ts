import type { IdentityStore } from '../../discussion/ports.ts';
import type { IdentityExport, IdentityRecord } from '../../discussion/records.ts';
import { type Driver, isUniqueViolation, type SqlExecutor } from '../driver.ts';
import { rekeyIdentities } from '../name-keys.ts';
import { pruneDeletedLeaves } from './comments.ts';
import { appendEvent } from './events.ts';
import { type CommentRow, commentSelect, type IdentityRow, identityColumns, num, toComment, toIdentity } from './rows.ts';
import { type SessionStore, sqlSessionStore } from './sessions.ts';

/** The identity port without its sign-in half (./sessions.ts). */
type NameStore = Omit<IdentityStore, keyof SessionStore>;

/**
 * A deleted name leaves every record that showed it to someone else: other readers'
 * notifications of its replies lose the name (they read "[deleted] replied"), and the audit
 * log's entries about the identity and its comments say "[deleted]" instead. Names are unique
 * while held, so an entry naming it belongs to this identity (or to an earlier, also deleted, one).
 */
async function forgetName(tx: SqlExecutor, identityId: string): Promise<void> {
  const identity = await tx.get<{ name: string }>('SELECT name FROM identities WHERE id = ?', [identityId]);
  if (!identity) return;
  const { name } = identity;
  await tx.run(
    `UPDATE notifications SET actor_name = NULL WHERE kind IN ('reply', 'author_reply')
       AND (actor_name = ? OR comment_id IN (SELECT id FROM comments WHERE identity_id = ?))`,
    [name, identityId],
  );
  await tx.run("UPDATE audit_log SET actor_name = '[deleted]' WHERE actor_id = ?", [identityId]);
  const entries = await tx.all<{ id: number | string; target: string }>(
    "SELECT id, target FROM audit_log WHERE target LIKE 'identity %' OR target LIKE 'comment %'",
  );
  const aboutIdentity = `identity ${identityId} (`;
  const byName = ` by ${name} on `;
  for (const entry of entries) {
    const target = entry.target.startsWith(aboutIdentity)
      ? `${aboutIdentity}[deleted])`
      : entry.target.startsWith('comment ') && entry.target.includes(byName)
        ? entry.target.replace(byName, ' by [deleted] on ')
        : undefined;
    if (target !== undefined && target !== entry.target)
      await tx.run('UPDATE audit_log SET target = ? WHERE id = ?', [target, num(entry.id)]);
  }
}

/** Deletes an identity in one transaction; see `IdentityStore.deleteIdentity`. */
function deleteIdentity(driver: Driver, identityId: string, now: number): Promise<string[]> {
  return driver.transaction(async (tx) => {
    const touched = new Set<string>();
    const voted = await tx.all<{ article_slug: string }>(
      'SELECT DISTINCT c.article_slug FROM votes v JOIN comments c ON c.id = v.comment_id WHERE v.identity_id = ?',
      [identityId],
    );
    for (const r of voted) touched.add(r.article_slug);
    // Scores follow the votes: take back each counted vote before the rows go.
    await tx.run('UPDATE comments SET score = score - 1 WHERE id IN (SELECT comment_id FROM votes WHERE identity_id = ? AND counted = 1)', [
      identityId,
    ]);
    await tx.run('DELETE FROM votes WHERE identity_id = ?', [identityId]);
    const own = await tx.all<{ article_slug: string }>('SELECT DISTINCT article_slug FROM comments WHERE identity_id = ?', [identityId]);
    for (const r of own) touched.add(r.article_slug);
    await forgetName(tx, identityId);
    await tx.run("UPDATE comments SET state = 'deleted', body = '', identity_id = NULL, pinned = 0 WHERE identity_id = ?", [identityId]);
    for (const slug of own.map((r) => r.article_slug)) await pruneDeletedLeaves(tx, slug);
    await tx.run('DELETE FROM identities WHERE id = ?', [identityId]);
    for (const slug of touched) await appendEvent(driver, tx, slug, 'reload', {}, now);
    return [...touched];
  });
}

function sqlNameStore(driver: Driver): NameStore {
  const getIdentity = async (id: string): Promise<IdentityRecord | undefined> => {
    const row = await driver.get<IdentityRow>(`SELECT ${identityColumns()} FROM identities WHERE id = ?`, [id]);
    return row && toIdentity(row);
  };

  return {
    async createIdentity(identity: IdentityRecord, recoveryHash: string | null): Promise<boolean> {
      try {
        const { changes } = await driver.run(
          `INSERT INTO identities (id, name, name_key, role, recovery_hash, ip_prefix_hash, created_at, muted)
           VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (name_key) DO NOTHING`,
          [identity.id, identity.name, identity.nameKey, identity.role, recoveryHash, identity.ipPrefixHash, identity.createdAt],
        );
        return changes === 1;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },

    getIdentity,

    async getIdentityByNameKey(nameKey: string): Promise<IdentityRecord | undefined> {
      const row = await driver.get<IdentityRow>(`SELECT ${identityColumns()} FROM identities WHERE name_key = ?`, [nameKey]);
      return row && toIdentity(row);
    },

    async getRecoveryHash(identityId: string): Promise<string | null> {
      const row = await driver.get<{ recovery_hash: string | null }>('SELECT recovery_hash FROM identities WHERE id = ?', [identityId]);
      return row?.recovery_hash ?? null;
    },

    async setRecoveryHash(identityId: string, hash: string): Promise<void> {
      await driver.run('UPDATE identities SET recovery_hash = ? WHERE id = ?', [hash, identityId]);
    },

    async swapRecoveryHash(identityId: string, expected: string, next: string): Promise<boolean> {
      const { changes } = await driver.run('UPDATE identities SET recovery_hash = ? WHERE id = ? AND recovery_hash = ?', [
        next,
        identityId,
        expected,
      ]);
      return changes === 1;
    },

    deleteIdentity: (identityId: string, now: number) => deleteIdentity(driver, identityId, now),

    async exportIdentity(identityId: string): Promise<IdentityExport | undefined> {
      const identity = await getIdentity(identityId);
      if (!identity) return undefined;
      const comments = (await driver.all<CommentRow>(`${commentSelect} WHERE c.identity_id = ? ORDER BY c.created_at`, [identityId])).map(
        toComment,
      );
      const votes = (
        await driver.all<{ comment_id: string; created_at: number | string }>(
          'SELECT comment_id, created_at FROM votes WHERE identity_id = ? ORDER BY created_at',
          [identityId],
        )
      ).map((v) => ({ commentId: v.comment_id, createdAt: num(v.created_at) }));
      return { identity, comments, votes };
    },

    rekeyIdentities: (version: string, keyOf: (name: string) => string) => rekeyIdentities(driver, version, keyOf),
  };
}

/** Identities and sign-in: the whole identity port over SQL. */
export function sqlIdentityStore(driver: Driver): IdentityStore {
  return { ...sqlNameStore(driver), ...sqlSessionStore(driver) };
}
