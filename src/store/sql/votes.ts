import type { VoteStore } from '../../discussion/ports.ts';
import { RecordMissingError, type VoteCountRule, type VoteRecord, type VoteResult } from '../../discussion/records.ts';
import type { Driver, SqlExecutor } from '../driver.ts';
import { appendEvent } from './events.ts';
import { num } from './rows.ts';

export function sqlVoteStore(driver: Driver): VoteStore {
  /** The score moves in the same transaction as the vote row, so it always equals the count of counted votes. */
  async function afterVote(tx: SqlExecutor, commentId: string, delta: number, now: number, changed = delta !== 0): Promise<VoteResult> {
    const row =
      delta === 0
        ? await tx.get<{ score: number | string; article_slug: string }>('SELECT score, article_slug FROM comments WHERE id = ?', [
            commentId,
          ])
        : await tx.get<{ score: number | string; article_slug: string }>(
            'UPDATE comments SET score = score + ? WHERE id = ? RETURNING score, article_slug',
            [delta, commentId],
          );
    if (!row) throw new RecordMissingError('comment');
    const score = num(row.score);
    if (!changed) return { score, changed };
    const eventId = await appendEvent(driver, tx, row.article_slug, 'score', { id: commentId, score }, now);
    return { score, changed, eventId };
  }

  return {
    addVote(commentId: string, identityId: string, now: number, ipPrefixHash: string | null, rule?: VoteCountRule): Promise<VoteResult> {
      return driver.transaction(async (tx) => {
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
        return afterVote(tx, commentId, inserted && counted ? 1 : 0, now, inserted);
      });
    },

    removeVote(commentId: string, identityId: string, now: number): Promise<VoteResult> {
      return driver.transaction(async (tx) => {
        const removed = await tx.get<{ counted: number }>('DELETE FROM votes WHERE comment_id = ? AND identity_id = ? RETURNING counted', [
          commentId,
          identityId,
        ]);
        return afterVote(tx, commentId, removed ? (Number(removed.counted) === 1 ? -1 : 0) : 0, now, removed !== undefined);
      });
    },

    async votedCommentIds(identityId: string, articleSlug: string): Promise<string[]> {
      const rows = await driver.all<{ comment_id: string }>(
        'SELECT v.comment_id FROM votes v JOIN comments c ON c.id = v.comment_id WHERE v.identity_id = ? AND c.article_slug = ?',
        [identityId, articleSlug],
      );
      return rows.map((r) => r.comment_id);
    },

    async countVotes(commentId: string): Promise<number> {
      const row = await driver.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM votes WHERE comment_id = ? AND counted = 1', [
        commentId,
      ]);
      return num(row!.n);
    },

    async votesOn(commentId: string): Promise<VoteRecord[]> {
      const rows = await driver.all<{
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
    },
  };
}
