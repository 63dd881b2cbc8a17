// A locked thread, seen by a reader with and without the script: every comment below the locked
// one says replies are closed and offers no Reply, and a reply sent anyway is refused. A refused
// comment without the script comes back with the reader's text in the field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { defaultModeration } from '../src/config.ts';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { generousLimits, type Person, postComment, signIn, signInAuthor } from '../test/helpers/people.ts';
import { AXE_WIDTH, addSession, axeViolations, formatViolations, launchBrowser, newContext, screenshot } from './helpers/browser.ts';

const slug = 'the-last-ten-percent';
let server: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  server = await startTestApp({
    config: {
      // One comment per 15 s, so a second comment in a row is refused for being too often.
      limits: { ...generousLimits, commentsPer15Seconds: 1 },
      moderation: { ...defaultModeration, minSubmitSeconds: 0 },
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
});

/** A browser page signed in as `who` (their session cookie set on the site's origin). */
async function pageFor(who: Person, opts: { javaScriptEnabled: boolean; width?: number; colorScheme?: 'light' | 'dark' }): Promise<Page> {
  const context = await newContext(browser, opts);
  contexts.push(context);
  await addSession(context, server.url, who.cookie);
  return context.newPage();
}

const article = () => `${server.url}/writing/${slug}`;

describe('a locked thread', () => {
  let root: string;
  let reply: string;
  let deep: string;
  let reader: Person;

  before(async () => {
    const ana = await signIn(server, 'Ana Lockwood', '198.51.100.21');
    const ben = await signIn(server, 'Ben Okafor', '198.51.100.22');
    const eli = await signIn(server, 'Eli Varga', '198.51.100.24');
    reader = await signIn(server, 'Cleo Marsh', '198.51.100.23');
    root = (await postComment(server, ana, slug, 'A thread the author will lock.')).id;
    reply = (await postComment(server, ben, slug, 'A reply inside it.', root)).id;
    deep = (await postComment(server, eli, slug, 'A reply to the reply, deeper still.', reply)).id;
    await postComment(server, await signIn(server, 'Fay Ambrose', '198.51.100.25'), slug, 'Another thread, still open.');
    const author = await signInAuthor(server);
    await server.ctx.moderation.onComment({ id: author.id, name: author.name }, 'lock', root);
    server.ctx.changed(slug);
  });

  for (const javaScriptEnabled of [true, false]) {
    test(`shows "Replies closed" and no Reply anywhere in it (script ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const page = await pageFor(reader, { javaScriptEnabled });
      await page.goto(article());
      const locked = page.locator(`#comment-${root}`);
      await locked.locator('.thread-locked').first().waitFor();
      assert.equal(await locked.locator('> .comment-card .thread-locked').textContent(), 'Replies closed');
      for (const id of [root, reply, deep]) {
        assert.equal(await page.locator(`#comment-${id} > .comment-card a.reply-link`).count(), 0, `no Reply under ${id}`);
      }
      // Comments outside the thread still offer Reply.
      assert.ok((await page.locator('a.reply-link').count()) > 0, 'other threads still take replies');

      // The reply page of a deep comment, reached by its address, says the thread is locked and has no form.
      await page.goto(`${article()}/comments/${deep}/reply`);
      assert.match((await page.textContent('main')) ?? '', /locked this thread/);
      assert.equal(await page.locator('textarea').count(), 0, 'no reply box');
    });
  }

  test('a deep reply sent anyway is refused and nothing is added', async () => {
    const res = await fetch(`${server.url}/api/v1/articles/${slug}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: reader.cookie, origin: server.url },
      body: JSON.stringify({ body: 'Sneaking in below the lock.', parentId: deep }),
    });
    assert.ok(res.status >= 400 && res.status < 500, `refused with a 4xx, got ${res.status}`);
    const page = await pageFor(reader, { javaScriptEnabled: false });
    await page.goto(article());
    assert.equal(await page.locator('text=Sneaking in below the lock.').count(), 0);
  });

  test('screenshots and axe, 390 and 1280 px, light and dark', async () => {
    for (const width of [390, 1280]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await pageFor(reader, { javaScriptEnabled: true, width, colorScheme });
        await page.goto(`${article()}#comment-${root}`);
        await page.locator(`#comment-${root}`).scrollIntoViewIfNeeded();
        await page.locator(`#comment-${root}`).screenshot({ path: `test-artifacts/screenshots/thread-locked-${width}-${colorScheme}.png` });
        if (width === AXE_WIDTH) {
          const violations = await axeViolations(page);
          assert.equal(violations.length, 0, formatViolations(violations));
        }
      }
    }
  });
});

describe('a refused comment without the script', () => {
  test('comes back as the form with the text and the reason beside it', async () => {
    const writer = await signIn(server, 'Dara Quint', '198.51.100.31');
    // The site's script is kept out rather than JavaScript turned off, so that axe can run in the page.
    const page = await pageFor(writer, { javaScriptEnabled: true });
    await page.route(/\.js($|\?)/, (route) => route.abort());
    await page.goto(article());
    await page.fill('#composer-body', 'My first thought goes through.');
    await page.click('#composer button[type=submit]');
    await page.locator('li.comment', { hasText: 'My first thought goes through.' }).waitFor();

    const text = 'A second thought, typed with care, that must not be lost.';
    await page.fill('#composer-body', text);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('#composer button[type=submit]'),
    ]);
    assert.equal(response.status(), 429);
    assert.equal(await page.inputValue('textarea[name=body]'), text, 'the text is still in the field');
    assert.match((await page.textContent('.form-error')) ?? '', /too often/i);
    for (const width of [390, 1280]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.setViewportSize({ width, height: 900 });
        await page.emulateMedia({ colorScheme });
        await screenshot(page, `refused-comment-${width}-${colorScheme}`);
      }
    }
    const violations = await axeViolations(page);
    assert.equal(violations.length, 0, formatViolations(violations));
  });
});
