// One behavioural suite for the storage interface, run against every engine at hand: SQLite,
// PGlite (PostgreSQL in-process) and, when a server URL is given, a real PostgreSQL. The tests
// talk to the Store interface only, so a difference between engines shows up as a failure here.
//
// One store per engine (PGlite takes seconds to start), so every test works on its own articles
// and identities and never depends on what another test left behind.

import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import { StoreUnavailableError } from '../src/store/driver.ts';
import { PgliteDriver } from '../src/store/pglite.ts';
import { isConnectionError, listen, notify, PgDriver, toPostgresPlaceholders } from '../src/store/postgres.ts';
import { migrations } from '../src/store/schema.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import { SqliteDriver } from '../src/store/sqlite.ts';
import { allTables, type ColumnType } from '../src/store/tables.ts';
import type { CommentRecord, IdentityRecord, NewComment, Store } from '../src/store/store.ts';

// ---------------------------------------------------------------------------------------------
// Engines

const pgUrl = [process.env.BYLINE_TEST_PG_URL, process.env.DATABASE_URL].find(
  (u): u is string => typeof u === 'string' && /^postgres(ql)?:\/\//.test(u),
);

interface Opened {
  store: Store;
  /** What the first migrate() on the empty database returned. */
  firstMigration: number[];
  close(): Promise<void>;
}

interface Engine {
  name: string;
  open(): Promise<Opened>;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The same server and database, with every unqualified table living in `schema`. */
function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'byline-store-'));
      const store = new SqlStore(new SqliteDriver(join(dir, 'byline.db')));
      const firstMigration = await store.migrate();
      return {
        store,
        firstMigration,
        async close() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'pglite',
    async open() {
      const store = new SqlStore(new PgliteDriver());
      const firstMigration = await store.migrate();
      return { store, firstMigration, close: () => store.close() };
    },
  },
];

if (pgUrl) {
  const url = pgUrl;
  engines.push({
    name: 'postgres',
    async open() {
      // A fresh schema per run, so the suite never sees (or harms) data already in the database.
      const schema = `byline_test_${randomBytes(6).toString('hex')}`;
      await adminQuery(url, `CREATE SCHEMA ${schema}`);
      const store = new SqlStore(new PgDriver(withSearchPath(url, schema)));
      try {
        const firstMigration = await store.migrate();
        return {
          store,
          firstMigration,
          async close() {
            await store.close();
            await adminQuery(url, `DROP SCHEMA ${schema} CASCADE`);
          },
        };
      } catch (err) {
        await store.close();
        await adminQuery(url, `DROP SCHEMA ${schema} CASCADE`);
        throw err;
      }
    },
  });
} else {
  console.log('# store suite: PostgreSQL server not configured (set BYLINE_TEST_PG_URL); ran SQLite and PGlite');
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/** Strictly increasing timestamps, so creation order is never a tie. */
let clock = 1_700_000_000_000;
const tick = (): number => ++clock;
const unique = (prefix: string): string => `${prefix}-${randomUUID()}`;

function identityRecord(overrides: Partial<IdentityRecord> = {}): IdentityRecord {
  const name = overrides.name ?? unique('Reader');
  return {
    id: unique('id'),
    name,
    nameKey: name.toLowerCase(),
    role: 'reader',
    createdAt: tick(),
    ipPrefixHash: null,
    bannedUntil: null,
    banReason: null,
    muted: false,
    ...overrides,
  };
}

async function newIdentity(
  store: Store,
  overrides: Partial<IdentityRecord> = {},
  recoveryHash: string | null = null,
): Promise<IdentityRecord> {
  const record = identityRecord(overrides);
  assert.equal(await store.createIdentity(record, recoveryHash), true);
  return record;
}

function commentInput(
  author: IdentityRecord,
  articleSlug: string,
  parent: CommentRecord | null = null,
  body = 'A considered reply.',
): NewComment {
  return {
    id: unique('c'),
    articleSlug,
    parentId: parent?.id ?? null,
    identityId: author.id,
    body,
    depth: parent ? parent.depth + 1 : 0,
    state: 'visible',
    createdAt: tick(),
  };
}

async function post(
  store: Store,
  author: IdentityRecord,
  articleSlug: string,
  parent: CommentRecord | null = null,
  body?: string,
): Promise<CommentRecord> {
  const result = await store.insertComment(commentInput(author, articleSlug, parent, body), null);
  assert.equal(result.created, true);
  return result.comment;
}

async function scoreOf(store: Store, commentId: string): Promise<number> {
  const comment = await store.getComment(commentId);
  assert.ok(comment, `comment ${commentId} exists`);
  return comment.score;
}

// ---------------------------------------------------------------------------------------------
// The suite

for (const engine of engines) {
  describe(`store on ${engine.name}`, () => {
    let opened: Opened | undefined;
    let store: Store;

    before(async () => {
      opened = await engine.open();
      store = opened.store;
    });

    after(async () => {
      await opened?.close();
    });

    test('migrations apply once, and applying them again is a no-op', async () => {
      assert.deepEqual(
        opened?.firstMigration,
        migrations.map((m) => m.version),
      );
      assert.deepEqual(await store.migrate(), []);
      await store.ping();
      assert.equal(store.engine, engine.name);
    });

    test('a name key is claimed once, and the identity reads back as written', async () => {
      const first = identityRecord({ role: 'author', ipPrefixHash: 'ip-hash' });
      assert.equal(await store.createIdentity(first, 'recovery-1'), true);
      const rival = identityRecord({ name: first.name.toUpperCase(), nameKey: first.nameKey });
      assert.equal(await store.createIdentity(rival, 'recovery-2'), false);

      assert.deepEqual(await store.getIdentity(first.id), first);
      assert.deepEqual(await store.getIdentityByNameKey(first.nameKey), first);
      assert.equal(await store.getIdentity(rival.id), undefined);
      assert.equal(await store.getRecoveryHash(first.id), 'recovery-1');
    });

    test('ten concurrent claims of one name key: exactly one wins', async () => {
      const nameKey = unique('contested');
      const claims = Array.from({ length: 10 }, () => identityRecord({ nameKey }));
      const results = await Promise.all(claims.map((c) => store.createIdentity(c, null)));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = claims[results.indexOf(true)]!;
      assert.equal((await store.getIdentityByNameKey(nameKey))?.id, winner.id);
    });

    test('sessions are created, looked up and deleted', async () => {
      const reader = await newIdentity(store);
      const other = await newIdentity(store);
      const [a, b, c, theirs] = [unique('s'), unique('s'), unique('s'), unique('s')];
      await store.createSession(a, reader.id, tick());
      await store.createSession(b, reader.id, tick());
      await store.createSession(c, reader.id, tick());
      await store.createSession(theirs, other.id, tick());

      assert.deepEqual(await store.identityForSession(a), reader);
      assert.equal(await store.identityForSession(unique('unknown')), undefined);

      await store.deleteSession(a);
      assert.equal(await store.identityForSession(a), undefined);
      assert.equal(await store.deleteSessionsOf(reader.id), 2);
      assert.equal(await store.identityForSession(b), undefined);
      assert.equal(await store.identityForSession(c), undefined);
      assert.deepEqual(await store.identityForSession(theirs), other);
      assert.equal(await store.deleteSessionsOf(reader.id), 0);
    });

    test('a recovery key swap succeeds only once, even when raced', async () => {
      const reader = await newIdentity(store, {}, 'key-1');
      assert.equal(await store.swapRecoveryHash(reader.id, 'key-1', 'key-2'), true);
      assert.equal(await store.swapRecoveryHash(reader.id, 'key-1', 'key-3'), false);
      assert.equal(await store.getRecoveryHash(reader.id), 'key-2');

      const raced = await Promise.all(Array.from({ length: 8 }, (_, i) => store.swapRecoveryHash(reader.id, 'key-2', `next-${i}`)));
      assert.equal(raced.filter(Boolean).length, 1);
      assert.equal(await store.getRecoveryHash(reader.id), `next-${raced.indexOf(true)}`);

      await store.setRecoveryHash(reader.id, 'reset');
      assert.equal(await store.getRecoveryHash(reader.id), 'reset');
    });

    test('a lock covers every comment below the locked one, and nothing beside it', async () => {
      const author = await newIdentity(store);
      const slug = unique('article');
      const root = await post(store, author, slug);
      const child = await post(store, author, slug, root);
      const grandchild = await post(store, author, slug, child);
      const beside = await post(store, author, slug);
      assert.equal(await store.inLockedThread(grandchild.id), false);
      await store.setCommentFlag(child.id, 'locked', true, tick());
      assert.equal(await store.inLockedThread(grandchild.id), true);
      assert.equal(await store.inLockedThread(child.id), true);
      assert.equal(await store.inLockedThread(root.id), false, 'a lock reaches down, not up');
      assert.equal(await store.inLockedThread(beside.id), false);
    });

    test('insertComment without an idempotency key inserts every time', async () => {
      const slug = unique('article');
      const reader = await newIdentity(store);
      const input = commentInput(reader, slug, null, 'First!');
      const first = await store.insertComment(input, null);
      assert.equal(first.created, true);
      assert.equal(typeof first.eventId, 'number');
      assert.deepEqual(first.comment, {
        id: input.id,
        articleSlug: slug,
        parentId: null,
        identityId: reader.id,
        authorName: reader.name,
        authorRole: 'reader',
        body: 'First!',
        depth: 0,
        score: 0,
        state: 'visible',
        pinned: false,
        locked: false,
        createdAt: input.createdAt,
        editedAt: null,
      });
      const second = await store.insertComment(commentInput(reader, slug, null, 'First!'), null);
      assert.equal(second.created, true);
      assert.notEqual(second.comment.id, first.comment.id);

      // A comment held for moderation is stored but announces nothing.
      const held = await store.insertComment({ ...commentInput(reader, slug), state: 'held' }, null);
      assert.equal(held.comment.state, 'held');
      assert.equal(held.eventId, undefined);
      assert.equal((await store.listComments(slug)).length, 3);
    });

    test('the same idempotency key twice returns the first comment', async () => {
      const slug = unique('article');
      const reader = await newIdentity(store);
      const key = unique('idem');
      const first = await store.insertComment(commentInput(reader, slug, null, 'Once.'), key);
      assert.equal(first.created, true);
      const retry = await store.insertComment(commentInput(reader, slug, null, 'Once.'), key);
      assert.equal(retry.created, false);
      assert.equal(retry.eventId, undefined);
      assert.deepEqual(retry.comment, first.comment);

      // Keys belong to one identity: someone else's identical key is their own comment.
      const other = await newIdentity(store);
      const theirs = await store.insertComment(commentInput(other, slug, null, 'Mine.'), key);
      assert.equal(theirs.created, true);
      assert.deepEqual(
        (await store.listComments(slug)).map((c) => c.id),
        [first.comment.id, theirs.comment.id],
      );
    });

    test('ten concurrent posts with one idempotency key make one comment', async () => {
      const slug = unique('article');
      const reader = await newIdentity(store);
      const key = unique('idem');
      const results = await Promise.all(Array.from({ length: 10 }, () => store.insertComment(commentInput(reader, slug), key)));
      assert.equal(results.filter((r) => r.created).length, 1);
      const ids = new Set(results.map((r) => r.comment.id));
      assert.equal(ids.size, 1);
      const listed = await store.listComments(slug);
      assert.equal(listed.length, 1);
      assert.ok(ids.has(listed[0]!.id));
    });

    test('listComments joins the author name and role, in creation order, for one article', async () => {
      const slug = unique('article');
      const author = await newIdentity(store, { role: 'author', name: unique('The Author') });
      const reader = await newIdentity(store);
      const question = await post(store, reader, slug, null, 'A question?');
      const answer = await post(store, author, slug, question, 'An answer.');
      const followUp = await post(store, reader, slug, answer, 'Thanks.');
      await post(store, reader, unique('elsewhere'));

      const listed = await store.listComments(slug);
      assert.deepEqual(
        listed.map((c) => [c.id, c.parentId, c.depth, c.authorName, c.authorRole]),
        [
          [question.id, null, 0, reader.name, 'reader'],
          [answer.id, question.id, 1, author.name, 'author'],
          [followUp.id, answer.id, 2, reader.name, 'reader'],
        ],
      );
      assert.deepEqual(await store.listComments(unique('empty')), []);
    });

    test('updateCommentBody sets the body and editedAt and appends an edit event', async () => {
      const slug = unique('article');
      const reader = await newIdentity(store);
      const original = await post(store, reader, slug, null, 'Draft.');
      const editedAt = tick();
      const { eventId } = await store.updateCommentBody(original.id, 'Final.', editedAt);

      const edited = await store.getComment(original.id);
      assert.equal(edited?.body, 'Final.');
      assert.equal(edited?.editedAt, editedAt);
      assert.equal(edited?.createdAt, original.createdAt);

      const events = await store.eventsSince(slug, 0, 100);
      const last = events.at(-1);
      assert.equal(last?.id, eventId);
      assert.equal(last?.kind, 'edit');
      assert.equal(JSON.parse(last.payload).id, original.id);
      assert.equal(last.createdAt, editedAt);
    });

    test('deleteComment leaves a placeholder where replies hang, removes it otherwise, and prunes emptied placeholders', async () => {
      const slug = unique('article');
      const reader = await newIdentity(store);
      const parent = await post(store, reader, slug);
      const reply = await post(store, reader, slug, parent);
      const lone = await post(store, reader, slug);

      const placeholder = await store.deleteComment(parent.id, tick());
      assert.equal(placeholder.outcome, 'placeholder');
      const kept = await store.getComment(parent.id);
      assert.equal(kept?.state, 'deleted');
      assert.equal(kept?.body, '');

      assert.equal((await store.deleteComment(lone.id, tick())).outcome, 'removed');
      assert.equal(await store.getComment(lone.id), undefined);

      // The last reply goes, and the placeholder it held up goes with it.
      const removed = await store.deleteComment(reply.id, tick());
      assert.equal(removed.outcome, 'removed');
      assert.ok(removed.eventId > placeholder.eventId);
      assert.equal(await store.getComment(reply.id), undefined);
      assert.equal(await store.getComment(parent.id), undefined);
      assert.deepEqual(await store.listComments(slug), []);

      const kinds = (await store.eventsSince(slug, 0, 100)).filter((e) => e.kind === 'delete').map((e) => JSON.parse(e.payload));
      assert.deepEqual(kinds, [
        { id: parent.id, outcome: 'placeholder' },
        { id: lone.id, outcome: 'removed' },
        { id: reply.id, outcome: 'removed' },
      ]);
    });

    test('pruning climbs a chain of placeholders but stops at a live comment', async () => {
      const slug = unique('article');
      const reader = await newIdentity(store);
      const root = await post(store, reader, slug);
      const middle = await post(store, reader, slug, root);
      const upper = await post(store, reader, slug, middle);
      const leaf = await post(store, reader, slug, upper);
      assert.equal((await store.deleteComment(middle.id, tick())).outcome, 'placeholder');
      assert.equal((await store.deleteComment(upper.id, tick())).outcome, 'placeholder');
      assert.equal((await store.deleteComment(leaf.id, tick())).outcome, 'removed');
      assert.deepEqual(
        (await store.listComments(slug)).map((c) => c.id),
        [root.id],
      );
    });

    test('addVote and removeVote toggle; repeats change nothing', async () => {
      const slug = unique('article');
      const writer = await newIdentity(store);
      const voter = await newIdentity(store);
      const comment = await post(store, writer, slug);

      const up = await store.addVote(comment.id, voter.id, tick(), 'ip');
      assert.equal(up.score, 1);
      assert.equal(up.changed, true);
      assert.equal(typeof up.eventId, 'number');
      const again = await store.addVote(comment.id, voter.id, tick(), 'ip');
      assert.deepEqual(again, { score: 1, changed: false });
      assert.equal(await store.countVotes(comment.id), 1);
      assert.deepEqual(await store.votedCommentIds(voter.id, slug), [comment.id]);
      assert.deepEqual(await store.votedCommentIds(voter.id, unique('other')), []);

      const down = await store.removeVote(comment.id, voter.id, tick());
      assert.equal(down.score, 0);
      assert.equal(down.changed, true);
      assert.deepEqual(await store.removeVote(comment.id, voter.id, tick()), { score: 0, changed: false });
      assert.equal(await store.countVotes(comment.id), 0);
      assert.equal(await scoreOf(store, comment.id), 0);
      assert.deepEqual(await store.votedCommentIds(voter.id, slug), []);

      const score = (await store.eventsSince(slug, 0, 100)).filter((e) => e.kind === 'score').map((e) => JSON.parse(e.payload).score);
      assert.deepEqual(score, [1, 0]);
    });

    test('any sequence of votes keeps score = countVotes = the voters a model tracks', async () => {
      const op = fc.record({ add: fc.boolean(), voter: fc.nat(4), target: fc.nat(2) });
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
          const slug = unique('prop');
          const writer = await newIdentity(store);
          const voters = await Promise.all(Array.from({ length: 5 }, () => newIdentity(store)));
          const comments: CommentRecord[] = [];
          for (let i = 0; i < 3; i++) comments.push(await post(store, writer, slug));
          const model = comments.map(() => new Set<number>());

          for (const { add, voter, target } of ops) {
            const comment = comments[target]!;
            const voters_ = model[target]!;
            const had = voters_.has(voter);
            const result = add
              ? await store.addVote(comment.id, voters[voter]!.id, tick(), null)
              : await store.removeVote(comment.id, voters[voter]!.id, tick());
            if (add) voters_.add(voter);
            else voters_.delete(voter);
            assert.equal(result.changed, add !== had);
            assert.equal(result.score, voters_.size);
          }

          for (const [i, comment] of comments.entries()) {
            const expected = model[i]!.size;
            assert.equal(await scoreOf(store, comment.id), expected);
            assert.equal(await store.countVotes(comment.id), expected);
          }
          for (const [v, voter] of voters.entries()) {
            const expected = comments.filter((_, i) => model[i]!.has(v)).map((c) => c.id);
            assert.deepEqual((await store.votedCommentIds(voter.id, slug)).sort(), expected.sort());
          }
        }),
        { numRuns: 25 },
      );
    });

    test('concurrent votes and unvotes in any mix keep score = countVotes', async () => {
      const op = fc.record({ add: fc.boolean(), voter: fc.nat(4), target: fc.nat(1) });
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
          const slug = unique('race');
          const writer = await newIdentity(store);
          const voters = await Promise.all(Array.from({ length: 5 }, () => newIdentity(store)));
          const comments = [await post(store, writer, slug), await post(store, writer, slug)];
          await Promise.all(
            ops.map(({ add, voter, target }) =>
              add
                ? store.addVote(comments[target]!.id, voters[voter]!.id, tick(), null)
                : store.removeVote(comments[target]!.id, voters[voter]!.id, tick()),
            ),
          );
          for (const comment of comments) {
            const count = await store.countVotes(comment.id);
            assert.equal(await scoreOf(store, comment.id), count);
            let voted = 0;
            for (const voter of voters) if ((await store.votedCommentIds(voter.id, slug)).includes(comment.id)) voted++;
            assert.equal(count, voted);
          }
        }),
        { numRuns: 10 },
      );
    });

    test('200 concurrent upvotes by 200 readers give a score of exactly 200', async () => {
      const slug = unique('article');
      const writer = await newIdentity(store);
      const comment = await post(store, writer, slug);
      const voters = await Promise.all(Array.from({ length: 200 }, () => newIdentity(store)));
      const results = await Promise.all(voters.map((v) => store.addVote(comment.id, v.id, tick(), null)));
      assert.ok(results.every((r) => r.changed));
      // Each vote saw the score its own increment produced: 1 … 200, each once.
      assert.deepEqual(
        results.map((r) => r.score).sort((a, b) => a - b),
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      assert.equal(await scoreOf(store, comment.id), 200);
      assert.equal(await store.countVotes(comment.id), 200);
    });

    test('one reader upvoting twenty times at once counts once', async () => {
      const slug = unique('article');
      const writer = await newIdentity(store);
      const voter = await newIdentity(store);
      const comment = await post(store, writer, slug);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.addVote(comment.id, voter.id, tick(), null)));
      assert.equal(results.filter((r) => r.changed).length, 1);
      assert.equal(await scoreOf(store, comment.id), 1);
      assert.equal(await store.countVotes(comment.id), 1);
    });

    test('deleteIdentity takes back votes, keeps placeholders where replies hang, removes the rest, and frees the name', async () => {
      const [votedOn, repliedTo, quiet] = [unique('a-voted'), unique('b-replied'), unique('c-quiet')];
      const leaving = await newIdentity(store);
      const staying = await newIdentity(store);
      const session = unique('s');
      await store.createSession(session, leaving.id, tick());

      const theirs = await post(store, staying, votedOn);
      await store.addVote(theirs.id, leaving.id, tick(), null);
      const answered = await post(store, leaving, repliedTo);
      const reply = await post(store, staying, repliedTo, answered);
      await store.addVote(answered.id, staying.id, tick(), null);
      const unanswered = await post(store, leaving, quiet);
      await store.addVote(unanswered.id, staying.id, tick(), null);
      await store.insertComment(commentInput(leaving, quiet), unique('idem'));

      const touched = await store.deleteIdentity(leaving.id, tick());
      assert.deepEqual([...touched].sort(), [votedOn, repliedTo, quiet].sort());

      assert.equal(await scoreOf(store, theirs.id), 0);
      assert.equal(await store.countVotes(theirs.id), 0);

      const placeholder = await store.getComment(answered.id);
      assert.equal(placeholder?.state, 'deleted');
      assert.equal(placeholder?.body, '');
      assert.equal(placeholder?.identityId, null);
      assert.equal(placeholder?.authorName, null);
      assert.equal((await store.getComment(reply.id))?.body, reply.body);

      assert.equal(await store.getComment(unanswered.id), undefined);
      assert.deepEqual(await store.listComments(quiet), []);

      assert.equal(await store.getIdentity(leaving.id), undefined);
      assert.equal(await store.identityForSession(session), undefined);
      assert.equal(await store.exportIdentity(leaving.id), undefined);
      assert.equal(await store.createIdentity(identityRecord({ nameKey: leaving.nameKey }), null), true);

      for (const slug of touched) assert.equal((await store.eventsSince(slug, 0, 100)).at(-1)?.kind, 'reload');
    });

    test('exportIdentity returns the identity, its comments and its votes', async () => {
      const slug = unique('article');
      const reader = await newIdentity(store, { ipPrefixHash: 'ip' });
      const other = await newIdentity(store);
      const mine = await post(store, reader, slug, null, 'Mine.');
      const theirs = await post(store, other, slug);
      const reply = await post(store, reader, slug, theirs, 'Reply.');
      const votedAt = tick();
      await store.addVote(theirs.id, reader.id, votedAt, null);

      const exported = await store.exportIdentity(reader.id);
      assert.ok(exported);
      assert.deepEqual(exported.identity, reader);
      assert.deepEqual(
        exported.comments.map((c) => [c.id, c.body]),
        [
          [mine.id, 'Mine.'],
          [reply.id, 'Reply.'],
        ],
      );
      assert.deepEqual(exported.votes, [{ commentId: theirs.id, createdAt: votedAt }]);
      assert.equal(await store.exportIdentity(unique('nobody')), undefined);
    });

    test('an author link is used once, and never after it expires', async () => {
      const now = tick();
      const [fresh, expired, edge, raced] = [unique('t'), unique('t'), unique('t'), unique('t')];
      await store.createAuthorLink(fresh, 'The Author', now + 60_000);
      await store.createAuthorLink(expired, 'The Author', now - 1);
      await store.createAuthorLink(edge, 'The Author', now);
      await store.createAuthorLink(raced, 'The Author', now + 60_000);

      assert.equal(await store.consumeAuthorLink(fresh, now), 'The Author');
      assert.equal(await store.consumeAuthorLink(fresh, now), undefined);
      assert.equal(await store.consumeAuthorLink(expired, now), undefined);
      assert.equal(await store.consumeAuthorLink(edge, now), undefined);
      assert.equal(await store.consumeAuthorLink(unique('unknown'), now), undefined);

      const results = await Promise.all(Array.from({ length: 5 }, () => store.consumeAuthorLink(raced, now)));
      assert.deepEqual(
        results.filter((r) => r !== undefined),
        ['The Author'],
      );
    });

    test('eventsSince returns an article’s events in order after a given id', async () => {
      const slug = unique('article');
      const reader = await newIdentity(store);
      const voter = await newIdentity(store);
      const first = await store.insertComment(commentInput(reader, slug), null);
      await post(store, reader, unique('noise'));
      const second = await store.insertComment(commentInput(reader, slug), null);
      const edit = await store.updateCommentBody(first.comment.id, 'Edited.', tick());
      const vote = await store.addVote(second.comment.id, voter.id, tick(), null);
      const removal = await store.deleteComment(second.comment.id, tick());
      const ids = [first.eventId, second.eventId, edit.eventId, vote.eventId, removal.eventId];

      const all = await store.eventsSince(slug, 0, 100);
      assert.deepEqual(
        all.map((e) => e.id),
        ids,
      );
      assert.deepEqual(
        all.map((e) => e.kind),
        ['comment', 'comment', 'edit', 'score', 'delete'],
      );
      assert.ok(all.every((e, i) => typeof e.id === 'number' && e.articleSlug === slug && (i === 0 || e.id > all[i - 1]!.id)));
      assert.equal(JSON.parse(all[0]!.payload).id, first.comment.id);

      assert.deepEqual(
        (await store.eventsSince(slug, ids[1]!, 100)).map((e) => e.id),
        ids.slice(2),
      );
      assert.deepEqual(
        (await store.eventsSince(slug, 0, 2)).map((e) => e.id),
        ids.slice(0, 2),
      );
      assert.deepEqual(await store.eventsSince(slug, ids[4]!, 100), []);
      assert.ok((await store.latestEventId()) >= ids[4]!);
    });

    test('comments are open unless an article is closed', async () => {
      assert.equal(await store.isCommentsClosed(unique('article')), false);
    });

    test('schemaProblem finds nothing in a complete schema and names a missing table', async () => {
      assert.equal(await store.schemaProblem(), undefined);
      const driver = (store as SqlStore).driver;
      await driver.exec('ALTER TABLE article_settings RENAME TO article_settings_elsewhere');
      try {
        assert.match((await store.schemaProblem()) ?? '', /article_settings/);
      } finally {
        await driver.exec('ALTER TABLE article_settings_elsewhere RENAME TO article_settings');
      }
      assert.equal(await store.schemaProblem(), undefined);
    });

    test('the table list (src/store/tables.ts) is the live schema: every table and column, in order, with type and nullability', async () => {
      const driver = (store as SqlStore).driver;
      const live = await driver.liveSchema();
      // The rate limiter's table on a PostgreSQL server is not Byline's schema.
      const liveTables = [...live.keys()].filter((t) => t !== 'rate_limits').sort();
      assert.deepEqual(
        liveTables,
        allTables()
          .map((t) => t.name)
          .sort(),
        'the same tables',
      );
      // How each engine spells the declared types; a serial id is SQLite's INTEGER key, PostgreSQL's BIGSERIAL.
      const spelled = (type: ColumnType) => (type === 'serial' ? (driver.dialect === 'sqlite' ? 'integer' : 'bigint') : type);
      for (const spec of allTables()) {
        assert.deepEqual(
          live.get(spec.name)?.map((c) => ({ name: c.name, type: c.type.toLowerCase(), notNull: c.notNull })),
          spec.columns.map((c) => ({ name: c.name, type: spelled(c.type), notNull: !c.nullable })),
          `${spec.name}'s columns`,
        );
      }
      // Parents come first, so the list is an order rows can be written in (byline copy, import).
      if (store.access.engine === 'sqlite') {
        const order = allTables().map((t) => t.name as string);
        for (const table of order) {
          const parents = store.access.database.prepare(`SELECT "table" AS parent FROM pragma_foreign_key_list(?)`).all(table) as {
            parent: string;
          }[];
          for (const { parent } of parents) {
            if (parent !== table) assert.ok(order.indexOf(parent) < order.indexOf(table), `${parent} is listed before ${table}`);
          }
        }
      }
    });

    test('name keys are recomputed once per rule version; the author keeps a name a reader imitated first', async () => {
      const tag = randomUUID();
      // Keys as older rules made them: the look-alike escaped and sits under a key of its own.
      const impostor = await newIdentity(store, { name: `look-Quill-${tag}`, nameKey: `stale-impostor-${tag}` });
      const author = await newIdentity(store, { name: `Quill-${tag}`, nameKey: `stale-author-${tag}`, role: 'author' });
      const plain = await newIdentity(store, { name: `Plain-${tag}`, nameKey: `stale-plain-${tag}` });
      const keyOf = (name: string) => name.toLowerCase().replace(/^look-/, '');
      const version = `test ${tag}`;
      const report = await store.rekeyIdentities(version, keyOf);
      assert.ok(report, 'a new version recomputes');
      assert.ok(report.rekeyed >= 3);
      assert.deepEqual(
        report.clashes.filter((c) => c.id === impostor.id),
        [{ id: impostor.id, name: impostor.name, heldBy: author.name }],
      );
      assert.equal((await store.getIdentityByNameKey(`quill-${tag}`))?.id, author.id);
      assert.equal((await store.getIdentityByNameKey(`plain-${tag}`))?.id, plain.id);
      assert.ok(await store.getIdentity(impostor.id), 'the clashing identity is kept, with its comments');
      assert.equal(await store.rekeyIdentities(version, keyOf), undefined, 'the same version does nothing');
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The PostgreSQL driver's own duties: placeholders, telling outages apart, recovering from them.

describe('postgres driver', () => {
  test('? placeholders become $1…$n', () => {
    const sql = 'SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?';
    assert.equal(toPostgresPlaceholders(sql), 'SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4');
    assert.equal(toPostgresPlaceholders(sql), toPostgresPlaceholders(sql));
    assert.equal(toPostgresPlaceholders('SELECT 1'), 'SELECT 1');
  });

  test('connection failures are recognised; SQL errors are not', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], ''),
    ]) {
      assert.equal(isConnectionError(err), true, err.message);
    }
    for (const err of [
      Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
      Object.assign(new Error('syntax error'), { code: '42601' }),
      new Error('something else'),
      null,
    ]) {
      assert.equal(isConnectionError(err), false);
    }
  });

  test('an unreachable server is reported as StoreUnavailableError, quickly', async () => {
    const store = new SqlStore(new PgDriver('postgres://postgres@127.0.0.1:1/byline', { connectTimeoutMs: 500 }));
    const started = Date.now();
    await assert.rejects(store.ping(), StoreUnavailableError);
    await assert.rejects(store.createIdentity(identityRecord(), null), StoreUnavailableError);
    await assert.rejects(store.addVote('c', 'i', tick(), null), StoreUnavailableError);
    assert.ok(Date.now() - started < 2000);
    await store.close();
    await store.close();
  });

  test('live updates and recovery on a real server', { skip: pgUrl ? false : 'set BYLINE_TEST_PG_URL' }, async (t) => {
    const url = pgUrl!;

    await t.test('notify reaches a listener on another connection', async () => {
      const channel = unique('byline_test');
      const driver = new PgDriver(url);
      const received: string[] = [];
      const listener = await listen(url, channel, (payload) => received.push(payload));
      try {
        await notify(driver, channel, 'hello');
        await notify(driver, unique('other_channel'), 'not for us');
        await waitFor(() => received.length >= 1);
        assert.deepEqual(received, ['hello']);
      } finally {
        await listener.close();
        await driver.close();
      }
    });

    await t.test('a listener whose connection is killed listens again', async () => {
      const channel = unique('byline_test');
      const driver = new PgDriver(url);
      const received: string[] = [];
      let reconnects = 0;
      const listener = await listen(url, channel, (payload) => received.push(payload), { onReconnect: () => reconnects++ });
      try {
        const killed = await driver.all<{ ok: boolean }>(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = 'LISTEN ' || quote_ident(?)",
          [channel],
        );
        assert.equal(killed.length, 1);
        await waitFor(() => reconnects >= 1);
        await notify(driver, channel, 'after');
        await waitFor(() => received.includes('after'));
      } finally {
        await listener.close();
        await driver.close();
      }
    });

    await t.test('a transaction chosen as a deadlock victim is run again', async () => {
      const schema = `byline_test_${randomBytes(6).toString('hex')}`;
      await adminQuery(url, `CREATE SCHEMA ${schema}`);
      const driver = new PgDriver(withSearchPath(url, schema));
      try {
        await driver.exec('CREATE TABLE pair (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO pair VALUES (1, 0), (2, 0);');
        // Both transactions lock one row, wait until the other has too, then reach for the other
        // row: PostgreSQL must abort one, and the driver runs that one again.
        let locked = 0;
        let attempts = 0;
        const both = async () => {
          while (locked < 2) await new Promise((r) => setTimeout(r, 5));
        };
        const crossing = (first: number, second: number) =>
          driver.transaction(async (tx) => {
            attempts++;
            await tx.run('UPDATE pair SET n = n + 1 WHERE id = ?', [first]);
            locked++;
            await both();
            await tx.run('UPDATE pair SET n = n + 1 WHERE id = ?', [second]);
          });
        await Promise.all([crossing(1, 2), crossing(2, 1)]);
        assert.equal(attempts, 3);
        assert.deepEqual(await driver.all('SELECT id, n FROM pair ORDER BY id'), [
          { id: 1, n: 2 },
          { id: 2, n: 2 },
        ]);
      } finally {
        await driver.close();
        await adminQuery(url, `DROP SCHEMA ${schema} CASCADE`);
      }
    });

    await t.test('a statement over the time limit fails as a query error, not an outage', async () => {
      const driver = new PgDriver(url, { statementTimeoutMs: 100 });
      try {
        await assert.rejects(driver.get('SELECT pg_sleep(2)'), (err: unknown) => {
          assert.equal((err as { code?: unknown }).code, '57014');
          assert.ok(!(err instanceof StoreUnavailableError));
          return true;
        });
        await driver.ping();
      } finally {
        await driver.close();
      }
    });

    await t.test('the pool replaces a connection the server terminated', async () => {
      const driver = new PgDriver(url, { poolSize: 1 });
      const admin = new PgDriver(url, { poolSize: 1 });
      try {
        const before = await driver.get<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.run('SELECT pg_terminate_backend(?)', [before!.pid]);
        // Right after the kill a request may still meet the dead connection: it must fail as
        // "unavailable" (a 503), never as anything else and never by crashing the process.
        try {
          await driver.ping();
        } catch (err) {
          assert.ok(err instanceof StoreUnavailableError, String(err));
        }
        await waitFor(async () => {
          try {
            await driver.ping();
            return true;
          } catch {
            return false;
          }
        });
        const after = await driver.get<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        assert.notEqual(after?.pid, before?.pid);
      } finally {
        await driver.close();
        await admin.close();
      }
    });
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 20));
  }
}
