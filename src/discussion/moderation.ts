import type { DiscussionStore } from './ports.ts';
import type { CommentRecord, IdentityRecord } from './records.ts';
import { DomainError } from './errors.ts';
import type { Inbox } from './inbox.ts';
import { type CommentAction, commentActionRefusal } from './moderation-rules.ts';

export { COMMENT_ACTIONS, type CommentAction } from './moderation-rules.ts';

/** Who acts: the signed-in author on the admin pages, or "operator" for `byline moderate`. */
export interface Actor {
  id: string | null;
  name: string;
}

export type IdentityAction = 'ban' | 'unban' | 'mute' | 'unmute' | 'revoke-sessions';
export const IDENTITY_ACTIONS: readonly IdentityAction[] = ['ban', 'unban', 'mute', 'unmute', 'revoke-sessions'];

const DAY = 24 * 3600 * 1000;
/** "Until further notice": a ban with no expiry is stored as a date no one will reach. */
export const FOREVER = Date.parse('9999-12-31T00:00:00Z');

export interface BanInput {
  /** Days from now; undefined or 0 bans until further notice. */
  days?: number;
  reason: string;
  /** Also refuse sign-ins and posts from the address prefix this name was taken from. */
  withPrefix?: boolean;
}

/** What changed, so the caller can refresh those articles' pages and live readers. */
export interface ModerationOutcome {
  articles: string[];
  message: string;
}

function cleanReason(reason: unknown): string | null {
  if (typeof reason !== 'string') return null;
  const r = reason.replace(/\s+/g, ' ').trim().slice(0, 500);
  return r.length > 0 ? r : null;
}

/**
 * The author's (and the operator's) moderation actions. Each writes one audit entry: who, what,
 * on which target, why and when. Callers decide who may act (the web layer lets only the author
 * in; the shell is the operator); here are the rules of each action.
 */
export class Moderation {
  constructor(
    private readonly store: DiscussionStore,
    private readonly inbox: Inbox,
    private readonly now: () => number = Date.now,
  ) {}

  private async audit(actor: Actor, action: string, target: string, reason: string | null): Promise<void> {
    await this.store.addAudit({ actorId: actor.id, actorName: actor.name, action, target, reason, createdAt: this.now() });
  }

  private async comment(id: unknown): Promise<CommentRecord> {
    const c = typeof id === 'string' && id.length <= 100 ? await this.store.getComment(id) : undefined;
    if (!c) throw new DomainError('not_found', 'There is no comment with that id.');
    return c;
  }

  async identity(id: unknown): Promise<IdentityRecord> {
    const identity = typeof id === 'string' && id.length <= 100 ? await this.store.getIdentity(id) : undefined;
    if (!identity) throw new DomainError('not_found', 'There is no identity with that id.');
    return identity;
  }

  async onComment(actor: Actor, action: CommentAction, id: unknown, rawReason?: unknown): Promise<ModerationOutcome> {
    const c = await this.comment(id);
    const reason = cleanReason(rawReason);
    const slug = c.articleSlug;
    const target = `comment ${c.id} by ${c.authorName ?? '[deleted]'} on ${slug}`;
    const refusal = commentActionRefusal(c, action);
    if (refusal) throw new DomainError('rule_broken', refusal);
    const message = await this.applyCommentAction(actor, action, c);
    await this.audit(actor, `comment.${action}`, target, reason);
    return { articles: [slug], message };
  }

  /** Carries out an action the rules allow (see moderation-rules.ts) and says what it did. */
  private async applyCommentAction(actor: Actor, action: CommentAction, c: CommentRecord): Promise<string> {
    const now = this.now();
    switch (action) {
      case 'hide':
        await this.store.setCommentState(c.id, 'hidden', now);
        if (c.identityId !== actor.id) await this.inbox.removed(c, actor.name);
        return 'Comment hidden: readers see “removed by the author” where replies hang on it.';
      case 'restore':
        await this.store.setCommentState(c.id, 'visible', now);
        return 'Comment restored.';
      case 'release': {
        await this.store.setCommentState(c.id, 'visible', now);
        const released = (await this.store.getComment(c.id)) ?? c;
        const parent = c.parentId ? await this.store.getComment(c.parentId) : undefined;
        await this.inbox.released(released, parent, actor.name);
        return 'Comment approved: it is public now.';
      }
      case 'delete':
        await this.store.deleteComment(c.id, now);
        if (c.identityId !== actor.id && c.state !== 'held') await this.inbox.removed(c, actor.name);
        return 'Comment deleted for good.';
      case 'pin':
      case 'unpin':
        await this.store.setCommentFlag(c.id, 'pinned', action === 'pin', now);
        return action === 'pin' ? 'Comment pinned to the top of its article.' : 'Comment unpinned.';
      case 'lock':
      case 'unlock':
        await this.store.setCommentFlag(c.id, 'locked', action === 'lock', now);
        return action === 'lock' ? 'Thread locked: no new replies to this comment.' : 'Thread unlocked.';
    }
  }

  async setArticleClosed(actor: Actor, slug: string, closed: boolean, rawReason?: unknown): Promise<ModerationOutcome> {
    await this.store.setCommentsClosed(slug, closed);
    await this.audit(actor, closed ? 'article.close' : 'article.reopen', `article ${slug}`, cleanReason(rawReason));
    return { articles: [slug], message: closed ? 'Comments closed on this article.' : 'Comments reopened on this article.' };
  }

  async onIdentity(actor: Actor, action: IdentityAction, id: unknown, input: Partial<BanInput> = {}): Promise<ModerationOutcome> {
    const identity = await this.identity(id);
    if (identity.role === 'author')
      throw new DomainError('rule_broken', 'The author’s own name can’t be banned, muted or signed out here.');
    const reason = cleanReason(input.reason);
    const target = `identity ${identity.id} (${identity.name})`;
    const now = this.now();
    let message: string;
    let articles: string[] = [];
    switch (action) {
      case 'ban': {
        if (!reason) throw new DomainError('rule_broken', 'Give a reason for the ban: the reader is shown it.');
        const days = input.days ?? 0;
        if (!Number.isFinite(days) || days < 0 || days > 36500)
          throw new DomainError('bad_request', 'The ban length is a number of days (0: until further notice).');
        const until = days > 0 ? now + Math.round(days * DAY) : FOREVER;
        await this.store.setIdentityBan(identity.id, until, reason);
        if (input.withPrefix && identity.ipPrefixHash) await this.store.banPrefix(identity.ipPrefixHash, until, reason, now);
        const when = until === FOREVER ? 'until further notice' : `until ${new Date(until).toISOString().slice(0, 10)}`;
        message = `${identity.name} is banned ${when}${input.withPrefix && identity.ipPrefixHash ? ', with their address prefix' : ''}.`;
        await this.audit(
          actor,
          input.withPrefix && identity.ipPrefixHash ? 'identity.ban+prefix' : 'identity.ban',
          target,
          `${reason} (${when})`,
        );
        return { articles, message };
      }
      case 'unban':
        await this.store.setIdentityBan(identity.id, null, null);
        if (identity.ipPrefixHash) await this.store.banPrefix(identity.ipPrefixHash, now, null, now);
        message = `${identity.name} may post and vote again.`;
        break;
      case 'mute':
      case 'unmute':
        await this.store.setIdentityMuted(identity.id, action === 'mute');
        articles = [
          ...new Set((await this.store.listCommentsFiltered({ identityId: identity.id, limit: 10_000 })).map((c) => c.articleSlug)),
        ];
        message =
          action === 'mute' ? `${identity.name} is muted: their comments are shown only to them.` : `${identity.name} is no longer muted.`;
        break;
      case 'revoke-sessions': {
        const n = await this.store.deleteSessionsOf(identity.id);
        message = `${identity.name} was signed out on ${n} ${n === 1 ? 'device' : 'devices'}.`;
        break;
      }
    }
    await this.audit(actor, `identity.${action}`, target, reason);
    return { articles, message };
  }

  /** The refusal for a banned address prefix, or null. */
  async prefixBan(prefixHash: string | null): Promise<string | null> {
    if (!prefixHash) return null;
    const until = await this.store.prefixBannedUntil(prefixHash, this.now());
    if (until === null) return null;
    return until === FOREVER
      ? 'Posting from your network is not allowed here.'
      : `Posting from your network is not allowed here until ${new Date(until).toISOString().slice(0, 10)}.`;
  }
}
