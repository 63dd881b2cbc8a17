import type { EventStore } from '../../discussion/ports.ts';
import type { EventPruning, StoredEvent } from '../../discussion/records.ts';
import type { Driver, SqlExecutor } from '../driver.ts';
import { num } from './rows.ts';

// Live readers move forward by an event's position (`pos`), never by its id: where writers
// commit concurrently, ids become visible out of order, positions never do. SQLite takes one
// writer at a time, so an event's position is given in its own INSERT. PostgreSQL writers insert
// without one, and the sequencer below gives positions after commit, in id order, one short
// transaction per burst; readers run it before they read. The argument is docs/decisions/0008.

/** The next position, where the INSERT gives it: the highest is never pruned, so none is reused. */
const nextPosition = '(SELECT COALESCE(MAX(pos), 0) + 1 FROM events)';

/** Events positioned per sequencer transaction: bounds how long one holds the sequencer's lock. */
const sequencerBatch = 5000;

/**
 * Appends a live-update event inside the write's own transaction, so an event exists exactly
 * when its change does. Takes no lock. Answers the event's row id, which identifies it; the
 * readers' cursor is its position, which on PostgreSQL exists only once the event is sequenced.
 */
export async function appendEvent(
  driver: Driver,
  tx: SqlExecutor,
  articleSlug: string,
  kind: string,
  payload: unknown,
  now: number,
): Promise<number> {
  const row = await tx.get<{ id: number | string }>(
    `INSERT INTO events (article_slug, kind, payload, created_at, pos) VALUES (?, ?, ?, ?, ${driver.positionsEventsOnInsert ? nextPosition : 'NULL'}) RETURNING id`,
    [articleSlug, kind, JSON.stringify(payload), now],
  );
  return num(row!.id);
}

/**
 * Gives positions to committed events that have none, in id order, after the highest position
 * given so far. Sequencers take turns (the driver's lock) and each holds its turn through its
 * commit, so the highest it reads is the previous one's last, and its positions are visible
 * before any later one's. An event that commits after this statement's snapshot is left for the
 * next run, which gives it a later position: a reader may get it late, never skip it.
 */
async function sequenceOnce(driver: Driver): Promise<number> {
  return driver.transaction(async (tx) => {
    await driver.lockEventSequencer(tx);
    // A statement of its own after the lock: at READ COMMITTED it sees the previous sequencer's commit.
    const { changes } = await tx.run(
      `UPDATE events SET pos = given.pos FROM (
         SELECT id, (SELECT COALESCE(MAX(pos), 0) FROM events) + row_number() OVER (ORDER BY id) AS pos
         FROM events WHERE pos IS NULL ORDER BY id LIMIT ?
       ) AS given
       WHERE events.id = given.id`,
      [sequencerBatch],
    );
    return changes;
  });
}

/**
 * Runs the sequencer for callers of this store, one run at a time. A caller that arrives while a
 * run is under way waits for the next run, not that one: the run under way may have read the
 * table before the caller's event committed. Callers arriving together share that next run.
 */
function eventSequencer(driver: Driver): () => Promise<void> {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const run = async () => {
    while ((await sequenceOnce(driver)) === sequencerBatch);
  };
  const sequence = (): Promise<void> => {
    if (!running) {
      running = run().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running
      .catch(() => {})
      .then(() => {
        queued = undefined;
        return sequence();
      });
    return queued;
  };
  return sequence;
}

export function sqlEventStore(driver: Driver): EventStore {
  const sequence = eventSequencer(driver);

  /** Before a read: positions everything committed so far, if anything is still without one. */
  async function positionCommitted(): Promise<void> {
    if (driver.positionsEventsOnInsert) return;
    if (await driver.get('SELECT 1 AS pending FROM events WHERE pos IS NULL LIMIT 1')) await sequence();
  }

  /**
   * An article's events are pruned from the oldest up to an edge: the newest event that is both
   * older than `before` and not among the `keep` latest, by position. The edge itself stays, turned
   * into a 'reload': a page replaying from before it has missed events, and reloading is what it
   * needs. The marker is written before anything is deleted, so no replay ever sees the gap
   * without it. Events without a position are neither counted nor deleted; an article's latest
   * event always stays, so the highest position is never deleted and never given again.
   */
  async function pruneArticleEvents(slug: string, before: number, keep: number, batch: number): Promise<number> {
    const edge = await driver.get<{ pos: number | string }>(
      `SELECT pos FROM events WHERE article_slug = ? AND created_at < ?
         AND pos < COALESCE((SELECT pos FROM events WHERE article_slug = ? AND pos IS NOT NULL ORDER BY pos DESC LIMIT 1 OFFSET ?), 0)
       ORDER BY pos DESC LIMIT 1`,
      [slug, before, slug, keep - 1],
    );
    if (!edge) return 0;
    const edgePos = num(edge.pos);
    await driver.run("UPDATE events SET kind = 'reload', payload = '{}' WHERE pos = ? AND (kind <> 'reload' OR payload <> '{}')", [
      edgePos,
    ]);
    let deleted = 0;
    // Bounded batches, each its own short transaction, so live writers never wait long behind it.
    for (;;) {
      const { changes } = await driver.run(
        'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE article_slug = ? AND pos < ? ORDER BY pos LIMIT ?)',
        [slug, edgePos, batch],
      );
      deleted += changes;
      if (changes < batch) return deleted;
    }
  }

  return {
    async eventsSince(articleSlug: string, afterId: number, limit: number): Promise<StoredEvent[]> {
      await positionCommitted();
      const rows = await driver.all<{
        pos: number | string;
        article_slug: string;
        kind: string;
        payload: string;
        created_at: number | string;
      }>('SELECT pos, article_slug, kind, payload, created_at FROM events WHERE article_slug = ? AND pos > ? ORDER BY pos LIMIT ?', [
        articleSlug,
        afterId,
        limit,
      ]);
      return rows.map((r) => ({
        id: num(r.pos),
        articleSlug: r.article_slug,
        kind: r.kind,
        payload: r.payload,
        createdAt: num(r.created_at),
      }));
    },

    async latestEventId(): Promise<number> {
      // One round trip when everything is positioned, the usual case for a page being rendered.
      const read = () =>
        driver.get<{ pos: number | string | null; pending: number | null }>(
          'SELECT (SELECT MAX(pos) FROM events) AS pos, (SELECT 1 FROM events WHERE pos IS NULL LIMIT 1) AS pending',
        );
      let row = await read();
      if (row?.pending != null && !driver.positionsEventsOnInsert) {
        await sequence();
        row = await read();
      }
      return row?.pos == null ? 0 : num(row.pos);
    },

    async oldestEventId(): Promise<number> {
      const row = await driver.get<{ pos: number | string | null }>('SELECT MIN(pos) AS pos FROM events');
      return row?.pos == null ? 0 : num(row.pos);
    },

    async pruneEvents(rule: EventPruning): Promise<number> {
      const keep = Math.max(1, Math.floor(rule.keepPerArticle));
      const batch = Math.max(1, Math.floor(rule.batchSize));
      await positionCommitted();
      const slugs = await driver.all<{ article_slug: string }>('SELECT DISTINCT article_slug FROM events');
      let deleted = 0;
      for (const { article_slug: slug } of slugs) deleted += await pruneArticleEvents(slug, rule.before, keep, batch);
      return deleted;
    },
  };
}
