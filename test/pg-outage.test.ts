// PostgreSQL stopped in the middle of a write load (pg_ctlcluster ... stop -m immediate), then
// started again: both nodes answer 503 (JSON for the API, a page for HTML, /healthz too) while it
// is down, recover without a restart once it is back, and every write they acknowledged is there
// exactly once. It stops the real server, so it runs only where it may (see serverControl).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { PgDriver } from '../src/store/postgres.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import {
  type FreshSchema,
  type HttpAnswer,
  type PgNode,
  type ServerControl,
  cookieOf,
  freshSchema,
  mapLimit,
  noServerMessage,
  openSse,
  pgUrl,
  request,
  serverControl,
  startPgNode,
  waitFor,
} from './helpers/pg.ts';

const slug = 'meetings-that-end-things';
const IN_FLIGHT = 20;

test('PostgreSQL stopped under write load: 503 while down, recovery without restart, acknowledged writes exactly once', async (t) => {
  if (!pgUrl) {
    t.skip(noServerMessage);
    return;
  }
  const control = serverControl();
  if (typeof control === 'string') {
    t.skip(control);
    return;
  }
  const server: ServerControl = control;
  let schema: FreshSchema | undefined;
  const nodes: PgNode[] = [];
  let stopped = false;
  let running = false;
  let load: Promise<unknown> = Promise.resolve();
  try {
    schema = await freshSchema(pgUrl, 'byline_outage');
    const migrator = new SqlStore(new PgDriver(schema.url));
    await migrator.migrate();
    await migrator.close();
    const a = await startPgNode(schema.url, { poolSize: 10 });
    const b = await startPgNode(schema.url, { poolSize: 10 });
    nodes.push(a, b);
    const nodeOf = (i: number) => (i % 2 === 0 ? a : b);

    // Readers who write: half signed in through each node.
    const people = await mapLimit(
      Array.from({ length: 40 }, (_, i) => i),
      IN_FLIGHT,
      async (i) => {
        const res = await request(nodeOf(i).url, 'POST', '/api/v1/session', { body: { name: `Outage Reader ${i}` } });
        assert.equal(res.status, 201, res.body);
        return { cookie: cookieOf(res), id: res.json<{ identity: { id: string } }>().identity.id };
      },
    );
    // A signed-in page view and an anonymous one are rendered (and cached) before the outage.
    assert.equal((await request(a.url, 'GET', `/writing/${slug}`)).status, 200);

    // ---- The load: comments and votes through both nodes, IN_FLIGHT at a time ----
    const ackedComments = new Map<string, string>(); // id -> body
    const postedComments: { id: string; author: string }[] = [];
    const attemptedVotes = new Set<string>();
    const ackedVotes: { commentId: string; identityId: string }[] = [];
    const statuses = new Map<number, number>();
    let socketErrors = 0;
    running = true;
    let step = 0;
    const note = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

    const worker = async (w: number) => {
      while (running) {
        const i = step++;
        const who = people[(w + i) % people.length]!;
        const node = nodeOf(i + w);
        let res: HttpAnswer;
        try {
          const target = postedComments.length > 0 ? postedComments[(i * 7 + w) % postedComments.length]! : undefined;
          const pair = target ? `${target.id}|${who.id}` : undefined;
          if (i % 2 === 0 || !target || target.author === who.id || attemptedVotes.has(pair!)) {
            const body = `Under load ${randomUUID()}`;
            res = await request(node.url, 'POST', `/api/v1/articles/${slug}/comments`, { cookie: who.cookie, body: { body } });
            if (res.status === 201) {
              const id = res.json<{ comment: { id: string } }>().comment.id;
              ackedComments.set(id, body);
              postedComments.push({ id, author: who.id });
            }
          } else {
            attemptedVotes.add(pair!);
            res = await request(node.url, 'PUT', `/api/v1/comments/${target.id}/vote`, { cookie: who.cookie });
            if (res.status === 200) ackedVotes.push({ commentId: target.id, identityId: who.id });
          }
          note(res.status);
          if (res.status === 503) {
            assert.equal(res.json<{ error: { code: string } }>().error.code, 'unavailable', 'API 503s carry the JSON error');
            // Back off a little as a client honouring Retry-After would, without hammering.
            await new Promise((r) => setTimeout(r, 20));
          } else if (res.status !== 200 && res.status !== 201) {
            assert.fail(`unexpected answer under load: ${res.status} ${res.body}`);
          }
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          socketErrors++;
        }
      }
    };
    load = Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
    const loadFailed = load.then(
      () => undefined,
      (err: unknown) => err,
    );

    const ackedWrites = () => ackedComments.size + ackedVotes.length;
    await waitFor('writes to be acknowledged before the outage', () => ackedWrites() >= 60, 20_000);
    const beforeOutage = ackedWrites();

    // ---- Outage ----
    const stopStarted = Date.now();
    stopped = true;
    await server.stopImmediate();
    const stopTook = Date.now() - stopStarted;
    await waitFor('the load to see 503s', () => (statuses.get(503) ?? 0) > 0, 10_000);

    for (const node of [a, b]) {
      const started = Date.now();
      const health = await request(node.url, 'GET', '/healthz');
      assert.equal(health.status, 503, '/healthz says the storage is down');
      assert.equal(health.json<{ status: string }>().status, 'unavailable');
      const api = await request(node.url, 'POST', `/api/v1/articles/${slug}/comments`, {
        cookie: people[0]!.cookie,
        body: { body: 'While it is down.' },
      });
      assert.equal(api.status, 503);
      assert.match(String(api.headers['content-type']), /application\/json/);
      assert.equal(api.json<{ error: { code: string; message: string } }>().error.code, 'unavailable');
      assert.ok(api.headers['retry-after'], 'Retry-After is set');
      const page = await request(node.url, 'GET', `/writing/${slug}`, { cookie: people[1]!.cookie });
      assert.equal(page.status, 503, 'a page that needs the database answers 503');
      assert.match(String(page.headers['content-type']), /text\/html/);
      assert.match(page.body, /cannot reach its database/);
      const uncached = await request(node.url, 'GET', `/writing/${slug}?sort=old`);
      assert.equal(uncached.status, 503, 'an anonymous page not in the cache answers 503');
      const took = Date.now() - started;
      assert.ok(took < 10_000, `four requests failed fast (${took} ms)`);
    }
    const during503 = statuses.get(503) ?? 0;

    // ---- Recovery, without restarting the nodes ----
    const startStarted = Date.now();
    await server.start();
    stopped = false;
    const startTook = Date.now() - startStarted;
    const healthy = await Promise.all(
      [a, b].map((node) =>
        waitFor('/healthz to answer 200 again', async () => (await request(node.url, 'GET', '/healthz')).status === 200, 60_000, 100),
      ),
    );
    assert.ok(healthy.every(Boolean));
    const recoveredIn = Date.now() - startStarted;
    const afterRecovery = ackedWrites();
    await waitFor('writes to be acknowledged again on both nodes', () => ackedWrites() >= afterRecovery + 60, 30_000);
    running = false;
    const loadError = await loadFailed;
    if (loadError) throw loadError;

    // Live updates cross nodes again: node B's listener reconnected by itself.
    const writer = people[2]!;
    const stream = await openSse(b.url, `/api/v1/articles/${slug}/events`);
    try {
      const res = await request(a.url, 'POST', `/api/v1/articles/${slug}/comments`, {
        cookie: writer.cookie,
        body: { body: 'After the outage.' },
      });
      assert.equal(res.status, 201);
      const id = res.json<{ comment: { id: string } }>().comment.id;
      await waitFor('a comment from node A on node B after recovery', () =>
        stream.frames.some((f) => f.event === 'comment' && f.data?.includes(id)),
      );
    } finally {
      stream.close();
    }

    // ---- Every acknowledged write, exactly once ----
    const db = a.store.driver;
    const ids = [...ackedComments.keys()];
    const found = await db.all<{ id: string; body: string }>(
      `SELECT id, body FROM comments WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    assert.equal(found.length, ids.length, 'every acknowledged comment is stored');
    for (const row of found) assert.equal(row.body, ackedComments.get(row.id));
    const bodies = await db.all<{ body: string; n: number }>(
      "SELECT body, COUNT(*) AS n FROM comments WHERE body LIKE 'Under load %' GROUP BY body HAVING COUNT(*) > 1",
    );
    assert.deepEqual(bodies, [], 'no comment is stored twice');
    for (const v of ackedVotes) {
      const row = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM votes WHERE comment_id = ? AND identity_id = ?', [
        v.commentId,
        v.identityId,
      ]);
      assert.equal(Number(row?.n), 1, `vote ${v.commentId} by ${v.identityId} is stored once`);
    }
    const drift = await db.all<{ id: string }>(
      'SELECT c.id FROM comments c WHERE c.score <> (SELECT COUNT(*) FROM votes v WHERE v.comment_id = c.id AND v.counted = 1)',
    );
    assert.deepEqual(drift, [], 'every score equals its counted votes');

    console.log(
      `# outage: ${beforeOutage} writes acknowledged before the stop (took ${stopTook} ms), ${during503} answers 503 while down, ` +
        `server start took ${startTook} ms, both nodes healthy ${recoveredIn} ms after it began; in all ${ackedComments.size} comments and ${ackedVotes.length} votes acknowledged, ` +
        `statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${socketErrors} socket errors`,
    );
  } finally {
    running = false;
    await load.catch(() => {});
    if (stopped) await server.start();
    for (const node of nodes) await node.close().catch(() => {});
    await schema?.drop().catch(() => {});
  }
});
