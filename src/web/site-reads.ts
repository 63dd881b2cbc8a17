// The reads the public pages, feeds and live updates make beside the discussion service: one
// narrow port onto storage, so no route or template reaches the store itself.
import type { CommentStore, EventStore, ModerationStore } from '../discussion/ports.ts';
import type { CommentRecord } from '../discussion/records.ts';
import type { HealthStore } from '../store/ports.ts';
import { isPublic } from '../discussion/comment-rules.ts';

export type SiteReadPort = Pick<CommentStore, 'getComment' | 'listComments'> &
  Pick<ModerationStore, 'listCommentsFiltered'> &
  Pick<EventStore, 'latestEventId'> &
  HealthStore;

export interface StorageHealth {
  engine: string;
  /** Why the database cannot serve the site, or undefined when it can. */
  problem?: string;
}

export class SiteReads {
  constructor(private readonly store: SiteReadPort) {}

  comment(id: string): Promise<CommentRecord | undefined> {
    return this.store.getComment(id);
  }

  /** Every stored comment of an article, in any state (the discussion service decides who sees what). */
  articleComments(slug: string): Promise<CommentRecord[]> {
    return this.store.listComments(slug);
  }

  /** The highest event id so far: a live stream opened now resumes from here. */
  latestEventId(): Promise<number> {
    return this.store.latestEventId();
  }

  /**
   * The latest comments a visitor may read on an article, newest first: nothing held, hidden,
   * deleted or muted. Muted writers' comments are dropped after the query, so it asks for a
   * margin beyond `limit`.
   */
  async publicComments(slug: string, limit: number): Promise<CommentRecord[]> {
    const visible = await this.store.listCommentsFiltered({ articleSlug: slug, state: 'visible', limit: limit * 2 });
    return visible.filter(isPublic).slice(0, limit);
  }

  /**
   * Whether the database answers and holds every table and column the pages read (one cheap
   * query reading at most a row of each).
   */
  async storageHealth(): Promise<StorageHealth> {
    const engine = this.store.engine;
    try {
      await this.store.ping();
    } catch (err) {
      return { engine, problem: err instanceof Error ? err.message : String(err) };
    }
    const missing = await this.store.schemaProblem();
    return missing ? { engine, problem: `The database lacks a table or column the site reads: ${missing}` } : { engine };
  }
}
