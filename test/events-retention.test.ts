// The events table (what live pages replay) is pruned: events older than the retention are
// deleted, except each article's latest few, and a page that missed a pruned event is told to
// reload instead of silently skipping it.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { PgDriver } from '../src/store/postgres.ts';
import { PgliteDriver } from '../src/store/pglite.ts';
import { pruneEventsOnce, scheduleEventPruning } from '../src/store/retention.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import { SqliteDriver } from '../src/store/sqlite.ts';
import { freshSchema, pgUrl, waitFor } from './helpers/pg.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'byline-events-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const day = 24 * 3600 * 1000;
const now = Date.parse('2026-06-01T00:00:00Z');

interface Engine {
  name: string;
  skip?: string;
  open(): Promise<{ store: SqlStore; close(): Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    async open() {
      const store = new SqlStore(new SqliteDriver(join(tempDir(), 'byline.db')));
      await store.migrate();
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'pglite',
    async open() {
      const store = new SqlStore(new PgliteDriver());
      await store.migrate();
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'postgres',
    skip: pgUrl ? undefined : 'set BYLINE_TEST_PG_URL',
    async open() {
      const schema = await freshSchema(pgUrl!, 'byline_events');
      const store = new SqlStore(new PgDriver(schema.url));
      await store.migrate();
      return {
        store,
        async close() {
          await store.close();
          await schema.drop();
        },
      };
    },
  },
];

/** `count` comments on `slug`, one day apart ending `endDaysAgo` days ago; returns their event ids. */
async function postDays(store: SqlStore, slug: string, count: number, endDaysAgo: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = now - (endDaysAgo + count - 1 - i) * day;
    const r = await store.insertComment(
      {
        id: `${slug}-${endDaysAgo}-${i}`,
        articleSlug: slug,
        parentId: null,
        identityId: 'w',
        body: 'x',
        depth: 0,
        state: 'visible',
        createdAt: at,
      },
      null,
    );
    ids.push(r.eventId!);
  }
  return ids;
}

for (const engine of engines) {
  describe(`events retention on ${engine.name}`, { skip: engine.skip }, () => {
    test('old events go, each article keeps its latest ones, and a replay from before the cut starts with a reload', async () => {
      const { store, close } = await engine.open();
      try {
        await store.createIdentity(
          {
            id: 'w',
            name: 'Writer',
            nameKey: 'writer',
            role: 'reader',
            createdAt: 0,
            ipPrefixHash: null,
            bannedUntil: null,
            banReason: null,
            muted: false,
          },
          null,
        );
        const busyOld = await postDays(store, 'busy', 30, 10); // 39 to 10 days ago
        const busyNew = await postDays(store, 'busy', 3, 0); // the last three days
        const quiet = await postDays(store, 'quiet', 4, 60); // long ago, but few
        const deleted = await pruneEventsOnce(store, { days: 7, keepPerArticle: 5, batchSize: 4 }, now);

        const busy = await store.eventsSince('busy', 0, 1000);
        // Kept: the five latest (three recent, two old); the newest pruned one stays as a reload marker.
        assert.deepEqual(
          busy.map((e) => e.id),
          [busyOld.at(-3)!, busyOld.at(-2)!, busyOld.at(-1)!, ...busyNew],
        );
        assert.equal(busy[0]!.kind, 'reload', 'a page that missed pruned events is told to reload');
        assert.deepEqual(
          busy.slice(1).map((e) => e.kind),
          ['comment', 'comment', 'comment', 'comment', 'comment'],
        );
        assert.equal(deleted, 27, 'the other 27 old events of the busy article are gone');
        assert.deepEqual(
          (await store.eventsSince('quiet', 0, 100)).map((e) => e.id),
          quiet,
          'an article with fewer events than the minimum keeps them all, however old',
        );
        // A page that had seen everything up to the cut gets exactly what came after, no reload.
        assert.deepEqual(
          (await store.eventsSince('busy', busy[0]!.id, 100)).map((e) => e.kind),
          ['comment', 'comment', 'comment', 'comment', 'comment'],
        );
        assert.ok((await store.oldestEventId()) <= quiet[0]!, 'oldestEventId is the oldest event still kept');
        // Pruning again changes nothing.
        assert.equal(await pruneEventsOnce(store, { days: 7, keepPerArticle: 5, batchSize: 4 }, now), 0);
      } finally {
        await close();
      }
    });
  });
}

describe('event pruning on a schedule', () => {
  test('the server’s pruning timer runs, prunes, and never keeps the process alive', async () => {
    const store = new SqlStore(new SqliteDriver(join(tempDir(), 'byline.db')));
    await store.migrate();
    try {
      await store.createIdentity(
        {
          id: 'w',
          name: 'Writer',
          nameKey: 'writer',
          role: 'reader',
          createdAt: 0,
          ipPrefixHash: null,
          bannedUntil: null,
          banReason: null,
          muted: false,
        },
        null,
      );
      await postDays(store, 'old', 20, 30);
      const schedule = scheduleEventPruning(
        store,
        { days: 7, keepPerArticle: 2, batchSize: 1000 },
        { firstAfterMs: 0, everyMs: 3_600_000, now: () => now },
      );
      try {
        assert.equal(schedule.timer.hasRef(), false, 'the timer is unref’d');
        await waitFor('the first pruning run', async () => (await store.eventsSince('old', 0, 100)).length === 3, 10_000, 20);
      } finally {
        await schedule.stop();
      }
    } finally {
      await store.close();
    }
  });

  test('BYLINE_EVENTS_RETENTION_DAYS sets the retention, 7 days by default', () => {
    const base = { dataDir: tempDir(), secret: 's' };
    assert.equal(loadConfig({}, base).eventsRetentionDays, 7);
    assert.equal(loadConfig({ BYLINE_EVENTS_RETENTION_DAYS: '30' }, base).eventsRetentionDays, 30);
    assert.throws(() => loadConfig({ BYLINE_EVENTS_RETENTION_DAYS: '0' }, base), /BYLINE_EVENTS_RETENTION_DAYS/);
    assert.throws(() => loadConfig({ BYLINE_EVENTS_RETENTION_DAYS: 'week' }, base), /BYLINE_EVENTS_RETENTION_DAYS/);
  });
});
