// What the author's desk reads: the queue, filtered comment lists, the audit log and a comment's
// voters. One narrow port onto storage, so the admin routes never reach the store themselves.
import { ageBucket, groupVotes, type VoteGroup } from '../discussion/vote-rules.ts';
import type { CommentStore, ModerationStore, VoteStore } from '../discussion/ports.ts';
import type { AuditEntry, CommentRecord, CommentState, VoteRecord } from '../discussion/records.ts';

export type AdminReadPort = Pick<CommentStore, 'getComment' | 'isCommentsClosed'> &
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

export class AdminReads {
  constructor(private readonly store: AdminReadPort) {}

  /** Comments waiting for review, oldest first. */
  async heldQueue(): Promise<CommentRecord[]> {
    return (await this.store.listCommentsFiltered({ state: 'held', limit: 500 })).reverse();
  }

  comments(filter: AdminCommentFilter): Promise<CommentRecord[]> {
    const state = (COMMENT_STATES as readonly string[]).includes(filter.state) ? (filter.state as CommentState) : undefined;
    return this.store.listCommentsFiltered({ articleSlug: filter.article || undefined, name: filter.name || undefined, state, limit: 200 });
  }

  commentsBy(identityId: string): Promise<CommentRecord[]> {
    return this.store.listCommentsFiltered({ identityId, limit: 200 });
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
