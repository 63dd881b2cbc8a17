// The author's side of the inbox store (settings, the desk's counts, the daily activity, items with
// their comments), run on every engine at hand like test/store.test.ts: SQLite, PGlite and, when a
// server URL is given, a real PostgreSQL. One store per engine; every test works on its own
// articles, and the counts it checks are differences, so tests never depend on one another.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { storeEngines } from './helpers/store-engines.ts';
import { after, before, describe, test } from 'node:test';
import type { CommentRecord, CommentState, IdentityRecord, Role } from '../src/discussion/records.ts';
import type { SqlStore } from '../src/store/sql-store.ts';

const engines = storeEngines('inbox');

const DAY = 86_400_000;
const unique = (prefix: string) => `${prefix}-${randomUUID()}`;

for (const engine of engines) {
  describe(`inbox store on ${engine.name}`, () => {
    let store: SqlStore;
    let close: () => Promise<void>;
    let clock = Date.parse('2026-11-20T10:00:00Z');

    before(async () => {
      ({ store, close } = await engine.open());
    });
    after(async () => close());

    async function person(role: Role = 'reader', muted = false): Promise<IdentityRecord> {
      const name = unique(role);
      const identity: IdentityRecord = {
        id: unique('id'),
        name,
        nameKey: name.toLowerCase(),
        role,
        createdAt: ++clock,
        ipPrefixHash: null,
        bannedUntil: null,
        banReason: null,
        muted: false,
      };
      assert.equal(await store.createIdentity(identity, null), true);
      if (muted) await store.setIdentityMuted(identity.id, true);
      return identity;
    }

    async function comment(
      writer: IdentityRecord,
      slug: string,
      opts: { parent?: CommentRecord; state?: CommentState; at?: number; body?: string } = {},
    ): Promise<CommentRecord> {
      const at = opts.at ?? ++clock;
      const { comment: c } = await store.insertComment(
        {
          id: unique('c'),
          articleSlug: slug,
          parentId: opts.parent?.id ?? null,
          identityId: writer.id,
          body: opts.body ?? 'Some words',
          depth: opts.parent ? opts.parent.depth + 1 : 0,
          state: opts.state ?? 'visible',
          createdAt: at,
        },
        null,
      );
      return c;
    }

    test('an author’s settings start unchosen and keep the amount and the desk visit apart', async () => {
      const author = await person('author');
      assert.deepEqual(await store.inboxSettings(author.id), { amount: null, deskSeenAt: null });
      await store.setDeskSeen(author.id, 1000);
      assert.deepEqual(await store.inboxSettings(author.id), { amount: null, deskSeenAt: 1000 });
      await store.setInboxAmount(author.id, 'everything');
      await store.setDeskSeen(author.id, 2000);
      assert.deepEqual(await store.inboxSettings(author.id), { amount: 'everything', deskSeenAt: 2000 });
      await store.setInboxAmount(author.id, 'held');
      assert.deepEqual(await store.inboxSettings(author.id), { amount: 'held', deskSeenAt: 2000 });

      const inboxes = await store.authorInboxes();
      assert.deepEqual(
        inboxes.find((i) => i.identityId === author.id),
        { identityId: author.id, amount: 'held' },
      );
      const reader = await person();
      assert.equal(
        (await store.authorInboxes()).find((i) => i.identityId === reader.id),
        undefined,
        'readers have no author inbox',
      );
    });

    test('the desk counts held comments and readers’ visible comments since a moment', async () => {
      const slug = unique('desk');
      const author = await person('author');
      const reader = await person();
      const muted = await person('reader', true);
      const before = await store.deskCounts(clock);
      const since = clock;
      await comment(reader, slug);
      await comment(reader, slug, { state: 'held' });
      await comment(author, slug);
      await comment(muted, slug);
      const gone = await comment(reader, slug);
      await store.deleteComment(gone.id, ++clock);
      const counts = await store.deskCounts(since);
      assert.equal(counts.held - before.held, 1);
      assert.equal(counts.fresh - before.fresh, 1, 'the author’s, a muted reader’s and a deleted comment are not news');
      assert.equal((await store.deskCounts(clock)).fresh, 0);
    });

    test('daily activity counts readers’ comments per UTC day and article, with holds and replies to the author', async () => {
      const first = unique('day-a');
      const second = unique('day-b');
      const author = await person('author');
      const reader = await person();
      const dayOne = Date.parse('2026-10-05T00:00:00Z');
      const authorsWords = await comment(author, first, { at: dayOne + 1000 });
      await comment(reader, first, { at: dayOne + 2000 });
      await comment(reader, first, { at: dayOne + DAY - 1, parent: authorsWords });
      await comment(reader, second, { at: dayOne + 3000, state: 'held' });
      const deleted = await comment(reader, second, { at: dayOne + 4000 });
      await store.deleteComment(deleted.id, dayOne + 5000);
      await comment(reader, first, { at: dayOne + DAY });

      const rows = (await store.dailyActivity(dayOne - DAY, dayOne + 2 * DAY)).filter(
        (r) => r.articleSlug === first || r.articleSlug === second,
      );
      assert.deepEqual(rows, [
        { day: dayOne + DAY, articleSlug: first, comments: 1, held: 0, replies: 0 },
        { day: dayOne, articleSlug: first, comments: 2, held: 0, replies: 1 },
        { day: dayOne, articleSlug: second, comments: 1, held: 1, replies: 0 },
      ]);
      const bounded = (await store.dailyActivity(dayOne, dayOne + DAY)).filter((r) => r.articleSlug === first);
      assert.deepEqual(
        bounded.map((r) => r.day),
        [dayOne],
        'the end is exclusive',
      );
    });

    test('notifications come with their comment as it stands and its thread’s root, newest first', async () => {
      const slug = unique('entries');
      const owner = await person();
      const other = await person();
      const root = await comment(owner, slug);
      const reply = await comment(other, slug, { parent: root });
      const deep = await comment(owner, slug, { parent: reply, body: 'Deep *words*' });
      const gone = await comment(other, slug);
      for (const c of [root, deep, gone]) {
        await store.addNotification({
          identityId: owner.id,
          kind: 'reply',
          commentId: c.id,
          articleSlug: slug,
          actorName: other.name,
          createdAt: ++clock,
        });
      }
      await store.addNotification({
        identityId: owner.id,
        kind: 'held',
        commentId: null,
        articleSlug: slug,
        actorName: null,
        createdAt: ++clock,
      });
      await store.deleteComment(gone.id, ++clock);
      await store.setCommentState(root.id, 'hidden', ++clock);

      const entries = await store.listNotificationEntries(owner.id, 10);
      assert.deepEqual(
        entries.map((e) => [e.commentId, e.comment?.rootId ?? null, e.comment?.state ?? null]),
        [
          [null, null, null],
          [gone.id, null, null],
          [deep.id, root.id, 'visible'],
          [root.id, root.id, 'hidden'],
        ],
      );
      assert.equal(entries[2]!.comment!.body, 'Deep *words*');
      assert.equal(entries[2]!.comment!.identityId, owner.id);
      assert.equal(entries[2]!.comment!.authorMuted, false);
      assert.equal((await store.listNotificationEntries(owner.id, 2)).length, 2, 'the limit holds');
      assert.deepEqual(await store.listNotificationEntries(other.id, 10), []);
    });

    test('deleting an identity takes its inbox settings with it', async () => {
      const author = await person('author');
      await store.setInboxAmount(author.id, 'everything');
      await store.deleteIdentity(author.id, ++clock);
      assert.deepEqual(await store.inboxSettings(author.id), { amount: null, deskSeenAt: null });
    });
  });
}
