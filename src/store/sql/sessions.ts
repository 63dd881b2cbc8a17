import type { IdentityStore } from '../../discussion/ports.ts';
import type { IdentityRecord, SessionRecord } from '../../discussion/records.ts';
import type { Driver } from '../driver.ts';
import { type IdentityRow, identityColumns, num, numOrNull, toIdentity } from './rows.ts';

/** The sign-in half of the identity port: sessions and the author's one-time links. */
export type SessionStore = Pick<
  IdentityStore,
  | 'createSession'
  | 'identityForSession'
  | 'getSession'
  | 'touchSession'
  | 'deleteSession'
  | 'deleteSessionsOf'
  | 'deleteExpiredSessions'
  | 'createAuthorLink'
  | 'peekAuthorLink'
  | 'consumeAuthorLink'
>;

export function sqlSessionStore(driver: Driver): SessionStore {
  return {
    async createSession(tokenHash: string, identityId: string, now: number): Promise<void> {
      await driver.run('INSERT INTO sessions (token_hash, identity_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)', [
        tokenHash,
        identityId,
        now,
        now,
      ]);
    },

    async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
      const row = await driver.get<IdentityRow & { session_created_at: number | string; session_last_seen_at: number | string | null }>(
        `SELECT ${identityColumns('i')}, s.created_at AS session_created_at, s.last_seen_at AS session_last_seen_at
         FROM sessions s JOIN identities i ON i.id = s.identity_id WHERE s.token_hash = ?`,
        [tokenHash],
      );
      if (!row) return undefined;
      const createdAt = num(row.session_created_at);
      return { identity: toIdentity(row), createdAt, lastSeenAt: numOrNull(row.session_last_seen_at) ?? createdAt };
    },

    async touchSession(tokenHash: string, now: number): Promise<void> {
      await driver.run('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?', [now, tokenHash]);
    },

    async deleteExpiredSessions(idleBefore: number, createdBefore: number): Promise<number> {
      return (await driver.run('DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?', [idleBefore, createdBefore])).changes;
    },

    async identityForSession(tokenHash: string): Promise<IdentityRecord | undefined> {
      const row = await driver.get<IdentityRow>(
        `SELECT ${identityColumns('i')} FROM sessions s JOIN identities i ON i.id = s.identity_id WHERE s.token_hash = ?`,
        [tokenHash],
      );
      return row && toIdentity(row);
    },

    async deleteSession(tokenHash: string): Promise<void> {
      await driver.run('DELETE FROM sessions WHERE token_hash = ?', [tokenHash]);
    },

    async deleteSessionsOf(identityId: string): Promise<number> {
      return (await driver.run('DELETE FROM sessions WHERE identity_id = ?', [identityId])).changes;
    },

    async createAuthorLink(tokenHash: string, name: string, expiresAt: number): Promise<void> {
      await driver.run('INSERT INTO author_links (token_hash, name, expires_at) VALUES (?, ?, ?)', [tokenHash, name, expiresAt]);
    },

    async peekAuthorLink(tokenHash: string, now: number): Promise<string | undefined> {
      const row = await driver.get<{ name: string }>(
        'SELECT name FROM author_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
        [tokenHash, now],
      );
      return row?.name;
    },

    consumeAuthorLink(tokenHash: string, now: number): Promise<string | undefined> {
      return driver.transaction(async (tx) => {
        const row = await tx.get<{ name: string }>(
          'UPDATE author_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING name',
          [now, tokenHash, now],
        );
        return row?.name;
      });
    },
  };
}
