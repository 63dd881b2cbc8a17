import type { IdentityRecord } from './records.ts';
import type { DiscussionCore } from './core.ts';
import { hashSecret, newSessionToken } from './secrets.ts';
import type { Viewer } from './settings.ts';

/** A session's last-seen time is written at most this often, so reading pages stays a read. */
const SESSION_TOUCH_MS = 3600 * 1000;

/**
 * Sessions: the cookie a signed-in browser carries. Only the token's hash is stored; a session
 * ends when idle too long or past its absolute age (both in the settings).
 */
export class Sessions {
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(private readonly core: DiscussionCore) {}

  /** Starts a session for this identity and returns its token (the cookie's value). */
  async open(identity: IdentityRecord): Promise<string> {
    const token = newSessionToken();
    await this.prune();
    await this.core.store.createSession(hashSecret(token), identity.id, this.core.now());
    return token;
  }

  /** Expired sessions are refused when used; this clears out the ones never used again, hourly at most. */
  private async prune(): Promise<void> {
    const now = this.core.now();
    if (now - this.lastPrune < SESSION_TOUCH_MS) return;
    this.lastPrune = now;
    const { sessionIdleMs, sessionMaxMs } = this.core.settings;
    await this.core.store.deleteExpiredSessions(now - sessionIdleMs, now - sessionMaxMs);
  }

  /** The signed-in reader, or undefined when the session is unknown or expired (an expired one is deleted). */
  async viewerFor(token: string | undefined): Promise<Viewer | undefined> {
    if (!token || token.length > 100) return undefined;
    const { store, settings } = this.core;
    const tokenHash = hashSecret(token);
    const session = await store.getSession(tokenHash);
    if (!session) return undefined;
    const now = this.core.now();
    if (now - session.lastSeenAt >= settings.sessionIdleMs || now - session.createdAt >= settings.sessionMaxMs) {
      await store.deleteSession(tokenHash);
      return undefined;
    }
    if (now - session.lastSeenAt >= SESSION_TOUCH_MS) await store.touchSession(tokenHash, now);
    return { identity: session.identity };
  }

  async close(token: string): Promise<void> {
    await this.core.store.deleteSession(hashSecret(token));
  }

  /** Ends every session of this identity; returns how many there were. */
  closeAll(viewer: Viewer): Promise<number> {
    return this.core.store.deleteSessionsOf(viewer.identity.id);
  }
}
