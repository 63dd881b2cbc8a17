import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { csrfToken } from '../../src/web/guard.ts';
import type { TestApp } from './app.ts';

/** Signed-in people and requests for HTTP tests through app.inject. */
export interface Person {
  cookie: string;
  id: string;
  name: string;
  csrf: string;
}

export function cookieOf(res: LightMyRequestResponse): string {
  const set = res.headers['set-cookie'];
  const line = Array.isArray(set) ? set[0] : set;
  assert.ok(line, 'a session cookie is set');
  return line.split(';')[0]!;
}

export function csrfFor(t: TestApp, cookie: string): string {
  return csrfToken(t.ctx, decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)));
}

export interface CallOptions {
  body?: unknown;
  cookie?: string;
  headers?: Record<string, string>;
  remoteAddress?: string;
}

export async function call(t: TestApp, method: string, url: string, opts: CallOptions = {}): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  return t.app.inject({
    method: method as 'GET',
    url,
    headers,
    remoteAddress: opts.remoteAddress,
    payload: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
}

/** A form post as a browser on our own pages sends it; the session's `_csrf` is added unless given. */
export async function form(t: TestApp, url: string, fields: Record<string, string>, cookie?: string, remoteAddress?: string) {
  const all = { ...fields };
  if (cookie && all._csrf === undefined) all._csrf = csrfFor(t, cookie);
  return call(t, 'POST', url, {
    cookie,
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams(all).toString(),
  });
}

export async function signIn(t: TestApp, name: string, remoteAddress?: string): Promise<Person> {
  const res = await call(t, 'POST', '/api/v1/session', { body: { name }, remoteAddress });
  assert.equal(res.statusCode, 201, res.body);
  const json = res.json() as { identity: { id: string; name: string } };
  const cookie = cookieOf(res);
  return { cookie, id: json.identity.id, name: json.identity.name, csrf: csrfFor(t, cookie) };
}

/** The author, signed in through a one-time link as `byline author-link` prints it. */
export async function signInAuthor(t: TestApp): Promise<Person> {
  const link = await t.ctx.discussion.createAuthorLink();
  // Opening the link shows a confirmation; its button (a same-origin form post) signs in.
  const page = await call(t, 'GET', `/author/signin?token=${link.token}`);
  assert.equal(page.statusCode, 200, page.body);
  const res = await form(t, '/author/signin', { token: link.token });
  assert.equal(res.statusCode, 303, res.body);
  const cookie = cookieOf(res);
  const viewer = await t.ctx.discussion.viewerForSession(decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)));
  assert.ok(viewer);
  return { cookie, id: viewer.identity.id, name: viewer.identity.name, csrf: csrfFor(t, cookie) };
}

export async function postComment(t: TestApp, who: Person, slug: string, body: string, parentId?: string, remoteAddress?: string) {
  const res = await call(t, 'POST', `/api/v1/articles/${slug}/comments`, { cookie: who.cookie, body: { body, parentId }, remoteAddress });
  assert.ok(res.statusCode === 201 || res.statusCode === 200, res.body);
  return (res.json() as { comment: { id: string; held?: boolean } }).comment;
}

export interface PublicComment {
  id: string;
  parentId: string | null;
  html: string;
  deleted: boolean;
  pinned: boolean;
  score: number;
  author: { name: string } | null;
}

export async function publicComments(
  t: TestApp,
  slug: string,
  cookie?: string,
  sort = 'new',
): Promise<{ comments: PublicComment[]; total: number }> {
  const res = await call(t, 'GET', `/api/v1/articles/${slug}/comments?sort=${sort}`, { cookie });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { comments: PublicComment[]; total: number };
}

export const generousLimits = {
  newNamesPerPrefixPerHour: 100_000,
  newNamesPerPrefixPerDay: 100_000,
  newNamesPerNetworkPerDay: 100_000,
  commentsPer15Seconds: 100_000,
  commentsPerHour: 100_000,
  votesPerMinute: 100_000,
  recoveryFailuresPerHour: 5,
};
