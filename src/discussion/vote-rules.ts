import type { IdentityRecord, VoteCountRule } from './records.ts';

export interface VoteRuleSettings {
  /** Votes from identities younger than this are stored but not counted (0: off). */
  voteMinAgeMinutes: number;
  /** Counted votes on one comment from one address prefix per hour (0: off). */
  votesPerPrefixPerHour: number;
}

const HOUR = 3600_000;

/**
 * How a new vote is counted. A name costs nothing to make, so a fresh name's vote waits until the
 * name is old enough, and one address prefix can lift one comment by at most a few votes an hour.
 * Such votes are still stored (the voter sees their vote, the author sees them grouped by age and
 * prefix), they just don't move the score. The per-prefix count is taken by the store inside the
 * vote's transaction.
 */
export function voteCountRule(voter: IdentityRecord, now: number, settings: VoteRuleSettings): VoteCountRule {
  const ageMs = now - voter.createdAt;
  if (settings.voteMinAgeMinutes > 0 && ageMs < settings.voteMinAgeMinutes * 60_000) return { counted: false };
  if (settings.votesPerPrefixPerHour > 0) return { counted: true, maxPerPrefix: settings.votesPerPrefixPerHour, since: now - HOUR };
  return { counted: true };
}

/** Buckets for the author's view of a comment's votes, youngest first. */
export const AGE_BUCKETS: { label: string; maxMs: number }[] = [
  { label: 'under 10 minutes', maxMs: 10 * 60_000 },
  { label: 'under 1 hour', maxMs: HOUR },
  { label: 'under 1 day', maxMs: 24 * HOUR },
  { label: 'under 1 week', maxMs: 7 * 24 * HOUR },
  { label: '1 week or more', maxMs: Number.POSITIVE_INFINITY },
];

export function ageBucket(identityAgeAtVoteMs: number): string {
  return (AGE_BUCKETS.find((b) => identityAgeAtVoteMs < b.maxMs) ?? AGE_BUCKETS[AGE_BUCKETS.length - 1]!).label;
}

export interface VoteGroup {
  key: string;
  votes: number;
  counted: number;
}

/** Groups votes by a key, largest group first: the shape of a vote ring shows at a glance. */
export function groupVotes<T extends { counted: boolean }>(votes: T[], keyOf: (v: T) => string): VoteGroup[] {
  const groups = new Map<string, VoteGroup>();
  for (const v of votes) {
    const key = keyOf(v);
    const g = groups.get(key) ?? { key, votes: 0, counted: 0 };
    g.votes++;
    if (v.counted) g.counted++;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.votes - a.votes || a.key.localeCompare(b.key));
}
