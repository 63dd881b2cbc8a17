import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultModeration } from '../src/config.ts';
import { voteCountRule } from '../src/discussion/vote-rules.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { type Person, call, generousLimits, postComment, signIn, signInAuthor } from './helpers/people.ts';

const slug = 'the-last-ten-percent';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const perPrefixPerHour = 3;
const minAgeMinutes = 10;

describe('the vote rule (pure)', () => {
  const settings = { voteMinAgeMinutes: minAgeMinutes, votesPerPrefixPerHour: perPrefixPerHour };
  const voter = (createdAt: number) => ({
    id: 'v',
    name: 'V',
    nameKey: 'v',
    role: 'reader' as const,
    createdAt,
    ipPrefixHash: null,
    bannedUntil: null,
    banReason: null,
    muted: false,
  });

  test('young names do not count; older ones count within the per-prefix bound of the last hour', () => {
    const now = 10 * HOUR;
    assert.deepEqual(voteCountRule(voter(now - 9 * MINUTE), now, settings), { counted: false });
    assert.deepEqual(voteCountRule(voter(now - 10 * MINUTE), now, settings), { counted: true, maxPerPrefix: 3, since: now - HOUR });
    assert.deepEqual(voteCountRule(voter(0), now, { voteMinAgeMinutes: 0, votesPerPrefixPerHour: 0 }), { counted: true });
  });
});

describe('a scripted client at one address', () => {
  let clock = Date.parse('2026-11-25T12:00:00Z');
  let t: TestApp;
  let writer: Person;

  before(async () => {
    t = await startTestApp({
      listen: false,
      now: () => clock,
      config: {
        limits: generousLimits,
        moderation: { ...defaultModeration, voteMinAgeMinutes: minAgeMinutes, votesPerPrefixPerHour: perPrefixPerHour },
      },
    });
    writer = await signIn(t, 'Comment Writer', '198.51.100.1');
  });
  after(async () => t.close());

  async function vote(who: Person, commentId: string, remoteAddress: string): Promise<number> {
    const res = await call(t, 'PUT', `/api/v1/comments/${commentId}/vote`, { cookie: who.cookie, remoteAddress });
    assert.equal(res.statusCode, 200, res.body);
    const json = res.json() as { score: number; votedByMe: boolean };
    assert.equal(json.votedByMe, true, 'the voter sees their vote either way');
    return json.score;
  }

  test('adds at most the configured number of counted votes to one comment per hour, while votes from other addresses all count', async () => {
    const target = await postComment(t, writer, slug, 'A comment someone wants to push up');
    const attacker = '203.0.113.66';
    const hours = 4;
    let bot = 0;
    const scoreAfterHour: number[] = [];
    let score = 0;
    for (let h = 0; h < hours; h++) {
      const hourStart = clock;
      // New names vote at once (too young to count) ...
      const fresh: Person[] = [];
      for (let i = 0; i < 12; i++) fresh.push(await signIn(t, `Bot ${bot++}`, attacker));
      for (const p of fresh.slice(0, 6)) score = await vote(p, target.id, attacker);
      // ... and the rest wait until they are old enough, then vote, a few minutes apart.
      clock += (minAgeMinutes + 1) * MINUTE;
      for (const p of fresh.slice(6)) {
        score = await vote(p, target.id, attacker);
        clock += 2 * MINUTE;
      }
      clock = hourStart + HOUR;
      scoreAfterHour.push(score);
    }
    const gains = scoreAfterHour.map((s, i) => s - (i === 0 ? 0 : scoreAfterHour[i - 1]!));
    for (const gain of gains)
      assert.ok(gain <= perPrefixPerHour, `at most ${perPrefixPerHour} counted votes an hour (gains: ${gains.join(', ')})`);
    assert.ok(score <= perPrefixPerHour * hours);
    assert.ok(score > 0, 'old enough names from one address still count, within the bound');

    // Every stored vote is there; the score equals the counted ones, in any sliding hour at most K.
    const votes = await t.store.votesOn(target.id);
    assert.equal(votes.length, hours * 12);
    const counted = votes.filter((v) => v.counted).map((v) => v.createdAt);
    assert.equal(counted.length, score);
    for (const at of counted) assert.ok(counted.filter((x) => x >= at && x < at + HOUR).length <= perPrefixPerHour);

    // Honest readers, each at their own address, with names older than the minimum age: all count.
    const honest: { p: Person; address: string }[] = [];
    for (let i = 0; i < 15; i++) {
      const address = `192.0.2.${10 + i}`;
      honest.push({ p: await signIn(t, `Honest Reader ${i}`, address), address });
    }
    clock += (minAgeMinutes + 1) * MINUTE;
    const before = score;
    for (const { p, address } of honest) score = await vote(p, target.id, address);
    assert.equal(score, before + honest.length);
    assert.equal((await t.store.getComment(target.id))?.score, score);

    // Taking back an uncounted vote leaves the score alone; a counted one lowers it by one.
    const uncounted = votes.find((v) => !v.counted)!;
    const unvoter = await t.ctx.discussion.vote({ identity: (await t.store.getIdentity(uncounted.identityId))! }, target.id, false, null);
    assert.equal(unvoter.score, score);
  });

  test('the author sees the votes grouped by identity age and by address prefix', async () => {
    const author = await signInAuthor(t);
    const [target] = await t.store.listCommentsFiltered({ articleSlug: slug, name: 'Comment Writer', limit: 1 });
    assert.ok(target);
    const res = await call(t, 'GET', `/admin/comments/${target.id}/votes`, { cookie: author.cookie });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /By the voter’s age when voting/);
    assert.match(res.body, /under 10 minutes/);
    assert.match(res.body, /By address prefix/);
    assert.match(res.body, />Bot \d+<\/a>/);
    // The attacker's prefix is one group with many votes (48, one taken back) and few counted.
    const rows = [...res.body.matchAll(/<tr><td><code>([^<]+)<\/code><\/td><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g)].map((m) => ({
      key: m[1]!,
      votes: Number(m[2]),
      counted: Number(m[3]),
    }));
    assert.ok(
      rows.some((r) => r.votes === 47 && r.counted <= perPrefixPerHour * 4),
      JSON.stringify(rows),
    );
    const reader = await signIn(t, 'Curious Reader', '192.0.2.200');
    assert.equal((await call(t, 'GET', `/admin/comments/${target.id}/votes`, { cookie: reader.cookie })).statusCode, 403);
  });
});
