// Live readers move forward by an event's position, and no stream may skip or repeat an event,
// even where writers commit in an order other than the one their ids were handed out in
// (docs/decisions/0008). The out-of-order cases need concurrent transactions, which only the
// PostgreSQL server has; SQLite and PGlite take one writer at a time.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Driver, SqlExecutor } from '../src/store/driver.ts';
import { PgliteDriver } from '../src/store/pglite.ts';
import { PgDriver } from '../src/store/postgres.ts';
import { migrationSql, migrations, splitStatements } from '../src/store/schema.ts';
import { appendEvent } from '../src/store/sql/events.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import { SqliteDriver } from '../src/store/sqlite.ts';
import { freshSchema, pgUrl } from './helpers/pg.ts';
import { storeEngines } from './helpers/store-engines.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const serverOnly = (engine: string) =>
  engine === 'postgres' ? false : `${engine} runs one writer at a time: commits cannot come out of id order there`;

/** A promise with its resolver outside, to hold a transaction open until another one committed. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

/** Appends one event whose payload is `seq`, in a transaction of its own that commits after `hold`. */
function write(store: SqlStore, slug: string, seq: number, hold?: Promise<void>): Promise<void> {
  return store.driver.transaction(async (tx) => {
    await appendEvent(store.driver, tx, slug, 'comment', { id: `c${seq}` }, Date.now());
    if (hold) await hold;
  });
}

/**
 * A live reader: polls `eventsSince` from its cursor until told the writers are done and one
 * read begun after that finds nothing. Fails on a cursor that does not move forward.
 */
async function reader(store: SqlStore, slug: string, writersDone: () => boolean): Promise<string[]> {
  const seen: string[] = [];
  let cursor = 0;
  for (let reads = 0; reads < 100_000; reads++) {
    const done = writersDone();
    const events = await store.eventsSince(slug, cursor, 7);
    for (const ev of events) {
      assert.ok(ev.id > cursor, `cursor ${ev.id} after ${cursor}`);
      cursor = ev.id;
      seen.push((JSON.parse(ev.payload) as { id: string }).id);
    }
    if (events.length === 0) {
      if (done) return seen;
      await new Promise((r) => setImmediate(r));
    }
  }
  throw new Error('the reader never caught up');
}

/** Every reader saw every event exactly once, and all in the same order. */
function assertExactlyOnce(streams: string[][], written: number): void {
  const expected = Array.from({ length: written }, (_, i) => `c${i}`).sort();
  for (const [i, seen] of streams.entries()) {
    assert.equal(new Set(seen).size, seen.length, `reader ${i} saw an event twice`);
    assert.deepEqual([...seen].sort(), expected, `reader ${i} saw every event`);
    assert.deepEqual(seen, streams[0], `reader ${i} saw the events in the same order as reader 0`);
  }
}

for (const engine of storeEngines('event_order')) {
  describe(`event order on ${engine.name}`, () => {
    test('many writers and readers at once: every reader sees every event once, in one order', async () => {
      const { store, close } = await engine.open();
      try {
        const slug = 'busy';
        let finished = false;
        const readers = Array.from({ length: 3 }, () => reader(store, slug, () => finished));
        let next = 0;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let i = 0; i < 30; i++) await write(store, slug, next++);
          }),
        );
        finished = true;
        assertExactlyOnce(await Promise.all(readers), next);
      } finally {
        await close();
      }
    });

    test('commits out of id order, two nodes, readers polling throughout: every reader sees every event once, in one order', {
      skip: serverOnly(engine.name),
    }, async () => {
      const { store, close } = await engine.open();
      const url = (store.driver.access as { url: string }).url;
      // A second node: its own pool and its own sequencer, on the same schema.
      const other = new SqlStore(new PgDriver(url, { poolSize: 10 }));
      try {
        const slug = 'raced';
        const nodes = [store, other];
        let finished = false;
        const readers = Array.from({ length: 4 }, (_, i) => reader(nodes[i % 2]!, slug, () => finished));
        let next = 0;
        // Each round: a slow writer appends first (the lowest id) and stays open until the fast
        // writers' events, appended after it, have committed and been read.
        for (let round = 0; round < 15; round++) {
          const hold = gate();
          const slow = write(nodes[round % 2]!, slug, next++, hold.opened);
          // Let the slow writer's INSERT take its id before the fast ones take theirs.
          await waitForRows(store, next);
          const fast = Array.from({ length: 4 }, (_, i) => write(nodes[(round + i) % 2]!, slug, next++));
          await Promise.all(fast);
          await store.eventsSince(slug, 0, 1000);
          hold.open();
          await slow;
        }
        // And plain concurrency on top: 6 writers at once across both nodes.
        await Promise.all(
          Array.from({ length: 6 }, async (_, w) => {
            for (let i = 0; i < 20; i++) await write(nodes[w % 2]!, slug, next++);
          }),
        );
        finished = true;
        assertExactlyOnce(await Promise.all(readers), next);
        // The late commits did happen: some events' positions are out of their ids' order.
        const rows = await store.driver.all<{ id: number; pos: number }>('SELECT id, pos FROM events WHERE article_slug = ? ORDER BY pos', [
          slug,
        ]);
        const reordered = rows.filter((r, i) => i > 0 && r.id < rows[i - 1]!.id).length;
        assert.ok(reordered >= 15, `at least one late commit per round (${reordered})`);
      } finally {
        await other.close();
        await close();
      }
    });

    test('a reader moving by id would skip a late commit; the position does not', { skip: serverOnly(engine.name) }, async () => {
      const { store, close } = await engine.open();
      try {
        const slug = 'late';
        const byId = async (after: number) =>
          store.driver.all<{ id: number }>('SELECT id FROM events WHERE article_slug = ? AND id > ? ORDER BY id', [slug, after]);
        const hold = gate();
        const slow = write(store, slug, 0, hold.opened);
        await waitForRows(store, 1);
        await write(store, slug, 1);
        // Both readers read now: only the fast writer's event is committed.
        const idCursor = (await byId(0)).at(-1)!.id;
        const seen = await store.eventsSince(slug, 0, 10);
        assert.deepEqual(
          seen.map((e) => JSON.parse(e.payload).id),
          ['c1'],
        );
        hold.open();
        await slow;
        assert.deepEqual(await byId(idCursor), [], 'moving by id, the late event is behind the cursor: skipped');
        assert.deepEqual(
          (await store.eventsSince(slug, seen[0]!.id, 10)).map((e) => JSON.parse(e.payload).id),
          ['c0'],
          'moving by position, the late event comes next',
        );
      } finally {
        await close();
      }
    });

    test('pruning keeps every event without a position, and cuts in position order', async () => {
      const { store, close } = await engine.open();
      try {
        const slug = 'pruned';
        const old = 1000;
        for (let i = 0; i < 6; i++) await write(store, slug, i);
        await store.driver.run('UPDATE events SET created_at = ?', [old]);
        // Events appended as PostgreSQL writers append them, with no position, and just as old.
        const unpositioned: number[] = [];
        for (let i = 0; i < 3; i++) {
          const row = await store.driver.get<{ id: number }>(
            "INSERT INTO events (article_slug, kind, payload, created_at, pos) VALUES (?, 'comment', '{}', ?, NULL) RETURNING id",
            [slug, old],
          );
          unpositioned.push(Number(row!.id));
        }
        const deleted = await store.pruneEvents({ before: old + 1, keepPerArticle: 2, batchSize: 2 });
        assert.ok(deleted > 0, 'old positioned events were pruned');
        const left = await store.driver.all<{ id: number }>('SELECT id FROM events WHERE article_slug = ?', [slug]);
        const ids = new Set(left.map((r) => Number(r.id)));
        for (const id of unpositioned) assert.ok(ids.has(id), `event ${id} was kept`);
        const replay = await store.eventsSince(slug, 0, 100);
        assert.equal(replay[0]?.kind, 'reload', 'a replay from before the cut starts with a reload');
      } finally {
        await close();
      }
    });
  });
}

/**
 * Waits until the events sequence has handed out `count` ids: a slow writer's INSERT is invisible
 * to others until it commits, but the id it took shows in the sequence at once.
 */
async function waitForRows(store: SqlStore, count: number): Promise<void> {
  for (let tries = 0; tries < 10_000; tries++) {
    const seq = await store.driver.get<{ n: number | string; called: boolean }>(
      'SELECT last_value AS n, is_called AS called FROM events_id_seq',
    );
    if (seq?.called && Number(seq.n) >= count) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('the slow writer never took its id');
}

// ---------------------------------------------------------------------------------------------
// Migration 7 gives existing events their ids as positions, so cursors pages hold keep meaning.

interface RawEngine {
  name: string;
  skip?: string;
  open(): Promise<{ driver: Driver; close(): Promise<void> }>;
}

const rawEngines: RawEngine[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'byline-event-order-'));
      dirs.push(dir);
      const driver = new SqliteDriver(join(dir, 'byline.db'));
      return { driver, close: () => driver.close() };
    },
  },
  {
    name: 'pglite',
    async open() {
      const driver = new PgliteDriver();
      return { driver, close: () => driver.close() };
    },
  },
  {
    name: 'postgres',
    skip: pgUrl ? undefined : 'set BYLINE_TEST_PG_URL',
    async open() {
      const schema = await freshSchema(pgUrl!, 'byline_event_order');
      const driver = new PgDriver(schema.url);
      return {
        driver,
        async close() {
          await driver.close();
          await schema.drop();
        },
      };
    },
  },
];

/** Brings a database to migration `upTo` the way Byline of that version did. */
async function migrateTo(driver: Driver, upTo: number): Promise<void> {
  for (const m of migrations.filter((x) => x.version <= upTo)) {
    await driver.transaction(async (tx: SqlExecutor) => {
      await tx.run(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      for (const statement of splitStatements(migrationSql(driver.dialect, m.sql))) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, 0]);
    });
  }
}

for (const engine of rawEngines) {
  test(`migration 7 on ${engine.name}: existing events keep their ids as cursors, new ones come after`, { skip: engine.skip }, async () => {
    const { driver, close } = await engine.open();
    try {
      await migrateTo(driver, 6);
      for (let i = 0; i < 5; i++)
        await driver.run('INSERT INTO events (article_slug, kind, payload, created_at) VALUES (?, ?, ?, ?)', [
          'old',
          'comment',
          `{"id":"o${i}"}`,
          i,
        ]);
      await driver.run('DELETE FROM events WHERE payload = \'{"id":"o1"}\'');
      const before = (await driver.all<{ id: number }>('SELECT id FROM events ORDER BY id')).map((r) => Number(r.id));
      const store = new SqlStore(driver);
      assert.deepEqual(await store.migrate(), [7]);
      assert.deepEqual(
        (await store.eventsSince('old', 0, 100)).map((e) => e.id),
        before,
        'every old event is at the cursor its id was',
      );
      const held = before[1]!;
      assert.equal(await store.latestEventId(), before.at(-1));
      await driver.transaction((tx) => appendEvent(driver, tx, 'old', 'comment', { id: 'new' }, 99));
      const after = await store.eventsSince('old', held, 100);
      assert.deepEqual(
        after.map((e) => JSON.parse(e.payload).id),
        ['o3', 'o4', 'new'],
        'a page holding an old cursor gets what came after it, the new event last',
      );
      assert.ok(after.at(-1)!.id > before.at(-1)!);
    } finally {
      await close();
    }
  });
}
