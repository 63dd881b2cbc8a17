import { voteRefusal } from './comment-rules.ts';
import type { DiscussionCore } from './core.ts';
import { DomainError } from './errors.ts';
import type { Admit, Viewer } from './settings.ts';

export interface VoteResult {
  score: number;
  votedByMe: boolean;
  articleSlug: string;
  eventId?: number;
  changed: boolean;
}

/** Upvotes: one per identity per comment, never on one's own; how a vote counts is the hooks' voteRule. */
export class Votes {
  constructor(private readonly core: DiscussionCore) {}

  async vote(viewerOrNone: Viewer | undefined, id: unknown, on: boolean, ipPrefixHash: string | null, admit?: Admit): Promise<VoteResult> {
    const { core } = this;
    const viewer = core.requireViewer(viewerOrNone);
    const c = typeof id === 'string' ? await core.store.getComment(id) : undefined;
    if (!c || core.visibleTo(c, viewer) === 'none') throw new DomainError('not_found', 'There is no comment with that id.');
    const refusal = voteRefusal(c, viewer.identity.id);
    if (refusal) throw new DomainError('rule_broken', refusal);
    await core.requireOpen(c.articleSlug);
    await admit?.();
    const result = on
      ? await core.store.addVote(c.id, viewer.identity.id, core.now(), ipPrefixHash, core.hooks.voteRule?.(viewer.identity))
      : await core.store.removeVote(c.id, viewer.identity.id, core.now());
    return { score: result.score, votedByMe: on, articleSlug: c.articleSlug, eventId: result.eventId, changed: result.changed };
  }
}
