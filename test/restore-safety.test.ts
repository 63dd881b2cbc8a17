// `byline restore` must never leave a site that answers 500, and open pages must keep hearing
// about changes after it; /healthz must notice when the tables the pages read are not there.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { backupSqlite } from '../src/commands/backup.ts';
import { restoreSqlite } from '../src/commands/restore.ts';
import { openStore } from '../src/store/open.ts';
import { migrationSql, migrations } from '../src/store/schema.ts';
import type { SqlStore } from '../src/store/sql-store.ts';
import { startTestApp } from './helpers/app.ts';
import { byline, tempDirs } from './helpers/cli.ts';
import { openSse, waitFor } from './helpers/pg.ts';

const tempDir = tempDirs('restore');

const slug = 'done-is-a-decision';

async function addComments(store: SqlStore, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await store.insertComment(
      {
        id: `c${i}`,
        articleSlug: slug,
        parentId: null,
        identityId: 'w',
        body: `comment ${i}`,
        depth: 0,
        state: 'visible',
        createdAt: 1_000 + i,
      },
      null,
    );
  }
}

/** A SQLite file built by hand: only the given SQL, as a tampered or foreign backup might be. */
function handMadeDb(sql: string): string {
  const file = join(tempDir(), 'hand.db');
  const db = new Database(file);
  db.exec(sql);
  db.close();
  return file;
}

const allMigrationsSql = migrations.map((m) => migrationSql('sqlite', m.sql)).join(';\n');
const ledger = (versions: number[]) =>
  `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
   ${versions.map((v) => `INSERT INTO schema_migrations VALUES (${v}, 'm${v}', 0);`).join('\n')}`;

describe('byline restore', () => {
  test('event ids keep rising across a restore, and the restored articles get a reload event', async () => {
    const dataDir = tempDir();
    const store = await openStore({ dataDir });
    await store.createIdentity(
      {
        id: 'w',
        name: 'Writer',
        nameKey: 'writer',
        role: 'reader',
        createdAt: 1,
        ipPrefixHash: null,
        bannedUntil: null,
        banReason: null,
        muted: false,
      },
      null,
    );
    await addComments(store, 0, 3);
    await store.close();
    const backup = join(tempDir(), 'early.db');
    assert.equal((await byline(['backup', backup], dataDir)).code, 0);

    const again = await openStore({ dataDir });
    await addComments(again, 3, 7);
    const handedOut = await again.latestEventId();
    await again.close();

    const run = await byline(['restore', backup, '--force'], dataDir);
    assert.equal(run.code, 0, run.stderr);
    const restored = await openStore({ dataDir });
    try {
      assert.equal((await restored.listComments(slug)).length, 3, 'the backup’s content is back');
      const after = await restored.eventsSince(slug, handedOut, 100);
      assert.deepEqual(
        after.map((e) => e.kind),
        ['reload'],
        'a page that saw every event before the restore is told to reload',
      );
      const next = await restored.insertComment(
        { id: 'new', articleSlug: slug, parentId: null, identityId: 'w', body: 'after', depth: 0, state: 'visible', createdAt: 9_999 },
        null,
      );
      assert.ok((next.eventId ?? 0) > handedOut, `a new event id (${next.eventId}) is above every id handed out before (${handedOut})`);
    } finally {
      await restored.close();
    }
  });

  test('a file holding only the migrations table is refused, and the site is left as it was', async () => {
    const dataDir = tempDir();
    const store = await openStore({ dataDir });
    await store.createIdentity(
      {
        id: 'w',
        name: 'Writer',
        nameKey: 'writer',
        role: 'reader',
        createdAt: 1,
        ipPrefixHash: null,
        bannedUntil: null,
        banReason: null,
        muted: false,
      },
      null,
    );
    await addComments(store, 0, 2);
    await store.close();
    const bare = handMadeDb(ledger([1, 2]));
    const run = await byline(['restore', bare, '--force'], dataDir);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /not a complete Byline database/);
    assert.match(run.stderr, /comments/);
    const back = await openStore({ dataDir });
    assert.equal((await back.listComments(slug)).length, 2, 'the live database is untouched');
    await back.close();
  });

  test('a missing column and a migration this version does not know are refused', async () => {
    const noScore = handMadeDb(
      `${allMigrationsSql};\nALTER TABLE comments DROP COLUMN score;\n${ledger(migrations.map((m) => m.version))}`,
    );
    const dataDir = tempDir();
    const missing = await byline(['restore', noScore], dataDir);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /comments\.score/);

    const newer = handMadeDb(`${allMigrationsSql};\n${ledger([...migrations.map((m) => m.version), 999])}`);
    const future = await byline(['restore', newer], dataDir);
    assert.notEqual(future.code, 0);
    assert.match(future.stderr, /999/);
  });

  test('a backup from before the latest migrations is brought up to date as it is restored', async () => {
    const first = migrations[0]!;
    const old = handMadeDb(`${migrationSql('sqlite', first.sql)};\n${ledger([first.version])}`);
    const dataDir = tempDir();
    const run = await byline(['restore', old], dataDir);
    assert.equal(run.code, 0, run.stderr);
    const store = await openStore({ dataDir, migrate: false });
    try {
      assert.equal(await store.schemaProblem(), undefined, 'every table and column is there');
    } finally {
      await store.close();
    }
  });
});

describe('restore under a running site', () => {
  test('a page left open through a restore hears the next change', async () => {
    const site = await startTestApp();
    const stream = { close: () => {} };
    try {
      const store = site.store;
      const dbFile = join(site.config.dataDir, 'byline.db');
      await store.createIdentity(
        {
          id: 'w',
          name: 'Writer',
          nameKey: 'writer',
          role: 'reader',
          createdAt: 1,
          ipPrefixHash: null,
          bannedUntil: null,
          banReason: null,
          muted: false,
        },
        null,
      );
      await addComments(store, 0, 2);
      const backup = join(tempDir(), 'b.db');
      await backupSqlite(dbFile, backup);
      await addComments(store, 2, 6);
      const sse = await openSse(site.url, `/api/v1/articles/${slug}/events`);
      stream.close = sse.close;
      assert.equal(sse.status, 200);

      await restoreSqlite(backup, dbFile, true);
      const next = await store.insertComment(
        {
          id: 'after',
          articleSlug: slug,
          parentId: null,
          identityId: 'w',
          body: 'after the restore',
          depth: 0,
          state: 'visible',
          createdAt: 99_999,
        },
        null,
      );
      site.ctx.changed(slug);
      await waitFor('the open page to hear of the change', () => sse.frames.some((f) => f.id === String(next.eventId)), 10_000, 20);
      assert.equal(sse.frames[0]?.event, 'reload', 'the restore itself tells the page to reload first');
    } finally {
      stream.close();
      await site.close();
    }
  });
});

describe('/healthz', () => {
  test('answers 503 naming a table the pages read when it is missing', async () => {
    const app = await startTestApp({ listen: false });
    try {
      const ok = await app.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(ok.statusCode, 200);
      await app.store.driver.exec('DROP TABLE votes');
      const broken = await app.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(broken.statusCode, 503);
      assert.match(broken.body, /votes/);
    } finally {
      await app.close();
    }
  });
});
