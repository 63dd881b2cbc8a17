// Every write a reader makes, with the allowances it takes from: the discussion decides what is
// allowed, this decides how often. Shared by the JSON API and the no-script forms, so both meet
// the same limits in the same order (validation and the idempotency lookup first, then the
// allowance, then the write), and every change is announced to the other nodes.
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { DomainError } from '../discussion/errors.ts';
import type { Admit, Discussion, SignInResult, Viewer } from '../discussion/service.ts';
import type { ClientOrigin } from './client.ts';
import {
  type Allowance as AddressAllowance,
  type Limiters,
  RateLimitedError,
  isBlocked,
  refund,
  refuseIfSpent,
  take,
  takeAll,
} from './limits.ts';

type Allowance = [limiter: RateLimiterAbstract, what: string];

export interface NewComment {
  body: unknown;
  parentId?: unknown;
  /** A retry with the same key gets the first answer, never a second comment. */
  idempotencyKey: string | null;
}

export class ReaderWrites {
  constructor(
    private readonly discussion: Discussion,
    private readonly limiters: Limiters,
    /** Tells every node that an article's discussion changed. */
    private readonly changed: (slug: string) => void,
  ) {}

  /**
   * Only a name actually created uses up the allowances (the address's hour and day, and its
   * network's day): a refused or taken name is turned away before them, and one taken in the
   * moment between gives its points back. Once an allowance is spent, the address is told so
   * before any of the name checks run.
   */
  async signIn(name: unknown, origin: ClientOrigin): Promise<SignInResult> {
    const { newNames, newNamesDaily, newNamesNetwork } = this.limiters;
    const what = 'taking new names';
    const allowances: AddressAllowance[] = [
      [newNames, origin.prefix, what],
      [newNamesDaily, origin.prefix, what],
      [newNamesNetwork, origin.network, what],
    ];
    await refuseIfSpent(allowances);
    let took = false;
    const admit = async () => {
      await takeAll(allowances);
      took = true;
    };
    try {
      return await this.discussion.signIn(name, origin.prefix, admit);
    } catch (err) {
      if (took && err instanceof DomainError) await Promise.all(allowances.map(([limiter, key]) => refund(limiter, key)));
      throw err;
    }
  }

  async recover(name: unknown, key: unknown, prefix: string): Promise<SignInResult> {
    const { recoveryFailures, accountActions } = this.limiters;
    const blocked = await isBlocked(recoveryFailures, prefix);
    if (blocked)
      throw new RateLimitedError(`Too many wrong recovery keys. Please wait ${Math.ceil(blocked / 60)} minutes and try again.`, blocked);
    // A recovery opens a session and makes a new key: an account action, counted by address
    // since the name is not known to be theirs yet. A wrong key gives the point back (and
    // counts as a failure instead).
    await take(accountActions, `prefix:${prefix}`, 'recovering names');
    try {
      return await this.discussion.recover(name, key);
    } catch (err) {
      if (err instanceof DomainError) await refund(accountActions, `prefix:${prefix}`);
      if (err instanceof DomainError && err.code === 'forbidden') await recoveryFailures.penalty(prefix, 1);
      throw err;
    }
  }

  /** Rotating the key, signing out everywhere, deleting the name, a new feed address: a few an hour per identity. */
  async accountAction(viewer: Viewer): Promise<void> {
    await take(this.limiters.accountActions, viewer.identity.id, 'changing your account');
  }

  /**
   * The author's moderation actions, counted like a reader's writes: a stolen author session
   * cannot churn the whole discussion (and every live reader's stream) without limit.
   */
  async deskAction(viewer: Viewer): Promise<void> {
    await take(this.limiters.deskActions, viewer.identity.id, 'moderating');
  }

  async rotateRecoveryKey(viewer: Viewer): Promise<string> {
    await this.accountAction(viewer);
    return this.discussion.rotateRecoveryKey(viewer);
  }

  async signOutEverywhere(viewer: Viewer): Promise<void> {
    await this.accountAction(viewer);
    await this.discussion.signOutEverywhere(viewer);
  }

  async deleteIdentity(viewer: Viewer): Promise<void> {
    await this.accountAction(viewer);
    const touched = await this.discussion.deleteIdentity(viewer);
    for (const slug of touched) this.changed(slug);
  }

  async post(viewer: Viewer | undefined, slug: string, input: NewComment, prefix: string) {
    const allowances: Allowance[] = [
      [this.limiters.commentsBurst, 'commenting'],
      [this.limiters.commentsHourly, 'commenting'],
    ];
    // A retry (same Idempotency-Key) must still get its first answer, so only keyless posts are turned away early.
    if (input.idempotencyKey === null) await this.spent(viewer, allowances);
    const result = await this.discussion.post(viewer, slug, {
      body: input.body,
      parentId: input.parentId,
      idempotencyKey: input.idempotencyKey,
      ipPrefixHash: prefix,
      admit: this.allowance(viewer, allowances),
    });
    if (result.created) this.changed(slug);
    return result;
  }

  /** Every edit, from the API or the form, passes the same rules and limits. */
  async edit(viewer: Viewer | undefined, id: string, body: unknown) {
    const allowances: Allowance[] = [
      [this.limiters.editsBurst, 'editing'],
      [this.limiters.editsHourly, 'editing'],
    ];
    await this.spent(viewer, allowances);
    const result = await this.discussion.edit(viewer, id, body, this.allowance(viewer, allowances));
    if (result.eventId !== undefined) this.changed(result.comment.articleSlug);
    return result;
  }

  async remove(viewer: Viewer | undefined, id: string) {
    const allowances: Allowance[] = [[this.limiters.deletes, 'deleting comments']];
    await this.spent(viewer, allowances);
    const result = await this.discussion.remove(viewer, id, this.allowance(viewer, allowances));
    this.changed(result.articleSlug);
    return result;
  }

  async vote(viewer: Viewer | undefined, id: string, on: boolean, prefix: string) {
    const { votes } = this.limiters;
    // Votes are limited for the author too (a vote is never moderation).
    if (viewer) await refuseIfSpent([[votes, viewer.identity.id, 'voting']]);
    const admit = viewer ? () => take(votes, viewer.identity.id, 'voting') : undefined;
    const result = await this.discussion.vote(viewer, id, on, prefix, admit);
    if (result.changed) this.changed(result.articleSlug);
    return result;
  }

  /**
   * Whose writes are limited, per identity. The author's own writing is not (the author's name
   * can't be taken by anyone else, and their admin actions are theirs).
   */
  private limited(viewer: Viewer | undefined): viewer is Viewer {
    return viewer !== undefined && !this.discussion.isAuthor(viewer);
  }

  /** Takes from every allowance once the write has passed its rules (the domain calls it). */
  private allowance(viewer: Viewer | undefined, allowances: Allowance[]): Admit {
    return async () => {
      if (this.limited(viewer)) await takeAll(allowances.map(([limiter, what]) => [limiter, viewer.identity.id, what]));
    };
  }

  /** Past the limit already? Then say so before doing any of the write's work. */
  private async spent(viewer: Viewer | undefined, allowances: Allowance[]): Promise<void> {
    if (this.limited(viewer)) await refuseIfSpent(allowances.map(([limiter, what]) => [limiter, viewer.identity.id, what]));
  }
}
