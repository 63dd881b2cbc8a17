// `byline import` reads a file that may come from anywhere: every row is checked, derived values
// (name keys, scores, depths) are recomputed, and a file with any problem writes nothing at all.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nameKey } from '../src/discussion/names.ts';
import { openStore } from '../src/store/open.ts';
import { byline, tempDirs } from './helpers/cli.ts';

const tempDir = tempDirs('import');

type Row = Record<string, string | number | null>;
const t0 = Date.parse('2026-01-01T00:00:00Z');

function identityRow(id: string, name: string, extra: Row = {}): Row {
  return {
    id,
    name,
    name_key: nameKey(name),
    role: 'reader',
    recovery_hash: null,
    feed_token_hash: null,
    ip_prefix_hash: null,
    created_at: t0,
    banned_until: null,
    ban_reason: null,
    muted: 0,
    ...extra,
  };
}

function commentRow(id: string, identityId: string, parentId: string | null, depth: number, extra: Row = {}): Row {
  return {
    id,
    article_slug: 'done-is-a-decision',
    parent_id: parentId,
    identity_id: identityId,
    body: `Comment ${id}`,
    depth,
    score: 0,
    state: 'visible',
    pinned: 0,
    locked: 0,
    created_at: t0 + 1000,
    edited_at: null,
    ...extra,
  };
}

function exportFile(tables: Record<string, Row[]>): string {
  const file = join(tempDir(), 'export.json');
  const full = {
    identities: [],
    comments: [],
    votes: [],
    article_settings: [],
    audit_log: [],
    banned_prefixes: [],
    notifications: [],
    ...tables,
  };
  writeFileSync(file, JSON.stringify({ format: 'byline-export', version: 1, tables: full }));
  return file;
}

async function countRows(dataDir: string): Promise<number> {
  const store = await openStore({ dataDir });
  try {
    const data = await store.exportAll();
    return Object.values(data.tables).reduce((n, rows) => n + rows.length, 0);
  } finally {
    await store.close();
  }
}

describe('byline import checks every row before writing', () => {
  test('a file with bad rows is refused with every problem named by table, row and field, and nothing is written', async () => {
    const file = exportFile({
      identities: [
        identityRow('ann1', 'Ann'),
        identityRow('ann2', 'ANN'), // same key as Ann
        identityRow('fake', 'Mara Quill'), // a reader under the author's name
        identityRow('look', 'Мara Quill'), // Cyrillic capital Em: a look-alike of the author's name
        identityRow('ok', 'Ok Reader'),
      ],
      comments: [
        commentRow('c1', 'ok', null, 0, { created_at: 'yesterday' }),
        commentRow('loopA', 'ok', 'loopB', 1),
        commentRow('loopB', 'ok', 'loopA', 2),
        commentRow('orphan', 'ok', 'no-such-comment', 1),
        commentRow('ghost', 'nobody', null, 0),
        commentRow('weird', 'ok', null, 0, { state: 'shown' }),
      ],
      votes: [{ comment_id: 'missing', identity_id: 'ok', created_at: t0, ip_prefix_hash: null, counted: 1 }],
    });
    const dataDir = tempDir();
    const run = await byline(['import', file], dataDir);
    assert.notEqual(run.code, 0, 'the import is refused');
    const report = run.stderr;
    assert.match(report, /comments\[0\].*"c1".*created_at/, 'a time that is not a number is named with its row and field');
    assert.match(report, /identities\[1\].*"ann2".*name.*Ann/s, 'a second identity with the same name key is refused');
    assert.match(report, /identities\[2\].*"fake".*name.*author/, "a reader under the author's name is refused");
    assert.match(report, /identities\[3\].*"look".*name.*author/, "a look-alike of the author's name is refused");
    assert.match(report, /comments\[\d\].*"loop[AB]".*parent_id.*cycle/, 'a parent cycle is refused');
    assert.match(report, /comments\[3\].*"orphan".*parent_id.*no-such-comment/, 'a reply to a missing comment is refused');
    assert.match(report, /comments\[4\].*"ghost".*identity_id.*nobody/, 'a comment by a missing identity is refused');
    assert.match(report, /comments\[5\].*"weird".*state/, 'an unknown state is refused');
    assert.match(report, /votes\[0\].*comment_id.*missing/, 'a vote on a missing comment is refused');
    assert.equal(await countRows(dataDir), 0, 'nothing was written');
  });

  test('scores come from the counted votes, depths from the parents and name keys from the names', async () => {
    const file = exportFile({
      identities: [identityRow('ann', 'Ann Reader', { name_key: 'stale-key' }), identityRow('bob', 'Bob Reader')],
      comments: [
        commentRow('root', 'ann', null, 0, { score: 999_999 }),
        commentRow('reply', 'bob', 'root', -1, { score: 5, created_at: t0 + 2000 }),
        commentRow('deeper', 'ann', 'reply', 0, { created_at: t0 + 3000 }),
      ],
      votes: [
        { comment_id: 'reply', identity_id: 'ann', created_at: t0 + 4000, ip_prefix_hash: null, counted: 1 },
        { comment_id: 'root', identity_id: 'bob', created_at: t0 + 4000, ip_prefix_hash: null, counted: 0 },
      ],
    });
    const dataDir = tempDir();
    const run = await byline(['import', file], dataDir);
    assert.equal(run.code, 0, run.stderr);
    const store = await openStore({ dataDir });
    try {
      const comments = await store.listComments('done-is-a-decision');
      const byId = new Map(comments.map((c) => [c.id, c]));
      assert.equal(byId.get('root')?.score, 0, 'an uncounted vote does not make a score');
      assert.equal(byId.get('reply')?.score, 1, 'one counted vote is a score of one');
      assert.deepEqual(
        comments.map((c) => [c.id, c.depth]),
        [
          ['root', 0],
          ['reply', 1],
          ['deeper', 2],
        ],
      );
      assert.equal((await store.getIdentityByNameKey(nameKey('Ann Reader')))?.id, 'ann', 'the name key is the real one');
    } finally {
      await store.close();
    }
  });

  test('a reply on another article, a vote on your own comment and a duplicate id are refused', async () => {
    const file = exportFile({
      identities: [identityRow('ann', 'Ann Reader'), identityRow('ann', 'Another Ann')],
      comments: [commentRow('root', 'ann', null, 0), commentRow('elsewhere', 'ann', 'root', 1, { article_slug: 'another-article' })],
      votes: [{ comment_id: 'root', identity_id: 'ann', created_at: t0, ip_prefix_hash: null, counted: 1 }],
    });
    const dataDir = tempDir();
    const run = await byline(['import', file], dataDir);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /identities\[1\].*"ann".*id.*twice|identities\[1\].*"ann".*duplicate/i);
    assert.match(run.stderr, /comments\[1\].*"elsewhere".*parent_id.*another article/);
    assert.match(run.stderr, /votes\[0\].*own comment/);
    assert.equal(await countRows(dataDir), 0);
  });
});
