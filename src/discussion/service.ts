import type { CommentRecord, IdentityRecord, Store, VoteCountRule } from '../store/store.ts';
import { validateCommentBody } from './body.ts';
import { DomainError } from './errors.ts';
import { renderCommentBody } from './markup.ts';
import { FOREVER } from './moderation.ts';
import { nameKey, normalizeDisplayName, RESERVED_FOR_AUTHOR, reservedReason } from './names.ts';
import { TOP_SORT_EXPLANATION } from './ranking.ts';
import { hashSecret, newRecoveryKey, newSessionToken, normalizeRecoveryKey, randomId, secretsEqual } from './secrets.ts';
import { buildThread, depthOf, flattenForDisplay, MAX_STORED_DEPTH, type ThreadNode } from './thread.ts';

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
  /** Top-level threads per page. */
  threadsPerPage: number;
  /** Replies shown under each comment on a page before "N more replies". */
  repliesShown: number;
  /** Indentation stops here; deeper replies are shown flat with "replying to NAME". */
  maxIndent: number;
}

export const defaultSettings: Omit<DiscussionSettings, 'authorNames'> = {
  editWindowMs: 15 * 60 * 1000,
  authorLinkTtlMs: 10 * 60 * 1000,
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
}

/** Caches rendered bodies: Markdown rendering is the costliest part of a thread read. */
class RenderCache {
  private readonly map = new Map<string, string>();
  constructor(private readonly max: number) {}
  html(c: CommentRecord): string {
    const key = `${c.id}:${c.editedAt ?? 0}`;
    let html = this.map.get(key);
    if (html === undefined) {
      html = renderCommentBody(c.body);
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
      this.map.set(key, html);
    }
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
  const n = Number(cursor);
  if (!Number.isInteger(n) || n < 0) throw new DomainError('bad_request', "The 'after' cursor is not one this site gave out.");
  return n;
}

/**
 * The readers' discussion: names, sessions, comments, votes. Pure domain rules over the storage
 * interface; the web layer turns its answers and DomainErrors into pages and JSON.
 */
export class Discussion {
  private readonly settings: DiscussionSettings;
  private readonly renders = new RenderCache(50_000);
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
    await this.store.createSession(hashSecret(token), identity.id, this.now());
    return token;
  }

  /** Claims a new name: the first reader to take a name (or any look-alike of it) keeps it. */
  async signIn(rawName: unknown, ipPrefixHash: string | null): Promise<SignInResult> {
    const { name, key } = this.checkName(rawName);
    const banned = await this.hooks.prefixBan?.(ipPrefixHash);
    if (banned) throw new DomainError('forbidden', banned);
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
    if (!created) {
      const holder = await this.store.getIdentityByNameKey(key);
      const same = holder && holder.name === name;
      throw new DomainError(
        'name_taken',
        same
          ? `The name “${name}” is taken. If it is yours, sign in with your recovery key.`
          : `That name is taken: it looks too much like “${holder?.name ?? 'a name in use'}”. Please choose another.`,
      );
    }
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
    const identity = await this.store.getIdentityByNameKey(nameKey(normalized.name));
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

  async viewerForSession(token: string | undefined): Promise<Viewer | undefined> {
    if (!token || token.length > 100) return undefined;
    const identity = await this.store.identityForSession(hashSecret(token));
    return identity ? { identity } : undefined;
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
   * One page of an article's discussion: a constant handful of queries (comments, the viewer's votes, the article's state) however
   * large the thread. Top-level threads are sorted; replies stay in reading order.
   */
  async threadPage(slug: string, viewer: Viewer | undefined, opts: { sort?: Sort; after?: string; focus?: string } = {}): Promise<ThreadPage> {
    this.requireArticle(slug);
    const sort = opts.sort ?? 'top';
    const offset = parseCursor(opts.after);
    const [records, votedIds, open] = await Promise.all([
      this.store.listComments(slug),
      viewer ? this.store.votedCommentIds(viewer.identity.id, slug) : Promise.resolve([]),
      this.isOpen(slug),
    ]);
    const voted = new Set(votedIds);
    const shown = pruneLonePlaceholders(records.filter((c) => this.visibleTo(c, viewer) !== 'none'), (c) => this.visibleTo(c, viewer) === 'placeholder');
    const total = shown.filter((c) => c.state === 'visible' && this.visibleTo(c, viewer) === 'full').length;
    let roots = buildThread(shown, sort, this.now());
    if (opts.focus) {
      const root = this.rootOf(shown, opts.focus);
      roots = roots.filter((n) => n.comment.id === root);
    }
    const pageRoots = opts.focus ? roots : roots.slice(offset, offset + this.settings.threadsPerPage);
    const limit = opts.focus ? Number.POSITIVE_INFINITY : this.settings.repliesShown;
    const items: DisplayItem[] = [];
    for (const root of pageRoots) {
      const trimmed = this.trimReplies(root, limit);
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
    const nextOffset = offset + this.settings.threadsPerPage;
    return { items, sort, total, next: !opts.focus && nextOffset < roots.length ? String(nextOffset) : undefined, focus: opts.focus };
  }

  private rootOf(comments: CommentRecord[], id: string): string | undefined {
    const byId = new Map(comments.map((c) => [c.id, c]));
    let current = byId.get(id);
    for (let i = 0; current?.parentId && i <= MAX_STORED_DEPTH; i++) current = byId.get(current.parentId);
    return current?.id;
  }

  /** Keeps the first `limit` replies under each comment and counts what was left out. */
  private trimReplies(root: ThreadNode<CommentRecord>, limit: number) {
    const hidden = new Map<string, number>();
    const count = (n: ThreadNode<CommentRecord>): number => n.children.reduce((sum, c) => sum + 1 + count(c), 0);
    const trim = (n: ThreadNode<CommentRecord>): ThreadNode<CommentRecord> => {
      if (n.children.length <= limit) return { ...n, children: n.children.map(trim) };
      const kept = n.children.slice(0, limit);
      const dropped = n.children.slice(limit);
      hidden.set(n.comment.id, dropped.reduce((sum, c) => sum + 1 + count(c), 0));
      return { ...n, children: kept.map(trim) };
    };
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
    input: { body: unknown; parentId?: unknown; idempotencyKey?: string | null; ipPrefixHash?: string | null },
  ): Promise<{ comment: CommentView; created: boolean; eventId?: number }> {
    const viewer = this.requireViewer(viewerOrNone);
    const banned = await this.hooks.prefixBan?.(input.ipPrefixHash ?? null);
    if (banned) throw new DomainError('forbidden', banned);
    this.requireArticle(slug);
    const checked = validateCommentBody(input.body);
    if (!checked.ok) throw new DomainError(checked.code, checked.message);
    const idem = input.idempotencyKey ?? null;
    if (idem !== null && (idem.length === 0 || idem.length > 100)) throw new DomainError('bad_request', 'The Idempotency-Key must be 1–100 characters.');
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
    const hold = (await this.hooks.holdReason?.(viewer, checked.body, this.isAuthor(viewer))) ?? null;
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

  private async ownComment(viewer: Viewer, id: unknown): Promise<CommentRecord> {
    const c = typeof id === 'string' ? await this.store.getComment(id) : undefined;
    if (!c || this.visibleTo(c, viewer) === 'none' || c.state === 'deleted') throw new DomainError('not_found', 'There is no comment with that id.');
    if (c.identityId !== viewer.identity.id) throw new DomainError('forbidden', 'You can only change your own comments.');
    return c;
  }

  async edit(viewerOrNone: Viewer | undefined, id: unknown, body: unknown): Promise<{ comment: CommentView; eventId: number }> {
    const viewer = this.requireViewer(viewerOrNone);
    const c = await this.ownComment(viewer, id);
    if (c.state === 'hidden') throw new DomainError('rule_broken', 'This comment was removed by the author and can’t be edited.');
    if (this.now() - c.createdAt > this.settings.editWindowMs) {
      throw new DomainError('rule_broken', `Comments can be edited for ${Math.round(this.settings.editWindowMs / 60000)} minutes after posting.`);
    }
    await this.requireOpen(c.articleSlug);
    const checked = validateCommentBody(body);
    if (!checked.ok) throw new DomainError(checked.code, checked.message);
    const { eventId } = await this.store.updateCommentBody(c.id, checked.body, this.now());
    const view = await this.commentView(c.id, viewer);
    return { comment: view!, eventId };
  }

  async remove(viewerOrNone: Viewer | undefined, id: unknown): Promise<{ outcome: 'placeholder' | 'removed'; articleSlug: string; eventId: number }> {
    if (!viewerOrNone) throw new DomainError('unauthenticated', 'Sign in with a display name first.');
    const c = await this.ownComment(viewerOrNone, id);
    const { outcome, eventId } = await this.store.deleteComment(c.id, this.now());
    return { outcome, articleSlug: c.articleSlug, eventId };
  }

  async vote(viewerOrNone: Viewer | undefined, id: unknown, on: boolean, ipPrefixHash: string | null) {
    const viewer = this.requireViewer(viewerOrNone);
    const c = typeof id === 'string' ? await this.store.getComment(id) : undefined;
    if (!c || this.visibleTo(c, viewer) === 'none') throw new DomainError('not_found', 'There is no comment with that id.');
    if (c.state !== 'visible') throw new DomainError('rule_broken', c.state === 'held' ? 'This comment is waiting for review.' : 'Deleted comments can’t be voted on.');
    if (c.identityId === viewer.identity.id) throw new DomainError('rule_broken', 'You can’t upvote your own comment.');
    await this.requireOpen(c.articleSlug);
    const result = on
      ? await this.store.addVote(c.id, viewer.identity.id, this.now(), ipPrefixHash, this.hooks.voteRule?.(viewer.identity))
      : await this.store.removeVote(c.id, viewer.identity.id, this.now());
    return { score: result.score, votedByMe: on, articleSlug: c.articleSlug, eventId: result.eventId, changed: result.changed };
  }
}
