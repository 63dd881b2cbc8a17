// What the author's desk reads: the queue, filtered comment lists, the audit log and a comment's
// voters. One narrow port onto storage, so the admin routes never reach the store themselves.
import { ageBucket, groupVotes, type VoteGroup } from '../discussion/vote-rules.ts';
import type { CommentStore, ModerationStore, VoteStore } from '../discussion/ports.ts';
import type { AuditEntry, CommentRecord, CommentState, VoteRecord } from '../discussion/records.ts';
import { RenderCache } from '../discussion/render-cache.ts';

export type AdminReadPort = Pick<CommentStore, 'getComment' | 'isCommentsClosed' | 'threadRoot'> &
  Pick<ModerationStore, 'listCommentsFiltered' | 'listAudit'> &
  Pick<VoteStore, 'votesOn'>;

const COMMENT_STATES: readonly CommentState[] = ['visible', 'held', 'hidden', 'deleted'];

/** The comment list's filter as the author typed it; anything unknown is simply no filter. */
export interface AdminCommentFilter {
  article: string;
  name: string;
  state: string;
}

export interface VoteRow extends VoteRecord {
  ageLabel: string;
  prefix: string;
}

export interface CommentVotes {
  comment: CommentRecord;
  votes: VoteRow[];
  byAge: VoteGroup[];
  byPrefix: VoteGroup[];
}

/** A comment on the desk: the record, its body rendered as readers see it, and the top of its thread (for the link in context). */
export interface DeskComment extends CommentRecord {
  html: string;
  rootId: string;
}

/** The most comments one desk list shows: one bulk request's worth (BULK_LIMIT), so "select all" always fits. */
export const DESK_PAGE = 100;

export class AdminReads {
  /** The desk's own small cache: the same renderer and sanitizer as the reader's page, sized for a few lists. */
  private readonly renders = new RenderCache(2 * 1024 * 1024);

  constructor(private readonly store: AdminReadPort) {}

  /** Comments waiting for review, oldest first, one page of them; `more` says others wait behind. */
  async heldQueue(): Promise<{ comments: DeskComment[]; more: boolean }> {
    const newest = await this.store.listCommentsFiltered({ state: 'held', limit: 500 });
    const oldest = newest.reverse();
    return { comments: await this.desk(oldest.slice(0, DESK_PAGE)), more: oldest.length > DESK_PAGE };
  }

  async comments(filter: AdminCommentFilter): Promise<DeskComment[]> {
    const state = (COMMENT_STATES as readonly string[]).includes(filter.state) ? (filter.state as CommentState) : undefined;
    const found = await this.store.listCommentsFiltered({
      articleSlug: filter.article || undefined,
      name: filter.name || undefined,
      state,
      limit: DESK_PAGE,
    });
    return this.desk(found);
  }

  async commentsBy(identityId: string): Promise<DeskComment[]> {
    return this.desk(await this.store.listCommentsFiltered({ identityId, limit: DESK_PAGE }));
  }

  /** One comment for the desk, or undefined when there is no such comment. */
  async comment(id: string): Promise<DeskComment | undefined> {
    const c = await this.store.getComment(id);
    return c ? (await this.desk([c]))[0] : undefined;
  }

  /** Rendered bodies, and the thread each reply hangs from (a top-level comment is its own; only replies need a look-up). */
  private desk(comments: CommentRecord[]): Promise<DeskComment[]> {
    return Promise.all(
      comments.map(async (c) => ({
        ...c,
        html: c.state === 'deleted' ? '' : this.renders.html(c),
        rootId: c.parentId === null ? c.id : ((await this.store.threadRoot(c.id)) ?? c.id),
      })),
    );
  }

  /** Whether the author closed an article's comments (its own settings or age may close it too). */
  closedByAuthor(slug: string): Promise<boolean> {
    return this.store.isCommentsClosed(slug);
  }

  audit(): Promise<AuditEntry[]> {
    return this.store.listAudit(500);
  }

  /** A comment's votes with the voters' account age and network, grouped both ways; undefined when there is no such comment. */
  async votesOn(commentId: string): Promise<CommentVotes | undefined> {
    const comment = await this.store.getComment(commentId);
    if (!comment) return undefined;
    const votes = (await this.store.votesOn(commentId)).map((v) => ({
      ...v,
      ageLabel: ageBucket(v.createdAt - v.identityCreatedAt),
      prefix: v.ipPrefixHash ? v.ipPrefixHash.slice(0, 12) : 'unknown',
    }));
    return { comment, votes, byAge: groupVotes(votes, (v) => v.ageLabel), byPrefix: groupVotes(votes, (v) => v.prefix) };
  }
}
