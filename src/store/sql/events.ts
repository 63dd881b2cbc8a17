import type { EventStore } from '../../discussion/ports.ts';
import type { EventPruning, StoredEvent } from '../../discussion/records.ts';
import type { Driver, SqlExecutor } from '../driver.ts';
import { num } from './rows.ts';

/**
 * Appends a live-update event inside the write's own transaction, so an event exists exactly
 * when its change does. The driver's event-order lock keeps ids visible in the order given out.
 */
export async function appendEvent(
  driver: Driver,
  tx: SqlExecutor,
  articleSlug: string,
  kind: string,
  payload: unknown,
  now: number,
): Promise<number> {
  await driver.lockEventOrder(tx);
  const row = await tx.get<{ id: number | string }>(
    'INSERT INTO events (article_slug, kind, payload, created_at) VALUES (?, ?, ?, ?) RETURNING id',
    [articleSlug, kind, JSON.stringify(payload), now],
  );
  return num(row!.id);
}

export function sqlEventStore(driver: Driver): EventStore {
  /**
   * An article's events are pruned from the oldest up to an edge: the newest event that is both
   * older than `before` and not among the `keep` latest. The edge itself stays, turned into a
   * 'reload': a page replaying from before it has missed events, and reloading is what it needs.
   * The marker is written before anything is deleted, so no replay ever sees the gap without it.
   */
  async function pruneArticleEvents(slug: string, before: number, keep: number, batch: number): Promise<number> {
    const edge = await driver.get<{ id: number | string }>(
      `SELECT id FROM events WHERE article_slug = ? AND created_at < ?
         AND id < COALESCE((SELECT id FROM events WHERE article_slug = ? ORDER BY id DESC LIMIT 1 OFFSET ?), 0)
       ORDER BY id DESC LIMIT 1`,
      [slug, before, slug, keep - 1],
    );
    if (!edge) return 0;
    const edgeId = num(edge.id);
    await driver.run("UPDATE events SET kind = 'reload', payload = '{}' WHERE id = ? AND (kind <> 'reload' OR payload <> '{}')", [edgeId]);
    let deleted = 0;
    // Bounded batches, each its own short transaction, so live writers never wait long behind it.
    for (;;) {
      const { changes } = await driver.run(
        'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE article_slug = ? AND id < ? ORDER BY id LIMIT ?)',
        [slug, edgeId, batch],
      );
      deleted += changes;
      if (changes < batch) return deleted;
    }
  }

  return {
    async eventsSince(articleSlug: string, afterId: number, limit: number): Promise<StoredEvent[]> {
      const rows = await driver.all<{
        id: number | string;
        article_slug: string;
        kind: string;
        payload: string;
        created_at: number | string;
      }>('SELECT id, article_slug, kind, payload, created_at FROM events WHERE article_slug = ? AND id > ? ORDER BY id LIMIT ?', [
        articleSlug,
        afterId,
        limit,
      ]);
      return rows.map((r) => ({
        id: num(r.id),
        articleSlug: r.article_slug,
        kind: r.kind,
        payload: r.payload,
        createdAt: num(r.created_at),
      }));
    },

    async latestEventId(): Promise<number> {
      const row = await driver.get<{ id: number | string | null }>('SELECT MAX(id) AS id FROM events');
      return row?.id == null ? 0 : num(row.id);
    },

    async oldestEventId(): Promise<number> {
      const row = await driver.get<{ id: number | string | null }>('SELECT MIN(id) AS id FROM events');
      return row?.id == null ? 0 : num(row.id);
    },

    async pruneEvents(rule: EventPruning): Promise<number> {
      const keep = Math.max(1, Math.floor(rule.keepPerArticle));
      const batch = Math.max(1, Math.floor(rule.batchSize));
      const slugs = await driver.all<{ article_slug: string }>('SELECT DISTINCT article_slug FROM events');
      let deleted = 0;
      for (const { article_slug: slug } of slugs) deleted += await pruneArticleEvents(slug, rule.before, keep, batch);
      return deleted;
    },
  };
}
