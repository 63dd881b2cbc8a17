// A stolen author session used as a weapon: the desk's actions are counted per identity like a
// reader's writes, so a flood of pin/unpin (each one pushed to every live reader) stops at the
// allowance with 429 and Retry-After, and changes nothing once refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultWriteLimits } from '../src/config.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { form, generousLimits, postComment, signIn, signInAuthor } from './helpers/people.ts';

const ALLOWANCE = 6;
let t: TestApp;

before(async () => {
  t = await startTestApp({
    listen: false,
    config: { limits: generousLimits, writeLimits: { ...defaultWriteLimits, deskActionsPerHour: ALLOWANCE } },
  });
});
after(async () => t.close());

test('the desk stops a flood of moderation actions at its allowance', async () => {
  const author = await signInAuthor(t);
  const reader = await signIn(t, 'Wren Abbott');
  const comment = await postComment(t, reader, 'the-last-ten-percent', 'Pin me, unpin me.');
  const audit = async () => (await t.store.listAudit(10_000)).length;

  const statuses: number[] = [];
  for (let i = 0; i < ALLOWANCE * 3; i++) {
    const action = i % 2 === 0 ? 'pin' : 'unpin';
    const res = await form(t, `/admin/comments/${comment.id}/${action}`, { _csrf: author.csrf, return: '/admin' }, author.cookie);
    statuses.push(res.statusCode);
    if (res.statusCode === 429) assert.ok(Number(res.headers['retry-after']) >= 1, 'the refusal says when to come back');
  }
  assert.deepEqual(
    statuses.map((s) => (s === 303 ? 'done' : s)),
    [...Array(ALLOWANCE).fill('done'), ...Array(ALLOWANCE * 2).fill(429)],
  );
  assert.equal(await audit(), ALLOWANCE, 'only the allowed actions were carried out and audited');
});
