import type { IdentityRecord, RekeyReport } from './records.ts';
import type { DiscussionCore } from './core.ts';
import { DomainError } from './errors.ts';
import {
  mixedScriptsRefusal,
  NAME_KEY_VERSION,
  nameKey,
  nameKeyVariants,
  normalizeDisplayName,
  RESERVED_FOR_AUTHOR,
  reservedReason,
} from './names.ts';
import { hashSecret, newRecoveryKey, newSessionToken, normalizeRecoveryKey, randomId, secretsEqual } from './secrets.ts';
import type { Sessions } from './sessions.ts';
import type { Admit, Viewer } from './settings.ts';

export interface SignInResult {
  identity: IdentityRecord;
  recoveryKey: string;
  sessionToken: string;
}

/**
 * Names: a reader claims a display name (the first to take a name, or any look-alike of it,
 * keeps it), takes it to another device with a recovery key, and the author signs in through a
 * one-time link under a name no reader can take.
 */
export class Identities {
  constructor(
    private readonly core: DiscussionCore,
    private readonly sessions: Sessions,
  ) {}

  /** Checks a display name without claiming it; returns the cleaned name and its key. */
  checkName(raw: unknown): { name: string; key: string } {
    if (typeof raw !== 'string') throw new DomainError('bad_request', 'Send a display name as text.');
    const normalized = normalizeDisplayName(raw);
    if (!normalized.ok) throw new DomainError('rule_broken', normalized.reason);
    const reserved = reservedReason(normalized.name, this.core.settings.authorNames);
    // The author's names (and look-alikes) are held, like any taken name; role words are a rule.
    if (reserved) throw new DomainError(reserved === RESERVED_FOR_AUTHOR ? 'name_taken' : 'rule_broken', reserved);
    return { name: normalized.name, key: nameKey(normalized.name) };
  }

  /**
   * Whoever holds this name or a look-alike of it. A few letters' capital and small forms pass
   * for different Latin letters (see nameKeyVariants), so the name is looked up as typed, in
   * capitals and in small letters.
   */
  private async holderOf(name: string): Promise<IdentityRecord | undefined> {
    for (const key of nameKeyVariants(name)) {
      const holder = await this.core.store.getIdentityByNameKey(key);
      if (holder) return holder;
    }
    return undefined;
  }

  /** Recomputes stored name keys once after the name rules change; see src/store/name-keys.ts. */
  upgradeNameKeys(): Promise<RekeyReport | undefined> {
    return this.core.store.rekeyIdentities(NAME_KEY_VERSION, nameKey);
  }

  /** Claims a new name: the first reader to take a name (or any look-alike of it) keeps it. */
  async signIn(rawName: unknown, ipPrefixHash: string | null, admit?: Admit): Promise<SignInResult> {
    const { name, key } = this.checkName(rawName);
    const banned = await this.core.hooks.prefixBan?.(ipPrefixHash);
    if (banned) throw new DomainError('forbidden', banned);
    const taken = (holder: IdentityRecord | undefined) =>
      new DomainError(
        'name_taken',
        holder && holder.name === name
          ? `The name “${name}” is taken. If it is yours, sign in with your recovery key.`
          : `That name is taken: it looks too much like “${holder?.name ?? 'a name in use'}”. Please choose another.`,
      );
    // A name already held is refused before the allowance is asked: only a name that is
    // created counts (one taken in the meantime is caught by the insert below).
    const holder = await this.holderOf(name);
    if (holder) throw taken(holder);
    const mixed = mixedScriptsRefusal(name);
    if (mixed) throw new DomainError('rule_broken', mixed);
    await admit?.();
    const recoveryKey = newRecoveryKey();
    const identity: IdentityRecord = {
      id: randomId(16),
      name,
      nameKey: key,
      role: 'reader',
      createdAt: this.core.now(),
      ipPrefixHash,
      bannedUntil: null,
      banReason: null,
      muted: false,
    };
    const created = await this.core.store.createIdentity(identity, hashSecret(normalizeRecoveryKey(recoveryKey)));
    if (!created) throw taken(await this.core.store.getIdentityByNameKey(key));
    return { identity, recoveryKey, sessionToken: await this.sessions.open(identity) };
  }

  /** Takes a name to another device with its recovery key; the key is used up and a new one given. */
  async recover(rawName: unknown, rawKey: unknown): Promise<SignInResult> {
    if (typeof rawName !== 'string' || typeof rawKey !== 'string' || rawKey.length > 200) {
      throw new DomainError('bad_request', 'Send your display name and your recovery key.');
    }
    const wrong = new DomainError('forbidden', 'That name and recovery key do not match.');
    const normalized = normalizeDisplayName(rawName);
    if (!normalized.ok) throw wrong;
    const identity = await this.holderOf(normalized.name);
    if (identity?.role !== 'reader') throw wrong;
    const stored = await this.core.store.getRecoveryHash(identity.id);
    const given = hashSecret(normalizeRecoveryKey(rawKey));
    if (!stored || !secretsEqual(stored, given)) throw wrong;
    const recoveryKey = newRecoveryKey();
    const fresh = hashSecret(normalizeRecoveryKey(recoveryKey));
    // Swap only if unchanged: two devices racing with the same key can't both win.
    if (!(await this.core.store.swapRecoveryHash(identity.id, stored, fresh))) throw wrong;
    return { identity, recoveryKey, sessionToken: await this.sessions.open(identity) };
  }

  async rotateRecoveryKey(viewer: Viewer): Promise<string> {
    const recoveryKey = newRecoveryKey();
    await this.core.store.setRecoveryHash(viewer.identity.id, hashSecret(normalizeRecoveryKey(recoveryKey)));
    return recoveryKey;
  }

  /** Makes a one-time sign-in link token for the author (printed by `byline author-link`). */
  async createAuthorLink(name?: string): Promise<{ token: string; name: string; expiresAt: number }> {
    const { authorNames, authorLinkTtlMs } = this.core.settings;
    const authorName = name ?? authorNames[0];
    if (!authorName || !authorNames.includes(authorName)) {
      throw new DomainError('bad_request', `No author named “${name}”. The site file lists: ${authorNames.join(', ')}.`);
    }
    const token = newSessionToken();
    const expiresAt = this.core.now() + authorLinkTtlMs;
    await this.core.store.createAuthorLink(hashSecret(token), authorName, expiresAt);
    return { token, name: authorName, expiresAt };
  }

  /** The author name a one-time link would sign in as, without using it up; undefined when it is not valid. */
  async authorLinkName(token: unknown): Promise<string | undefined> {
    if (typeof token !== 'string' || token.length > 100) return undefined;
    return this.core.store.peekAuthorLink(hashSecret(token), this.core.now());
  }

  /** Uses an author link once; the author's identity is created on first use. */
  async signInWithAuthorLink(token: unknown): Promise<{ identity: IdentityRecord; sessionToken: string }> {
    if (typeof token !== 'string' || token.length > 100) throw new DomainError('forbidden', 'That sign-in link is not valid.');
    const { store } = this.core;
    const name = await store.consumeAuthorLink(hashSecret(token), this.core.now());
    if (!name) {
      throw new DomainError('forbidden', 'That sign-in link has expired or was already used. Run `byline author-link` for a new one.');
    }
    const key = nameKey(name);
    let identity = await store.getIdentityByNameKey(key);
    if (!identity) {
      const author: IdentityRecord = {
        id: randomId(16),
        name,
        nameKey: key,
        role: 'author',
        createdAt: this.core.now(),
        ipPrefixHash: null,
        bannedUntil: null,
        banReason: null,
        muted: false,
      };
      await store.createIdentity(author, null);
      identity = await store.getIdentityByNameKey(key);
    }
    if (identity?.role !== 'author') throw new DomainError('forbidden', 'That name is held by a reader account, not the author.');
    return { identity, sessionToken: await this.sessions.open(identity) };
  }
}
