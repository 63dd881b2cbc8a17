import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { exportText } from '../src/commands/export.ts';
import { restoreSqlite } from '../src/commands/restore.ts';
import { Inbox } from '../src/discussion/inbox.ts';
import { Moderation } from '../src/discussion/moderation.ts';
import { nameKey } from '../src/discussion/names.ts';
import { openStore } from '../src/store/open.ts';
import { PgliteDriver } from '../src/store/pglite.ts';
import { SqlStore } from '../src/store/sql-store.ts';
import type { IdentityRecord } from '../src/store/store.ts';
import { byline, tempDirs } from './helpers/cli.ts';

const tempDir = tempDirs('backup');

function identity(id: string, name: string, createdAt: number, extra: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    id,
    name,
    nameKey: nameKey(name),
    role: 'reader',
    createdAt,
    ipPrefixHash: `prefix-${id}`,
    bannedUntil: null,
    banReason: null,
    muted: false,
    ...extra,
  };
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

describe('backup and restore (SQLite)', () => {
  test('a backup taken while writes run passes integrity_check and holds every write acknowledged before it began', async () => {
    const dataDir = tempDir();
    const store = await openStore({ dataDir });
    await store.createIdentity(identity('writer', 'Busy Writer', 1), null);
    const acked: string[] = [];
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        const id = `c${String(n++).padStart(6, '0')}`;
        await store.insertComment(
          { id, articleSlug: 'a', parentId: null, identityId: 'writer', body: `write ${id}`, depth: 0, state: 'visible', createdAt: n },
          null,
        );
        acked.push(id);
      }
    })();
    // Bounded: a writer that fails ends the wait with its error, one that stalls after 30 s.
    const deadline = Date.now() + 30_000;
    while (acked.length < 200) {
      if (Date.now() > deadline) {
        stop = true;
        assert.fail(`only ${acked.length} writes acknowledged in 30 s`);
      }
      await Promise.race([new Promise((r) => setTimeout(r, 5)), writer]);
    }
    const ackedBefore = [...acked];
    const file = join(tempDir(), 'backup.db');
    const run = await byline(['backup', file], dataDir);
    stop = true;
    await writer;
    assert.equal(run.code, 0, run.stderr);
    assert.ok(acked.length > ackedBefore.length, 'writes kept being acknowledged while the backup ran');
    assert.equal(integrity(file), 'ok');
    const copy = new Database(file, { readonly: true });
    const ids = new Set((copy.prepare('SELECT id FROM comments').all() as { id: string }[]).map((r) => r.id));
    copy.close();
    for (const id of ackedBefore) assert.ok(ids.has(id), `${id} acknowledged before the backup is in it`);
    await store.close();

    // Restore: a live database is not replaced without --force; a damaged backup never.
    const refused = await byline(['restore', file], dataDir);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /live database.*--force/);
    const junk = join(tempDir(), 'junk.db');
    writeFileSync(junk, 'this is not a database'.repeat(100));
    const bad = await byline(['restore', junk, '--force'], dataDir);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /not a (sound )?SQLite database|integrity/i);

    const restored = await byline(['restore', file, '--force'], dataDir);
    assert.equal(restored.code, 0, restored.stderr);
    const back = await openStore({ dataDir });
    const rows = await back.listComments('a');
    assert.equal(rows.length, ids.size);
    await back.close();
    assert.equal(integrity(join(dataDir, 'byline.db')), 'ok');
  });

  test('restore into a fresh data folder needs no --force', async () => {
    const source = tempDir();
    const store = await openStore({ dataDir: source });
    await store.createIdentity(identity('one', 'Only One', 5), null);
    await store.close();
    const file = join(tempDir(), 'b.db');
    assert.equal((await byline(['backup', file], source)).code, 0);
    const fresh = tempDir();
    await restoreSqlite(file, join(fresh, 'byline.db'), false);
    const reopened = await openStore({ dataDir: fresh });
    assert.equal((await reopened.getIdentity('one'))?.name, 'Only One');
    await reopened.close();
  });
});

describe('export and import', () => {
  async function seed(store: SqlStore): Promise<void> {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    await store.createIdentity(identity('ada', 'Ada Reader', t0), 'recovery-hash-ada');
    await store.createIdentity(identity('bob', 'Bob Reader', t0 + 1, { role: 'reader' }), 'recovery-hash-bob');
    await store.createIdentity(identity('mara', 'Mara Quill', t0 + 2, { role: 'author', ipPrefixHash: null }), null);
    await store.setFeedTokenHash('ada', 'feed-hash-ada');
    await store.insertComment(
      {
        id: 'c1',
        articleSlug: 'x',
        parentId: null,
        identityId: 'ada',
        body: 'Root “quoted” \u{1F600}',
        depth: 0,
        state: 'visible',
        createdAt: t0 + 10,
      },
      'k1',
    );
    await store.insertComment(
      { id: 'c2', articleSlug: 'x', parentId: 'c1', identityId: 'bob', body: 'Reply', depth: 1, state: 'visible', createdAt: t0 + 11 },
      null,
    );
    await store.insertComment(
      {
        id: 'c3',
        articleSlug: 'x',
        parentId: 'c2',
        identityId: 'mara',
        body: 'Author reply',
        depth: 2,
        state: 'visible',
        createdAt: t0 + 12,
      },
      null,
    );
    await store.insertComment(
      { id: 'c4', articleSlug: 'y', parentId: null, identityId: 'bob', body: 'Held one', depth: 0, state: 'held', createdAt: t0 + 13 },
      null,
    );
    await store.updateCommentBody('c2', 'Reply, edited', t0 + 20);
    await store.addVote('c1', 'bob', t0 + 30, 'p1');
    await store.addVote('c1', 'mara', t0 + 31, null, { counted: false });
    await store.addVote('c3', 'ada', t0 + 32, 'p2');
    const moderation = new Moderation(store, new Inbox(store, () => t0 + 40), () => t0 + 40);
    await moderation.onComment({ id: 'mara', name: 'Mara Quill' }, 'pin', 'c1', 'good one');
    await moderation.onComment({ id: 'mara', name: 'Mara Quill' }, 'hide', 'c2', 'off topic');
    await moderation.onIdentity({ id: 'mara', name: 'Mara Quill' }, 'ban', 'bob', { days: 3, reason: 'rude', withPrefix: true });
    await moderation.onIdentity({ id: null, name: 'operator' }, 'mute', 'ada', {});
    await moderation.setArticleClosed({ id: 'mara', name: 'Mara Quill' }, 'y', true);
    await store.addNotification({
      identityId: 'bob',
      kind: 'author_reply',
      commentId: 'c3',
      articleSlug: 'x',
      actorName: 'Mara Quill',
      createdAt: t0 + 50,
    });
    await store.markNotificationsRead('bob', t0 + 60);
  }

  test('export → import → export is identical, and holds identities, comments, votes and audit entries', async () => {
    const a = await openStore({ dataDir: tempDir() });
    await seed(a);
    const first = exportText(await a.exportAll());
    await a.close();
    const data = JSON.parse(first) as { tables: Record<string, Record<string, unknown>[]> };
    assert.equal(data.tables.identities?.length, 3);
    assert.equal(data.tables.comments?.length, 4);
    assert.equal(data.tables.votes?.length, 3);
    assert.ok((data.tables.audit_log?.length ?? 0) >= 5);
    assert.equal(data.tables.identities?.find((i) => i.id === 'ada')?.recovery_hash, 'recovery-hash-ada');
    assert.equal(data.tables.sessions, undefined, 'sessions are not exported');

    const b = await openStore({ dataDir: tempDir() });
    await b.importAll(JSON.parse(first));
    const second = exportText(await b.exportAll());
    assert.equal(second, first);
    // The imported site works: scores, threads, bans read back.
    assert.equal((await b.getComment('c1'))?.score, 1);
    assert.equal((await b.getComment('c3'))?.parentId, 'c2');
    assert.equal((await b.getIdentity('bob'))?.banReason, 'rude');
    // New audit entries continue after the imported ones.
    await b.addAudit({ actorId: null, actorName: 'operator', action: 'test', target: 't', reason: null, createdAt: 1 });
    assert.equal((await b.listAudit(1))[0]?.action, 'test');
    // A second import into the now non-empty database is refused.
    await assert.rejects(b.importAll(JSON.parse(first)), /empty database/);
    await b.close();
  });

  test('the same export comes out of PostgreSQL (PGlite) and SQLite, and moves between them', async () => {
    const pg = new SqlStore(new PgliteDriver());
    await pg.migrate();
    await seed(pg);
    const fromPg = exportText(await pg.exportAll());
    const sqlite = await openStore({ dataDir: tempDir() });
    await seed(sqlite);
    assert.equal(exportText(await sqlite.exportAll()), fromPg);
    const pg2 = new SqlStore(new PgliteDriver());
    await pg2.migrate();
    await pg2.importAll(JSON.parse(fromPg));
    assert.equal(exportText(await pg2.exportAll()), fromPg);
    // Serial ids carry on after the imported ones on PostgreSQL too.
    await pg2.addAudit({ actorId: null, actorName: 'operator', action: 'after-import', target: 't', reason: null, createdAt: 1 });
    assert.equal((await pg2.listAudit(1))[0]?.action, 'after-import');
    await Promise.all([pg.close(), pg2.close(), sqlite.close()]);
  });

  test('the command line round-trips through files too', async () => {
    const source = tempDir();
    const a = await openStore({ dataDir: source });
    await seed(a);
    await a.close();
    const file = join(tempDir(), 'export.json');
    const out = await byline(['export', file], source);
    assert.equal(out.code, 0, out.stderr);
    const target = tempDir();
    const imported = await byline(['import', file], target);
    assert.equal(imported.code, 0, imported.stderr);
    const again = await byline(['export'], target);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, readFileSync(file, 'utf8'));
    const bad = await byline(['import', file], target);
    assert.notEqual(bad.code, 0);
  });
});
