// Without the script, a comment the server refuses comes back as the form with the reader's text
// still in it and the reason beside the field: nothing typed is lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultLimits } from '../src/config.ts';
import { signRenderTime } from '../src/discussion/holds.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { call, form, type Person, signIn } from './helpers/people.ts';

const slug = 'the-last-ten-percent';
let clock = Date.parse('2026-11-25T12:00:00Z');
let t: TestApp;
let reader: Person;

before(async () => {
  t = await startTestApp({
    listen: false,
    now: () => clock,
    config: {
      limits: {
        ...defaultLimits,
        newNamesPerPrefixPerHour: 100,
        commentsPer15Seconds: 1,
        commentsPerHour: 10,
        votesPerMinute: 60,
        recoveryFailuresPerHour: 5,
      },
    },
  });
  reader = await signIn(t, 'Odile Marsh');
});
after(async () => t.close());

const text = 'A long thought about finishing, with *emphasis* & <angle brackets> kept as typed.';

/** The text in the page's comment field, as the browser shows it. */
function textareaOf(html: string): string | undefined {
  const raw = /<textarea[^>]*name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1];
  return raw
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

test('posted too quickly: the form comes back with the text and the reason beside it', async () => {
  const res = await form(
    t,
    `/writing/${slug}/comments`,
    { body: text, idempotencyKey: 'quick-1', _t: signRenderTime(t.config.secret, clock) },
    reader.cookie,
  );
  assert.equal(res.statusCode, 422);
  assert.equal(textareaOf(res.body), text, 'the text is in the field');
  assert.match(res.body, /class="form-error" role="alert" id="retry-error">[^<]*(quick|seconds)/i);
  assert.match(res.body, /name="idempotencyKey" value="quick-1"/, 'a retry keeps its key, so it can never post twice');
});

test('commenting too often: 429 with Retry-After, and the text is still there', async () => {
  clock += 60_000;
  const first = await form(
    t,
    `/writing/${slug}/comments`,
    { body: 'The first one goes through.', idempotencyKey: 'often-1', _t: signRenderTime(t.config.secret, clock - 10_000) },
    reader.cookie,
  );
  assert.equal(first.statusCode, 303);
  const res = await form(
    t,
    `/writing/${slug}/comments`,
    { body: text, idempotencyKey: 'often-2', _t: signRenderTime(t.config.secret, clock - 10_000) },
    reader.cookie,
  );
  assert.equal(res.statusCode, 429);
  assert.ok(Number(res.headers['retry-after']) > 0);
  assert.equal(textareaOf(res.body), text);
  assert.match(res.body, /too often/);
});

test('a reply keeps its place: the refused form still answers the same comment', async () => {
  clock += 60_000;
  // Another reader: the per-identity burst limit counts in real time, and the first reader just used theirs.
  const replier = await signIn(t, 'Piers Calloway');
  const parent = await form(
    t,
    `/writing/${slug}/comments`,
    { body: 'A comment to answer.', idempotencyKey: 'parent-1', _t: signRenderTime(t.config.secret, clock - 10_000) },
    replier.cookie,
  );
  const parentId = /#comment-([a-z0-9]+)/.exec(String(parent.headers.location))?.[1];
  assert.ok(parentId);
  const res = await form(
    t,
    `/writing/${slug}/comments`,
    { body: text, parentId, idempotencyKey: 'reply-1', _t: signRenderTime(t.config.secret, clock) },
    replier.cookie,
  );
  assert.equal(res.statusCode, 422);
  assert.match(res.body, new RegExp(`name="parentId" value="${parentId}"`));
  assert.equal(textareaOf(res.body), text);
});

test('the edit page says which comment it is and how long is left to change it', async () => {
  const writer = await signIn(t, 'Quentin Hale');
  const posted = await form(
    t,
    `/writing/${slug}/comments`,
    { body: 'Words I may want to change.', idempotencyKey: 'edit-1', _t: signRenderTime(t.config.secret, clock - 10_000) },
    writer.cookie,
  );
  const id = /#comment-([a-z0-9]+)/.exec(String(posted.headers.location))?.[1];
  assert.ok(id);
  clock += 5 * 60_000;
  const page = await call(t, 'GET', `/comments/${id}/edit`, { cookie: writer.cookie });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Your comment on <a href="\/writing\/the-last-ten-percent#comment-[a-z0-9]+">The last ten percent/i);
  assert.match(page.body, /10 minutes from now/);
  clock += 11 * 60_000;
  const late = await call(t, 'GET', `/comments/${id}/edit`, { cookie: writer.cookie });
  assert.match(late.body, /The time for changes has passed/);
});
