import type { CommentRecord, IdentityRecord, RekeyReport, Store, VoteCountRule } from '../store/store.ts';
import { validateCommentBody } from './body.ts';
import { DomainError } from './errors.ts';
import { renderCommentBody } from './markup.ts';
import { FOREVER } from './moderation.ts';
import { mixedScriptsRefusal, NAME_KEY_VERSION, nameKey, nameKeyVariants, normalizeDisplayName, RESERVED_FOR_AUTHOR, reservedReason } from './names.ts';
import { TOP_SORT_EXPLANATION } from './ranking.ts';
import { hashSecret, newRecoveryKey, newSessionToken, normalizeRecoveryKey, randomId, secretsEqual } from './secrets.ts';
import { buildThread, depthOf, flattenForDisplay, type ThreadNode } from './thread.ts';

export type Sort = 'top' | 'new' | 'old';
export const SORTS: readonly Sort[] = ['top', 'new', 'old'];
export { TOP_SORT_EXPLANATION };

/** What the discussion needs to know about articles, without knowing about content files. */
export interface ArticleDirectory {
  /** 'open' or 'closed' for a published article, undefined when there is no such article. */
  commentPolicy(slug: string, now: number): 'open' | 'closed' | undefined;
}

export interface DiscussionSettings {
  /** The author's display names: reserved, and signed in only through a one-time link. */
  authorNames: string[];
  editWindowMs: number;
  authorLinkTtlMs: number;
  /** A session not used for this long ends on the server. */
  sessionIdleMs: number;
  /** A session ends this long after sign-in, however often it is used. */
  sessionMaxMs: number;
  /** Top-level threads per page. */
  threadsPerPage: number;
  /** Replies shown under each comment on a page before "N more replies". */
  repliesShown: number;
  /** Indentation stops here; deeper replies are shown flat with "replying to NAME". */
  maxIndent: number;
}

const DAY_MS = 24 * 3600 * 1000;
/** A session's last-seen time is written at most this often, so reading pages stays a read. */
const SESSION_TOUCH_MS = 3600 * 1000;

export const defaultSettings: Omit<DiscussionSettings, 'authorNames'> = {
  editWindowMs: 15 * 60 * 1000,
  authorLinkTtlMs: 10 * 60 * 1000,
  sessionIdleMs: 30 * DAY_MS,
  sessionMaxMs: 400 * DAY_MS,
  threadsPerPage: 50,
  repliesShown: 5,
  maxIndent: 6,
};

export interface Viewer {
  identity: IdentityRecord;
}

/**
 * Where moderation plugs into reading and writing (see moderation.ts, holds.ts, inbox.ts,
 * vote-rules.ts). Each is optional: without hooks every comment is public and every vote counts.
 */
export interface DiscussionHooks {
  /** Why a new comment must wait for review, or null to publish it. */
  holdReason?(viewer: Viewer, body: string, isAuthor: boolean): Promise<string | null>;
  /** Refusal message when the address prefix is banned, or null. */
  prefixBan?(ipPrefixHash: string | null): Promise<string | null>;
  voteRule?(voter: IdentityRecord): VoteCountRule;
  /** After a comment is stored: notifications for replies and holds. */
  afterPost?(comment: CommentRecord, parent: CommentRecord | undefined): Promise<void>;
}

/**
 * Called once a write has passed every rule and is about to be stored; it may refuse (the web
 * layer takes from the writer's rate limits here), so input that is refused costs nothing.
 */
export type Admit = () => Promise<void>;

export interface SignInResult {
  identity: IdentityRecord;
  recoveryKey: string;
  sessionToken: string;
}

/** One comment as a reader sees it. */
export interface CommentView {
  id: string;
  parentId: string | null;
  articleSlug: string;
  authorName: string | null;
  isAuthor: boolean;
  /** Sanitized HTML of the body; empty for placeholders. */
  html: string;
  score: number;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  pinned: boolean;
  votedByMe: boolean;
  mine: boolean;
  canEdit: boolean;
  canVote: boolean;
  /** Waiting for review: only its writer and the author see it. */
  held: boolean;
  /** Hidden by the author: a placeholder for the public, the full comment for the author. */
  removed: boolean;
  locked: boolean;
  /** The writer's identity (for the author's moderation controls; never sent in JSON). */
  writerId: string | null;
}

export interface DisplayItem {
  comment: CommentView;
  indent: number;
  replyingTo?: string;
  /** Replies of this comment not shown on this page ("N more replies"). */
  hiddenReplies: number;
  rootId: string;
}

export interface ThreadPage {
  items: DisplayItem[];
  sort: Sort;
  /** Visible comments on the whole article. */
  total: number;
  /** Cursor for the next page of top-level threads, if any. */
  next?: string;
  /** Set when the page shows one thread in full (?thread=ID). */
  focus?: string;
  /** Top-level threads this viewer can see on the whole article (a cursor past them is no page). */
  threads: number;
}

/**
 * What one page may hold, whatever the thread looks like: a page ends after the thread that
 * reaches either bound (a page always shows at least its first thread), and replies past the
 * bound are counted as "N more replies" instead of shown. This keeps the cost of one uncached
 * page, and its size in the page cache, bounded by these numbers rather than by the discussion.
 */
export const PAGE_BOUNDS = {
  /** Far above a page of ordinary comments (about 150 KB of HTML for 50 threads); caps 10,000-character ones. */
  list: { comments: 400, htmlBytes: 256 * 1024 },
  /** One thread in full (?thread=ID): more room, still bounded. */
  focus: { comments: 1000, htmlBytes: 512 * 1024 },
} as const;

/**
 * Caches rendered bodies: Markdown rendering is the costliest part of a thread read. Bounded in
 * bytes (UTF-16 code units count two), least recently used out first.
 */
class RenderCache {
  private readonly map = new Map<string, string>();
  private used = 0;
  constructor(private readonly maxBytes: number) {}
  html(c: CommentRecord): string {
    const key = `${c.id}:${c.editedAt ?? 0}`;
    let html = this.map.get(key);
    if (html !== undefined) {
      this.map.delete(key);
      this.map.set(key, html);
      return html;
    }
    html = renderCommentBody(c.body);
    const bytes = (key.length + html.length) * 2;
    if (bytes > this.maxBytes) return html;
    while (this.used + bytes > this.maxBytes && this.map.size > 0) {
      const [oldKey, old] = this.map.entries().next().value!;
      this.map.delete(oldKey);
      this.used -= (oldKey.length + old.length) * 2;
    }
    this.map.set(key, html);
    this.used += bytes;
    return html;
  }
}

/**
 * Drops placeholders that hold up no reply, repeatedly (removing one can free its parent): a
 * hidden comment leaves a "removed by the author" marker only where replies hang on it.
 */
function pruneLonePlaceholders(comments: CommentRecord[], isPlaceholder: (c: CommentRecord) => boolean): CommentRecord[] {
  let kept = comments;
  for (;;) {
    const parents = new Set(kept.map((c) => c.parentId).filter((p): p is string => p !== null));
    const next = kept.filter((c) => !isPlaceholder(c) || parents.has(c.id));
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

function parseCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  // Only the plain decimal the site writes: "1e2", " 5" or "0x10" are not cursors, however Number() reads them.
  if (!/^\d{1,9}$/.test(cursor)) throw new DomainError('bad_request', "The 'after' cursor is not one this site gave out.");
  return Number(cursor);
}

/**
 * The readers' discussion: names, sessions, comments, votes. Pure domain rules over the storage
 * interface; the web layer turns its answers and DomainErrors into pages and JSON.
 */
export class Discussion {
  private readonly settings: DiscussionSettings;
  private readonly renders = new RenderCache(32 * 1024 * 1024);
  private readonly authorKeys: Set<string>;
  /** Set once at start-up by the web layer (see web/routes/admin.tsx). */
  hooks: DiscussionHooks = {};

  constructor(
    private readonly store: Store,
    private readonly articles: ArticleDirectory,
    settings: Partial<DiscussionSettings> & { authorNames: string[] },
    private readonly now: () => number = Date.now,
  ) {
    this.settings = { ...defaultSettings, ...settings };
    this.authorKeys = new Set(this.settings.authorNames.map(nameKey));
  }

  // ---- Names and sessions ----

  /** Checks a display name without claiming it; returns the cleaned name and its key. */
  checkName(raw: unknown): { name: string; key: string } {
    if (typeof raw !== 'string') throw new DomainError('bad_request', 'Send a display name as text.');
    const normalized = normalizeDisplayName(raw);
    if (!normalized.ok) throw new DomainError('rule_broken', normalized.reason);
    const reserved = reservedReason(normalized.name, this.settings.authorNames);
    // The author's names (and look-alikes) are held, like any taken name; role words are a rule.
    if (reserved) throw new DomainError(reserved === RESERVED_FOR_AUTHOR ? 'name_taken' : 'rule_broken', reserved);
    return { name: normalized.name, key: nameKey(normalized.name) };
  }

  private async openSession(identity: IdentityRecord): Promise<string> {
    const token = newSessionToken();
    await this.pruneSessions();
    await this.store.createSession(hashSecret(token), identity.id, this.now());
    return token;
  }

  private lastPrune = Number.NEGATIVE_INFINITY;

  /** Expired sessions are refused when used; this clears out the ones never used again, hourly at most. */
  private async pruneSessions(): Promise<void> {
    const now = this.now();
    if (now - this.lastPrune < SESSION_TOUCH_MS) return;
    this.lastPrune = now;
    await this.store.deleteExpiredSessions(now - this.settings.sessionIdleMs, now - this.settings.sessionMaxMs);
  }

  /**
   * Whoever holds this name or a look-alike of it. A few letters' capital and small forms pass
   * for different Latin letters (see nameKeyVariants), so the name is looked up as typed, in
   * capitals and in small letters.
   */
  private async holderOf(name: string): Promise<IdentityRecord | undefined> {
    for (const key of nameKeyVariants(name)) {
      const holder = await this.store.getIdentityByNameKey(key);
      if (holder) return holder;
    }
    return undefined;
  }

  /** Recomputes stored name keys once after the name rules change; see src/store/name-keys.ts. */
  upgradeNameKeys(): Promise<RekeyReport | undefined> {
    return this.store.rekeyIdentities(NAME_KEY_VERSION, nameKey);
  }

  /** Claims a new name: the first reader to take a name (or any look-alike of it) keeps it. */
  async signIn(rawName: unknown, ipPrefixHash: string | null, admit?: Admit): Promise<SignInResult> {
    const { name, key } = this.checkName(rawName);
    const banned = await this.hooks.prefixBan?.(ipPrefixHash);
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
      createdAt: this.now(),
      ipPrefixHash,
      bannedUntil: null,
      banReason: null,
      muted: false,
    };
    const created = await this.store.createIdentity(identity, hashSecret(normalizeRecoveryKey(recoveryKey)));
    if (!created) throw taken(await this.store.getIdentityByNameKey(key));
    return { identity, recoveryKey, sessionToken: await this.openSession(identity) };
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
    const stored = await this.store.getRecoveryHash(identity.id);
    const given = hashSecret(normalizeRecoveryKey(rawKey));
    if (!stored || !secretsEqual(stored, given)) throw wrong;
    const recoveryKey = newRecoveryKey();
    // Swap only if unchanged: two devices racing with the same key can't both win.
    if (!(await this.store.swapRecoveryHash(identity.id, stored, hashSecret(normalizeRecoveryKey(recoveryKey))))) throw wrong;
    return { identity, recoveryKey, sessionToken: await this.openSession(identity) };
  }

  async rotateRecoveryKey(viewer: Viewer): Promise<string> {
    const recoveryKey = newRecoveryKey();
    await this.store.setRecoveryHash(viewer.identity.id, hashSecret(normalizeRecoveryKey(recoveryKey)));
    return recoveryKey;
  }

  /** The signed-in reader, or undefined when the session is unknown or expired (an expired one is deleted). */
  async viewerForSession(token: string | undefined): Promise<Viewer | undefined> {
    if (!token || token.length > 100) return undefined;
    const tokenHash = hashSecret(token);
    const session = await this.store.getSession(tokenHash);
    if (!session) return undefined;
    const now = this.now();
    if (now - session.lastSeenAt >= this.settings.sessionIdleMs || now - session.createdAt >= this.settings.sessionMaxMs) {
      await this.store.deleteSession(tokenHash);
      return undefined;
    }
    if (now - session.lastSeenAt >= SESSION_TOUCH_MS) await this.store.touchSession(tokenHash, now);
    return { identity: session.identity };
  }

  async signOut(token: string): Promise<void> {
    await this.store.deleteSession(hashSecret(token));
  }

  async signOutEverywhere(viewer: Viewer): Promise<number> {
    return this.store.deleteSessionsOf(viewer.identity.id);
  }

  /** Makes a one-time sign-in link token for the author (printed by `byline author-link`). */
  async createAuthorLink(name?: string): Promise<{ token: string; name: string; expiresAt: number }> {
    const authorName = name ?? this.settings.authorNames[0];
    if (!authorName || !this.settings.authorNames.includes(authorName)) {
      throw new DomainError('bad_request', `No author named “${name}”. The site file lists: ${this.settings.authorNames.join(', ')}.`);
    }
    const token = newSessionToken();
    const expiresAt = this.now() + this.settings.authorLinkTtlMs;
    await this.store.createAuthorLink(hashSecret(token), authorName, expiresAt);
    return { token, name: authorName, expiresAt };
  }

  /** The author name a one-time link would sign in as, without using it up; undefined when it is not valid. */
  async authorLinkName(token: unknown): Promise<string | undefined> {
    if (typeof token !== 'string' || token.length > 100) return undefined;
    return this.store.peekAuthorLink(hashSecret(token), this.now());
  }

  /** Uses an author link once; the author's identity is created on first use. */
  async signInWithAuthorLink(token: unknown): Promise<{ identity: IdentityRecord; sessionToken: string }> {
    if (typeof token !== 'string' || token.length > 100) throw new DomainError('forbidden', 'That sign-in link is not valid.');
    const name = await this.store.consumeAuthorLink(hashSecret(token), this.now());
    if (!name) throw new DomainError('forbidden', 'That sign-in link has expired or was already used. Run `byline author-link` for a new one.');
    const key = nameKey(name);
    let identity = await this.store.getIdentityByNameKey(key);
    if (!identity) {
      await this.store.createIdentity(
        { id: randomId(16), name, nameKey: key, role: 'author', createdAt: this.now(), ipPrefixHash: null, bannedUntil: null, banReason: null, muted: false },
        null,
      );
      identity = await this.store.getIdentityByNameKey(key);
    }
    if (identity?.role !== 'author') throw new DomainError('forbidden', 'That name is held by a reader account, not the author.');
    return { identity, sessionToken: await this.openSession(identity) };
  }

  async deleteIdentity(viewer: Viewer): Promise<string[]> {
    return this.store.deleteIdentity(viewer.identity.id, this.now());
  }

  async exportData(viewer: Viewer) {
    const data = await this.store.exportIdentity(viewer.identity.id);
    if (!data) throw new DomainError('not_found', 'There is no data for this identity.');
    return {
      exportedAt: new Date(this.now()).toISOString(),
      identity: { id: data.identity.id, name: data.identity.name, createdAt: new Date(data.identity.createdAt).toISOString() },
      comments: data.comments.map((c) => ({
        id: c.id,
        article: c.articleSlug,
        parentId: c.parentId,
        body: c.body,
        score: c.score,
        createdAt: new Date(c.createdAt).toISOString(),
        editedAt: c.editedAt === null ? null : new Date(c.editedAt).toISOString(),
        state: c.state,
      })),
      votes: data.votes.map((v) => ({ commentId: v.commentId, createdAt: new Date(v.createdAt).toISOString() })),
    };
  }

  isAuthor(viewer: Viewer | undefined): boolean {
    return viewer?.identity.role === 'author' && this.authorKeys.has(viewer.identity.nameKey);
  }

  // ---- Reading ----

  private requireArticle(slug: string): 'open' | 'closed' {
    const policy = this.articles.commentPolicy(slug, this.now());
    if (!policy) throw new DomainError('not_found', 'There is no article at that address.');
    return policy;
  }

  async isOpen(slug: string): Promise<boolean> {
    if (this.requireArticle(slug) === 'closed') return false;
    return !(await this.store.isCommentsClosed(slug));
  }

  /** Whether a stored comment is shown to this viewer, and as what. */
  private visibleTo(c: CommentRecord, viewer: Viewer | undefined): 'full' | 'placeholder' | 'none' {
    if (c.state === 'deleted') return 'placeholder';
    const writerOrAuthor = viewer !== undefined && (viewer.identity.id === c.identityId || this.isAuthor(viewer));
    // A muted writer's comments are theirs alone to see; where others' replies hang on one, it
    // stands as a plain placeholder, so the mute is not announced.
    if (c.state === 'visible') return c.authorMuted && !writerOrAuthor ? 'placeholder' : 'full';
    if (c.state === 'held') return writerOrAuthor ? 'full' : 'none';
    // Hidden: the author still reads it in full (to restore it); everyone else sees a placeholder.
    return this.isAuthor(viewer) ? 'full' : 'placeholder';
  }

  toView(c: CommentRecord, viewer: Viewer | undefined, voted: Set<string>, open: boolean): CommentView {
    const removed = c.state === 'hidden';
    const deleted = this.visibleTo(c, viewer) === 'placeholder';
    const mine = viewer !== undefined && c.identityId === viewer.identity.id;
    const held = c.state === 'held';
    return {
      id: c.id,
      parentId: c.parentId,
      articleSlug: c.articleSlug,
      authorName: deleted ? null : c.authorName,
      isAuthor: !deleted && c.authorRole === 'author',
      html: deleted ? '' : this.renders.html(c),
      score: c.score,
      createdAt: c.createdAt,
      editedAt: c.editedAt,
      deleted,
      pinned: c.pinned,
      votedByMe: voted.has(c.id),
      mine,
      canEdit: open && mine && !deleted && !removed && this.now() - c.createdAt <= this.settings.editWindowMs,
      canVote: open && viewer !== undefined && !mine && !deleted && !removed && !held,
      held,
      removed,
      locked: c.locked,
      writerId: c.identityId,
    };
  }

  /**
   * One page of an article's discussion: a constant handful of queries (comments, the viewer's
   * votes, the article's state) however large the thread. Top-level threads are sorted; replies
   * stay in reading order. The page holds at most PAGE_BOUNDS; a cursor past the last thread, or
   * a focus that is not a top-level comment this viewer can see, is 'not_found'. `records` loads
   * the article's comments from where the caller keeps them (as listComments answers them).
   */
  async threadPage(
    slug: string,
    viewer: Viewer | undefined,
    opts: { sort?: Sort; after?: string; focus?: string; records?: () => Promise<readonly CommentRecord[]> } = {},
  ): Promise<ThreadPage> {
    this.requireArticle(slug);
    const sort = opts.sort ?? 'top';
    const offset = parseCursor(opts.after);
    const [records, votedIds, open] = await Promise.all([
      opts.records ? opts.records() : this.store.listComments(slug),
      viewer ? this.store.votedCommentIds(viewer.identity.id, slug) : Promise.resolve([]),
      this.isOpen(slug),
    ]);
    const voted = new Set(votedIds);
    const shown = pruneLonePlaceholders(records.filter((c) => this.visibleTo(c, viewer) !== 'none'), (c) => this.visibleTo(c, viewer) === 'placeholder');
    const total = shown.filter((c) => c.state === 'visible' && this.visibleTo(c, viewer) === 'full').length;
    const roots = buildThread(shown, sort, this.now());
    if (offset > 0 && offset >= roots.length) throw new DomainError('not_found', 'There is no such page of comments.');
    const focused = opts.focus ? roots.find((n) => n.comment.id === opts.focus) : undefined;
    if (opts.focus && !focused) throw new DomainError('not_found', 'There is no such thread on this article.');
    const candidates = focused ? [focused] : roots.slice(offset, offset + this.settings.threadsPerPage);
    const bounds = focused ? PAGE_BOUNDS.focus : PAGE_BOUNDS.list;
    const budget = { comments: bounds.comments, htmlBytes: bounds.htmlBytes };
    const limit = focused ? Number.POSITIVE_INFINITY : this.settings.repliesShown;
    const items: DisplayItem[] = [];
    let rootsShown = 0;
    for (const root of candidates) {
      if (rootsShown > 0 && (budget.comments <= 0 || budget.htmlBytes <= 0)) break;
      rootsShown++;
      const trimmed = this.trimReplies(root, limit, budget);
      for (const entry of flattenForDisplay([trimmed.node], this.settings.maxIndent)) {
        items.push({
          comment: this.toView(entry.comment, viewer, voted, open),
          indent: entry.indent,
          replyingTo: entry.replyingTo ? (entry.replyingTo.state === 'visible' ? (entry.replyingTo.authorName ?? undefined) : undefined) : undefined,
          hiddenReplies: trimmed.hidden.get(entry.comment.id) ?? 0,
          rootId: root.comment.id,
        });
      }
    }
    const nextOffset = offset + rootsShown;
    return {
      items,
      sort,
      total,
      next: !focused && nextOffset < roots.length ? String(nextOffset) : undefined,
      focus: focused ? opts.focus : undefined,
      threads: roots.length,
    };
  }

  /**
   * Keeps the first `limit` replies under each comment, in display order, while the page's
   * budget lasts (the root is always kept), and counts what was left out under each parent.
   */
  private trimReplies(root: ThreadNode<CommentRecord>, limit: number, budget: { comments: number; htmlBytes: number }) {
    const hidden = new Map<string, number>();
    const count = (n: ThreadNode<CommentRecord>): number => n.children.reduce((sum, c) => sum + 1 + count(c), 0);
    const spend = (c: CommentRecord) => {
      budget.comments--;
      budget.htmlBytes -= c.state === 'visible' || c.state === 'held' ? this.renders.html(c).length : 0;
    };
    const trim = (n: ThreadNode<CommentRecord>): ThreadNode<CommentRecord> => {
      const kept: ThreadNode<CommentRecord>[] = [];
      let dropped = 0;
      n.children.forEach((child, i) => {
        if (i < limit && budget.comments > 0 && budget.htmlBytes > 0) {
          spend(child.comment);
          kept.push(trim(child));
        } else {
          dropped += 1 + count(child);
        }
      });
      if (dropped > 0) hidden.set(n.comment.id, dropped);
      return { ...n, children: kept };
    };
    spend(root.comment);
    return { node: trim(root), hidden };
  }

  /**
   * The article and root thread of a comment, for permalinks that sit on a later page. Callers
   * check first that the viewer may see the comment (a held one is its writer's and the author's).
   */
  async locate(commentId: string): Promise<{ articleSlug: string; rootId: string }> {
    const c = await this.store.getComment(commentId);
    if (!c) throw new DomainError('not_found', 'There is no comment with that id.');
    return { articleSlug: c.articleSlug, rootId: (await this.store.threadRoot(commentId)) ?? commentId };
  }

  async commentView(id: string, viewer: Viewer | undefined): Promise<CommentView | undefined> {
    const c = await this.store.getComment(id);
    if (!c || this.visibleTo(c, viewer) === 'none') return undefined;
    const voted = viewer ? new Set(await this.store.votedCommentIds(viewer.identity.id, c.articleSlug)) : new Set<string>();
    return this.toView(c, viewer, voted, await this.isOpen(c.articleSlug));
  }

  /**
   * What a signed-in reader's page shows differently from everyone else's: which comments they
   * upvoted and which are theirs. Lets a signed-in reader get the shared cached page plus this.
   */
  async viewerState(viewer: Viewer, slug: string): Promise<{ voted: string[]; own: { id: string; canEdit: boolean; held: boolean }[]; open: boolean }> {
    this.requireArticle(slug);
    const [voted, own, open] = await Promise.all([
      this.store.votedCommentIds(viewer.identity.id, slug),
      this.store.ownComments(viewer.identity.id, slug),
      this.isOpen(slug),
    ]);
    return {
      voted,
      own: own
        .filter((c) => c.state !== 'deleted')
        .map((c) => ({
          id: c.id,
          canEdit: open && c.state !== 'hidden' && this.now() - c.createdAt <= this.settings.editWindowMs,
          held: c.state === 'held',
        })),
      open,
    };
  }

  /**
   * The viewer's own comments that the shared page of an article does not show them in full:
   * those waiting for review and, while the writer is muted, all their public ones (the shared
   * page leaves a muted writer's comments out, but the writer must still see them, unannounced).
   */
  async ownCommentsOffSharedPage(viewer: Viewer, slug: string): Promise<string[]> {
    const own = await this.store.ownComments(viewer.identity.id, slug);
    return own.filter((c) => c.state === 'held' || (c.state === 'visible' && viewer.identity.muted)).map((c) => c.id);
  }

  // ---- Writing ----

  private requireViewer(viewer: Viewer | undefined): Viewer {
    if (!viewer) throw new DomainError('unauthenticated', 'Sign in with a display name first.');
    const until = viewer.identity.bannedUntil;
    if (until !== null && until > this.now()) {
      // A ban "until further notice" is stored as a far-off date; say so rather than print it.
      const when = until >= FOREVER ? '' : ` until ${new Date(until).toISOString().slice(0, 10)}`;
      const why = viewer.identity.banReason ? ` Reason: ${viewer.identity.banReason}` : '';
      throw new DomainError('forbidden', `You can't post or vote here${when}.${why}`);
    }
    return viewer;
  }

  private async requireOpen(slug: string): Promise<void> {
    if (!(await this.isOpen(slug))) throw new DomainError('rule_broken', 'Comments on this article are closed.');
  }

  async post(
    viewerOrNone: Viewer | undefined,
    slug: string,
    input: { body: unknown; parentId?: unknown; idempotencyKey?: string | null; ipPrefixHash?: string | null; admit?: Admit },
  ): Promise<{ comment: CommentView; created: boolean; eventId?: number }> {
    const viewer = this.requireViewer(viewerOrNone);
    const banned = await this.hooks.prefixBan?.(input.ipPrefixHash ?? null);
    if (banned) throw new DomainError('forbidden', banned);
    this.requireArticle(slug);
    const idem = input.idempotencyKey ?? null;
    if (idem !== null && (idem.length === 0 || idem.length > 100)) throw new DomainError('bad_request', 'The Idempotency-Key must be 1–100 characters.');
    // A retry answers with what the first request stored, whatever has changed since (and
    // before any limit: the reader already paid for it once).
    const earlier = idem === null ? undefined : await this.store.commentForIdempotencyKey(viewer.identity.id, idem);
    if (earlier && earlier.articleSlug === slug) return { comment: this.toView(earlier, viewer, new Set(), true), created: false };
    const checked = validateCommentBody(input.body);
    if (!checked.ok) throw new DomainError(checked.code, checked.message);
    let parentId: string | null = null;
    let parentRecord: CommentRecord | undefined;
    let depth = 0;
    if (input.parentId !== undefined && input.parentId !== null && input.parentId !== '') {
      if (typeof input.parentId !== 'string') throw new DomainError('bad_request', 'parentId must be a comment id.');
      const parent = await this.store.getComment(input.parentId);
      if (!parent || parent.articleSlug !== slug || this.visibleTo(parent, viewer) === 'none') {
        throw new DomainError('rule_broken', 'The comment you are replying to does not exist on this article.');
      }
      if (parent.state !== 'visible') throw new DomainError('rule_broken', 'You can’t reply to a deleted comment.');
      if (parent.locked) throw new DomainError('rule_broken', 'This thread is locked.');
      depth = depthOf(parent.depth);
      parentId = parent.id;
      parentRecord = parent;
    }
    await this.requireOpen(slug);
    // Only now, with the input accepted, does the post take from the writer's allowance.
    await input.admit?.();
    const hold = await this.holdFor(viewer, checked.body);
    const result = await this.store.insertComment(
      {
        id: randomId(12),
        articleSlug: slug,
        parentId,
        identityId: viewer.identity.id,
        body: checked.body,
        depth,
        state: hold ? 'held' : 'visible',
        createdAt: this.now(),
      },
      idem,
    );
    if (!result.created && result.comment.identityId !== viewer.identity.id) throw new DomainError('forbidden', 'That idempotency key belongs to someone else.');
    if (result.created) await this.hooks.afterPost?.(result.comment, parentRecord);
    const voted = new Set<string>();
    return { comment: this.toView(result.comment, viewer, voted, true), created: result.created, eventId: result.eventId };
  }

  /** The one hold policy for every body a reader writes, new or edited; the author is never held. */
  private async holdFor(viewer: Viewer, body: string): Promise<string | null> {
    return (await this.hooks.holdReason?.(viewer, body, this.isAuthor(viewer))) ?? null;
  }

  private async ownComment(viewer: Viewer, id: unknown): Promise<CommentRecord> {
    const c = typeof id === 'string' ? await this.store.getComment(id) : undefined;
    if (!c || this.visibleTo(c, viewer) === 'none' || c.state === 'deleted') throw new DomainError('not_found', 'There is no comment with that id.');
    if (c.identityId !== viewer.identity.id) throw new DomainError('forbidden', 'You can only change your own comments.');
    return c;
  }

  async edit(viewerOrNone: Viewer | undefined, id: unknown, body: unknown, admit?: Admit): Promise<{ comment: CommentView; eventId?: number }> {
    const viewer = this.requireViewer(viewerOrNone);
    const c = await this.ownComment(viewer, id);
    if (c.state === 'hidden') throw new DomainError('rule_broken', 'This comment was removed by the author and can’t be edited.');
    if (this.now() - c.createdAt > this.settings.editWindowMs) {
      throw new DomainError('rule_broken', `Comments can be edited for ${Math.round(this.settings.editWindowMs / 60000)} minutes after posting.`);
    }
    await this.requireOpen(c.articleSlug);
    const checked = validateCommentBody(body);
    if (!checked.ok) throw new DomainError(checked.code, checked.message);
    // Saving the same text changes nothing, so it costs nothing and tells no live reader.
    if (checked.body === c.body) return { comment: (await this.commentView(c.id, viewer))! };
    await admit?.();
    // An edit meets the rules a new post meets: a public comment edited into something the
    // policy holds goes to the queue first, so it is never public with the held text.
    if (c.state === 'visible' && (await this.holdFor(viewer, checked.body))) await this.store.setCommentState(c.id, 'held', this.now());
    const { eventId } = await this.store.updateCommentBody(c.id, checked.body, this.now());
    const view = await this.commentView(c.id, viewer);
    return { comment: view!, eventId };
  }

  async remove(viewerOrNone: Viewer | undefined, id: unknown, admit?: Admit): Promise<{ outcome: 'placeholder' | 'removed'; articleSlug: string; eventId: number }> {
    if (!viewerOrNone) throw new DomainError('unauthenticated', 'Sign in with a display name first.');
    const c = await this.ownComment(viewerOrNone, id);
    await admit?.();
    const { outcome, eventId } = await this.store.deleteComment(c.id, this.now());
    return { outcome, articleSlug: c.articleSlug, eventId };
  }

  async vote(viewerOrNone: Viewer | undefined, id: unknown, on: boolean, ipPrefixHash: string | null, admit?: Admit) {
    const viewer = this.requireViewer(viewerOrNone);
    const c = typeof id === 'string' ? await this.store.getComment(id) : undefined;
    if (!c || this.visibleTo(c, viewer) === 'none') throw new DomainError('not_found', 'There is no comment with that id.');
    if (c.state !== 'visible') throw new DomainError('rule_broken', c.state === 'held' ? 'This comment is waiting for review.' : 'Deleted comments can’t be voted on.');
    if (c.identityId === viewer.identity.id) throw new DomainError('rule_broken', 'You can’t upvote your own comment.');
    await this.requireOpen(c.articleSlug);
    await admit?.();
    const result = on
      ? await this.store.addVote(c.id, viewer.identity.id, this.now(), ipPrefixHash, this.hooks.voteRule?.(viewer.identity))
      : await this.store.removeVote(c.id, viewer.identity.id, this.now());
    return { score: result.score, votedByMe: on, articleSlug: c.articleSlug, eventId: result.eventId, changed: result.changed };
  }
}
