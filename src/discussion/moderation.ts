import type { DiscussionStore } from './ports.ts';
import type { CommentRecord, IdentityRecord } from './records.ts';
import { DomainError } from './errors.ts';
import type { Inbox } from './inbox.ts';
import {
  type BulkAction,
  type BulkPlan,
  type CommentAction,
  commentActionRefusal,
  listNames,
  planBulk,
  undoOf,
} from './moderation-rules.ts';

export { BULK_ACTIONS, BULK_LIMIT, type BulkAction, COMMENT_ACTIONS, type CommentAction } from './moderation-rules.ts';

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

/** When a ban ends and how to say it; refuses a ban without a reason or with a length that is no number of days. */
export function banTerms(input: Partial<BanInput>, now: number): { until: number; when: string; reason: string } {
  const reason = cleanReason(input.reason);
  if (!reason) throw new DomainError('rule_broken', 'Give a reason for the ban: the reader is shown it.');
  const days = input.days ?? 0;
  if (!Number.isFinite(days) || days < 0 || days > 36500)
    throw new DomainError('bad_request', 'The ban length is a number of days (0: until further notice).');
  const until = days > 0 ? now + Math.round(days * DAY) : FOREVER;
  return { until, reason, when: until === FOREVER ? 'until further notice' : `until ${new Date(until).toISOString().slice(0, 10)}` };
}

/** What a bulk action did, in one sentence or two: "Approved 2 comments by Ada and Ben. 1 left as it was: …" */
function bulkMessage(action: BulkAction, done: CommentRecord[], skipped: { why: string }[], when: string): string {
  const n = done.length;
  const names = listNames(done.map((c) => c.authorName ?? '[deleted]'));
  const verb = action === 'release' ? 'approved' : action === 'hide' ? 'hidden' : 'banned';
  let message =
    n === 0
      ? `No ${action === 'ban' ? 'names' : 'comments'} ${verb}.`
      : action === 'ban'
        ? `Banned ${n} ${n === 1 ? 'name' : 'names'} ${when}: ${names}.`
        : `${action === 'release' ? 'Approved' : 'Hid'} ${n} ${n === 1 ? 'comment' : 'comments'} by ${names}.`;
  if (skipped.length > 0) {
    const whys = [...new Set(skipped.map((s) => s.why))].join(' ');
    message += ` ${skipped.length} left as ${skipped.length === 1 ? 'it was' : 'they were'}: ${whys}`;
  }
  return message;
}

/** What changed, so the caller can refresh those articles' pages and live readers. */
export interface ModerationOutcome {
  articles: string[];
  message: string;
  /** The action that takes this one back, when there is one. */
  undo?: { commentId: string; action: CommentAction };
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
    const undo = undoOf(action, c);
    return { articles: [slug], message, undo: undo ? { commentId: c.id, action: undo } : undefined };
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
      case 'hold':
        await this.store.setCommentState(c.id, 'held', now);
        return 'Comment back in the queue: only its writer and you see it.';
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
        const terms = banTerms(input, now);
        const { until, when } = terms;
        await this.store.setIdentityBan(identity.id, until, terms.reason);
        if (input.withPrefix && identity.ipPrefixHash) await this.store.banPrefix(identity.ipPrefixHash, until, terms.reason, now);
        message = `${identity.name} is banned ${when}${input.withPrefix && identity.ipPrefixHash ? ', with their address prefix' : ''}.`;
        await this.audit(
          actor,
          input.withPrefix && identity.ipPrefixHash ? 'identity.ban+prefix' : 'identity.ban',
          target,
          `${terms.reason} (${when})`,
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

  /** Which of the chosen comments a bulk action applies to, read fresh (see moderation-rules.ts). */
  async bulkPlan(action: BulkAction, ids: readonly string[]): Promise<BulkPlan<CommentRecord>> {
    const found = (await Promise.all(ids.map((id) => this.store.getComment(id)))).filter((c): c is CommentRecord => c !== undefined);
    const now = this.now();
    const banned = new Set<string>();
    if (action === 'ban') {
      const writers = [...new Set(found.map((c) => c.identityId).filter((id): id is string => id !== null))];
      for (const identity of await Promise.all(writers.map((id) => this.store.getIdentity(id))))
        if (identity?.bannedUntil != null && identity.bannedUntil > now) banned.add(identity.id);
    }
    return planBulk(action, ids, found, (id) => banned.has(id));
  }

  /**
   * One action on many comments (or on their writers): each one is carried out and audited on its
   * own, as if taken one by one; those it no longer applies to are left alone and reported.
   */
  async bulk(actor: Actor, action: BulkAction, ids: readonly string[], ban: Partial<BanInput> = {}): Promise<ModerationOutcome> {
    // A ban's terms are checked before anyone is banned, so a bad form changes nothing.
    const terms = action === 'ban' ? banTerms(ban, this.now()) : undefined;
    const plan = await this.bulkPlan(action, ids);
    const articles = new Set<string>();
    const done: CommentRecord[] = [];
    const skipped = [...plan.skipped];
    for (const c of plan.apply) {
      try {
        const outcome =
          action === 'ban' ? await this.onIdentity(actor, 'ban', c.identityId, ban) : await this.onComment(actor, action, c.id);
        for (const slug of outcome.articles) articles.add(slug);
        done.push(c);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        skipped.push({ id: c.id, why: err.message });
      }
    }
    const message = bulkMessage(action, done, skipped, terms?.when ?? '');
    return { articles: [...articles], message };
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
