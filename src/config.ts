import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ServerSettings, type StreamSettings, serverSettingsFromEnv, streamSettingsFromEnv } from './server-settings.ts';
import { type NotifySettings, notifySettingsFromEnv } from './notify/config.ts';

/** How much of the client address forwarded by a proxy to believe. */
export type TrustProxy = false | true | string[];

export interface Config {
  contentDir: string;
  dataDir: string;
  host: string;
  port: number;
  databaseUrl?: string;
  /** Apply migrations at start-up (turn off on clustered nodes and run `byline migrate` once). */
  migrateOnStart: boolean;
  /** `false` (default): the socket address is the client. A list of addresses/CIDRs: trust X-Forwarded-For from those proxies only. */
  trustProxy: TrustProxy;
  /** Key for hashing readers' addresses; kept in the data folder when not given. */
  secret: string;
  /** "quiet" logs only errors and the start-up line; "info" logs one line per request. */
  logLevel: 'quiet' | 'info';
  /** Serve drafts and reload content on change. */
  dev: boolean;
  /** Overrides the site file's base URL (useful behind a proxy or in tests). */
  baseUrl?: string;
  /** Send the session cookie without the Secure flag (plain-HTTP deployments not on localhost). */
  insecureCookies: boolean;
  limits: Limits;
  writeLimits: WriteLimits;
  moderation: ModerationSettings;
  /** When a session ends on the server (BYLINE_SESSION_IDLE_DAYS, BYLINE_SESSION_MAX_DAYS). */
  sessions: SessionSettings;
  /** Live-stream caps (BYLINE_STREAM*; see server-settings.ts). */
  streams: StreamSettings;
  /** Timeouts, connection caps and shutdown grace (see server-settings.ts). */
  server: ServerSettings;
  /** Memory for rendered public pages, feeds and comment lists, in bytes (BYLINE_PAGE_CACHE_MB). */
  pageCacheBytes: number;
  /** Live-update events are kept this many days (and each article's latest 100 regardless); BYLINE_EVENTS_RETENTION_DAYS. */
  eventsRetentionDays: number;
  /** Webhooks, push and the author's mail (BYLINE_PUSH_*, BYLINE_SMTP_URL, BYLINE_MAIL_*; see notify/config.ts). */
  notify: NotifySettings;
}

/**
 * Holds for review, form timing and the vote rule (BYLINE_HOLD_*, BYLINE_MIN_SUBMIT_SECONDS,
 * BYLINE_VOTE_* in the environment). Holding a new name's first comment is off by default so a
 * fresh site works at once; one setting turns it on.
 */
export interface ModerationSettings {
  holdFirstComment: boolean;
  /** Hold a comment with more links than this (0 holds any comment with a link). */
  holdLinksOver: number;
  /** Words or phrases that send a comment to the queue, matched case-insensitively as whole words. */
  holdWords: string[];
  /** The no-JS comment form is refused when sent sooner than this after the page was rendered. */
  minSubmitSeconds: number;
  /** Votes from identities younger than this are stored but not counted (0: off). */
  voteMinAgeMinutes: number;
  /** Counted votes on one comment from one address prefix per hour; later ones are stored, not counted (0: off). */
  votesPerPrefixPerHour: number;
}

export const defaultModeration: ModerationSettings = {
  holdFirstComment: false,
  holdLinksOver: 3,
  holdWords: [],
  minSubmitSeconds: 3,
  voteMinAgeMinutes: 0,
  votesPerPrefixPerHour: 0,
};

/** The word list: BYLINE_HOLD_WORDS (comma-separated) plus one word or phrase per line of hold-words.txt in the data folder. */
function moderationFromEnv(env: NodeJS.ProcessEnv, dataDir: string): ModerationSettings {
  const whole = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} '${value}' must be a whole number (0 or more).`);
    return n;
  };
  const words = (env.BYLINE_HOLD_WORDS ?? '').split(',');
  const file = join(dataDir, 'hold-words.txt');
  if (existsSync(file))
    words.push(
      ...readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !line.trim().startsWith('#')),
    );
  const flag = env.BYLINE_HOLD_FIRST_COMMENT;
  return {
    holdFirstComment: flag === undefined ? defaultModeration.holdFirstComment : flag === '1' || flag === 'true' || flag === 'on',
    holdLinksOver: whole('BYLINE_HOLD_LINKS_OVER', defaultModeration.holdLinksOver),
    holdWords: [...new Set(words.map((w) => w.trim()).filter(Boolean))],
    minSubmitSeconds: whole('BYLINE_MIN_SUBMIT_SECONDS', defaultModeration.minSubmitSeconds),
    voteMinAgeMinutes: whole('BYLINE_VOTE_MIN_AGE_MINUTES', defaultModeration.voteMinAgeMinutes),
    votesPerPrefixPerHour: whole('BYLINE_VOTES_PER_PREFIX_PER_HOUR', defaultModeration.votesPerPrefixPerHour),
  };
}

/** Rate limits (BYLINE_LIMIT_* in the environment). Counted per client address prefix or per identity. */
export interface Limits {
  /**
   * New names per address prefix: a burst an hour large enough for a classroom or an office
   * behind one address, and a day's total that stops a flood from one place (docs/decisions/0006).
   */
  newNamesPerPrefixPerHour: number;
  newNamesPerPrefixPerDay: number;
  /** New names per network (IPv4 /24, IPv6 /48) per day: one flooder rotating addresses nearby. */
  newNamesPerNetworkPerDay: number;
  commentsPer15Seconds: number;
  commentsPerHour: number;
  votesPerMinute: number;
  recoveryFailuresPerHour: number;
}

/**
 * Limits on changing what is already written and on account actions (BYLINE_LIMIT_* too),
 * counted per identity; a recovery by key is counted per address prefix.
 */
export interface WriteLimits {
  /** Edits of one's own comments: each one is pushed to every live reader of the article. */
  editsPerMinute: number;
  editsPerHour: number;
  /** Deletions of one's own comments. */
  deletesPerMinute: number;
  /** New recovery key, sign out everywhere, delete my name, recovery by key. */
  accountActionsPerHour: number;
  /** The author's moderation actions on the desk and the article pages (a bulk action counts once). */
  deskActionsPerHour: number;
}

export const defaultLimits: Limits = {
  newNamesPerPrefixPerHour: 40,
  newNamesPerPrefixPerDay: 100,
  newNamesPerNetworkPerDay: 300,
  commentsPer15Seconds: 1,
  commentsPerHour: 10,
  votesPerMinute: 60,
  recoveryFailuresPerHour: 5,
};

export const defaultWriteLimits: WriteLimits = {
  editsPerMinute: 5,
  editsPerHour: 30,
  deletesPerMinute: 10,
  accountActionsPerHour: 20,
  deskActionsPerHour: 600,
};

/** A rate-limit setting from the environment: a whole number of at least 1, or the default. */
function limitSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} '${value}' must be a whole number of at least 1.`);
  return n;
}

function limitsFromEnv(env: NodeJS.ProcessEnv): Limits {
  const read = (name: string, fallback: number) => limitSetting(env, name, fallback);
  return {
    newNamesPerPrefixPerHour: read('BYLINE_LIMIT_NEW_NAMES_PER_HOUR', defaultLimits.newNamesPerPrefixPerHour),
    newNamesPerPrefixPerDay: read('BYLINE_LIMIT_NEW_NAMES_PER_DAY', defaultLimits.newNamesPerPrefixPerDay),
    newNamesPerNetworkPerDay: read('BYLINE_LIMIT_NEW_NAMES_PER_NETWORK_PER_DAY', defaultLimits.newNamesPerNetworkPerDay),
    commentsPer15Seconds: read('BYLINE_LIMIT_COMMENTS_PER_15S', defaultLimits.commentsPer15Seconds),
    commentsPerHour: read('BYLINE_LIMIT_COMMENTS_PER_HOUR', defaultLimits.commentsPerHour),
    votesPerMinute: read('BYLINE_LIMIT_VOTES_PER_MINUTE', defaultLimits.votesPerMinute),
    recoveryFailuresPerHour: read('BYLINE_LIMIT_RECOVERY_FAILURES_PER_HOUR', defaultLimits.recoveryFailuresPerHour),
  };
}

function writeLimitsFromEnv(env: NodeJS.ProcessEnv): WriteLimits {
  const read = (name: string, fallback: number) => limitSetting(env, name, fallback);
  return {
    editsPerMinute: read('BYLINE_LIMIT_EDITS_PER_MINUTE', defaultWriteLimits.editsPerMinute),
    editsPerHour: read('BYLINE_LIMIT_EDITS_PER_HOUR', defaultWriteLimits.editsPerHour),
    deletesPerMinute: read('BYLINE_LIMIT_DELETES_PER_MINUTE', defaultWriteLimits.deletesPerMinute),
    accountActionsPerHour: read('BYLINE_LIMIT_ACCOUNT_ACTIONS_PER_HOUR', defaultWriteLimits.accountActionsPerHour),
    deskActionsPerHour: read('BYLINE_LIMIT_DESK_ACTIONS_PER_HOUR', defaultWriteLimits.deskActionsPerHour),
  };
}

/** A session ends after `idleDays` without use, and in any case `maxDays` after sign-in. */
export interface SessionSettings {
  idleDays: number;
  maxDays: number;
}

export const defaultSessions: SessionSettings = { idleDays: 30, maxDays: 400 };

function sessionsFromEnv(env: NodeJS.ProcessEnv): SessionSettings {
  const days = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} '${value}' must be a whole number of days, at least 1.`);
    return n;
  };
  return {
    idleDays: days('BYLINE_SESSION_IDLE_DAYS', defaultSessions.idleDays),
    maxDays: days('BYLINE_SESSION_MAX_DAYS', defaultSessions.maxDays),
  };
}

function parseTrustProxy(value: string | undefined): TrustProxy {
  if (!value || value === 'false' || value === '0' || value === 'off') return false;
  if (value === 'true' || value === '1') return true;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The rendered-page cache's megabytes when BYLINE_PAGE_CACHE_MB does not say. 16 MB holds about 90
 * of the largest pages the bench makes (a 300-comment page in three encodings, ~175 KB) and keeps
 * the whole process near its memory budget (bench/README.md).
 */
export const DEFAULT_PAGE_CACHE_MB = 16;

/** BYLINE_PAGE_CACHE_MB: megabytes (whole, at least 1) for the rendered-page cache. */
function pageCacheBytesFromEnv(env: NodeJS.ProcessEnv): number {
  const value = env.BYLINE_PAGE_CACHE_MB;
  if (value === undefined) return DEFAULT_PAGE_CACHE_MB * 1024 * 1024;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BYLINE_PAGE_CACHE_MB '${value}' must be a whole number of at least 1.`);
  return n * 1024 * 1024;
}

/** BYLINE_EVENTS_RETENTION_DAYS: whole days (at least 1) that live-update events are kept; 7 by default. */
function eventsRetentionDaysFromEnv(env: NodeJS.ProcessEnv): number {
  const value = env.BYLINE_EVENTS_RETENTION_DAYS;
  if (value === undefined) return 7;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BYLINE_EVENTS_RETENTION_DAYS '${value}' must be a whole number of days, at least 1.`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = resolve(overrides.dataDir ?? env.BYLINE_DATA_DIR ?? 'data');
  const port = overrides.port ?? Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT '${env.PORT}' is not a port number.`);
  return {
    contentDir: resolve(overrides.contentDir ?? env.BYLINE_CONTENT_DIR ?? 'content'),
    dataDir,
    host: overrides.host ?? env.HOST ?? '127.0.0.1',
    port,
    databaseUrl: overrides.databaseUrl ?? env.DATABASE_URL ?? undefined,
    migrateOnStart: overrides.migrateOnStart ?? env.BYLINE_MIGRATE !== 'off',
    trustProxy: overrides.trustProxy ?? parseTrustProxy(env.BYLINE_TRUST_PROXY),
    secret: overrides.secret ?? env.BYLINE_SECRET ?? loadOrCreateSecret(dataDir),
    logLevel: overrides.logLevel ?? (env.BYLINE_LOG === 'info' ? 'info' : 'quiet'),
    dev: overrides.dev ?? false,
    baseUrl: overrides.baseUrl ?? env.BYLINE_BASE_URL ?? undefined,
    insecureCookies: overrides.insecureCookies ?? env.BYLINE_INSECURE_COOKIES === '1',
    limits: { ...limitsFromEnv(env), ...overrides.limits },
    writeLimits: { ...writeLimitsFromEnv(env), ...overrides.writeLimits },
    moderation: { ...moderationFromEnv(env, dataDir), ...overrides.moderation },
    sessions: { ...sessionsFromEnv(env), ...overrides.sessions },
    streams: { ...streamSettingsFromEnv(env), ...overrides.streams },
    server: { ...serverSettingsFromEnv(env), ...overrides.server },
    pageCacheBytes: overrides.pageCacheBytes ?? pageCacheBytesFromEnv(env),
    eventsRetentionDays: overrides.eventsRetentionDays ?? eventsRetentionDaysFromEnv(env),
    notify: { ...notifySettingsFromEnv(env), ...overrides.notify },
  };
}
