import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultModeration } from '../src/config.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { type Person, call, form, generousLimits, postComment, signIn, signInAuthor } from './helpers/people.ts';

const slug = 'the-last-ten-percent';
let clock = Date.parse('2026-11-25T12:00:00Z');
let t: TestApp;
let author: Person;
let ada: Person;
let bob: Person;

before(async () => {
  t = await startTestApp({ listen: false, now: () => clock, config: { limits: generousLimits, moderation: { ...defaultModeration } } });
  author = await signInAuthor(t);
  ada = await signIn(t, 'Ada Inbox');
  bob = await signIn(t, 'Bob Replier');
});
after(async () => t.close());

function badge(html: string): string | undefined {
  return /class="inbox-badge">(\d+) new</.exec(html)?.[1];
}

async function makeFeed(who: Person): Promise<string> {
  const res = await form(t, '/inbox/feed', {}, who.cookie);
  assert.equal(res.statusCode, 200, res.body);
  const url = /<code>([^<]+\/feeds\/inbox\/[A-Za-z0-9_-]+\.xml)<\/code>/.exec(res.body)?.[1];
  assert.ok(url, 'the new feed address is shown once');
  return new URL(url).pathname;
}

describe('inbox', () => {
  test('a reply and the author’s reply arrive in the inbox, the feed, and the header badge; opening the inbox marks them read', async () => {
    const mine = await postComment(t, ada, slug, 'Ada asks a question');
    const feedPath = await makeFeed(ada);
    const emptyFeed = await call(t, 'GET', feedPath);
    assert.equal(emptyFeed.statusCode, 200);
    assert.match(String(emptyFeed.headers['content-type']), /application\/atom\+xml/);
    assert.doesNotMatch(emptyFeed.body, /<entry>/);

    clock += 60_000;
    await postComment(t, bob, slug, 'Bob answers', mine.id);
    // Answering yourself, or the author's own comments, notify nobody extra.
    await postComment(t, ada, slug, 'Ada adds a note', mine.id);
    assert.equal(badge((await call(t, 'GET', `/writing/${slug}`, { cookie: ada.cookie })).body), '1');

    clock += 60_000;
    const authorReply = await postComment(t, author, slug, 'The author answers', mine.id);
    const page = (await call(t, 'GET', `/writing/${slug}`, { cookie: ada.cookie })).body;
    assert.equal(badge(page), '2');
    assert.match(page, /href="\/inbox" class="inbox-badge"/);

    const feed = await call(t, 'GET', feedPath);
    assert.equal(feed.statusCode, 200);
    assert.match(feed.body, /Bob Replier replied to your comment/);
    assert.match(feed.body, /Mara Quill, the author, replied to your comment/);
    assert.ok(feed.body.includes(`/writing/${slug}#comment-${authorReply.id}`));
    assert.equal(feed.headers['cache-control'], 'private, no-store');

    const inbox = await call(t, 'GET', '/inbox', { cookie: ada.cookie });
    assert.equal(inbox.statusCode, 200);
    assert.match(inbox.body, /Bob Replier replied to your comment/);
    assert.match(inbox.body, /the author, replied/);
    assert.match(inbox.body, /class="unread"/);
    assert.equal(badge((await call(t, 'GET', `/writing/${slug}`, { cookie: ada.cookie })).body), undefined, 'read after opening the inbox');
    assert.doesNotMatch((await call(t, 'GET', '/inbox', { cookie: ada.cookie })).body, /class="unread"/);

    // Others' inboxes are untouched; the author is not told about their own reply.
    assert.equal((await t.store.listNotifications(bob.id, 10)).length, 0);
    assert.equal((await t.store.listNotifications(author.id, 10)).length, 0);

    const api = await call(t, 'GET', '/api/v1/inbox', { cookie: ada.cookie });
    assert.equal((api.json() as { items: unknown[] }).items.length, 2);
  });

  test('a new feed address replaces the old one, and a revoked or unknown one answers 404', async () => {
    const first = await makeFeed(ada);
    const second = await makeFeed(ada);
    assert.notEqual(first, second);
    assert.equal((await call(t, 'GET', first)).statusCode, 404);
    assert.equal((await call(t, 'GET', second)).statusCode, 200);
    const revoked = await form(t, '/inbox/feed/revoke', {}, ada.cookie);
    assert.equal(revoked.statusCode, 200);
    assert.equal((await call(t, 'GET', second)).statusCode, 404);
    assert.equal((await call(t, 'GET', '/feeds/inbox/not-a-token.xml')).statusCode, 404);
    assert.equal((await call(t, 'GET', '/feeds/inbox/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.xml')).statusCode, 404);
  });

  test('the inbox and feed forms need a signed-in reader and the form token', async () => {
    assert.equal((await call(t, 'GET', '/inbox')).statusCode, 303);
    assert.equal((await form(t, '/inbox/feed', {})).statusCode, 303);
    assert.equal((await form(t, '/inbox/feed', { _csrf: 'forged' }, ada.cookie)).statusCode, 403);
  });

  test('making new feed addresses is limited like every other account action', async () => {
    const cara = await signIn(t, 'Cara Rotator');
    const allowance = t.config.writeLimits.accountActionsPerHour;
    for (let i = 0; i < allowance; i++) assert.equal((await form(t, '/inbox/feed', {}, cara.cookie)).statusCode, 200);
    const refused = await form(t, '/inbox/feed/revoke', {}, cara.cookie);
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.match(refused.body, /Slow down/);
  });

  test('/me offers the private feed', async () => {
    const me = await call(t, 'GET', '/me', { cookie: ada.cookie });
    assert.match(me.body, /action="\/inbox\/feed"/);
    assert.match(me.body, /action="\/inbox\/feed\/revoke"/);
  });
});

describe('per-article comments feed', () => {
  test('lists visible comments with their text and nothing held or hidden', async () => {
    const visible = await postComment(t, bob, slug, 'Public & <visible> words');
    const hidden = await postComment(t, bob, slug, 'Soon hidden words');
    await form(t, `/admin/comments/${hidden.id}/hide`, {}, author.cookie);
    const res = await call(t, 'GET', `/writing/${slug}/comments.xml`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^<\?xml/);
    assert.ok(res.body.includes(`#comment-${visible.id}`));
    assert.ok(res.body.includes('<![CDATA[<p>Public &amp; &lt;visible&gt; words</p>'), 'the sanitized HTML, escaped once');
    assert.doesNotMatch(res.body, /Soon hidden words/);
    assert.equal((await call(t, 'GET', '/writing/no-such-article/comments.xml')).statusCode, 404);
  });
});
