import type { CommentRecord } from './records.ts';
import { validateCommentBody } from './body.ts';
import { editRefusal } from './comment-rules.ts';
import type { DiscussionCore } from './core.ts';
import { DomainError } from './errors.ts';
import type { Transaction } from './ports.ts';
import { randomId } from './secrets.ts';
import type { Admit, Viewer } from './settings.ts';
import type { Threads } from './threads.ts';
import { depthOf } from './thread.ts';
import type { CommentView } from './views.ts';

export interface PostInput {
  body: unknown;
  parentId?: unknown;
  idempotencyKey?: string | null;
  ipPrefixHash?: string | null;
  admit?: Admit;
}

/**
 * What is written because a comment was posted (its inbox items and the notifications they
 * queue), run inside the comment's own transaction: one durable commit for all of it, and none
 * of it without the rest.
 */
export type PostFollowUp = (comment: CommentRecord, parent: CommentRecord | undefined, tx: Transaction) => Promise<void>;

/** Writing comments: post, edit and delete one's own. */
export class CommentWriting {
  constructor(
    private readonly core: DiscussionCore,
    private readonly threads: Threads,
    private readonly followUp?: PostFollowUp,
  ) {}

  async post(
    viewerOrNone: Viewer | undefined,
    slug: string,
    input: PostInput,
  ): Promise<{ comment: CommentView; created: boolean; eventId?: number }> {
    const { core } = this;
    const viewer = core.requireViewer(viewerOrNone);
    const banned = await core.hooks.prefixBan?.(input.ipPrefixHash ?? null);
    if (banned) throw new DomainError('forbidden', banned);
    core.requireArticle(slug);
    const idem = input.idempotencyKey ?? null;
    if (idem !== null && (idem.length === 0 || idem.length > 100)) {
      throw new DomainError('bad_request', 'The Idempotency-Key must be 1–100 characters.');
    }
    // A retry answers with what the first request stored, whatever has changed since (and
    // before any limit: the reader already paid for it once).
    const earlier = idem === null ? undefined : await core.store.commentForIdempotencyKey(viewer.identity.id, idem);
    if (earlier && earlier.articleSlug === slug) return { comment: core.toView(earlier, viewer, new Set(), true), created: false };
    const checked = validateCommentBody(input.body);
    if (!checked.ok) throw new DomainError(checked.code, checked.message);
    const parent = await this.parentFor(viewer, slug, input.parentId);
    await core.requireOpen(slug);
    // Only now, with the input accepted, does the post take from the writer's allowance.
    await input.admit?.();
    const hold = await this.holdFor(viewer, checked.body);
    const { followUp } = this;
    const result = await core.store.insertComment(
      {
        id: randomId(12),
        articleSlug: slug,
        parentId: parent?.id ?? null,
        identityId: viewer.identity.id,
        body: checked.body,
        depth: parent ? depthOf(parent.depth) : 0,
        state: hold ? 'held' : 'visible',
        createdAt: core.now(),
      },
      idem,
      followUp && ((stored, tx) => followUp(stored, parent, tx)),
    );
    if (!result.created && result.comment.identityId !== viewer.identity.id) {
      throw new DomainError('forbidden', 'That idempotency key belongs to someone else.');
    }
    return { comment: core.toView(result.comment, viewer, new Set(), true), created: result.created, eventId: result.eventId };
  }

  /** A lock covers the whole thread below the locked comment, not only its direct replies. */
  async repliesLocked(parent: Pick<CommentRecord, 'id' | 'locked' | 'parentId'>): Promise<boolean> {
    return parent.locked || (parent.parentId !== null && (await this.core.store.inLockedThread(parent.id)));
  }

  /** The comment a reply answers (undefined for a top-level comment), if a reply may go under it. */
  private async parentFor(viewer: Viewer, slug: string, parentId: unknown): Promise<CommentRecord | undefined> {
    if (parentId === undefined || parentId === null || parentId === '') return undefined;
    if (typeof parentId !== 'string') throw new DomainError('bad_request', 'parentId must be a comment id.');
    const parent = await this.core.store.getComment(parentId);
    if (!parent || parent.articleSlug !== slug || this.core.visibleTo(parent, viewer) === 'none') {
      throw new DomainError('rule_broken', 'The comment you are replying to does not exist on this article.');
    }
    if (parent.state !== 'visible') throw new DomainError('rule_broken', 'You can’t reply to a deleted comment.');
    if (await this.repliesLocked(parent)) throw new DomainError('rule_broken', 'This thread is locked: no new replies.');
    // Refuses a reply past the deepest nesting before anything is stored.
    depthOf(parent.depth);
    return parent;
  }

  /** The one hold policy for every body a reader writes, new or edited; the author is never held. */
  private async holdFor(viewer: Viewer, body: string): Promise<string | null> {
    return (await this.core.hooks.holdReason?.(viewer, body, this.core.isAuthor(viewer))) ?? null;
  }

  private async ownComment(viewer: Viewer, id: unknown): Promise<CommentRecord> {
    const c = typeof id === 'string' ? await this.core.store.getComment(id) : undefined;
    if (!c || this.core.visibleTo(c, viewer) === 'none' || c.state === 'deleted') {
      throw new DomainError('not_found', 'There is no comment with that id.');
    }
    if (c.identityId !== viewer.identity.id) throw new DomainError('forbidden', 'You can only change your own comments.');
    return c;
  }

  async edit(
    viewerOrNone: Viewer | undefined,
    id: unknown,
    body: unknown,
    admit?: Admit,
  ): Promise<{ comment: CommentView; eventId?: number }> {
    const { core } = this;
    const viewer = core.requireViewer(viewerOrNone);
    const c = await this.ownComment(viewer, id);
    const refusal = editRefusal(c, core.now(), core.settings.editWindowMs);
    if (refusal) throw new DomainError('rule_broken', refusal);
    await core.requireOpen(c.articleSlug);
    const checked = validateCommentBody(body);
    if (!checked.ok) throw new DomainError(checked.code, checked.message);
    // Saving the same text changes nothing, so it costs nothing and tells no live reader.
    if (checked.body === c.body) return { comment: (await this.threads.commentView(c.id, viewer))! };
    await admit?.();
    // An edit meets the rules a new post meets: a public comment edited into something the
    // policy holds goes to the queue first, so it is never public with the held text.
    if (c.state === 'visible' && (await this.holdFor(viewer, checked.body))) {
      await core.store.setCommentState(c.id, 'held', core.now());
    }
    const { eventId } = await core.store.updateCommentBody(c.id, checked.body, core.now());
    const view = await this.threads.commentView(c.id, viewer);
    return { comment: view!, eventId };
  }

  async remove(
    viewerOrNone: Viewer | undefined,
    id: unknown,
    admit?: Admit,
  ): Promise<{ outcome: 'placeholder' | 'removed'; articleSlug: string; eventId: number }> {
    if (!viewerOrNone) throw new DomainError('unauthenticated', 'Sign in with a display name first.');
    const c = await this.ownComment(viewerOrNone, id);
    await admit?.();
    const { outcome, eventId } = await this.core.store.deleteComment(c.id, this.core.now());
    return { outcome, articleSlug: c.articleSlug, eventId };
  }
}
