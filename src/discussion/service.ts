import type { DiscussionStore } from './ports.ts';
import type { CommentRecord, IdentityRecord, RekeyReport } from './records.ts';
import { Account, type AccountExport } from './account.ts';
import { DiscussionCore } from './core.ts';
import { Identities, type SignInResult } from './identities.ts';
import { Sessions } from './sessions.ts';
import {
  type Admit,
  type ArticleDirectory,
  type DiscussionHooks,
  type DiscussionSettings,
  defaultSettings,
  type Viewer,
} from './settings.ts';
import { Threads, type ViewerState } from './threads.ts';
import type { CommentView, Sort, ThreadPage } from './views.ts';
import { type VoteResult, Votes } from './votes.ts';
import { CommentWriting, type PostFollowUp, type PostInput } from './writing.ts';

export type { AccountExport } from './account.ts';
export type { SignInResult } from './identities.ts';
export type { Admit, ArticleDirectory, DiscussionHooks, DiscussionSettings, Viewer } from './settings.ts';
export { defaultSettings } from './settings.ts';
export { PAGE_BOUNDS } from './threads.ts';
export type { CommentView, DisplayItem, Sort, ThreadPage } from './views.ts';
export { SORTS, TOP_SORT_EXPLANATION } from './views.ts';
export type { VoteResult } from './votes.ts';
export type { PostFollowUp } from './writing.ts';

/**
 * The readers' discussion: names, sessions, comments, votes. Pure domain rules over the storage
 * interface; the web layer turns its answers and DomainErrors into pages and JSON. Each job is
 * its own module (identities, sessions, threads, writing, votes, account); this class is the one
 * door to them.
 */
export class Discussion {
  /** Moderation's plug-ins (holds, prefix bans, the vote rule, notifications); read on every write. */
  private readonly hooks: DiscussionHooks;
  private readonly core: DiscussionCore;
  private readonly sessions: Sessions;
  private readonly identities: Identities;
  private readonly threads: Threads;
  private readonly writing: CommentWriting;
  private readonly votes: Votes;
  private readonly account: Account;

  constructor(
    store: DiscussionStore,
    articles: ArticleDirectory,
    settings: Partial<DiscussionSettings> & { authorNames: string[] },
    now: () => number = Date.now,
    hooks: DiscussionHooks = {},
    /** Written with each new comment, in its transaction: the inbox items it makes (see PostFollowUp). */
    afterPost?: PostFollowUp,
  ) {
    this.hooks = hooks;
    this.core = new DiscussionCore(store, articles, { ...defaultSettings, ...settings }, now, () => this.hooks);
    this.sessions = new Sessions(this.core);
    this.identities = new Identities(this.core, this.sessions);
    this.threads = new Threads(this.core);
    this.writing = new CommentWriting(this.core, this.threads, afterPost);
    this.votes = new Votes(this.core);
    this.account = new Account(this.core);
  }

  // ---- Names and sessions ----

  /** Checks a display name without claiming it; returns the cleaned name and its key. */
  checkName(raw: unknown): { name: string; key: string } {
    return this.identities.checkName(raw);
  }

  /** Recomputes stored name keys once after the name rules change; see src/store/name-keys.ts. */
  upgradeNameKeys(): Promise<RekeyReport | undefined> {
    return this.identities.upgradeNameKeys();
  }

  /** Claims a new name: the first reader to take a name (or any look-alike of it) keeps it. */
  signIn(rawName: unknown, ipPrefixHash: string | null, admit?: Admit): Promise<SignInResult> {
    return this.identities.signIn(rawName, ipPrefixHash, admit);
  }

  /** Takes a name to another device with its recovery key; the key is used up and a new one given. */
  recover(rawName: unknown, rawKey: unknown): Promise<SignInResult> {
    return this.identities.recover(rawName, rawKey);
  }

  rotateRecoveryKey(viewer: Viewer): Promise<string> {
    return this.identities.rotateRecoveryKey(viewer);
  }

  /** The signed-in reader, or undefined when the session is unknown or expired (an expired one is deleted). */
  viewerForSession(token: string | undefined): Promise<Viewer | undefined> {
    return this.sessions.viewerFor(token);
  }

  signOut(token: string): Promise<void> {
    return this.sessions.close(token);
  }

  signOutEverywhere(viewer: Viewer): Promise<number> {
    return this.sessions.closeAll(viewer);
  }

  /** Makes a one-time sign-in link token for the author (printed by `byline author-link`). */
  createAuthorLink(name?: string): Promise<{ token: string; name: string; expiresAt: number }> {
    return this.identities.createAuthorLink(name);
  }

  /** The author name a one-time link would sign in as, without using it up; undefined when it is not valid. */
  authorLinkName(token: unknown): Promise<string | undefined> {
    return this.identities.authorLinkName(token);
  }

  /** Uses an author link once; the author's identity is created on first use. */
  signInWithAuthorLink(token: unknown): Promise<{ identity: IdentityRecord; sessionToken: string }> {
    return this.identities.signInWithAuthorLink(token);
  }

  // ---- The reader's own data ----

  deleteIdentity(viewer: Viewer): Promise<string[]> {
    return this.account.delete(viewer);
  }

  exportData(viewer: Viewer): Promise<AccountExport> {
    return this.account.export(viewer);
  }

  /** Until when a comment posted at `createdAt` may be edited by its writer (see editRefusal). */
  editableUntil(createdAt: number): number {
    return createdAt + this.core.settings.editWindowMs;
  }

  isAuthor(viewer: Viewer | undefined): boolean {
    return this.core.isAuthor(viewer);
  }

  // ---- Reading ----

  isOpen(slug: string): Promise<boolean> {
    return this.core.isOpen(slug);
  }

  /** Whether a lock on this comment or one above it closes it to replies. */
  repliesLocked(parent: Pick<CommentRecord, 'id' | 'locked' | 'parentId'>): Promise<boolean> {
    return this.writing.repliesLocked(parent);
  }

  /** One stored comment as this viewer sees it; `voted` holds the ids the viewer upvoted. */
  toView(c: CommentRecord, viewer: Viewer | undefined, voted: Set<string>, open: boolean): CommentView {
    return this.core.toView(c, viewer, voted, open);
  }

  /** One page of an article's discussion; see Threads.page. */
  threadPage(
    slug: string,
    viewer: Viewer | undefined,
    opts: { sort?: Sort; after?: string; focus?: string; records?: () => Promise<readonly CommentRecord[]> } = {},
  ): Promise<ThreadPage> {
    return this.threads.page(slug, viewer, opts);
  }

  /**
   * The article and root thread of a comment, for permalinks that sit on a later page. Callers
   * check first that the viewer may see the comment (a held one is its writer's and the author's).
   */
  locate(commentId: string): Promise<{ articleSlug: string; rootId: string }> {
    return this.threads.locate(commentId);
  }

  commentView(id: string, viewer: Viewer | undefined): Promise<CommentView | undefined> {
    return this.threads.commentView(id, viewer);
  }

  /** Which comments a signed-in reader upvoted, which are theirs, which the shared page leaves off. */
  viewerState(viewer: Viewer, slug: string): Promise<ViewerState> {
    return this.threads.viewerState(viewer, slug);
  }

  // ---- Writing ----

  post(viewer: Viewer | undefined, slug: string, input: PostInput): Promise<{ comment: CommentView; created: boolean; eventId?: number }> {
    return this.writing.post(viewer, slug, input);
  }

  edit(viewer: Viewer | undefined, id: unknown, body: unknown, admit?: Admit): Promise<{ comment: CommentView; eventId?: number }> {
    return this.writing.edit(viewer, id, body, admit);
  }

  remove(
    viewer: Viewer | undefined,
    id: unknown,
    admit?: Admit,
  ): Promise<{ outcome: 'placeholder' | 'removed'; articleSlug: string; eventId: number }> {
    return this.writing.remove(viewer, id, admit);
  }

  vote(viewer: Viewer | undefined, id: unknown, on: boolean, ipPrefixHash: string | null, admit?: Admit): Promise<VoteResult> {
    return this.votes.vote(viewer, id, on, ipPrefixHash, admit);
  }
}
