// The author is told, on the site: the header's link to the desk with what waits there, and the
// inbox with held and new comments (titles, excerpts) and the setting of how much reaches it. With
// and without the script, at 390 and 1280 px, light and dark, checked with axe, by keyboard.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { defaultModeration } from '../src/config.ts';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { generousLimits, type Person, postComment, signIn, signInAuthor } from '../test/helpers/people.ts';
import {
  AXE_WIDTH,
  addSession,
  artifactsDir,
  axeViolations,
  formatViolations,
  launchBrowser,
  newContext,
  screenshot,
} from './helpers/browser.ts';

const slug = 'the-last-ten-percent';
const other = 'done-is-a-decision';
let server: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
let author: Person;
let reader: Person;
const lastVisit = Date.now() - 60_000;

before(async () => {
  server = await startTestApp({
    config: { limits: generousLimits, moderation: { ...defaultModeration, minSubmitSeconds: 0, holdWords: ['parrot'] } },
  });
  browser = await launchBrowser();
  author = await signInAuthor(server);
  reader = await signIn(server, 'Ines Reader', '198.51.100.31');
  const kofi = await signIn(server, 'Kofi Reader', '198.51.100.32');
  // The author last opened the desk a minute before the readers wrote.
  await server.store.setDeskSeen(author.id, lastVisit);
  const authors = await postComment(server, author, slug, 'The author asks: what did your last ten percent look like?');
  await postComment(
    server,
    reader,
    slug,
    `**Mine** took longer than the first ninety. ${'We kept finding small things to fix. '.repeat(6)}`,
  );
  await postComment(server, kofi, other, 'Deciding it was done was the hardest part.');
  await postComment(server, kofi, slug, 'A parrot would say the same.');
  await postComment(server, reader, slug, 'Replying to the author: a week, not a day.', authors.id);
});

after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
});

/** A browser page signed in as `who` (their session cookie set on the site's origin). */
async function pageFor(
  who: Person,
  opts: { javaScriptEnabled: boolean; width?: number; colorScheme?: 'light' | 'dark'; isAuthor?: boolean },
): Promise<Page> {
  const context = await newContext(browser, opts);
  contexts.push(context);
  await addSession(context, server.url, who.cookie, { isAuthor: opts.isAuthor });
  return context.newPage();
}

/** The words on screen, without those only a screen reader hears. */
function shownText(locator: Locator): Promise<string> {
  return locator.evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    for (const hidden of copy.querySelectorAll('.visually-hidden')) hidden.remove();
    return (copy.textContent ?? '').trim();
  });
}

async function noHorizontalScroll(page: Page): Promise<void> {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= inner, `no sideways scrolling (${scroll} > ${inner})`);
}

async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.equal(violations.length, 0, `${what}:\n${formatViolations(violations)}`);
}

describe('the author’s notifications in the browser', () => {
  for (const javaScriptEnabled of [true, false]) {
    test(`the header links to the desk with what waits there, and the desk starts “new” again (script ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const page = await pageFor(author, { javaScriptEnabled, isAuthor: true });
      await page.goto(`${server.url}/writing/${slug}`);
      const desk = page.locator('header.site-header a.nav-desk');
      // Readers' comments since the last visit: two threads and a reply; the parrot waits for review.
      assert.equal(await shownText(desk), 'Desk · 1 held · 3 new');
      // Heard in full: the words a sighted reader sees, and what they stand for.
      assert.equal((await desk.textContent())?.trim(), 'Desk · 1 held for review · 3 new since your last visit');
      await page
        .locator('header.site-header')
        .screenshot({ path: `${artifactsDir}/author-header-js-${javaScriptEnabled ? 'on' : 'off'}.png` });

      // By keyboard alone: from the skip link, Tab reaches the desk link, and Enter opens the desk.
      await page.keyboard.press('Tab');
      let reached = false;
      for (let i = 0; i < 8 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await desk.evaluate((el) => el === document.activeElement);
      }
      assert.ok(reached, 'the desk link takes the focus');
      await Promise.all([page.waitForURL(/\/admin$/), page.keyboard.press('Enter')]);
      assert.equal(await shownText(page.locator('header.site-header a.nav-desk')), 'Desk · 1 held');
      await page.goto(`${server.url}/writing/${slug}`);
      assert.equal(await shownText(page.locator('header.site-header a.nav-desk')), 'Desk · 1 held');
      // The next run starts from the same place: the desk last opened before the readers wrote.
      await server.store.setDeskSeen(author.id, lastVisit);
    });
  }

  test('a reader’s page never shows the desk, with or without the script', async () => {
    for (const javaScriptEnabled of [true, false]) {
      const page = await pageFor(reader, { javaScriptEnabled });
      await page.goto(`${server.url}/writing/${slug}`);
      await page.locator('header.site-header .viewer-name').waitFor();
      assert.equal(await page.locator('a.nav-desk').count(), 0);
      await page.goto(`${server.url}/inbox`);
      assert.equal(await page.locator('a[href="/admin"]').count(), 0);
      assert.equal(await page.locator('.inbox-settings').count(), 0);
    }
  });

  for (const width of [390, 1280]) {
    for (const colorScheme of ['light', 'dark'] as const) {
      test(`the inbox shows held and new comments with titles and excerpts, and the setting (${width} px, ${colorScheme})`, async () => {
        const page = await pageFor(author, { javaScriptEnabled: true, width, colorScheme, isAuthor: true });
        await page.goto(`${server.url}/inbox`);
        const items = page.locator('.inbox-item');
        assert.ok((await items.count()) >= 4);
        const review = items.filter({ hasText: 'is waiting for your review' }).first();
        assert.equal(await review.locator('cite').innerText(), 'The last ten percent is most of the work');
        assert.equal(await review.locator('.inbox-excerpt').innerText(), 'A parrot would say the same.');
        const thread = items.filter({ hasText: 'Ines Reader commented on your article' }).first();
        const excerpt = await thread.locator('.inbox-excerpt').innerText();
        assert.ok(excerpt.startsWith('Mine took longer than the first ninety.') && excerpt.endsWith('…'), excerpt);
        assert.equal(
          await items.filter({ hasText: 'Kofi Reader commented on your article' }).locator('cite').innerText(),
          'Done is a decision, not a feeling',
        );
        assert.equal(await items.filter({ hasText: 'Ines Reader replied to your comment' }).count(), 1);
        assert.ok(await page.locator('.inbox-desk a[href="/admin"]').isVisible());
        assert.equal(await page.locator('#amount-threads').isChecked(), true);
        await noHorizontalScroll(page);
        if (width === AXE_WIDTH) await expectNoAxeViolations(page, `inbox at ${width} px, ${colorScheme}`);
        await screenshot(page, `author-inbox-${width}-${colorScheme}`);
      });
    }
  }

  for (const javaScriptEnabled of [true, false]) {
    test(`the setting is chosen by keyboard and saved with a plain form (script ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const page = await pageFor(author, { javaScriptEnabled, width: 390, isAuthor: true });
      await page.goto(`${server.url}/inbox`);
      await page.locator('#amount-threads').focus();
      await page.keyboard.press('ArrowUp');
      assert.equal(await page.locator('#amount-everything').isChecked(), true);
      await page.keyboard.press('Tab');
      await Promise.all([page.waitForURL(/\/inbox\?saved=1#inbox-settings$/), page.keyboard.press('Enter')]);
      assert.match(await page.locator('.notice[role=status]').innerText(), /Your inbox setting is saved/);
      assert.equal(await page.locator('#amount-everything').isChecked(), true);
      assert.equal(await server.ctx.inbox.amount(author.id), 'everything');
      await screenshot(page, `author-inbox-saved-js-${javaScriptEnabled ? 'on' : 'off'}`);
      await server.ctx.inbox.setAmount(author.id, 'threads');
    });
  }
});
