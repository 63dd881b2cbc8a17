// Names flooded from one place, at the default limits: a classroom or an office behind one
// address all get their names, while one address (or one network stepping through its
// addresses) runs out. Taken and refused names cost nothing; past an allowance, 429 with
// Retry-After; another network is unaffected and a bystander reading pages does not notice.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultLimits } from '../../src/config.ts';
import { type HostileServer, bystanderUnharmed, inParallel, sendJson, signIn, startServer, underAttack } from './harness.ts';

const PER_HOUR = defaultLimits.newNamesPerPrefixPerHour;
const PER_DAY = defaultLimits.newNamesPerPrefixPerDay;
const PER_NETWORK = defaultLimits.newNamesPerNetworkPerDay;

/**
 * Distinct names of letters only (a trailing number can read as a look-alike of an earlier
 * name), 8 × 8 × 8 of them, none a look-alike of another.
 */
const first = ['Quartz', 'Maple', 'Harbor', 'Lantern', 'Meadow', 'Thistle', 'Copper', 'Willow'];
const second = ['Finch', 'Otter', 'Badger', 'Heron', 'Falcon', 'Beaver', 'Gecko', 'Salmon'];
const third = ['Dusk', 'Tide', 'Frost', 'Ember', 'Gale', 'Sleet', 'Bloom', 'Drift'];
const nameFor = (i: number, tag: string) => `${tag} ${first[i % 8]} ${second[Math.floor(i / 8) % 8]} ${third[Math.floor(i / 64) % 8]}`;

const statusesOf = (xs: { status: number }[]) => [...new Set(xs.map((x) => x.status))].join(', ');

describe('at the default limits', () => {
  let server: HostileServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });
  const trySignIn = (name: string, from: string) => sendJson(server, 'POST', '/api/v1/session', { name }, { from });

  test('taken and refused names cost nothing; created names are limited per address', async () => {
    const attacker = '127.0.0.40';
    const victim = await signIn(server, 'Held Name', '127.0.0.41');
    const refusedNames = ['', 'a', 'x'.repeat(41), 'Admin', 'Moderator', 'bell\u0007name', 'Bob\u202Eevil', 'Mara Quill', 'Мara Quill'];
    const statuses: number[] = [];

    const outcome = await underAttack(server, () =>
      inParallel(200, 3, async (i) => {
        const name = i % 2 === 0 ? victim.name : refusedNames[i % refusedNames.length]!;
        const res = await trySignIn(name, attacker);
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

    // The whole hour's allowance is still there for names this address really creates.
    const created = await inParallel(PER_HOUR, 4, (i) => trySignIn(nameFor(i, 'Solo'), attacker));
    assert.ok(
      created.every((r) => r.status === 201),
      `all ${PER_HOUR} names created: ${statusesOf(created)}`,
    );
    const over = await trySignIn('One Name Too Many', attacker);
    assert.equal(over.status, 429, over.text);
    assert.ok(Number(over.headers['retry-after']) >= 1, 'the refusal says when to come back');
    assert.equal((JSON.parse(over.text) as { error: { code: string } }).error.code, 'rate_limited');
  });

  test('a classroom of 30 behind one address all get their names at once', async () => {
    const school = '127.0.5.1';
    const pupils = await inParallel(30, 6, (i) => trySignIn(nameFor(i, 'Pupil'), school));
    assert.ok(
      pupils.every((r) => r.status === 201),
      `every pupil got a name: ${statusesOf(pupils)}`,
    );
  });

  test('one flooder stepping through the addresses of its network runs out of the network’s day', async () => {
    const perAddress = PER_HOUR;
    const addresses = Math.ceil(PER_NETWORK / perAddress);
    let created = 0;
    for (let a = 0; a < addresses; a++) {
      const from = `127.0.9.${a + 1}`;
      const replies = await inParallel(perAddress, 4, (i) => trySignIn(nameFor(i, `Net${'abcdefghij'[a]}`), from));
      assert.equal(replies.filter((r) => r.status >= 500).length, 0, 'no 5xx');
      created += replies.filter((r) => r.status === 201).length;
    }
    // What the flood cost is bounded by the allowance: each name is one write, and no more were made.
    assert.equal(created, PER_NETWORK, `the network made exactly its day's allowance of ${PER_NETWORK} names`);

    // Once spent, every further try from the network is refused before any name check or write,
    // so keeping up the flood costs the site next to nothing.
    const outcome = await underAttack(server, () => inParallel(300, 3, (i) => trySignIn(nameFor(i, 'Later'), `127.0.9.${(i % 200) + 20}`)));
    const later = outcome.attack;
    assert.ok(
      later.every((r) => r.status === 429),
      `new addresses in the same network are refused too: ${statusesOf(later)}`,
    );
    const verdict = bystanderUnharmed(outcome);
    assert.ok(verdict.ok, verdict.message);

    const elsewhere = await trySignIn('Someone Elsewhere', '127.0.10.1');
    assert.equal(elsewhere.status, 201, `another network is unaffected: ${elsewhere.text}`);
  });
});

describe('past the hour, the day', () => {
  let server: HostileServer;
  before(async () => {
    // The hour's burst raised out of the way, to reach the day's allowance within one test.
    server = await startServer({ env: { BYLINE_LIMIT_NEW_NAMES_PER_HOUR: String(PER_DAY * 2) } });
  });
  after(async () => {
    await server?.stop();
  });

  test('one address gets its day’s allowance and no more', async () => {
    const from = '127.0.7.1';
    const replies = await inParallel(PER_DAY, 4, (i) => sendJson(server, 'POST', '/api/v1/session', { name: nameFor(i, 'Day') }, { from }));
    assert.ok(
      replies.every((r) => r.status === 201),
      `all ${PER_DAY} created: ${statusesOf(replies)}`,
    );
    const over = await sendJson(server, 'POST', '/api/v1/session', { name: 'Beyond The Day' }, { from });
    assert.equal(over.status, 429, over.text);
    assert.ok(Number(over.headers['retry-after']) > 3600, `told to come back after more than an hour: ${over.headers['retry-after']}`);
  });
});
