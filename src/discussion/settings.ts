import type { IdentityRecord, VoteCountRule } from './records.ts';
import { DEFAULT_EDIT_WINDOW_MS } from './comment-rules.ts';
import { DEFAULT_MAX_INDENT } from './thread.ts';

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

export const defaultSettings: Omit<DiscussionSettings, 'authorNames'> = {
  editWindowMs: DEFAULT_EDIT_WINDOW_MS,
  authorLinkTtlMs: 10 * 60 * 1000,
  sessionIdleMs: 30 * DAY_MS,
  sessionMaxMs: 400 * DAY_MS,
  threadsPerPage: 50,
  repliesShown: 5,
  maxIndent: DEFAULT_MAX_INDENT,
};

/** The signed-in reader (or the author) on whose behalf the discussion is read or written. */
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
}

/**
 * Called once a write has passed every rule and is about to be stored; it may refuse (the web
 * layer takes from the writer's rate limits here), so input that is refused costs nothing.
 */
export type Admit = () => Promise<void>;
