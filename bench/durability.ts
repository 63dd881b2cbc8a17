// After the SIGKILL: what the database kept, against what the server acknowledged.
import Database from 'better-sqlite3';

export interface DurabilityChecks {
  votes: { acknowledged: number; voteRowsAdded: number; acknowledgedMissing: number; scoreMismatches: number; ok: boolean };
  comments: { acknowledged: number; commentRowsAdded: number; acknowledgedMissing: number; ok: boolean };
}

/**
 * Every acknowledged vote (as "commentId|identityId") and every acknowledged comment (by id) must
 * be stored, and every score must equal its count of counted votes.
 */
export function checkDurability(opts: {
  dbFile: string;
  slug: string;
  seededComments: number;
  seededVotes: number;
  acknowledgedVotes: readonly string[];
  acknowledgedComments: readonly string[];
}): DurabilityChecks {
  const db = new Database(opts.dbFile, { readonly: true });
  try {
    const votes = new Set(
      (db.prepare('SELECT comment_id, identity_id FROM votes').all() as { comment_id: string; identity_id: string }[]).map(
        (r) => `${r.comment_id}|${r.identity_id}`,
      ),
    );
    const scoreMismatches = (
      db
        .prepare(
          'SELECT COUNT(*) AS n FROM comments c WHERE c.score != (SELECT COUNT(*) FROM votes v WHERE v.comment_id = c.id AND v.counted = 1)',
        )
        .get() as { n: number }
    ).n;
    const comments = new Set(
      (db.prepare('SELECT id FROM comments WHERE article_slug = ?').all(opts.slug) as { id: string }[]).map((r) => r.id),
    );
    const voteMissing = opts.acknowledgedVotes.filter((pair) => !votes.has(pair)).length;
    const commentMissing = opts.acknowledgedComments.filter((id) => !comments.has(id)).length;
    return {
      votes: {
        acknowledged: opts.acknowledgedVotes.length,
        voteRowsAdded: votes.size - opts.seededVotes,
        acknowledgedMissing: voteMissing,
        scoreMismatches,
        ok: voteMissing === 0 && scoreMismatches === 0,
      },
      comments: {
        acknowledged: opts.acknowledgedComments.length,
        commentRowsAdded: comments.size - opts.seededComments,
        acknowledgedMissing: commentMissing,
        ok: commentMissing === 0,
      },
    };
  } finally {
    db.close();
  }
}
