import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultModeration } from '../src/config.ts';
import { countLinks, holdReason } from '../src/discussion/holds.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { type Person, call, form, generousLimits, postComment, publicComments, signIn, signInAuthor } from './helpers/people.ts';

const slug = 'the-last-ten-percent';

describe('hold policies (pure)', () => {
  const settings = { holdFirstComment: false, holdLinksOver: 2, holdWords: ['casino', 'cheap pills'] };

  test('links are counted once each, in every way a reader can write one', () => {
    assert.equal(countLinks('no links here'), 0);
    assert.equal(countLinks('see https://a.example/x and www.b.example'), 2);
    assert.equal(countLinks('[text](https://a.example/x) and <https://c.example>'), 2);
    assert.equal(countLinks('example.com is not a link to us'), 0);
  });

  test('each policy holds what it should and nothing else', () => {
    assert.equal(holdReason('two links https://a.example https://b.example', settings, false), null);
    assert.match(holdReason('three https://a.example https://b.example https://c.example', settings, false) ?? '', /3 links/);
    assert.match(holdReason('Visit my CASINO today', settings, false) ?? '', /word list/);
    assert.match(holdReason('cheap   pills for all', settings, false) ?? '', /word list/);
    assert.equal(holdReason('casinos and occasional pills', settings, false), null, 'whole words only');
    assert.equal(holdReason('hello', settings, true), null, 'first-comment policy off');
    assert.match(holdReason('hello', { ...settings, holdFirstComment: true }, true) ?? '', /first comment/);
    assert.equal(holdReason('hello', { ...settings, holdFirstComment: true }, false), null);
    assert.equal(holdReason('https://a.example', { ...settings, holdLinksOver: 0 }, false) !== null, true, '0 holds any link');
  });
});

describe('held comments over HTTP', () => {
  const clock = Date.parse('2026-11-25T12:00:00Z');
  let t: TestApp;
  let author: Person;
  let regular: Person;

  before(async () => {
    t = await startTestApp({
      listen: false,
      now: () => clock,
      config: {
        limits: generousLimits,
        moderation: { ...defaultModeration, holdFirstComment: true, holdLinksOver: 2, holdWords: ['casino'] },
      },
    });
    author = await signInAuthor(t);
    regular = await signIn(t, 'Regular Reader');
    // A first comment, approved, so the later checks see only the link and word policies.
    const first = await postComment(t, regular, slug, 'My first words');
    assert.equal(first.held, true);
    await t.store.setCommentState(first.id, 'visible', clock);
  });
  after(async () => t.close());

  async function isPublic(id: string): Promise<boolean> {
    return (await publicComments(t, slug)).comments.some((c) => c.id === id);
  }

  test('the first comment of a new name is held, and so is its second while the first waits; nothing else is', async () => {
    const newcomer = await signIn(t, 'Brand New');
    const a = await postComment(t, newcomer, slug, 'Hello everyone');
    const b = await postComment(t, newcomer, slug, 'Anyone there?');
    assert.equal(a.held, true);
    assert.equal(b.held, true);
    const ok = await postComment(t, regular, slug, 'An ordinary comment with one link https://a.example');
    assert.equal(ok.held, undefined);
    assert.ok(await isPublic(ok.id));
    const mine = await postComment(
      t,
      author,
      slug,
      'The author is never held https://a.example https://b.example https://c.example casino',
    );
    assert.equal(mine.held, undefined);
  });

  test('too many links and listed words are held; fewer links and other words are not', async () => {
    const links = await postComment(t, regular, slug, 'https://a.example https://b.example https://c.example');
    const word = await postComment(t, regular, slug, 'Best Casino in town');
    const fine = await postComment(t, regular, slug, 'occasional casinos https://a.example https://b.example');
    assert.equal(links.held, true);
    assert.equal(word.held, true);
    assert.equal(fine.held, undefined);
    const queue = await call(t, 'GET', '/admin', { cookie: author.cookie });
    assert.match(queue.body, /Best Casino in town/);
    assert.doesNotMatch(queue.body, /occasional casinos/);
  });

  test('a held comment is shown to its writer as waiting for review, to the author, and to nobody else', async () => {
    const before = await publicComments(t, slug);
    const held = await postComment(t, regular, slug, 'Secret casino offer');
    assert.equal(held.held, true);
    const other = await signIn(t, 'Another Reader');
    for (const cookie of [undefined, other.cookie]) {
      const list = await publicComments(t, slug, cookie);
      assert.equal(
        list.comments.some((c) => c.id === held.id),
        false,
      );
      const single = await call(t, 'GET', `/api/v1/comments/${held.id}`, { cookie });
      assert.equal(single.statusCode, 404);
      const page = await call(t, 'GET', `/writing/${slug}`, { cookie });
      assert.doesNotMatch(page.body, /Secret casino offer/);
    }
    assert.equal((await publicComments(t, slug)).total, before.total, 'not in the count');
    assert.doesNotMatch((await call(t, 'GET', `/writing/${slug}/comments.xml`)).body, /Secret casino offer/);
    const events = await t.store.eventsSince(slug, 0, 10_000);
    assert.equal(
      events.some((e) => e.kind === 'comment' && e.payload.includes(held.id)),
      false,
      'no live event',
    );
    const writerPage = await call(t, 'GET', `/writing/${slug}`, { cookie: regular.cookie });
    assert.match(writerPage.body, /Secret casino offer/);
    assert.match(writerPage.body, /Waiting for review/);
    const authorPage = await call(t, 'GET', `/writing/${slug}`, { cookie: author.cookie });
    assert.match(authorPage.body, /Secret casino offer/);
    assert.match(authorPage.body, new RegExp(`/admin/comments/${held.id}/release`));
    // Nobody can vote on it or reply to it meanwhile.
    assert.equal((await call(t, 'PUT', `/api/v1/comments/${held.id}/vote`, { cookie: other.cookie })).statusCode, 404);
    const inbox = await t.store.listNotifications(regular.id, 50);
    assert.ok(
      inbox.some((n) => n.kind === 'held' && n.commentId === held.id),
      'the writer is told it waits',
    );
  });

  test('approving makes it public, sends the live event and tells the writer and the parent’s writer', async () => {
    const parentWriter = await signIn(t, 'Parent Writer');
    await t.store.setCommentState((await postComment(t, parentWriter, slug, 'parent first')).id, 'visible', clock);
    const parent = await postComment(t, parentWriter, slug, 'A parent comment');
    const reply = await postComment(t, regular, slug, 'A casino reply', parent.id);
    assert.equal(reply.held, true);
    assert.equal(
      (await t.store.listNotifications(parentWriter.id, 50)).some((n) => n.commentId === reply.id),
      false,
      'no reply notice while held',
    );
    const lastEvent = await t.store.latestEventId();
    const res = await form(t, `/admin/comments/${reply.id}/release`, { return: '/admin' }, author.cookie);
    assert.equal(res.statusCode, 303);
    assert.ok(await isPublic(reply.id));
    const events = await t.store.eventsSince(slug, lastEvent, 100);
    assert.ok(events.some((e) => e.kind === 'comment' && e.payload.includes(reply.id)));
    assert.ok((await t.store.listNotifications(regular.id, 50)).some((n) => n.kind === 'released' && n.commentId === reply.id));
    assert.ok((await t.store.listNotifications(parentWriter.id, 50)).some((n) => n.kind === 'reply' && n.commentId === reply.id));
    assert.equal((await t.store.listAudit(1))[0]?.action, 'comment.release');
  });
});

describe('honeypot and minimum time on the comment form', () => {
  let clock = Date.parse('2026-11-25T12:00:00Z');
  let t: TestApp;
  let reader: Person;

  before(async () => {
    t = await startTestApp({
      listen: false,
      now: () => clock,
      config: { limits: generousLimits, moderation: { ...defaultModeration, minSubmitSeconds: 3 } },
    });
    reader = await signIn(t, 'Form Writer');
  });
  after(async () => t.close());

  async function renderedForm(): Promise<{ t: string; page: string }> {
    const page = (await call(t, 'GET', `/writing/${slug}`, { cookie: reader.cookie })).body;
    const match = /name="_t" value="([^"]+)"/.exec(page);
    assert.ok(match, 'the signed-in form carries its render time');
    return { t: match[1]!, page };
  }

  test('the form has a trap field hidden from people and screen readers', async () => {
    const { page } = await renderedForm();
    assert.match(
      page,
      /<div class="visually-hidden" aria-hidden="true"><label for="composer-website">Leave this field empty<\/label><input id="composer-website" name="website" type="text" tabindex="-1" autocomplete="off" value(="")?\/?><\/div>/,
    );
    const anonymous = (await call(t, 'GET', `/writing/${slug}`)).body;
    assert.doesNotMatch(anonymous, /name="_t"/, 'the cached visitor page has no composer and no timestamp');
  });

  test('too fast, missing or forged timing, or a filled trap: a friendly 422 and nothing stored', async () => {
    const before = (await t.store.listComments(slug)).length;
    const { t: stamp } = await renderedForm();
    clock += 1000;
    const fast = await form(t, `/writing/${slug}/comments`, { body: 'too fast', _t: stamp }, reader.cookie);
    assert.equal(fast.statusCode, 422);
    assert.match(fast.body, /quicker than we allow/);
    clock += 5000;
    const missing = await form(t, `/writing/${slug}/comments`, { body: 'no stamp' }, reader.cookie);
    assert.equal(missing.statusCode, 422);
    const forged = await form(
      t,
      `/writing/${slug}/comments`,
      { body: 'forged', _t: `${clock - 60_000}.AAAAAAAAAAAAAAAAAAAAAA` },
      reader.cookie,
    );
    assert.equal(forged.statusCode, 422);
    const trapped = await form(t, `/writing/${slug}/comments`, { body: 'bot', _t: stamp, website: 'http://spam.example' }, reader.cookie);
    assert.equal(trapped.statusCode, 422);
    assert.equal((await t.store.listComments(slug)).length, before);
  });

  test('a person who takes their time posts normally', async () => {
    const { t: stamp } = await renderedForm();
    clock += 3000;
    const res = await form(t, `/writing/${slug}/comments`, { body: 'Written with care', _t: stamp, website: '' }, reader.cookie);
    assert.equal(res.statusCode, 303, res.body);
    assert.ok((await publicComments(t, slug)).comments.some((c) => c.html.includes('Written with care')));
  });
});
