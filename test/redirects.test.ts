// Every place that takes a return target (the sign-in page's ?return=, the sign-in and recovery
// forms' hidden field, the Referer a signed-out form post is sent back to, the back link of a
// refused form, the author's moderation forms) keeps the reader on this site, however the target
// is spelled. And the author's desk shows only status notices it wrote itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { type Person, call, form, generousLimits, postComment, signIn, signInAuthor } from './helpers/people.ts';

const slug = 'done-is-a-decision';
/** The origin app.inject speaks to. */
const origin = 'http://localhost';
const pageUrl = `${origin}/writing/${slug}/`;

/** Ways to write "somewhere else" that a lax check lets through: browsers strip tabs and newlines, read \ as /, and so on. */
const payloads = [
  '//evil.example',
  '///evil.example',
  '////evil.example/path',
  '/\\evil.example',
  '\\\\evil.example',
  '/\\/evil.example',
  '\\/evil.example',
  '/\\\\evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r/evil.example',
  '/\r\n/evil.example',
  '/\t\\evil.example',
  '/\\\tevil.example',
  '//\tevil.example',
  '\t//evil.example',
  ' //evil.example',
  '\n//evil.example',
  '/%09/evil.example',
  '/%0a/evil.example',
  '/%0d%0a/evil.example',
  '/%2F%2Fevil.example',
  '%2F%2Fevil.example',
  '/%5Cevil.example',
  '/%5C%5Cevil.example',
  '%252F%252Fevil.example',
  '/.//evil.example',
  '/./\\evil.example',
  '/..//evil.example',
  '/../\\evil.example',
  '/a/..//evil.example',
  '/a/../..//evil.example',
  '/%2e//evil.example',
  '/%2e%2e//evil.example',
  '/.\t//evil.example',
  'https:evil.example',
  'https:/evil.example',
  'https://evil.example',
  'HTTPS://EVIL.EXAMPLE',
  'http:\\\\evil.example',
  'ftp://evil.example',
  '//evil.example@localhost',
  '//localhost@evil.example',
  'http://localhost@evil.example/',
  '//evil.example:443/',
  '//127.0.0.1:1/',
  '//[::1]/',
  '//0x7f.1/',
  '/\\@evil.example',
  '//@evil.example',
  'javascript:alert(1)',
  'JavaScript:alert(1)',
  'java\tscript:alert(1)',
  ' javascript:alert(1)',
  '/javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  '\u0000//evil.example',
  '/\u3000/evil.example',
  '/\u2215\u2215evil.example',
  '／／evil.example',
  '/\r\nSet-Cookie: stolen=1',
  `/${'a'.repeat(600)}`,
  '',
  '#//evil.example',
  '?//evil.example',
];

/** HTML attribute text back to the string the browser uses. */
function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Where a browser on one of our pages would go with this link. */
function staysHome(link: string, base = pageUrl): boolean {
  try {
    const url = new URL(link, base);
    return url.origin === origin;
  } catch {
    return false;
  }
}

/** Every link, form target and return field on a page: each must stay on this site. */
function linksLeavingSite(html: string): string[] {
  const found = [...html.matchAll(/\s(?:href|action|src)="([^"]*)"/g), ...html.matchAll(/name="return" value="([^"]*)"/g)].map((m) =>
    unescapeHtml(m[1]!),
  );
  return found.filter((link) => !staysHome(link));
}

/** A redirect must stay on this site, and so must any return target it carries along. */
function redirectLeaves(res: LightMyRequestResponse): string | undefined {
  const location = String(res.headers.location ?? '');
  if (!staysHome(location)) return location;
  const carried = new URL(location, pageUrl).searchParams.get('return');
  if (carried !== null && !staysHome(carried)) return `${location} (return=${carried})`;
  return undefined;
}

/** A word per number, from letters no two of which look alike together ("rn" and "m", "l" and "I"). */
function distinctWord(n: number): string {
  const letters = 'bfghkpstxz';
  return `${letters[Math.floor(n / 10) % 10]}${letters[n % 10]}`;
}

let t: TestApp;
let author: Person;
let reader: Person;

before(async () => {
  t = await startTestApp({
    listen: false,
    config: { limits: { ...generousLimits, recoveryFailuresPerHour: 100_000 } },
  });
  author = await signInAuthor(t);
  reader = await signIn(t, 'Return Reader');
});
after(async () => t.close());

describe('return targets stay on this site', () => {
  test('there are at least fifty spellings to try', () => {
    assert.ok(payloads.length >= 50, String(payloads.length));
  });

  test('GET /signin?return=…: the form carries a path on this site only', async () => {
    const bad: string[] = [];
    for (const p of payloads) {
      const res = await call(t, 'GET', `/signin?return=${encodeURIComponent(p)}`);
      assert.equal(res.statusCode, 200, JSON.stringify(p));
      for (const link of linksLeavingSite(res.body)) bad.push(`${JSON.stringify(p)} → ${link}`);
    }
    assert.deepEqual(bad, []);
  });

  test('POST /signin: the Continue link after taking a name stays on this site', async () => {
    const bad: string[] = [];
    for (const [i, p] of payloads.entries()) {
      const res = await form(t, '/signin', { name: `Continue Tester ${distinctWord(i)}`, return: p });
      assert.equal(res.statusCode, 201, `${JSON.stringify(p)}: ${res.body.slice(0, 300)}`);
      const continueLink = /<a class="button-link" href="([^"]*)"/.exec(res.body);
      assert.ok(continueLink, 'the welcome page has a Continue link');
      for (const link of linksLeavingSite(res.body)) bad.push(`${JSON.stringify(p)} → ${link}`);
    }
    assert.deepEqual(bad, []);
  });

  test('POST /signin and /signin/recover refused: the page that says why keeps a path on this site', async () => {
    const bad: string[] = [];
    for (const p of payloads) {
      const taken = await form(t, '/signin', { name: 'Return Reader', return: p });
      assert.equal(taken.statusCode, 409, JSON.stringify(p));
      const wrongKey = await form(t, '/signin/recover', { name: 'Return Reader', recoveryKey: 'not-the-key', return: p });
      assert.equal(wrongKey.statusCode, 403, JSON.stringify(p));
      for (const res of [taken, wrongKey]) for (const link of linksLeavingSite(res.body)) bad.push(`${JSON.stringify(p)} → ${link}`);
    }
    assert.deepEqual(bad, []);
  });

  test('a signed-out form post is sent to sign in and back to the page it came from, never elsewhere', async () => {
    const comment = await postComment(t, reader, slug, 'Something to upvote');
    const bad: string[] = [];
    for (const p of payloads) {
      // The Referer is the page's full address; what follows the host is the attacker's.
      const referer = `${origin}${p}`.replace(/[\r\n]/g, '');
      const res = await call(t, 'POST', `/comments/${comment.id}/vote`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', referer },
        body: 'action=up',
      });
      assert.equal(res.statusCode, 303, `${JSON.stringify(p)}: ${res.body.slice(0, 200)}`);
      const leaves = redirectLeaves(res);
      if (leaves) bad.push(`${JSON.stringify(p)} → ${leaves}`);
    }
    assert.deepEqual(bad, []);
  });

  test("a refused form's back link goes to a path on this site", async () => {
    const bad: string[] = [];
    for (const p of payloads) {
      const res = await form(t, `/writing/${slug}/comments`, { body: '', return: p }, reader.cookie);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${JSON.stringify(p)}: ${res.statusCode}`);
      for (const link of linksLeavingSite(res.body)) bad.push(`${JSON.stringify(p)} → ${link}`);
    }
    assert.deepEqual(bad, []);
  });

  test("the author's moderation forms redirect to a path on this site", async () => {
    const target = await postComment(t, reader, slug, 'A comment to pin and unpin');
    const bad: string[] = [];
    for (const [i, p] of payloads.entries()) {
      const res = await form(t, `/admin/comments/${target.id}/${i % 2 === 0 ? 'pin' : 'unpin'}`, { return: p }, author.cookie);
      assert.equal(res.statusCode, 303, `${JSON.stringify(p)}: ${res.body.slice(0, 200)}`);
      const leaves = redirectLeaves(res);
      if (leaves) bad.push(`${JSON.stringify(p)} → ${leaves}`);
    }
    assert.deepEqual(bad, []);
  });

  test('an ordinary return path survives, query and anchor included', async () => {
    const res = await call(t, 'GET', `/signin?return=${encodeURIComponent(`/writing/${slug}?sort=new#comment-abc`)}`);
    assert.match(res.body, new RegExp(`name="return" value="/writing/${slug}\\?sort=new#comment-abc"`));
  });
});

describe("the author's status notices", () => {
  test('a notice in a link made by someone else is not shown', async () => {
    const planted = 'Your session expired: sign in again at evil.example';
    for (const done of [planted, `x.${planted}`, `AAAAAAAAAAAAAAAAAAAAAA.${planted}`]) {
      const res = await call(t, 'GET', `/admin?done=${encodeURIComponent(done)}`, { cookie: author.cookie });
      assert.equal(res.statusCode, 200);
      assert.doesNotMatch(res.body, /evil\.example/, 'the planted text is not on the page');
    }
  });

  test("the notice after the author's own action is shown, on the page the action returns to", async () => {
    const target = await postComment(t, reader, slug, 'A comment to lock');
    const res = await form(t, `/admin/comments/${target.id}/lock`, {}, author.cookie);
    assert.equal(res.statusCode, 303);
    const next = await call(t, 'GET', String(res.headers.location), { cookie: author.cookie });
    assert.equal(next.statusCode, 200);
    assert.match(next.body, /Thread locked: no new replies to this comment\./);
  });
});
