// One address tries name after name: taken ones, refused ones, new ones. Only names actually
// created use up its allowance; past it, 429 with Retry-After; another address is unaffected
// and a bystander reading pages does not notice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type HostileServer, bystanderUnharmed, inParallel, sendJson, signIn, startServer, underAttack } from './harness.ts';

const NEW_NAMES_PER_HOUR = 3;
const ATTACKER = '127.0.0.40';

let server: HostileServer;
before(async () => {
  server = await startServer({ env: { BYLINE_LIMIT_NEW_NAMES_PER_HOUR: String(NEW_NAMES_PER_HOUR) } });
});
after(async () => {
  await server?.stop();
});

const trySignIn = (name: string, from = ATTACKER) => sendJson(server, 'POST', '/api/v1/session', { name }, { from });

/** Letters only: a trailing number can read as a look-alike of an earlier name. */
const word = (i: number) => ['Quartz', 'Maple', 'Harbor', 'Lantern', 'Meadow', 'Thistle', 'Copper', 'Willow'][i % 8]!;

test('taken and refused names cost nothing; created names are limited per address', async () => {
  const victim = await signIn(server, 'Held Name', '127.0.0.41');
  const refusedNames = ['', 'a', 'x'.repeat(41), 'Admin', 'Moderator', 'bell\u0007name', 'Bob\u202Eevil', 'Mara Quill', 'Мara Quill'];
  const statuses: number[] = [];

  const outcome = await underAttack(server, () =>
    inParallel(200, 3, async (i) => {
      const name = i % 2 === 0 ? victim.name : refusedNames[i % refusedNames.length]!;
      const res = await trySignIn(name);
      statuses.push(res.status);
    }),
  );
  assert.equal(statuses.filter((s) => s >= 500).length, 0, 'no 5xx');
  assert.equal(statuses.filter((s) => s === 201).length, 0);
  assert.equal(
    statuses.filter((s) => s === 429).length,
    0,
    `a refusal never uses up the allowance (statuses: ${[...new Set(statuses)].join(', ')})`,
  );
  const verdict = bystanderUnharmed(outcome);
  assert.ok(verdict.ok, verdict.message);

  // The whole allowance is still there for names this address really creates.
  for (let i = 0; i < NEW_NAMES_PER_HOUR; i++) {
    const res = await trySignIn(`New ${word(i)} Reader`);
    assert.equal(res.status, 201, `new name ${i + 1}: ${res.text}`);
  }
  const over = await trySignIn('One Name Too Many');
  assert.equal(over.status, 429, over.text);
  assert.ok(Number(over.headers['retry-after']) >= 1, 'the refusal says when to come back');
  assert.equal((JSON.parse(over.text) as { error: { code: string } }).error.code, 'rate_limited');

  // Another address is not affected.
  const elsewhere = await trySignIn('Someone Elsewhere', '127.0.0.42');
  assert.equal(elsewhere.status, 201, elsewhere.text);
});
