// The reader's side of the discussion at its edges: a banned or muted reader is told before they
// write; a visitor's upvote or reply survives signing in; deleting asks first; signing out says so;
// the reader's page is grouped, with the destructive action last and confirmed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultModeration } from '../src/config.ts';
import { BAN_WITHOUT_END } from '../src/discussion/comment-rules.ts';
import { FOREVER } from '../src/discussion/moderation.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { call, cookieOf, csrfFor, form, generousLimits, type Person, postComment, signIn, signInAuthor } from './helpers/people.ts';

const slug = 'the-last-ten-percent';
const DAY = 24 * 3600 * 1000;
let clock = Date.parse('2026-06-01T12:00:00Z');
let t: TestApp;

before(async () => {
  t = await startTestApp({
    listen: false,
    now: () => clock,
    config: { limits: generousLimits, moderation: { ...defaultModeration, minSubmitSeconds: 0 } },
  });
});
after(async () => t.close());

const page = async (url: string, cookie?: string) => (await call(t, 'GET', url, { cookie })).body;
const score = async (id: string) => (await t.store.getComment(id))?.score;

/** A name taken with the API, with its recovery key. */
async function takeName(name: string): Promise<Person & { recoveryKey: string }> {
  const res = await call(t, 'POST', '/api/v1/session', { body: { name } });
  assert.equal(res.statusCode, 201, res.body);
  const cookie = cookieOf(res);
  return { cookie, id: res.json().identity.id, name, csrf: csrfFor(t, cookie), recoveryKey: res.json().recoveryKey };
}

describe('a banned or muted reader is told before they write', () => {
  test('a ban with an end shows the date and the reason in place of the comment box; votes are off; no Reply', async () => {
    const ada = await signIn(t, 'Ada Banwatch');
    const comment = await postComment(t, ada, slug, 'Something worth replying to');
    const troll = await signIn(t, 'Tess Banned');
    await t.store.setIdentityBan(troll.id, clock + 7 * DAY, 'name-calling');
    const html = await page(`/writing/${slug}`, troll.cookie);
    assert.match(html, /You can’t comment or vote until 8 June 2026 — reason: name-calling/);
    assert.doesNotMatch(html, /class="comment-form"/, 'no comment box');
    assert.doesNotMatch(html, /class="reply-link"/, 'no Reply links');
    const vote = html.slice(html.indexOf(`id="comment-${comment.id}"`)).match(/<button[^>]*class="vote"[^>]*>/)?.[0] ?? '';
    assert.match(vote, /disabled/, 'the vote button is disabled');
    assert.match(vote, /aria-describedby="standing-notice"/, 'and points to the reason');
    // The reply page says the same instead of a form.
    const reply = await page(`/writing/${slug}/comments/${comment.id}/reply`, troll.cookie);
    assert.match(reply, /You can’t comment or vote until 8 June 2026/);
    assert.doesNotMatch(reply, /<textarea/);
    // The script's state carries it too.
    const state = (await call(t, 'GET', `/api/v1/articles/${slug}/viewer`, { cookie: troll.cookie })).json();
    assert.equal(state.standing.kind, 'banned');
    assert.match(state.standing.notice, /until 8 June 2026 — reason: name-calling/);
    // Writing anyway is refused with the same words.
    const post = await call(t, 'POST', `/api/v1/articles/${slug}/comments`, { cookie: troll.cookie, body: { body: 'still here' } });
    assert.equal(post.statusCode, 403);
    assert.match(post.json().error.message, /You can’t comment or vote until 8 June 2026 — reason: name-calling/);
    // Nobody else's page carries it: not the shared page, not another reader's.
    assert.doesNotMatch(await page(`/writing/${slug}`), /standing-notice|name-calling/);
    assert.doesNotMatch(await page(`/writing/${slug}`, ada.cookie), /standing-notice|name-calling/);
    // When the ban ends, the box is back.
    clock += 8 * DAY;
    assert.match(await page(`/writing/${slug}`, troll.cookie), /class="comment-form"/);
  });

  test('a ban without an end says "until further notice", and no reason when none was given', async () => {
    assert.equal(BAN_WITHOUT_END, FOREVER, 'the standing reads a ban until further notice as moderation stores it');
    const who = await signIn(t, 'Forever Banned');
    await t.store.setIdentityBan(who.id, FOREVER, null);
    const html = await page(`/writing/${slug}`, who.cookie);
    assert.match(html, /You can’t comment or vote until further notice\./);
    assert.doesNotMatch(html, /reason:/);
  });

  test('a muted reader is told their words are shown only to them, and may still write', async () => {
    const quiet = await signIn(t, 'Muted Marta');
    await t.store.setIdentityMuted(quiet.id, true);
    const html = await page(`/writing/${slug}`, quiet.cookie);
    assert.match(html, /what you write here is shown only to you and the author/);
    assert.match(html, /class="comment-form"/, 'the comment box stays');
    const state = (await call(t, 'GET', `/api/v1/articles/${slug}/viewer`, { cookie: quiet.cookie })).json();
    assert.equal(state.standing.kind, 'muted');
    const free = (await call(t, 'GET', `/api/v1/articles/${slug}/viewer`, { cookie: (await signIn(t, 'Free Fred')).cookie })).json();
    assert.deepEqual(free.standing, { kind: 'free', notice: null });
  });
});

describe("a visitor's upvote and reply survive signing in", () => {
  let ada: Person;
  let commentId: string;
  before(async () => {
    ada = await signIn(t, 'Ada');
    commentId = (await postComment(t, ada, slug, 'A comment by Ada worth an upvote')).id;
  });

  test('without the script: ▲ → the sign-in page says what will happen → a new name → the upvote is counted once', async () => {
    const click = await form(t, `/comments/${commentId}/vote`, { action: 'up' });
    assert.equal(click.statusCode, 303);
    const location = String(click.headers.location);
    assert.match(location, new RegExp(`^/signin\\?intent=vote&comment=${commentId}&return=`));
    const signInHtml = await page(location);
    assert.match(signInHtml, /Your upvote of the comment by Ada will be counted/);
    assert.match(signInHtml, /name="intent" value="vote"/);
    const before = await score(commentId);
    const fields = Object.fromEntries(new URL(location, 'http://x').searchParams);
    const welcome = await form(t, '/signin', { name: 'Grateful Visitor', ...fields });
    assert.equal(welcome.statusCode, 201, welcome.body);
    assert.match(welcome.body, /Your upvote of the comment by Ada is counted/);
    assert.match(welcome.body, new RegExp(`href="/writing/${slug}#comment-${commentId}"`), 'Continue leads back to the comment');
    assert.equal(await score(commentId), (before ?? 0) + 1);
    // Sending the vote form again (signed in now) changes nothing: one upvote per name.
    const visitor = cookieOf(welcome);
    await form(t, `/comments/${commentId}/vote`, { action: 'up' }, visitor);
    assert.equal(await score(commentId), (before ?? 0) + 1);
  });

  test('with a recovery key the upvote is counted too; a refused sign-in keeps the intent', async () => {
    const bea = await takeName('Bea Returning');
    const before = await score(commentId);
    const fields = { intent: 'vote', comment: commentId, return: `/writing/${slug}` };
    const wrong = await form(t, '/signin/recover', { name: bea.name, recoveryKey: 'not-the-key', ...fields });
    assert.equal(wrong.statusCode, 403);
    assert.match(wrong.body, /Your upvote of the comment by Ada will be counted/, 'the refused page still carries the intent');
    assert.equal(await score(commentId), before);
    const ok = await form(t, '/signin/recover', { name: bea.name, recoveryKey: bea.recoveryKey, ...fields });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.match(ok.body, /is counted/);
    assert.equal(await score(commentId), (before ?? 0) + 1);
  });

  test('a cross-site sign-in is refused, and a signed-in reader following a vote link only gets a button', async () => {
    const before = await score(commentId);
    const forged = await call(t, 'POST', '/signin', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      body: new URLSearchParams({ name: 'Forged Visitor', intent: 'vote', comment: commentId }).toString(),
    });
    assert.equal(forged.statusCode, 403);
    const reader = await signIn(t, 'Linked Reader');
    const linked = await call(t, 'GET', `/signin?intent=vote&comment=${commentId}`, { cookie: reader.cookie });
    assert.equal(linked.statusCode, 200);
    assert.match(linked.body, /Upvote the comment by Ada/, 'one click on our own page would do it');
    assert.equal(await score(commentId), before, 'opening the link voted for nobody');
  });

  test('a reply typed before signing in comes back in the reply form, filled in and not posted', async () => {
    const replyPage = await page(`/writing/${slug}/comments/${commentId}/reply`);
    assert.match(replyPage, /<textarea[^>]*name="draft"/, 'a visitor can write first');
    const draft = 'Thank you, Ada.\n\nA second paragraph with <b>markup</b> & an ampersand.';
    const count = (await t.store.listCommentsFiltered({ articleSlug: slug, limit: 1000 })).length;
    const welcome = await form(t, '/signin', { name: 'Drafting Visitor', intent: 'reply', comment: commentId, draft, return: '/' });
    assert.equal(welcome.statusCode, 201, welcome.body);
    assert.match(welcome.body, /Your reply, ready to post/);
    assert.match(welcome.body, new RegExp(`name="parentId" value="${commentId}"`));
    const text = welcome.body.match(/<textarea[^>]*name="body"[^>]*>([\s\S]*?)<\/textarea>/)?.[1];
    assert.equal(text, 'Thank you, Ada.\n\nA second paragraph with &lt;b>markup&lt;/b> &amp; an ampersand.');
    assert.equal((await t.store.listCommentsFiltered({ articleSlug: slug, limit: 1000 })).length, count, 'nothing posted yet');
    // "I have a name already": the sign-in page carries the draft into the recovery form.
    const carried = await form(t, '/signin/with-draft', { intent: 'reply', comment: commentId, draft, return: '/' });
    assert.equal(carried.statusCode, 200);
    assert.match(carried.body, /Your reply to Ada is kept/);
    assert.equal((carried.body.match(/name="draft"/g) ?? []).length, 2, 'both sign-in forms carry it');
    // A draft longer than a comment may be does not travel.
    const long = await form(t, '/signin/with-draft', { intent: 'reply', comment: commentId, draft: 'x'.repeat(10_001) });
    assert.doesNotMatch(long.body, /name="draft"/);
  });
});

describe('deleting, signing out, and the reader’s page', () => {
  test('deleting without the script asks on a page of its own: the comment, Delete and Keep it', async () => {
    const writer = await signIn(t, 'Deleting Dora');
    const c = await postComment(t, writer, slug, 'A comment Dora will think twice about');
    const article = await page(`/writing/${slug}`, writer.cookie);
    assert.match(article, new RegExp(`<form method="get" action="/comments/${c.id}/delete" class="delete-form">`));
    const ask = await call(t, 'GET', `/comments/${c.id}/delete`, { cookie: writer.cookie });
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Delete your comment\?/);
    assert.match(ask.body, /A comment Dora will think twice about/);
    assert.match(ask.body, /Keep it/);
    assert.equal((await t.store.getComment(c.id))?.state, 'visible', 'asking deletes nothing');
    const other = await signIn(t, 'Nosy Neighbour');
    assert.equal((await call(t, 'GET', `/comments/${c.id}/delete`, { cookie: other.cookie })).statusCode, 404);
    assert.equal((await call(t, 'GET', `/comments/${c.id}/delete`)).statusCode, 303, 'a visitor is sent to sign in');
    const done = await form(t, `/comments/${c.id}/delete`, {}, writer.cookie);
    assert.equal(done.statusCode, 303);
    assert.equal(await t.store.getComment(c.id), undefined);
  });

  test('signing out says so', async () => {
    const who = await signIn(t, 'Leaving Leo');
    const out = await form(t, '/signout', {}, who.cookie);
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, '/signed-out');
    assert.match(await page('/signed-out'), /You are signed out on this device/);
    const all = await signIn(t, 'Leaving Lena');
    const everywhere = await form(t, '/signout/everywhere', {}, all.cookie);
    assert.equal(everywhere.headers.location, '/signed-out?how=everywhere');
    assert.match(await page('/signed-out?how=everywhere'), /on every device/);
  });

  test('/me: name and key, sessions, notifications, data, and deleting last, behind a confirmation', async () => {
    const me = await signIn(t, 'Orderly Olga');
    await postComment(t, me, slug, 'Olga was here');
    const html = await page('/me', me.cookie);
    const order = ['Your name and key', 'Your sessions', 'Notifications', 'Your data', 'Delete your name'].map((h) =>
      html.indexOf(`>${h}</h2>`),
    );
    assert.ok(
      order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)),
      `sections in order: ${order}`,
    );
    assert.doesNotMatch(html, /action="\/me\/delete"/, 'no delete form on the page itself');
    const ask = await page('/me/delete', me.cookie);
    assert.match(ask, /1 comment you wrote/);
    assert.match(ask, /No upvotes/);
    assert.match(ask, /What stays/);
    const rotated = await form(t, '/me/recovery-key', {}, me.cookie);
    assert.match(rotated.body, /data-copy-target="recovery-key-value"/, 'the new key has a Copy button');
    const gone = await form(t, '/me/delete', { confirm: 'yes' }, me.cookie);
    assert.equal(gone.headers.location, '/signed-out?how=deleted');
    assert.match(await page('/signed-out?how=deleted'), /Your name is deleted/);
  });

  test('the author sees a link to the desk at the top of /me', async () => {
    const author = await signInAuthor(t);
    const html = await page('/me', author.cookie);
    assert.ok(html.indexOf('href="/admin"') < html.indexOf('Your name and key'));
    assert.doesNotMatch(await page('/me', (await signIn(t, 'Plain Reader')).cookie), /Go to your desk/);
  });
});
