// A new comment, its inbox items and the notifications they queue are one transaction: one
// durable commit per comment (SQLite's group commit then folds many comments into one fsync),
// and a notification exists exactly when its cause does (docs/decisions/0007).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { defaultModeration } from '../src/config.ts';
import type { IdentityRecord, NewComment } from '../src/discussion/records.ts';
import type { SqlExecutor } from '../src/store/driver.ts';
import type { SqlStore } from '../src/store/sql-store.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { type Person, generousLimits, postComment, signIn, signInAuthor } from './helpers/people.ts';
import { storeEngines } from './helpers/store-engines.ts';

const slug = 'the-last-ten-percent';

/** The tables each committed transaction inserted into, in commit order, while `watch` is on. */
function watchTransactions(store: SqlStore) {
  const driver = store.driver;
  const original = driver.transaction.bind(driver);
  const committed: Set<string>[] = [];
  let watching = false;
  driver.transaction = <T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    if (!watching) return original(fn);
    const tables = new Set<string>();
    const note = (sql: string) => {
      const table = /^\s*INSERT INTO (\w+)/i.exec(sql)?.[1];
      if (table) tables.add(table);
      return sql;
    };
    return original((tx) =>
      fn({
        all: (sql, params) => tx.all(note(sql), params),
        get: (sql, params) => tx.get(note(sql), params),
        run: (sql, params) => tx.run(note(sql), params),
      }),
    ).then((value) => {
      committed.push(tables);
      return value;
    });
  };
  return {
    committed,
    start() {
      committed.length = 0;
      watching = true;
    },
    stop() {
      watching = false;
    },
  };
}

describe('posting a comment through the site', () => {
  let t: TestApp;
  let author: Person;
  let ada: Person;
  let bob: Person;
  let watch: ReturnType<typeof watchTransactions>;

  before(async () => {
    t = await startTestApp({
      listen: false,
      config: { limits: generousLimits, moderation: { ...defaultModeration, holdWords: ['parrot'] } },
    });
    author = await signInAuthor(t);
    ada = await signIn(t, 'Ada Onecommit');
    bob = await signIn(t, 'Bob Onecommit');
    // The author hears of everything, and a webhook (nobody listening) sends it on.
    await t.store.setInboxAmount(author.id, 'everything');
    await t.store.addWebhook({
      id: randomUUID(),
      url: 'http://127.0.0.1:9/hook',
      format: 'json',
      events: ['new_comment', 'reply', 'held'],
      secret: 'secret',
      createdAt: Date.now(),
    });
    watch = watchTransactions(t.store);
  });
  after(async () => t.close());

  /** The transactions that wrote any of the comment's rows: a comment, an inbox item, a queued notification. */
  const writersOfComments = () =>
    watch.committed.filter((tables) => tables.has('comments') || tables.has('notifications') || tables.has('notify_queue'));

  test('a new comment, the author’s inbox item and its webhook delivery commit together', async () => {
    watch.start();
    const comment = await postComment(t, ada, slug, 'A thought worth a notification');
    watch.stop();
    const writers = writersOfComments();
    assert.equal(writers.length, 1, `one commit for the comment and all that follows it, not ${writers.length}`);
    assert.deepEqual([...writers[0]!].filter((x) => x !== 'events' && x !== 'idempotency_keys').sort(), [
      'comments',
      'notifications',
      'notify_queue',
    ]);
    const items = await t.store.listNotifications(author.id, 5);
    assert.equal(items[0]?.commentId, comment.id);
    assert.equal(items[0]?.kind, 'new_comment');
  });

  test('a reply tells its parent’s writer and the author in the same one commit', async () => {
    const parent = await postComment(t, ada, slug, 'Ada starts a thread');
    watch.start();
    const reply = await postComment(t, bob, slug, 'Bob answers Ada', parent.id);
    watch.stop();
    assert.equal(writersOfComments().length, 1);
    assert.equal((await t.store.listNotifications(ada.id, 1))[0]?.commentId, reply.id);
    assert.equal((await t.store.listNotifications(author.id, 1))[0]?.commentId, reply.id);
  });

  test('a held comment, its writer’s item and the author’s review request commit together', async () => {
    watch.start();
    const held = await postComment(t, bob, slug, 'A parrot, held for review');
    watch.stop();
    assert.equal(held.held, true);
    assert.equal(writersOfComments().length, 1);
    assert.deepEqual(
      (await t.store.listNotifications(author.id, 1)).map((n) => [n.kind, n.commentId]),
      [['review', held.id]],
    );
  });
});

for (const engine of storeEngines('write-path')) {
  describe(`a comment's transaction on ${engine.name}`, () => {
    let store: SqlStore;
    let close: () => Promise<void>;
    let writer: IdentityRecord;
    let clock = Date.parse('2026-11-20T10:00:00Z');

    before(async () => {
      ({ store, close } = await engine.open());
      const name = `writer-${randomUUID()}`;
      writer = {
        id: randomUUID(),
        name,
        nameKey: name,
        role: 'reader',
        createdAt: clock,
        ipPrefixHash: null,
        bannedUntil: null,
        banReason: null,
        muted: false,
      };
      assert.ok(await store.createIdentity(writer, null));
    });
    after(async () => close());

    const newComment = (): NewComment => ({
      id: randomUUID(),
      articleSlug: 'an-article',
      parentId: null,
      identityId: writer.id,
      body: 'Hello',
      depth: 0,
      state: 'visible',
      createdAt: ++clock,
    });

    /** What follows a comment in its transaction: an inbox item and a queued delivery, as the inbox and the notifier write them. */
    const follow =
      (fail: boolean, told: string[]) => async (comment: { id: string; articleSlug: string }, tx: Parameters<SqlStore['within']>[0]) => {
        const inTx = store.within(tx);
        await inTx.addNotification({
          identityId: writer.id,
          kind: 'reply',
          commentId: comment.id,
          articleSlug: comment.articleSlug,
          actorName: null,
          createdAt: clock,
        });
        await inTx.enqueueDeliveries([
          {
            channel: 'push',
            target: writer.id,
            event: 'reply',
            payload: JSON.stringify({ id: comment.id }),
            nextAt: clock,
            createdAt: clock,
          },
        ]);
        tx.afterCommit(() => told.push(comment.id));
        if (fail) throw new Error('injected after the comment and its follow-ups were written');
      };

    const rowsOf = async (commentId: string) => ({
      comment: (await store.getComment(commentId)) !== undefined,
      items: (await store.listNotifications(writer.id, 100)).filter((n) => n.commentId === commentId).length,
      queued: (await store.dueDeliveries(Number.MAX_SAFE_INTEGER, 1000)).filter((d) => JSON.parse(d.payload).id === commentId).length,
    });

    test('a failure after the comment’s follow-ups leaves none of them, and nothing is told of a commit', async () => {
      const told: string[] = [];
      const comment = newComment();
      await assert.rejects(store.insertComment(comment, null, follow(true, told)), /injected/);
      assert.deepEqual(await rowsOf(comment.id), { comment: false, items: 0, queued: 0 });
      assert.deepEqual(told, []);
    });

    test('on success the comment, its inbox item and its delivery are all there, and the commit is told after', async () => {
      const told: string[] = [];
      const comment = newComment();
      const result = await store.insertComment(comment, null, follow(false, told));
      assert.equal(result.created, true);
      assert.deepEqual(await rowsOf(comment.id), { comment: true, items: 1, queued: 1 });
      assert.deepEqual(told, [comment.id]);
    });

    test('a retry with the same idempotency key writes no follow-ups again', async () => {
      const told: string[] = [];
      const comment = newComment();
      await store.insertComment(comment, 'key-1', follow(false, told));
      const again = await store.insertComment({ ...newComment() }, 'key-1', follow(false, told));
      assert.equal(again.created, false);
      assert.equal(again.comment.id, comment.id);
      assert.deepEqual(await rowsOf(comment.id), { comment: true, items: 1, queued: 1 });
      assert.deepEqual(told, [comment.id]);
    });

    test('an inbox written outside a comment gets one transaction of its own', async () => {
      const comment = newComment();
      await store.insertComment(comment, null);
      const told: string[] = [];
      await assert.rejects(
        store.inTransaction(async (tx) => {
          await follow(true, told)(comment, tx);
        }),
        /injected/,
      );
      assert.deepEqual(await rowsOf(comment.id), { comment: true, items: 0, queued: 0 });
      await store.inTransaction((tx) => follow(false, told)(comment, tx));
      assert.deepEqual(await rowsOf(comment.id), { comment: true, items: 1, queued: 1 });
      assert.deepEqual(told, [comment.id]);
    });
  });
}
