// Two app nodes on one PostgreSQL behave as one site: live updates cross nodes through
// LISTEN/NOTIFY, scores stay exact under concurrent votes through both, a name race has exactly
// one winner, rate limits count across nodes, and a reconnecting SSE reader misses nothing.
// Each node is a full createApp on its own pool, listening on a loopback port.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nameKey } from '../src/discussion/names.ts';
import { PgDriver } from '../src/store/postgres.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import {
  type FreshSchema,
  type HttpAnswer,
  type PgNode,
  cookieOf,
  freshSchema,
  mapLimit,
  noServerMessage,
  openSse,
  pgUrl,
  request,
  startPgNode,
  waitFor,
} from './helpers/pg.ts';

if (!pgUrl) {
  test('two app nodes on one PostgreSQL', (t) => {
    t.skip(noServerMessage);
  });
} else {
  const serverUrl = pgUrl;
  let schema: FreshSchema;
  let a: PgNode;
  let b: PgNode;

  const signIn = async (node: PgNode, name: string) => {
    const res = await request(node.url, 'POST', '/api/v1/session', { body: { name } });
    assert.equal(res.status, 201, `sign-in of ${name}: ${res.status} ${res.body}`);
    return { cookie: cookieOf(res), id: res.json<{ identity: { id: string } }>().identity.id };
  };

  const postComment = async (node: PgNode, cookie: string, slug: string, body: string, parentId?: string): Promise<string> => {
    const res = await request(node.url, 'POST', `/api/v1/articles/${slug}/comments`, { cookie, body: { body, parentId } });
    assert.equal(res.status, 201, res.body);
    return res.json<{ comment: { id: string } }>().comment.id;
  };

  before(async () => {
    schema = await freshSchema(serverUrl, 'byline_cluster');
    // Migrated once, as `byline migrate` would; the nodes start with migrations off.
    const migrator = new SqlStore(new PgDriver(schema.url));
    await migrator.migrate();
    await migrator.close();
    // Every write takes the store's event-order lock until commit, so under this test's burst
    // (50 in flight on a shared CI machine) a write can queue longer than the 5 s default
    // statement timeout, and a request can wait longer than 2 s for a pooled connection (the lock
    // is per database, so other suites on the same database share it). The nodes here allow 30 s
    // for both so the test measures exactness, not the machine; pg-outage tests the defaults.
    a = await startPgNode(schema.url, { statementTimeoutMs: 30_000, connectTimeoutMs: 30_000 });
    b = await startPgNode(schema.url, { statementTimeoutMs: 30_000, connectTimeoutMs: 30_000 });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
  });

  describe('two app nodes on one PostgreSQL', () => {
    test('a comment posted on node A reaches SSE readers and the page cache on node B', async () => {
      const slug = 'the-last-ten-percent';
      const writer = await signIn(a, 'Cross Node Writer');
      // Node B renders and caches the anonymous page first.
      const before = await request(b.url, 'GET', `/writing/${slug}`);
      assert.equal(before.status, 200);
      const stream = await openSse(b.url, `/api/v1/articles/${slug}/events`);
      try {
        assert.equal(stream.status, 200);
        const text = `Sent through node A at ${Date.now()}`;
        const id = await postComment(a, writer.cookie, slug, text);
        const frame = await waitFor('the comment on node B', () =>
          stream.frames.find((f) => f.event === 'comment' && f.data !== undefined && (JSON.parse(f.data) as { id: string }).id === id),
        );
        assert.match(frame.id ?? '', /^\d+$/, 'the event carries an id for Last-Event-ID');
        assert.ok((JSON.parse(frame.data!) as { html: string }).html.includes(text), 'the event carries the rendered comment');
        // B's cached page was invalidated through NOTIFY: the next anonymous render shows it.
        await waitFor('node B to serve the new comment on the page', async () =>
          (await request(b.url, 'GET', `/writing/${slug}`)).body.includes(text),
        );
      } finally {
        stream.close();
      }
    });

    test('500 votes by 500 identities, half through each node, end with the exact score', async () => {
      const slug = 'done-is-a-decision';
      const writer = await signIn(a, 'Vote Target Writer');
      const commentId = await postComment(a, writer.cookie, slug, 'Vote for this one, from anywhere.');
      const started = Date.now();
      const voters = await mapLimit(
        Array.from({ length: 500 }, (_, i) => i),
        50,
        (i) => signIn(i % 2 === 0 ? a : b, `Voter ${i}`),
      );
      const signedIn = Date.now();
      const answers = await mapLimit(voters, 50, (v, i) =>
        request((i % 2 === 0 ? b : a).url, 'PUT', `/api/v1/comments/${commentId}/vote`, { cookie: v.cookie }),
      );
      const voted = Date.now();
      const failed = answers.filter((r) => r.status !== 200);
      assert.equal(
        failed.length,
        0,
        `every vote is accepted: ${failed
          .slice(0, 3)
          .map((r) => `${r.status} ${r.body}`)
          .join('; ')}`,
      );
      // Voting again (through the other node) changes nothing.
      const again = await mapLimit(voters.slice(0, 50), 25, (v, i) =>
        request((i % 2 === 0 ? a : b).url, 'PUT', `/api/v1/comments/${commentId}/vote`, { cookie: v.cookie }),
      );
      assert.ok(again.every((r) => r.status === 200));

      const driver = a.store.driver;
      const rows = await driver.get<{ n: number }>('SELECT COUNT(*) AS n FROM votes WHERE comment_id = ?', [commentId]);
      assert.equal(Number(rows?.n), 500, '500 vote rows');
      const score = await driver.get<{ score: number }>('SELECT score FROM comments WHERE id = ?', [commentId]);
      assert.equal(Number(score?.score), 500, 'the stored score is exact');
      for (const node of [a, b]) {
        const res = await request(node.url, 'GET', `/api/v1/comments/${commentId}`);
        assert.equal(res.json<{ comment: { score: number } }>().comment.score, 500, `node ${node === a ? 'A' : 'B'} reports 500`);
      }
      console.log(`# 500 sign-ins in ${signedIn - started} ms, 500 votes in ${voted - signedIn} ms (50 in flight, two nodes)`);
    });

    test('concurrent claims of one name and its look-alikes through both nodes: exactly one owner', async () => {
      const rounds: string[][] = [
        ['Mike', 'mike', 'M\u0456ke', 'MIKE', '\uff2d\uff49\uff4b\uff45'],
        ['Anna', 'anna', '\u0410nna', 'ANNA', 'anNa'],
        ['Oscar', 'oscar', '\u041escar', 'OSCAR', 'Osc\u0430r'],
      ];
      for (const names of rounds) {
        // Every spelling twice, alternating nodes, all at once.
        const attempts = [...names, ...names];
        const answers: HttpAnswer[] = await Promise.all(
          attempts.map((name, i) => request((i % 2 === 0 ? a : b).url, 'POST', '/api/v1/session', { body: { name } })),
        );
        const winners = answers.filter((r) => r.status === 201);
        assert.equal(winners.length, 1, `exactly one claim of ${names[0]} wins (statuses ${answers.map((r) => r.status).join(',')})`);
        for (const r of answers)
          if (r.status !== 201) assert.ok(r.status === 409 || r.status === 422, `refused with 409/422, got ${r.status} ${r.body}`);
        const winner = winners[0]!.json<{ identity: { id: string } }>().identity.id;
        // Every spelling folds to one key; exactly the winner holds it.
        const keys = [...new Set(names.map((n) => nameKey(n)))];
        assert.equal(keys.length, 1, `${names.join(', ')} share one name key`);
        const owners = await a.store.driver.all<{ id: string }>('SELECT id FROM identities WHERE name_key = ?', keys);
        assert.deepEqual(
          owners.map((o) => o.id),
          [winner],
        );
      }
    });

    test('rate limits are counted across nodes', async () => {
      const limits = {
        newNamesPerPrefixPerHour: 100_000,
        newNamesPerPrefixPerDay: 100_000,
        newNamesPerNetworkPerDay: 100_000,
        commentsPer15Seconds: 100_000,
        commentsPerHour: 100_000,
        votesPerMinute: 4,
        recoveryFailuresPerHour: 5,
      };
      const c = await startPgNode(schema.url, { limits });
      const d = await startPgNode(schema.url, { limits });
      try {
        const writer = await signIn(c, 'Limit Writer');
        const voter = await signIn(d, 'Limit Voter');
        const ids = [];
        for (let i = 0; i < 3; i++) ids.push(await postComment(c, writer.cookie, 'scope-is-a-promise', `Limit target ${i}`));
        // Four points per minute in all: two spent on each node, then both nodes refuse.
        const spend = [
          await request(c.url, 'PUT', `/api/v1/comments/${ids[0]}/vote`, { cookie: voter.cookie }),
          await request(d.url, 'PUT', `/api/v1/comments/${ids[1]}/vote`, { cookie: voter.cookie }),
          await request(c.url, 'DELETE', `/api/v1/comments/${ids[0]}/vote`, { cookie: voter.cookie }),
          await request(d.url, 'PUT', `/api/v1/comments/${ids[2]}/vote`, { cookie: voter.cookie }),
        ];
        assert.deepEqual(
          spend.map((r) => r.status),
          [200, 200, 200, 200],
        );
        for (const node of [c, d]) {
          const res = await request(node.url, 'PUT', `/api/v1/comments/${ids[0]}/vote`, { cookie: voter.cookie });
          assert.equal(res.status, 429, res.body);
          assert.ok(Number(res.headers['retry-after']) > 0, 'Retry-After is set');
        }
      } finally {
        await c.close();
        await d.close();
      }
    });

    test('a reader reconnecting to node B with Last-Event-ID gets what it missed, once', async () => {
      const slug = 'how-to-stop-a-project-kindly';
      const writer = await signIn(a, 'Resume Writer');
      const voter = await signIn(b, 'Resume Voter');
      const first = await openSse(b.url, `/api/v1/articles/${slug}/events`);
      const c1 = await postComment(a, writer.cookie, slug, 'First, seen live.');
      const seen = await waitFor('the first comment on node B', () =>
        first.frames.find((f) => f.event === 'comment' && f.data?.includes(c1)),
      );
      first.close();
      const lastId = Number(seen.id);

      // While the reader is away: two comments, a vote and an edit, through both nodes.
      const c2 = await postComment(a, writer.cookie, slug, 'Second, missed.');
      const c3 = await postComment(b, writer.cookie, slug, 'Third, missed.', c1);
      assert.equal((await request(a.url, 'PUT', `/api/v1/comments/${c1}/vote`, { cookie: voter.cookie })).status, 200);
      assert.equal(
        (await request(b.url, 'PATCH', `/api/v1/comments/${c1}`, { cookie: writer.cookie, body: { body: 'First, edited while away.' } }))
          .status,
        200,
      );
      // Cursors are event positions (docs/decisions/0008), given as readers read.
      const missed = await a.store.eventsSince(slug, lastId, 100);
      assert.equal(missed.length, 4);

      const second = await openSse(b.url, `/api/v1/articles/${slug}/events`, { 'last-event-id': String(lastId) });
      try {
        await waitFor('the missed events', () => second.frames.filter((f) => f.id !== undefined).length >= 4);
        const c4 = await postComment(a, writer.cookie, slug, 'Fourth, live again.');
        await waitFor('the new comment after resuming', () => second.frames.some((f) => f.event === 'comment' && f.data?.includes(c4)));
        const ids = second.frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));
        assert.ok(
          ids.every((id) => id > lastId),
          'nothing from before Last-Event-ID is sent again',
        );
        assert.equal(new Set(ids).size, ids.length, 'no event is sent twice');
        assert.deepEqual(
          ids,
          [...ids].sort((x, y) => x - y),
          'events arrive in id order',
        );
        assert.deepEqual(
          ids.slice(0, 4),
          missed.map((m) => Number(m.id)),
          'exactly the missed events, in order',
        );
        const kinds = second.frames.filter((f) => f.event).map((f) => f.event);
        assert.deepEqual(kinds, ['comment', 'comment', 'score', 'edit', 'comment']);
        for (const id of [c2, c3, c4])
          assert.ok(
            second.frames.some((f) => f.event === 'comment' && f.data?.includes(id)),
            `comment ${id} arrived`,
          );
      } finally {
        second.close();
      }
    });
  });
}
