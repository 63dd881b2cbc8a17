// Random requests to every public route: random path segments, query strings (malformed
// percent-encoding included), cookies, headers and bodies. Whatever arrives, the answer is never
// a 5xx and always carries the security headers. In-process (app.inject) so 300 requests take
// seconds; seeded so a failure is reproducible.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { type TestApp, startTestApp } from '../helpers/app.ts';
import { type Person, generousLimits, postComment, signIn } from '../helpers/people.ts';

/** Runs over every route, then runs aimed at the pages readers open most, where cookies and headers matter most. */
const RUNS = 200;
const PAGE_RUNS = 100;
const SEED = 20261202;
const slug = 'done-is-a-decision';

/**
 * Every route a visitor can reach, from src/web/app.ts and src/web/routes/*.ts, with `:param` to
 * fill in. The live stream (/api/v1/articles/:slug/events) is left out: it holds its response
 * open, which app.inject cannot end; test/hostile/streams.test.ts plays the attacker there.
 */
const getRoutes = [
  '/',
  '/writing',
  '/writing/:slug',
  '/writing/:slug/comments.xml',
  '/writing/:slug/comments/:id/reply',
  '/sections/:slug',
  '/tags/:slug',
  '/books/:slug',
  '/corrections',
  '/feed.xml',
  '/feed.json',
  '/sitemap.xml',
  '/robots.txt',
  '/healthz',
  '/favicon.ico',
  '/assets/:file',
  '/media/:file',
  '/signin',
  '/author/signin',
  '/me',
  '/me/export.json',
  '/inbox',
  '/feeds/inbox/:file',
  '/comments/:id/edit',
  '/admin',
  '/admin/comments',
  '/admin/articles',
  '/admin/audit',
  '/admin/identities/:id',
  '/admin/comments/:id/votes',
  '/admin/comments/:id/:action',
  '/admin/identities/:id/ban',
  '/admin/bulk',
  '/admin/done',
  '/admin/notifications',
  '/comments/:id/delete',
  '/me/delete',
  '/push.js',
  '/push-worker.js',
  '/api/v1/push',
  '/api/v1/openapi.json',
  '/api/v1/session',
  '/api/v1/inbox',
  '/api/v1/articles/:slug/comments',
  '/api/v1/articles/:slug/viewer',
  '/api/v1/comments/:id',
  '/:file',
];

const writeRoutes: [string, string][] = [
  ['POST', '/signin'],
  ['POST', '/signin/recover'],
  ['POST', '/signout'],
  ['POST', '/signout/everywhere'],
  ['POST', '/author/signin'],
  ['POST', '/me/recovery-key'],
  ['POST', '/me/delete'],
  ['POST', '/inbox/feed'],
  ['POST', '/inbox/feed/revoke'],
  ['POST', '/inbox/settings'],
  ['POST', '/signin/with-draft'],
  ['POST', '/me/push/stop'],
  ['POST', '/api/v1/push/subscriptions'],
  ['POST', '/admin/bulk'],
  ['POST', '/admin/notifications/webhooks'],
  ['POST', '/admin/notifications/webhooks/:id/test'],
  ['POST', '/admin/notifications/webhooks/:id/remove'],
  ['POST', '/admin/notifications/mail'],
  ['POST', '/writing/:slug/comments'],
  ['POST', '/comments/:id/vote'],
  ['POST', '/comments/:id/edit'],
  ['POST', '/comments/:id/delete'],
  ['POST', '/admin/comments/:id/:action'],
  ['POST', '/admin/articles/:slug/:action'],
  ['POST', '/admin/identities/:id/:action'],
  ['POST', '/api/v1/session'],
  ['POST', '/api/v1/session/recover'],
  ['DELETE', '/api/v1/session'],
  ['POST', '/api/v1/articles/:slug/comments'],
  ['PATCH', '/api/v1/comments/:id'],
  ['DELETE', '/api/v1/comments/:id'],
  ['PUT', '/api/v1/comments/:id/vote'],
  ['DELETE', '/api/v1/comments/:id/vote'],
];

let t: TestApp;
let reader: Person;
let commentId: string;

before(async () => {
  t = await startTestApp({ listen: false, config: { limits: generousLimits } });
  reader = await signIn(t, 'Fuzz Reader');
  commentId = (await postComment(t, reader, slug, 'Something for the fuzzer to aim at')).id;
});
after(async () => t.close());

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyText = fc.oneof(printable, fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));
/** Percent-encoding as a mangler writes it: cut short, not hex, overlong UTF-8, or fine. */
const percentish = fc.constantFrom(
  '%',
  '%E0%A4%A',
  '%ZZ',
  '%C0%AF',
  '%FF',
  '%00',
  '%2F',
  '%5C',
  '%252F',
  '%u202E',
  '%0d%0a',
  '%E2%80%AE',
  '',
);

/** Text that may go into a URL as is: what is not URL-safe is encoded, and a mangled escape may be mixed in. */
const urlPiece = fc.tuple(anyText, percentish, fc.boolean()).map(([text, bad, before]) => {
  const safe = encodeURIComponent(text);
  return before ? `${bad}${safe}` : `${safe}${bad}`;
});

const segment = (name: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(name === 'slug' ? slug : name === 'id' ? '<comment>' : name === 'action' ? 'hide' : 'style.css') },
    { weight: 1, arbitrary: fc.constantFrom('..', '.', '%2e%2e', 'a'.repeat(300), '0', '-1', '__proto__', 'constructor') },
    { weight: 3, arbitrary: urlPiece.filter((s) => s.length > 0) },
  );

const someQuery = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('page', 'after', 'sort', 'thread', 'return', 'token', 'done', 'q', 'state', 'name', 'article', 'key'),
        urlPiece,
      ),
      urlPiece,
    ),
    { maxLength: 5 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
/** Often none at all, so the cookies and headers reach the page itself rather than a redirect. */
const queryString = fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 3, arbitrary: someQuery });

const cookieValue = fc.oneof(
  fc.constant('<session>'),
  fc.constant('1'),
  percentish,
  printable.map((s) => s.replace(/[;\s]/g, '')),
  urlPiece,
);
const cookieHeader = fc
  .array(
    fc.tuple(
      fc.constantFrom('__Host-byline_session', 'byline_session', 'byline_js', 'byline_signed_in', 'byline_author', 'other'),
      cookieValue,
    ),
    { maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('; '));

const headerText = printable;
const headers = fc.record(
  {
    cookie: cookieHeader,
    referer: fc.oneof(
      headerText,
      fc.constantFrom('http://localhost/writing', 'http://[', '::::', 'javascript:alert(1)', 'http://localhost/%E0%A4%A'),
    ),
    'accept-encoding': fc.oneof(
      headerText,
      fc.constantFrom('br', 'gzip', 'br;q=0, gzip;q=1', '*', 'identity;q=0', 'br, gzip, deflate, zstd'),
    ),
    'if-none-match': fc.oneof(headerText, fc.constantFrom('*', 'W/"x"', '"', '""')),
    'last-event-id': fc.oneof(headerText, fc.constantFrom('0', '-1', '1e309', '99999999999999999999')),
    origin: fc.oneof(headerText, fc.constantFrom('http://localhost', 'null', 'http://evil.example')),
    'sec-fetch-site': fc.oneof(headerText, fc.constantFrom('same-origin', 'cross-site', 'none', 'same-site')),
    accept: fc.constantFrom('text/html', 'application/json', '*/*', 'text/event-stream'),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  fc.constant(undefined),
  fc
    .dictionary(
      fc.constantFrom('name', 'body', 'return', 'token', 'recoveryKey', 'parentId', 'action', 'confirm', '_csrf', '_t', 'reason', 'days'),
      anyText,
      { maxKeys: 5 },
    )
    .map((fields) => ({
      type: 'application/x-www-form-urlencoded',
      payload: new URLSearchParams(fields).toString(),
    })),
  fc.jsonValue({ maxDepth: 3 }).map((value) => ({ type: 'application/json', payload: JSON.stringify(value) })),
  anyText.map((text) => ({ type: 'application/json', payload: text })),
  fc.tuple(headerText, anyText).map(([type, payload]) => ({ type, payload })),
);

const fill = (template: string, parts: Record<string, string>) =>
  template.replace(/:(\w+)/g, (_, name: string) => (parts[name] === '<comment>' ? commentId : (parts[name] ?? name)));

const request = fc.oneof(
  fc.record({
    method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD'),
    template: fc.constantFrom(...getRoutes),
    parts: fc.record({ slug: segment('slug'), id: segment('id'), file: segment('file') }),
    query: queryString,
    headers,
    body: fc.constant(undefined),
  }),
  fc.record({
    method: fc.constant('WRITE'),
    template: fc.constantFrom(...writeRoutes.map(([m, path]) => `${m} ${path}`)),
    parts: fc.record({ slug: segment('slug'), id: segment('id'), action: segment('action') }),
    query: queryString,
    headers,
    body,
  }),
);

/** The pages a reader opens most, with their real addresses: only query, cookies and headers are random. */
const pageRequest = fc.record({
  method: fc.constantFrom('GET', 'GET', 'HEAD'),
  template: fc.constantFrom(
    '/',
    '/writing',
    `/writing/${slug}`,
    '/signin',
    '/me',
    '/inbox',
    `/api/v1/articles/${slug}/comments`,
    `/api/v1/articles/${slug}/viewer`,
    '/api/v1/session',
  ),
  parts: fc.constant({}),
  query: queryString,
  headers,
  body: fc.constant(undefined),
});

function problems(res: LightMyRequestResponse): string[] {
  const found: string[] = [];
  if (res.statusCode >= 500) found.push(`status ${res.statusCode}`);
  const csp = String(res.headers['content-security-policy'] ?? '');
  if (!csp.includes("frame-ancestors 'none'")) found.push('no CSP with frame-ancestors');
  if (res.headers['x-content-type-options'] !== 'nosniff') found.push('no nosniff');
  if (!res.headers['referrer-policy']) found.push('no Referrer-Policy');
  return found;
}

type FuzzRequest = {
  method: string;
  template: string;
  parts: Record<string, string>;
  query: string;
  headers: Record<string, string | undefined>;
  body?: { type: string; payload: string };
};

async function sendAndCheck(r: FuzzRequest): Promise<void> {
  const [method, template] = r.method === 'WRITE' ? (r.template.split(' ') as [string, string]) : [r.method, r.template];
  const url = `${fill(template, r.parts)}${r.query}`;
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.headers)) {
    if (value !== undefined)
      sent[name] = name === 'cookie' ? value.replace('<session>', reader.cookie.slice(reader.cookie.indexOf('=') + 1)) : value;
  }
  if (r.body) sent['content-type'] = r.body.type;
  const res = await t.app.inject({ method: method as 'GET', url, headers: sent, payload: r.body?.payload });
  assert.deepEqual(problems(res), [], `${method} ${url}\n${JSON.stringify(sent)}\n${res.statusCode} ${res.body.slice(0, 300)}`);
}

test(`${RUNS} random requests to every public route: no 5xx, security headers on every answer`, async () => {
  await fc.assert(fc.asyncProperty(request, sendAndCheck), { numRuns: RUNS, seed: SEED, endOnFailure: true });
});

test(`${PAGE_RUNS} random cookies, headers and queries on the pages readers open most: no 5xx, security headers`, async () => {
  await fc.assert(fc.asyncProperty(pageRequest, sendAndCheck), { numRuns: PAGE_RUNS, seed: SEED + 1, endOnFailure: true });
});
