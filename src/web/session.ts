// The session cookie and its readable companions. The session token itself is HttpOnly; the
// other cookies hold no secret and only steer which page a browser is given.
import type { FastifyReply } from 'fastify';
import type { Config } from '../config.ts';
import { MAX_BODY_CHARS } from '../discussion/body.ts';
import { sharedCacheControlFor } from './http.ts';

/** What the cookies need to know: whether they may go over plain HTTP, and how long a session lives. */
export interface CookieContext {
  config: Pick<Config, 'insecureCookies' | 'sessions'>;
}

export function sessionCookieName(ctx: CookieContext): string {
  return ctx.config.insecureCookies ? 'byline_session' : '__Host-byline_session';
}

/** A request as far as its cookies go: Fastify's, or the raw one the fast path (fast-path.ts) reads. */
export interface CookieCarrier {
  headers: { cookie?: string | undefined };
}

/**
 * One cookie's value. The header is whatever the client sent: a value that is not valid
 * percent-encoding is treated as absent (so a mangled cookie reads as signed out), never an error.
 */
export function readCookie(req: CookieCarrier, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeCookieValue(part.slice(eq + 1).trim());
  }
  return undefined;
}

function decodeCookieValue(raw: string): string | undefined {
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

export function sessionToken(ctx: CookieContext, req: CookieCarrier): string | undefined {
  return readCookie(req, sessionCookieName(ctx));
}

/**
 * Cache-Control for bytes every anonymous reader shares: a shared cache may keep them, unless the
 * request carries a session (then they stay out of shared caches, whatever they hold).
 */
export function sharedCacheControl(ctx: CookieContext, req: CookieCarrier): string {
  return sharedCacheControlFor(sessionToken(ctx, req) !== undefined);
}

/**
 * Whether an article's shared page (the one every anonymous reader gets) answers this request.
 * A signed-in browser whose script runs gets it too, and asks for its own state in one small call
 * (GET …/viewer); without the script, the server renders the reader's own page. The author
 * always gets the server's page: it carries the moderation controls and shows hidden and held
 * comments, which the shared page never holds. Used by the route and by the fast path alike.
 */
export function takesSharedPage(ctx: CookieContext, req: CookieCarrier): boolean {
  if (sessionToken(ctx, req) === undefined) return true;
  return readCookie(req, jsCookie) === '1' && readCookie(req, authorHintCookie) !== '1';
}

/** The browser keeps the session cookie as long as the server would honour the session at most. */
const sessionCookieSeconds = (ctx: CookieContext) => ctx.config.sessions.maxDays * 24 * 3600;
const secureFlag = (ctx: CookieContext) => (ctx.config.insecureCookies ? '' : '; Secure');

/**
 * A readable companion of the session cookie. It holds no secret: it only tells the page's
 * script that this browser is signed in, so the script can ask for the reader's own state
 * (see `jsCookie`), while the session token itself stays HttpOnly.
 */
export const signedInHintCookie = 'byline_signed_in';
/** Set by the script when it runs: the browser will apply a signed-in overlay to shared pages. */
export const jsCookie = 'byline_js';

export function setSessionCookie(ctx: CookieContext, reply: FastifyReply, token: string): void {
  const maxAge = sessionCookieSeconds(ctx);
  reply.header('Set-Cookie', [
    `${sessionCookieName(ctx)}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secureFlag(ctx)}`,
    `${signedInHintCookie}=1; Path=/; SameSite=Lax; Max-Age=${maxAge}${secureFlag(ctx)}`,
  ]);
}

export function clearSessionCookie(ctx: CookieContext, reply: FastifyReply): void {
  reply.header('Set-Cookie', [
    `${sessionCookieName(ctx)}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secureFlag(ctx)}`,
    `${signedInHintCookie}=; Path=/; SameSite=Lax; Max-Age=0${secureFlag(ctx)}`,
  ]);
}

/**
 * Set when the author signs in with a one-time link. It grants nothing (every admin request checks
 * the session); it only tells the article route to render the author's own page rather than the
 * shared one, so the inline moderation controls are there with or without the script.
 */
export const authorHintCookie = 'byline_author';

export function setAuthorHint(ctx: CookieContext, reply: FastifyReply): void {
  // Fastify adds a Set-Cookie header to those already set, rather than replacing them.
  reply.header('Set-Cookie', `${authorHintCookie}=1; Path=/; SameSite=Lax; Max-Age=${sessionCookieSeconds(ctx)}${secureFlag(ctx)}`);
}

/**
 * What a visitor meant to do when they were sent to sign in: upvote a comment, or reply to one
 * with the text they had typed. It travels only as hidden fields of our own sign-in forms (and
 * the query of the sign-in page, for a vote), bounded: a comment id, and a draft no longer than
 * a comment may be. After sign-in the vote is cast by the sign-in POST itself (a click on our
 * own page, behind the cross-site guard); a reply comes back in the reply form, never posted
 * unseen.
 */
export type SignInIntent = { kind: 'vote'; commentId: string } | { kind: 'reply'; commentId: string; draft: string };

const COMMENT_ID = /^[A-Za-z0-9_-]{1,100}$/;

export function intentFrom(fields: { intent?: unknown; comment?: unknown; draft?: unknown }): SignInIntent | undefined {
  const { intent, comment, draft } = fields;
  if (typeof comment !== 'string' || !COMMENT_ID.test(comment)) return undefined;
  if (intent === 'vote') return { kind: 'vote', commentId: comment };
  if (intent === 'reply') {
    const text = typeof draft === 'string' ? draft : '';
    return text.length <= MAX_BODY_CHARS ? { kind: 'reply', commentId: comment, draft: text } : undefined;
  }
  return undefined;
}

/** The sign-in page's address for a vote intent (a reply's draft is too long for an address: it is posted). */
export function signInForVote(commentId: string, returnTo: string): string {
  return `/signin?intent=vote&comment=${encodeURIComponent(commentId)}&return=${encodeURIComponent(returnTo)}`;
}
