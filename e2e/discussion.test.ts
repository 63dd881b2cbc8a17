import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { defaultModeration } from '../src/config.ts';
import type { Viewer } from '../src/discussion/service.ts';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { artifactsDir, axeViolations, formatViolations, launchBrowser, newContext, watchThirdPartyRequests } from './helpers/browser.ts';

const generous = {
  newNamesPerPrefixPerHour: 100_000,
  newNamesPerPrefixPerDay: 100_000,
  newNamesPerNetworkPerDay: 100_000,
  commentsPer15Seconds: 100_000,
  commentsPerHour: 100_000,
  votesPerMinute: 100_000,
  recoveryFailuresPerHour: 100,
};
const cookieName = '__Host-byline_session';

// One open article per scenario, so the scenarios don't see each other's comments.
const slugs = {
  withJs: 'done-is-a-decision',
  withoutJs: 'how-to-stop-a-project-kindly',
  live: 'meetings-that-end-things',
  badge: 'write-the-announcement-first',
  xss: 'a-weekly-review-that-survives',
  permalink: 'scope-is-a-promise',
  big: 'the-last-ten-percent',
};

let t: TestApp;
let browser: Browser;
let nameCounter = 0;

before(async () => {
  // The no-JS form's "too quick to be a person" check is a bot heuristic with its own tests; a
  // scripted browser fills forms faster than anyone, so it is off here.
  t = await startTestApp({ config: { limits: generous, moderation: { ...defaultModeration, minSubmitSeconds: 0 } } });
  browser = await launchBrowser();
  for (const slug of Object.values(slugs)) assert.equal(await t.ctx.discussion.isOpen(slug), true, `${slug} is open for comments`);
});

after(async () => {
  await browser?.close();
  await t?.close();
});

/** A fresh display name nobody holds yet (letters only, so no look-alike collides by accident). */
function freshName(base: string): string {
  nameCounter += 1;
  const letters = nameCounter
    .toString(26)
    .split('')
    .map((d) => String.fromCharCode(97 + Number.parseInt(d, 26)))
    .join('');
  return `${base} ${letters}`;
}

interface Seeded {
  viewer: Viewer;
  name: string;
  /** The current recovery key: each use rotates it. */
  recoveryKey: string;
}

/** Signs a reader in on the server side (for seeding). */
async function seedReader(name = freshName('Seed')): Promise<Seeded> {
  const result = await t.ctx.discussion.signIn(name, null);
  return { viewer: { identity: result.identity }, name: result.identity.name, recoveryKey: result.recoveryKey };
}

async function seedComment(viewer: Viewer, slug: string, body: string, parentId?: string): Promise<string> {
  const result = await t.ctx.discussion.post(viewer, slug, { body, parentId });
  return result.comment.id;
}

async function seedAuthor(): Promise<{ viewer: Viewer }> {
  const { token } = await t.ctx.discussion.createAuthorLink();
  const result = await t.ctx.discussion.signInWithAuthorLink(token);
  return { viewer: { identity: result.identity } };
}

/** Signs a seeded reader in within a browser context, through the recovery form as a reader would. */
async function useSession(context: BrowserContext, reader: Seeded): Promise<void> {
  const page = await context.newPage();
  await page.goto(`${t.url}/signin?return=%2F`);
  await page.fill('#recover-name-field', reader.name);
  await page.fill('#recover-key-field', reader.recoveryKey);
  await page.click('.recover-form button[type=submit]');
  const key = await page.locator('.recovery-key code.key').innerText();
  reader.recoveryKey = key.trim();
  assert.ok(await sessionCookie(context), 'signed in');
  await page.close();
}

async function sessionCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies(t.url)).find((c) => c.name === cookieName)?.value;
}

/** Signs in through the page's own form, as a reader would, and comes back to the article. */
async function signInThroughPage(page: Page, slug: string, name: string): Promise<void> {
  await page.goto(`${t.url}/writing/${slug}`);
  await page.fill('.composer .signin-form input[name=name]', name);
  await Promise.all([page.waitForURL(`${t.url}/signin`), page.click('.composer .signin-form button[type=submit]')]);
  await page.waitForSelector('.recovery-key code.key');
  assert.match(await page.locator('h1').innerText(), new RegExp(`Welcome, ${name}`));
  await Promise.all([page.waitForURL(new RegExp(`/writing/${slug}`)), page.click('a.button-link:has-text("Continue")')]);
  await page.waitForSelector('.composer .comment-form textarea[name=body]');
}

/** Polls until the condition holds, within a bounded time. */
async function eventually<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() - start > timeoutMs) assert.fail(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

const commentText = (page: Page, id: string) => page.locator(`#comment-${id} > .comment-card > .comment-body`).innerText();
const scoreOf = (page: Page, id: string) => page.locator(`#comment-${id} > .comment-card > .comment-actions .score-value`).innerText();

async function setMarker(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __stayed?: boolean }).__stayed = true;
  });
}

async function markerSurvived(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __stayed?: boolean }).__stayed === true);
}

/** The id of the newest comment whose body contains this text. */
async function idOfCommentWith(page: Page, text: string): Promise<string> {
  const li = page.locator('li.comment', { has: page.locator(`.comment-body:has-text(${JSON.stringify(text)})`) }).last();
  await li.waitFor();
  const id = await li.getAttribute('data-id');
  assert.ok(id, `a comment with “${text}” is on the page`);
  return id;
}

async function expectVisibleAt(page: Page, id: string, text: string): Promise<void> {
  const li = page.locator(`#comment-${id}`);
  await li.waitFor({ state: 'visible' });
  assert.match(await commentText(page, id), new RegExp(text));
}

describe('a reader takes part in the discussion', () => {
  for (const js of [true, false]) {
    test(`signs in, posts, replies, upvotes and takes it back, edits and deletes — JavaScript ${js ? 'on' : 'off'}`, async () => {
      const slug = js ? slugs.withJs : slugs.withoutJs;
      const other = await seedReader(freshName('Other'));
      const othersId = await seedComment(other.viewer, slug, 'A comment by somebody else, to upvote.');
      t.ctx.changed(slug);

      const context = await newContext(browser, { javaScriptEnabled: js });
      const page = await context.newPage();
      const thirdParty = watchThirdPartyRequests(page, t.url);
      const name = freshName('Reader');
      await signInThroughPage(page, slug, name);
      assert.ok(await sessionCookie(context), 'the session cookie is set');
      assert.match(await page.locator('.composer .commenting-as').innerText(), new RegExp(name));

      // Post.
      const postText = `My first thought, ${js ? 'scripted' : 'plain'}.`;
      if (js) await setMarker(page);
      await page.fill('.composer .comment-form textarea[name=body]', postText);
      if (js) {
        await page.click('.composer .comment-form button[type=submit]');
      } else {
        await Promise.all([page.waitForURL(/#comment-/), page.click('.composer .comment-form button[type=submit]')]);
      }
      const myId = await idOfCommentWith(page, postText);
      await expectVisibleAt(page, myId, postText);
      if (js) {
        assert.ok(await markerSurvived(page), 'posting did not reload the page');
        assert.equal(await page.locator('.composer .comment-form textarea[name=body]').inputValue(), '', 'the composer is cleared');
      } else {
        assert.equal(new URL(page.url()).hash, `#comment-${myId}`, 'the form redirects back to the comment');
      }
      assert.equal((await t.store.getComment(myId))?.body, postText, 'stored byte for byte');

      // Reply to my own comment.
      const replyText = `And a reply to it, ${js ? 'scripted' : 'plain'}.`;
      if (js) {
        await page.click(`#comment-${myId} a.reply-link`);
        const form = page.locator(`#comment-${myId} form.inline-reply`);
        await form.locator('textarea').waitFor();
        assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'TEXTAREA', 'focus moves into the reply form');
        await form.locator('textarea').fill(replyText);
        await form.locator('button[type=submit]').click();
      } else {
        await Promise.all([page.waitForURL(/\/reply$/), page.click(`#comment-${myId} a.reply-link`)]);
        await page.fill('textarea[name=body]', replyText);
        await Promise.all([page.waitForURL(/#comment-/), page.click('.comment-form button[type=submit]')]);
      }
      const replyId = await idOfCommentWith(page, replyText);
      await expectVisibleAt(page, replyId, replyText);
      assert.equal(await page.locator(`#comment-${replyId}`).getAttribute('data-parent'), myId, 'the reply hangs on my comment');
      assert.equal((await t.store.getComment(replyId))?.parentId, myId);
      if (js) {
        assert.ok(await markerSurvived(page), 'replying did not reload the page');
        assert.equal(await page.locator('form.inline-reply').count(), 0, 'the inline reply form closes');
      }

      // Upvote somebody else's comment, then take the upvote back.
      if (!js) await page.goto(`${t.url}/writing/${slug}#comment-${othersId}`);
      const vote = page.locator(`#comment-${othersId} button.vote`);
      assert.equal(await scoreOf(page, othersId), '0');
      assert.equal(await vote.getAttribute('aria-pressed'), 'false');
      assert.match(
        (await vote.getAttribute('aria-label')) ?? '',
        new RegExp(`^Upvote the comment by ${other.viewer.identity.name}, score 0$`),
      );
      if (js) await vote.click();
      else await Promise.all([page.waitForURL(new RegExp(`#comment-${othersId}$`)), vote.click()]);
      await eventually(
        'the score after an upvote',
        () => scoreOf(page, othersId),
        (s) => s === '1',
      );
      await eventually(
        'the stored score',
        async () => (await t.store.getComment(othersId))?.score,
        (s) => s === 1,
      );
      assert.equal(await vote.getAttribute('aria-pressed'), 'true');
      assert.match((await vote.getAttribute('aria-label')) ?? '', /score 1$/);
      if (js)
        await eventually(
          'the vote request settles',
          () => vote.isEnabled(),
          (e) => e,
        );
      if (js) await vote.click();
      else await Promise.all([page.waitForURL(new RegExp(`#comment-${othersId}$`)), vote.click()]);
      await eventually(
        'the score after taking the upvote back',
        () => scoreOf(page, othersId),
        (s) => s === '0',
      );
      await eventually(
        'the stored score',
        async () => (await t.store.getComment(othersId))?.score,
        (s) => s === 0,
      );
      assert.equal(await vote.getAttribute('aria-pressed'), 'false');
      if (js) {
        assert.ok(await markerSurvived(page), 'voting did not reload the page');
        // The live region is cleared and refilled a moment later, so screen readers repeat it.
        await eventually(
          'the announcement',
          () => page.locator('.live-region').innerText(),
          (text) => /Upvote taken back/.test(text),
        );
      }

      // Edit my comment (a page of its own, with and without the script).
      await Promise.all([page.waitForURL(/\/comments\/[^/]+\/edit$/), page.click(`#comment-${myId} a.edit-link`)]);
      const edited = `${postText} Edited to add a second sentence.`;
      await page.fill('textarea[name=body]', edited);
      await Promise.all([page.waitForURL(new RegExp(`#comment-${myId}$`)), page.click('button:has-text("Save changes")')]);
      await expectVisibleAt(page, myId, 'Edited to add a second sentence');
      assert.equal(await page.locator(`#comment-${myId} .edited`).innerText(), 'edited');

      // Delete my comment: it has a reply, so a placeholder stays; then delete the reply, which vanishes.
      // Delete asks first: in place with the script, on a page of its own without.
      if (js) await setMarker(page);
      const del = async (id: string) => {
        await page.locator(`#comment-${id} button.delete-button`).click();
        if (js) return page.locator(`#comment-${id} button.confirm-delete`).click();
        await page.waitForURL(/\/delete\??$/);
        await Promise.all([page.waitForURL(/#comment-|#comments/), page.click('button.danger')]);
      };
      await del(myId);
      await eventually(
        'the placeholder',
        () => page.locator(`#comment-${myId} .comment-body`).innerText(),
        (s) => s === 'This comment was deleted.',
      );
      assert.equal(await page.locator(`#comment-${myId} .comment-author`).innerText(), '[deleted]');
      assert.equal(await page.locator(`#comment-${myId}`).getByText(postText).count(), 0, 'the old text is gone');
      assert.equal((await t.store.getComment(myId))?.state, 'deleted', 'a placeholder stays where a reply hangs on it');
      await del(replyId);
      await page.locator(`#comment-${replyId}`).waitFor({ state: 'detached' });
      assert.equal(await t.store.getComment(replyId), undefined, 'the reply is gone');
      if (js) assert.ok(await markerSurvived(page), 'deleting did not reload the page');

      assert.deepEqual(thirdParty, [], 'no third-party requests');
      await context.close();
    });
  }
});

describe('live updates', () => {
  test('a second browser sees a new comment and a new score arrive without reloading', async () => {
    const slug = slugs.live;
    const poster = await seedReader(freshName('Poster'));
    const existing = await seedComment(poster.viewer, slug, 'Already here before anyone looked.');
    t.ctx.changed(slug);

    const connectionsBefore = t.ctx.live.connections;
    const watcherContext = await newContext(browser);
    const watcher = await watcherContext.newPage();
    await watcher.goto(`${t.url}/writing/${slug}`);
    await watcher.waitForSelector(`#comment-${existing}`);
    await setMarker(watcher);
    // Wait until the live connection is open, so nothing races the subscription.
    await eventually(
      'the live connection',
      async () => t.ctx.live.connections,
      (n) => n > connectionsBefore,
    );

    const voterContext = await newContext(browser);
    const voter = await seedReader(freshName('Voter'));
    await useSession(voterContext, voter);
    const voterPage = await voterContext.newPage();
    await voterPage.goto(`${t.url}/writing/${slug}`);
    await voterPage.fill('.composer .comment-form textarea[name=body]', 'Arriving live from another browser.');
    await voterPage.click('.composer .comment-form button[type=submit]');
    const newId = await idOfCommentWith(voterPage, 'Arriving live from another browser.');
    await voterPage.click(`#comment-${existing} button.vote`);
    await eventually(
      'the voter sees score 1',
      () => scoreOf(voterPage, existing),
      (s) => s === '1',
    );

    // The watcher: the score changes in place, the comment waits behind the button.
    await eventually(
      'the new score arrives',
      () => scoreOf(watcher, existing),
      (s) => s === '1',
    );
    const button = watcher.locator('button.new-comments');
    await button.waitFor();
    assert.equal(await button.innerText(), '1 new comment');
    assert.equal(await watcher.locator(`#comment-${newId}`).count(), 0, 'the new comment is not inserted under the reader');
    await button.click();
    await expectVisibleAt(watcher, newId, 'Arriving live from another browser.');
    assert.equal(await button.count(), 0, 'the button goes away once shown');
    assert.ok(await markerSurvived(watcher), 'the watcher never reloaded');
    await eventually(
      'the announcement',
      () => watcher.locator('.live-region').innerText(),
      (s) => /1 new comment shown/.test(s),
    );

    // A second comment, then a third: the count says so.
    await seedComment(poster.viewer, slug, 'Second live one.');
    await seedComment(poster.viewer, slug, 'Third live one.');
    t.ctx.changed(slug);
    await eventually(
      'the count',
      () =>
        watcher
          .locator('button.new-comments')
          .innerText()
          .catch(() => ''),
      (s) => s === '2 new comments',
    );
    await watcherContext.close();
    await voterContext.close();
  });
});

describe('names', () => {
  test("a second reader cannot take a held name, a look-alike of it, or a look-alike of the author's", async () => {
    const held = freshName('Holder');
    await seedReader(held);
    const context = await newContext(browser, { javaScriptEnabled: false });
    const page = await context.newPage();
    const lookAlike = held.replace('o', 'о'); // Cyrillic о
    assert.notEqual(lookAlike, held);
    for (const name of [
      held,
      held.toLowerCase(),
      ` ${held.toUpperCase()} `,
      lookAlike,
      'Mara Quill',
      'mara quill',
      'Mаra Quill',
      'MARA  QUILL',
    ]) {
      await page.goto(`${t.url}/signin?return=%2F`);
      await page.fill('#signin-name', name);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${t.url}/signin` && r.request().method() === 'POST'),
        page.click('.signin-form button[type=submit]'),
      ]);
      assert.equal(response.status(), 409, `${JSON.stringify(name)} is refused`);
      const error = page.locator('.form-error[role=alert]');
      await error.waitFor();
      assert.match(await error.innerText(), /taken|reserved for the author/i, `the page says ${JSON.stringify(name)} is taken`);
      assert.equal(await sessionCookie(context), undefined, `no cookie for ${JSON.stringify(name)}`);
      assert.equal(await page.locator('.recovery-key').count(), 0);
    }
    await context.close();
  });
});

describe('the author badge', () => {
  test("appears exactly on the author's comments, never on a reader's", async () => {
    const slug = slugs.badge;
    const author = await seedAuthor();
    const authorComment = await seedComment(author.viewer, slug, 'Thanks for reading. The author here.');
    const sneaky = await seedReader(freshName('Authorship Fan'));
    const sneakyComment = await seedComment(
      sneaky.viewer,
      slug,
      '<span class=badge-author>Author</span> I am the author, honest. <span class="badge-author">Author</span>',
      authorComment,
    );
    const plain = await seedReader(freshName('Reader'));
    const plainComment = await seedComment(plain.viewer, slug, 'A plain reader comment.');
    t.ctx.changed(slug);

    const check = async (page: Page, label: string) => {
      const badges = page.locator('li.comment .badge-author');
      assert.equal(await badges.count(), 1, `${label}: one badge, on the author's one comment`);
      assert.equal(
        await page.locator(`#comment-${authorComment} > .comment-card > .comment-head > .badge-author`).count(),
        1,
        `${label}: on the author's comment`,
      );
      for (const id of [sneakyComment, plainComment])
        assert.equal(await page.locator(`#comment-${id} .badge-author`).count(), 0, `${label}: not on ${id}`);
      assert.match(await commentText(page, sneakyComment), /I am the author, honest/);
    };

    const anonymous = await newContext(browser);
    const anonPage = await anonymous.newPage();
    await anonPage.goto(`${t.url}/writing/${slug}`);
    await check(anonPage, 'signed out');
    await anonymous.close();

    // Through the real one-time link, the author posts a second comment from the browser.
    const authorContext = await newContext(browser);
    const authorPage = await authorContext.newPage();
    const link = await t.ctx.discussion.createAuthorLink();
    await authorPage.goto(`${t.url}/author/signin?token=${link.token}`);
    await authorPage.click('form[action="/author/signin"] button[type=submit]');
    await authorPage.waitForURL(`${t.url}/me`);
    await authorPage.goto(`${t.url}/writing/${slug}`);
    await authorPage.fill('.composer .comment-form textarea[name=body]', 'A second word from the author.');
    await authorPage.click('.composer .comment-form button[type=submit]');
    const second = await idOfCommentWith(authorPage, 'A second word from the author.');
    assert.equal(await authorPage.locator(`#comment-${second} .badge-author`).count(), 1, 'the posted fragment carries the badge');
    await authorPage.reload();
    assert.equal(await authorPage.locator('li.comment .badge-author').count(), 2, "two badges for the author's two comments");
    await authorContext.close();

    const reader = await newContext(browser);
    await useSession(reader, sneaky);
    const readerPage = await reader.newPage();
    await readerPage.goto(`${t.url}/writing/${slug}`);
    assert.equal(
      await readerPage.locator('li.comment .badge-author').count(),
      2,
      'signed in as the sneaky reader: still only the author’s two',
    );
    assert.equal(await readerPage.locator(`#comment-${sneakyComment} .badge-author`).count(), 0);
    assert.equal(await readerPage.locator('.composer .commenting-as .badge-author').count(), 0, 'no badge in the composer either');
    await reader.close();
  });
});

const payloads = [
  '<img src=x onerror=alert(1)>',
  '<img src=x onerror="window.__pwned=1">',
  '[x](javascript:alert(1))',
  '[y](JaVaScRiPt:window.__pwned=1)',
  '<script>window.__pwned=1</script>',
  '<svg onload=alert(1)>',
  '"><script>alert(1)</script>',
  '`<b>`',
  '<a href="javascript:alert(1)">click</a>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '![img](x" onerror="alert(1))',
  '<details open ontoggle=alert(1)>',
  '[z](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '</textarea><script>alert(1)</script>',
  '<style>*{display:none}</style>',
];

describe('XSS', () => {
  test('comment bodies full of XSS payloads run nothing, on the page and through live updates', async () => {
    const slug = slugs.xss;
    const attacker = await seedReader(freshName('Mallory'));
    for (const body of payloads) await seedComment(attacker.viewer, slug, body);
    t.ctx.changed(slug);

    const context = await newContext(browser);
    const dialogs: string[] = [];
    const watch = (page: Page) => {
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    };
    const page = await context.newPage();
    watch(page);
    await page.goto(`${t.url}/writing/${slug}`);
    await page.waitForSelector('li.comment');
    assert.equal(await page.locator('li.comment').count(), payloads.length);
    // Let every image error and every handler have its chance.
    await page.evaluate(() =>
      Promise.all([...document.images].map((img) => (img.complete ? undefined : new Promise((r) => img.addEventListener('error', r))))),
    );
    const pwned = () => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
    assert.equal(await pwned(), undefined);
    assert.equal(
      await page
        .locator(
          '.comment-body script, .comment-body img, .comment-body svg, .comment-body iframe, .comment-body style, .comment-body details',
        )
        .count(),
      0,
    );
    const hrefs = await page.locator('.comment-body a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    for (const href of hrefs) assert.match(href, /^(https?:|mailto:)/, `only safe links: ${href}`);
    assert.equal(await page.locator('.comment-body [onerror], .comment-body [onload], .comment-body [ontoggle]').count(), 0);
    // The inline code shows the markup as text.
    assert.ok(
      (await page.locator('.comment-body').allInnerTexts()).some((s) => s.includes('<b>')),
      'inline code shows <b> as text',
    );

    // The live path: a second page is open when the payloads arrive, and shows them via the button.
    const connectionsBefore = t.ctx.live.connections;
    const livePage = await context.newPage();
    watch(livePage);
    await livePage.goto(`${t.url}/writing/${slug}`);
    await eventually(
      'the live connection',
      async () => t.ctx.live.connections,
      (n) => n >= connectionsBefore + 1,
    );
    const liveIds: string[] = [];
    for (const body of payloads.slice(0, 8)) liveIds.push(await seedComment(attacker.viewer, slug, `live ${body}`));
    t.ctx.changed(slug);
    const button = livePage.locator('button.new-comments');
    await eventually(
      'all live comments queued',
      () => button.innerText().catch(() => ''),
      (s) => s === `${liveIds.length} new comments`,
    );
    await button.click();
    for (const id of liveIds) await livePage.locator(`#comment-${id}`).waitFor();
    await livePage.evaluate(() =>
      Promise.all([...document.images].map((img) => (img.complete ? undefined : new Promise((r) => img.addEventListener('error', r))))),
    );
    assert.equal(await livePage.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.equal(await livePage.locator('.comment-body script, .comment-body img, .comment-body svg, .comment-body [onerror]').count(), 0);

    // A reader's own post goes through the fragment path too.
    const own = await newContext(browser);
    await useSession(own, attacker);
    const ownPage = await own.newPage();
    watch(ownPage);
    await ownPage.goto(`${t.url}/writing/${slug}`);
    await ownPage.fill('.composer .comment-form textarea[name=body]', '<img src=x onerror="window.__pwned=1"> own post');
    await ownPage.click('.composer .comment-form button[type=submit]');
    await idOfCommentWith(ownPage, 'own post');
    assert.equal(await ownPage.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);

    assert.deepEqual(dialogs, [], 'no dialog opened');
    await own.close();
    await context.close();
  });
});

describe('permalinks', () => {
  test('a permalink to a comment on a later page of the thread shows it, highlighted', async () => {
    const slug = slugs.permalink;
    const readers = await Promise.all(Array.from({ length: 3 }, () => seedReader(freshName('Crowd'))));
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await seedComment(readers[i % 3]!.viewer, slug, `Top-level comment number ${i + 1}.`));
    // Upvote the later ones so that the first lands on a later page in Top order.
    for (const id of ids.slice(10)) {
      for (const r of readers) {
        const c = await t.store.getComment(id);
        if (c?.identityId !== r.viewer.identity.id) await t.ctx.discussion.vote(r.viewer, id, true, null);
      }
    }
    t.ctx.changed(slug);
    const first = await t.ctx.discussion.threadPage(slug, undefined, { sort: 'top' });
    const target = ids.find((id) => !first.items.some((item) => item.comment.id === id));
    assert.ok(target, 'some comment is not on the first page');

    // With JavaScript: the page moves to the thread view and the comment is the :target.
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${t.url}/writing/${slug}#comment-${target}`);
    await page.waitForURL(new RegExp(`\\?thread=${target}#comment-${target}$`));
    const li = page.locator(`#comment-${target}`);
    await li.waitFor({ state: 'visible' });
    assert.ok(await li.evaluate((el) => el.matches(':target')), 'the comment is the :target');
    await eventually(
      'scrolled into view',
      () =>
        li.isVisible().then(() =>
          li.evaluate((el) => {
            const r = el.getBoundingClientRect();
            return r.top >= 0 && r.top < innerHeight;
          }),
        ),
      (v) => v,
    );
    const look = () =>
      li
        .locator('.comment-card')
        .evaluate((el) => `${getComputedStyle(el).outlineStyle} ${getComputedStyle(el).backgroundColor} ${getComputedStyle(el).boxShadow}`);
    const highlighted = await look();
    await page.evaluate(() => {
      location.hash = '#comments';
    });
    assert.notEqual(await look(), highlighted, 'the target comment is highlighted');
    await context.close();

    // Without JavaScript: the comment's own permalink link (from a later page) shows it.
    const plain = await newContext(browser, { javaScriptEnabled: false });
    const plainPage = await plain.newPage();
    await plainPage.goto(`${t.url}/writing/${slug}`);
    assert.equal(await plainPage.locator(`#comment-${target}`).count(), 0, 'not on the first page');
    await Promise.all([plainPage.waitForURL(/after=/), plainPage.click('a.show-more')]);
    const permalink = await plainPage.locator(`#comment-${target} a.permalink`).getAttribute('href');
    assert.ok(permalink, 'the comment is on the next page with a permalink');
    const threadLink = `/writing/${slug}?thread=${target}#comment-${target}`;
    await plainPage.goto(`${t.url}${threadLink}`);
    await plainPage.locator(`#comment-${target}`).waitFor({ state: 'visible' });
    assert.ok(await plainPage.locator(`#comment-${target}`).evaluate((el) => el.matches(':target')));
    assert.match(await plainPage.locator('.thread-focus').innerText(), /one thread/);
    await plain.close();
  });
});

async function seedBigThread(): Promise<{ readers: Seeded[]; author: { viewer: Viewer } }> {
  const slug = slugs.big;
  const author = await seedAuthor();
  const readers = await Promise.all(['Ada', 'Björn', 'Дмитрий', '李雷', 'Zoë', "O'Brien", 'Nguyễn', 'Σωκράτης'].map((n) => seedReader(n)));
  const everyone = [...readers, author];
  let count = 0;
  const bodies = [
    'I agree with *most* of this, but the part about **scope** needs a [source](https://example.com/scope).',
    'Short one.',
    '> The last ten percent takes ninety percent of the time.\n\nSo true. Here is my list:\n\n- finish\n- ship\n- rest',
    'Use `git stash` before you start, then:\n\n```\ngit stash pop\n```',
    'A longer comment that goes on for a while, to see how the text wraps on a narrow screen and whether the line length stays comfortable to read.',
  ];
  const seed = async (who: number, parentId?: string) => {
    count += 1;
    return seedComment(everyone[who % everyone.length]!.viewer, slug, `${bodies[count % bodies.length]}\n\n(#${count})`, parentId);
  };
  // 20 threads; each has a reply chain 8 deep and a few siblings: 200 comments in all.
  for (let thread = 0; thread < 20; thread++) {
    const root = await seed(thread);
    let parent = root;
    for (let depth = 1; depth <= 8; depth++) parent = await seed(thread + depth, parent);
    await seed(thread + 3, root);
  }
  assert.equal(count, 200);
  // Some scores.
  const all = await t.store.listComments(slug);
  for (const [i, c] of all.entries()) {
    for (const r of everyone.slice(0, i % 4))
      if (r.viewer.identity.id !== c.identityId) await t.ctx.discussion.vote(r.viewer, c.id, true, null);
  }
  t.ctx.changed(slug);
  return { readers, author };
}

describe('accessibility and looks', () => {
  test('axe-core finds no violations with 200 comments shown, light and dark, signed in and out; screenshots', async () => {
    const slug = slugs.big;
    const { readers } = await seedBigThread();
    const reader = readers[0]!;
    const problems: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const signedIn of [false, true]) {
        const context = await newContext(browser, { colorScheme });
        if (signedIn) await useSession(context, reader);
        const page = await context.newPage();
        await page.goto(`${t.url}/writing/${slug}`);
        const shown = await page.locator('li.comment').count();
        assert.equal(shown, 200, 'all 200 comments are on the page');
        assert.ok((await page.locator('.replying-to').count()) > 0, '"replying to" shows below the indent limit');
        assert.ok((await page.locator('li.comment .badge-author').count()) > 0, 'some by the author');
        const violations = await axeViolations(page);
        if (violations.length)
          problems.push(`article, ${colorScheme}, ${signedIn ? 'signed in' : 'signed out'}:\n${formatViolations(violations)}`);
        await context.close();
      }
    }
    const all = await t.store.listComments(slug);
    assert.equal(all.length, 200);

    // The other discussion pages.
    const someComment = all.find((c) => c.identityId === reader.viewer.identity.id && c.parentId === null)!;
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await newContext(browser, { colorScheme });
      const page = await context.newPage();
      const check = async (label: string) => {
        const violations = await axeViolations(page);
        if (violations.length) problems.push(`${label}, ${colorScheme}:\n${formatViolations(violations)}`);
      };
      await page.goto(`${t.url}/signin?return=%2F`);
      await check('/signin');
      await page.fill('#signin-name', freshName(`Axe ${colorScheme}`));
      await page.click('.signin-form button[type=submit]');
      await page.waitForSelector('.recovery-key');
      await check('welcome page');
      await page.goto(`${t.url}/signin?return=%2F`);
      await page.fill('#signin-name', 'Mara Quill');
      await page.click('.signin-form button[type=submit]');
      await page.waitForSelector('.form-error');
      await check('/signin with an error');
      await page.goto(`${t.url}/me`);
      await check('/me');
      await page.goto(`${t.url}/writing/${slug}/comments/${someComment.id}/reply`);
      await check('reply page');
      await context.close();
      const own = await newContext(browser, { colorScheme });
      await useSession(own, reader);
      const ownPage = await own.newPage();
      await ownPage.goto(`${t.url}/comments/${someComment.id}/edit`);
      await ownPage.waitForSelector('textarea[name=body]');
      const violations = await axeViolations(ownPage);
      if (violations.length) problems.push(`edit page, ${colorScheme}:\n${formatViolations(violations)}`);
      await own.close();
    }
    assert.equal(problems.join('\n\n'), '', 'no axe violations');

    // Screenshots of the comments section.
    for (const width of [1280, 390]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const signedIn of [false, true]) {
          const context = await newContext(browser, { width, colorScheme });
          if (signedIn) await useSession(context, reader);
          const page = await context.newPage();
          await page.goto(`${t.url}/writing/${slug}?thread=${all[0]!.id}#comments`);
          await page.locator('#comments').waitFor();
          const name = `discussion-${width}-${colorScheme}${signedIn ? '-signed-in' : ''}`;
          // The comments section on its own (the whole article page is covered by the reading tests).
          await page.locator('#comments').screenshot({ path: join(artifactsDir, `${name}.png`) });
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 0, `no sideways scrolling at ${width}px (${overflow})`);
          await context.close();
        }
      }
    }
  });
});

describe('keyboard', () => {
  test('the keyboard alone can sign in, post and upvote', async () => {
    const slug = slugs.withJs;
    const other = await seedReader(freshName('Keyed'));
    const target = await seedComment(other.viewer, slug, 'Upvote me with the space bar.');
    t.ctx.changed(slug);
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${t.url}/writing/${slug}`);

    const tabTo = async (matches: (el: Locator) => Promise<boolean>, what: string, limit = 400) => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        if (await matches(page.locator(':focus'))) return;
      }
      assert.fail(`Tab never reached ${what}`);
    };
    const is = (selector: string) => async (el: Locator) => (await el.count()) > 0 && el.evaluate((node, s) => node.matches(s), selector);

    const name = freshName('Keys');
    await tabTo(is('.composer .signin-form input[name=name]'), 'the name field');
    await page.keyboard.type(name);
    await Promise.all([page.waitForURL(`${t.url}/signin`), page.keyboard.press('Enter')]);
    await page.waitForSelector('.recovery-key');
    await tabTo(is('a.button-link'), 'the Continue link');
    await Promise.all([page.waitForURL(new RegExp(`/writing/${slug}`)), page.keyboard.press('Enter')]);
    await page.waitForSelector('.composer .comment-form');

    await tabTo(is('.composer textarea[name=body]'), 'the comment field');
    await page.keyboard.type('Typed with the keyboard alone.');
    await tabTo(is('.composer .comment-form button[type=submit]'), 'the Post button', 5);
    await page.keyboard.press('Enter');
    const mine = await idOfCommentWith(page, 'Typed with the keyboard alone.');
    await expectVisibleAt(page, mine, 'Typed with the keyboard alone.');

    await tabTo(is(`#comment-${target} button.vote`), 'the vote button');
    await page.keyboard.press('Space');
    await eventually(
      'the upvote',
      () => scoreOf(page, target),
      (s) => s === '1',
    );
    await eventually(
      'the stored score',
      async () => (await t.store.getComment(target))?.score,
      (s) => s === 1,
    );
    assert.equal(await page.locator(`#comment-${target} button.vote`).getAttribute('aria-pressed'), 'true');
    await context.close();
  });
});
