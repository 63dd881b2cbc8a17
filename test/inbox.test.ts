import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultModeration } from '../src/config.ts';
import { excerpt, plainText } from '../src/discussion/excerpt.ts';
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
    assert.ok(feed.body.includes(`/writing/${slug}?thread=${mine.id}#comment-${authorReply.id}`), 'a reply links to its whole thread');
    assert.equal(feed.headers['cache-control'], 'private, no-store');

    const inbox = await call(t, 'GET', '/inbox', { cookie: ada.cookie });
    assert.equal(inbox.statusCode, 200);
    assert.match(inbox.body, /Bob Replier replied to your comment/);
    assert.match(inbox.body, /the author, replied/);
    assert.match(inbox.body, /class="inbox-item unread"/);
    assert.equal(badge((await call(t, 'GET', `/writing/${slug}`, { cookie: ada.cookie })).body), undefined, 'read after opening the inbox');
    assert.doesNotMatch((await call(t, 'GET', '/inbox', { cookie: ada.cookie })).body, /class="inbox-item unread"/);

    // Others' inboxes are untouched; the author hears of the new thread only, not of their own reply.
    assert.equal((await t.store.listNotifications(bob.id, 10)).length, 0);
    assert.deepEqual(
      (await t.store.listNotifications(author.id, 10)).map((n) => [n.kind, n.commentId]),
      [['new_comment', mine.id]],
    );

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

describe('the author’s notifications', () => {
  const other = 'done-is-a-decision';
  let a: TestApp;
  let author: Person;
  let ada: Person;
  let bob: Person;
  let now = Date.parse('2026-12-01T09:00:00Z');

  before(async () => {
    a = await startTestApp({
      listen: false,
      now: () => now,
      config: { limits: generousLimits, moderation: { ...defaultModeration, holdWords: ['parrot'] } },
    });
    author = await signInAuthor(a);
    ada = await signIn(a, 'Ada Notices');
    bob = await signIn(a, 'Bob Notices');
  });
  after(async () => a.close());

  /** The author's items about one comment, by kind. */
  async function kindsAbout(who: Person, commentId: string): Promise<string[]> {
    return (await a.store.listNotifications(who.id, 500)).filter((n) => n.commentId === commentId).map((n) => n.kind);
  }

  /** The header's desk link as the page shows it and as a screen reader says it, or undefined when there is none. */
  function desk(html: string): { text: string; label: string } | undefined {
    const inner = /<a href="\/admin" class="nav-desk">(.*?)<\/a>/.exec(html)?.[1];
    if (inner === undefined) return undefined;
    const words = (h: string) => h.replace(/<[^>]+>/g, '');
    return { text: words(inner.replace(/<span class="visually-hidden">[^<]*<\/span>/g, '')), label: words(inner) };
  }

  test('a held comment asks the author to review it and tells no one else; the author’s own comments tell no one', async () => {
    const question = await postComment(a, ada, slug, 'Ada wonders about estimates');
    const held = await postComment(a, bob, slug, 'A parrot says hello', question.id);
    assert.equal(held.held, true);
    assert.deepEqual(await kindsAbout(author, held.id), ['review']);
    assert.deepEqual(await kindsAbout(bob, held.id), ['held']);
    assert.deepEqual(await kindsAbout(ada, held.id), [], 'a held reply is no public notice');

    const own = await postComment(a, author, slug, 'The author opens a thread');
    const ownReply = await postComment(a, author, slug, 'The author answers Ada', question.id);
    assert.deepEqual(await kindsAbout(author, own.id), []);
    assert.deepEqual(await kindsAbout(author, ownReply.id), []);
    assert.deepEqual(await kindsAbout(ada, ownReply.id), ['author_reply']);

    // Approving it tells its writer and the reader it answers; the author saw it already.
    assert.equal((await form(a, `/admin/comments/${held.id}/release`, {}, author.cookie)).statusCode, 303);
    assert.deepEqual(await kindsAbout(author, held.id), ['review']);
    assert.deepEqual(await kindsAbout(ada, held.id), ['reply']);
  });

  test('new comments reach the author as far as the inbox setting says', async () => {
    const settings = await call(a, 'GET', '/inbox', { cookie: author.cookie });
    assert.match(settings.body, /<h2 id="inbox-settings">What reaches your inbox<\/h2>/);
    assert.match(settings.body, /value="threads" checked/, 'new threads by default');

    // Held comments and new threads (the default): top-level comments, and replies to the author as replies.
    const thread = await postComment(a, ada, other, 'A new thread from Ada');
    const readerReply = await postComment(a, bob, other, 'Bob answers Ada', thread.id);
    const authorsComment = await postComment(a, author, other, 'The author’s thread');
    const toAuthor = await postComment(a, bob, other, 'Bob answers the author', authorsComment.id);
    assert.deepEqual(await kindsAbout(author, thread.id), ['new_comment']);
    assert.deepEqual(await kindsAbout(author, readerReply.id), []);
    assert.deepEqual(await kindsAbout(author, toAuthor.id), ['reply'], 'told once, as a reply');

    const everything = await form(a, '/inbox/settings', { amount: 'everything' }, author.cookie);
    assert.equal(everything.statusCode, 303);
    assert.equal(everything.headers.location, '/inbox?saved=1#inbox-settings');
    const saved = await call(a, 'GET', '/inbox?saved=1', { cookie: author.cookie });
    assert.match(saved.body, /Your inbox setting is saved/);
    assert.match(saved.body, /value="everything" checked/);
    const everyReply = await postComment(a, ada, other, 'Ada answers Bob', readerReply.id);
    assert.deepEqual(await kindsAbout(author, everyReply.id), ['new_comment']);

    assert.equal((await form(a, '/inbox/settings', { amount: 'held' }, author.cookie)).statusCode, 303);
    const quiet = await postComment(a, ada, other, 'Another thread, unannounced');
    assert.deepEqual(await kindsAbout(author, quiet.id), []);
    const heldAnyway = await postComment(a, ada, other, 'A parrot thread');
    assert.deepEqual(await kindsAbout(author, heldAnyway.id), ['review']);

    // A value the form never offers is refused, beside the setting, and changes nothing.
    const refused = await form(a, '/inbox/settings', { amount: 'loud' }, author.cookie);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /class="form-error" id="inbox-settings-error">Choose one of the settings offered/);
    assert.match(refused.body, /value="held" checked/);
    assert.equal(await a.ctx.inbox.amount(author.id), 'held');
    assert.equal((await form(a, '/inbox/settings', { amount: 'threads' }, author.cookie)).statusCode, 303);

    // Readers have no such setting.
    const readerInbox = await call(a, 'GET', '/inbox', { cookie: ada.cookie });
    assert.doesNotMatch(readerInbox.body, /inbox-settings|href="\/admin"/);
    assert.equal((await form(a, '/inbox/settings', { amount: 'everything' }, ada.cookie)).statusCode, 403);
    assert.equal((await form(a, '/inbox/settings', { amount: 'everything', _csrf: 'forged' }, author.cookie)).statusCode, 403);
  });

  test('the header links the author to the desk with what waits there; opening the desk starts “new” again', async () => {
    assert.equal((await call(a, 'GET', '/admin', { cookie: author.cookie })).statusCode, 200);
    const start = desk((await call(a, 'GET', `/writing/${slug}`, { cookie: author.cookie })).body);
    assert.ok(start, 'the author’s header links to the desk');
    assert.doesNotMatch(start.text, /new/, 'nothing new right after a visit');
    const heldBefore = Number(/(\d+) held/.exec(start.text)?.[1] ?? 0);
    now += 60_000;

    await postComment(a, ada, slug, 'Fresh words from Ada');
    await postComment(a, bob, slug, 'Fresh words from Bob');
    const waiting = await postComment(a, bob, slug, 'A parrot waits');
    await postComment(a, author, slug, 'The author’s own words are not news to the author');
    const expected = `Desk · ${heldBefore + 1} held · 2 new`;
    for (const path of [`/writing/${slug}`, '/me', '/inbox']) {
      const link = desk((await call(a, 'GET', path, { cookie: author.cookie })).body);
      assert.equal(link?.text, expected, path);
      assert.equal(link?.label, `Desk · ${heldBefore + 1} held for review · 2 new since your last visit`, path);
    }
    const inbox = await call(a, 'GET', '/inbox', { cookie: author.cookie });
    assert.match(inbox.body, /<a href="\/admin" class="button-link">Open the desk<\/a>/);

    now += 60_000;
    const queue = await call(a, 'GET', '/admin', { cookie: author.cookie });
    assert.equal(desk(queue.body)?.text, `Desk · ${heldBefore + 1} held`, 'the desk page itself shows nothing new');
    assert.equal(desk((await call(a, 'GET', `/writing/${slug}`, { cookie: author.cookie })).body)?.text, `Desk · ${heldBefore + 1} held`);
    await form(a, `/admin/comments/${waiting.id}/release`, {}, author.cookie);
    const after = desk((await call(a, 'GET', '/me', { cookie: author.cookie })).body);
    assert.equal(after?.text, heldBefore > 0 ? `Desk · ${heldBefore} held` : 'Desk', 'a comment approved on the desk is no news');
  });

  test('readers never see the desk link, and no cached page carries the author’s header', async () => {
    await call(a, 'GET', `/writing/${other}`, { cookie: author.cookie });
    for (const cookie of [ada.cookie, `${ada.cookie}; byline_js=1`, undefined, undefined]) {
      const page = await call(a, 'GET', `/writing/${other}`, { cookie });
      assert.equal(page.statusCode, 200);
      assert.equal(desk(page.body), undefined);
      assert.doesNotMatch(page.body, /Mara Quill<\/a><a href="\/inbox"|class="viewer-name">Mara Quill/);
    }
    assert.equal(desk((await call(a, 'GET', '/me', { cookie: ada.cookie })).body), undefined);
    // A reader's own pages keep their inbox count in the header, the account pages too.
    await postComment(a, bob, other, 'Bob answers Ada again', (await postComment(a, ada, other, 'Ada asks again')).id);
    assert.match((await call(a, 'GET', '/me', { cookie: ada.cookie })).body, /class="inbox-badge">\d+ new</);
  });

  test('inbox items name the article by title and quote the comment as its reader may see it, in the page and the feed', async () => {
    const words = `**Plainly** put, see [the notes](https://example.com/x) and <b>tags</b> & ${'more words '.repeat(30)}`;
    const long = await postComment(a, ada, slug, words);
    const gone = await postComment(a, bob, slug, 'Soon deleted by Bob');
    assert.equal((await call(a, 'DELETE', `/api/v1/comments/${gone.id}`, { cookie: bob.cookie })).statusCode, 200);
    const removed = await postComment(a, bob, slug, 'Soon removed by the author');
    await form(a, `/admin/comments/${removed.id}/hide`, {}, author.cookie);

    const page = (await call(a, 'GET', '/inbox', { cookie: author.cookie })).body;
    const item = (id: string) =>
      new RegExp(`<li class="inbox-item[^"]*">(?:(?!</li>).)*#comment-${id}"(?:(?!</li>).)*</li>`).exec(page)?.[0];
    const longItem = item(long.id);
    assert.ok(longItem);
    assert.match(longItem, /commented on your article<\/a> on <cite>The last ten percent is most of the work<\/cite>/);
    const excerpt = /<p class="inbox-excerpt">([^<]*)<\/p>/.exec(longItem)?.[1];
    assert.ok(excerpt);
    assert.ok(excerpt?.startsWith('Plainly put, see the notes and &lt;b>tags&lt;/b> &amp; more words'), excerpt);
    assert.ok(excerpt.endsWith('…'));
    assert.ok(excerpt.replace(/&[a-z]+;/g, '_').length <= 160);
    assert.doesNotMatch(item(gone.id) ?? '', /inbox-excerpt/, 'nothing of a deleted comment');
    assert.match(item(removed.id) ?? '', /Soon removed by the author/, 'the author still reads what was hidden');
    const bobsRemoval = (await call(a, 'GET', '/inbox', { cookie: bob.cookie })).body;
    assert.match(bobsRemoval, /Your comment was removed by the author/);
    assert.doesNotMatch(bobsRemoval, /Soon removed by the author/, 'its writer sees the placeholder, so no quote');

    const feedPath = new URL(/<code>([^<]+)<\/code>/.exec((await form(a, '/inbox/feed', {}, author.cookie)).body)![1]!).pathname;
    const feed = (await call(a, 'GET', feedPath)).body;
    assert.ok(feed.includes('commented on your article on “The last ten percent is most of the work”'));
    assert.ok(feed.includes('<summary type="html"><![CDATA[Plainly put, see the notes and &lt;b>tags&lt;/b> &amp; more words'));

    const api = (await call(a, 'GET', '/api/v1/inbox', { cookie: author.cookie })).json() as {
      items: { commentId: string; articleTitle: string; excerpt: string | null; url: string }[];
    };
    const fromApi = api.items.find((i) => i.commentId === removed.id);
    assert.equal(fromApi?.articleTitle, 'The last ten percent is most of the work');
    assert.equal(fromApi?.excerpt, 'Soon removed by the author');
    assert.equal(fromApi?.url, `/writing/${slug}#comment-${removed.id}`);
  });

  test('the author’s private feed sums up each past day with readers’ comments, linking to the desk', async () => {
    now = Date.parse('2026-12-20T10:00:00Z');
    const mine = await postComment(a, author, slug, 'The author starts the day');
    await postComment(a, ada, slug, 'Ada on the twentieth');
    await postComment(a, bob, slug, 'Bob answers the author', mine.id);
    await postComment(a, bob, other, 'A parrot on the twentieth');
    now = Date.parse('2026-12-21T08:00:00Z');
    await postComment(a, ada, other, 'Ada on the next day: today is not summed up yet');

    const feedPath = new URL(/<code>([^<]+)<\/code>/.exec((await form(a, '/inbox/feed', {}, author.cookie)).body)![1]!).pathname;
    const feed = (await call(a, 'GET', feedPath)).body;
    const entry = /<entry>(?:(?!<\/entry>)[\s\S])*\/day\/2026-12-20<\/id>(?:(?!<\/entry>)[\s\S])*<\/entry>/.exec(feed)?.[0];
    assert.ok(entry, 'one entry for the twentieth');
    assert.match(entry, /Sunday, December 20, 2026: 3 comments, 1 held, 1 reply to you/);
    assert.match(entry, /<link href="[^"]*\/admin"\/>/);
    assert.match(entry, /The last ten percent is most of the work<\/a>: 2 comments, 1 reply to you/);
    assert.match(entry, /Done is a decision, not a feeling<\/a>: 1 comment, 1 held/);
    assert.match(entry, /<updated>2026-12-21T00:00:00.000Z<\/updated>/);
    assert.doesNotMatch(feed, /\/day\/2026-12-21</);

    const readerFeedPath = new URL(/<code>([^<]+)<\/code>/.exec((await form(a, '/inbox/feed', {}, ada.cookie)).body)![1]!).pathname;
    assert.doesNotMatch((await call(a, 'GET', readerFeedPath)).body, /\/day\//, 'readers get no summary');
  });
});

describe('comment excerpts', () => {
  test('keep the words, drop the markup and link addresses, and cut at a word with an ellipsis', () => {
    assert.equal(
      plainText('**Bold** and `code`, a [label](https://example.com)\n\n> quoted\n\n- one\n- two'),
      'Bold and code, a label quoted one two',
    );
    assert.equal(plainText('<script>alert(1)</script> ![alt text](https://x.test/i.png)'), '<script>alert(1)</script> alt text');
    assert.equal(plainText('a\u202Eb\u0007c'), 'abc');
    assert.equal(excerpt('Short and whole.'), 'Short and whole.');
    const long = excerpt(`${'word '.repeat(50)}end`, 40);
    assert.ok(long.endsWith('word…'), long);
    assert.ok([...long].length <= 40);
    // Characters a reader sees as one are never split: a family emoji stays whole.
    const family = '👨‍👩‍👧';
    const emoji = excerpt(family.repeat(20), 10);
    assert.equal(emoji, `${family.repeat(9)}…`);
  });
});
