import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { keyedHash, secretsEqual } from '../discussion/secrets.ts';
import type { AppContext } from './context.ts';

/**
 * The client's address prefix: the whole IPv4 address, or the /64 of an IPv6 one (a home or a
 * phone usually gets a whole /64, so counting single v6 addresses would be counting nothing).
 * `req.ip` already honours the explicit trust-proxy setting, so a forged X-Forwarded-For from
 * an untrusted peer cannot pick a new bucket.
 */
export function addressPrefix(ip: string): string {
  const mapped = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  if (isIP(mapped) !== 6) return mapped;
  const [head] = mapped.split('::');
  const full = expandIpv6(mapped);
  return full ? `${full.slice(0, 4).join(':')}::/64` : `${head}::/64`;
}

function expandIpv6(ip: string): string[] | undefined {
  const [left, right] = ip.split('::') as [string, string | undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  if (right === undefined) return l.length === 8 ? l.map((p) => p.toLowerCase()) : undefined;
  const fill = new Array(8 - l.length - r.length).fill('0');
  return [...l, ...fill, ...r].map((p) => p.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** Readers' addresses are kept only as keyed hashes of their prefix. */
export function prefixHash(ctx: AppContext, req: FastifyRequest): string {
  return keyedHash(ctx.config.secret, `prefix:${addressPrefix(req.ip)}`);
}

export function sessionCookieName(ctx: AppContext): string {
  return ctx.config.insecureCookies ? 'byline_session' : '__Host-byline_session';
}

/**
 * One cookie's value. The header is whatever the client sent: a value that is not valid
 * percent-encoding is treated as absent (so a mangled cookie reads as signed out), never an error.
 */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
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

/**
 * The path and query of the page a form was sent from, when the browser said (Referer). Only
 * ever used as a return target on this site, after `safeReturn`; a malformed header reads as absent.
 */
export function refererPath(req: FastifyRequest): string | undefined {
  const referer = req.headers.referer;
  if (!referer || referer.length > 2000) return undefined;
  try {
    const url = new URL(referer);
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}

export function sessionToken(ctx: AppContext, req: FastifyRequest): string | undefined {
  return readCookie(req, sessionCookieName(ctx));
}

/** The browser keeps the session cookie as long as the server would honour the session at most. */
const sessionCookieSeconds = (ctx: AppContext) => ctx.config.sessions.maxDays * 24 * 3600;

/**
 * A readable companion of the session cookie. It holds no secret: it only tells the page's
 * script that this browser is signed in, so the script can ask for the reader's own state
 * (see `jsCookie`), while the session token itself stays HttpOnly.
 */
export const signedInHintCookie = 'byline_signed_in';
/** Set by the script when it runs: the browser will apply a signed-in overlay to shared pages. */
export const jsCookie = 'byline_js';

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string): void {
  const secure = ctx.config.insecureCookies ? '' : '; Secure';
  const maxAge = sessionCookieSeconds(ctx);
  reply.header('Set-Cookie', [
    `${sessionCookieName(ctx)}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`,
    `${signedInHintCookie}=1; Path=/; SameSite=Lax; Max-Age=${maxAge}${secure}`,
  ]);
}

export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  const secure = ctx.config.insecureCookies ? '' : '; Secure';
  reply.header('Set-Cookie', [
    `${sessionCookieName(ctx)}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure}`,
    `${signedInHintCookie}=; Path=/; SameSite=Lax; Max-Age=0${secure}`,
  ]);
}

/** The token a signed-in reader's forms carry: bound to their session, useless to anyone else. */
export function csrfToken(ctx: AppContext, session: string): string {
  return createHmac('sha256', ctx.config.secret).update(`csrf:${session}`).digest('base64url').slice(0, 32);
}

export function csrfValid(ctx: AppContext, session: string | undefined, given: unknown): boolean {
  return session !== undefined && typeof given === 'string' && secretsEqual(csrfToken(ctx, session), given);
}

export function ownOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/**
 * Refuses a state-changing request that a browser tells us came from another site. Browsers send
 * Sec-Fetch-Site and Origin on every POST; scripts and feed readers without cookies send neither,
 * and have no ambient session to abuse. Forms must also come from a browser on our origin.
 */
export function crossSiteReason(req: FastifyRequest, isForm: boolean): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return `Requests from other sites are refused (Sec-Fetch-Site: ${site}).`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== ownOrigin(req)) return 'Requests from other sites are refused (Origin does not match).';
  if (isForm && site === undefined && origin === undefined) return 'This form must be sent from a page of this site.';
  return undefined;
}
