import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { defaultModeration } from '../src/config.ts';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { generousLimits } from '../test/helpers/people.ts';
import { axeViolations, formatViolations, launchBrowser, newContext, screenshot } from './helpers/browser.ts';

const slug = 'the-last-ten-percent';
let server: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  server = await startTestApp({ config: { limits: generousLimits, moderation: { ...defaultModeration, minSubmitSeconds: 0 } } });
  browser = await launchBrowser();
});

after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
});

async function open(javaScriptEnabled = true): Promise<Page> {
  const context = await newContext(browser, { javaScriptEnabled });
  contexts.push(context);
  return context.newPage();
}

const article = () => `${server.url}/writing/${slug}`;

/** The `li.comment` holding this text, and its id. */
async function commentWith(page: Page, text: string): Promise<{ id: string; selector: string }> {
  const item = page.locator('li.comment', { hasText: text }).first();
  await item.waitFor();
  const id = await item.getAttribute('data-id');
  assert.ok(id);
  return { id, selector: `#comment-${id}` };
}

test("the author's flow: one-time link, hide, restore, pin, reply, ban; the reader's inbox badge", async () => {
  // A reader takes a name and comments, without JavaScript (plain forms all the way).
  const reader = await open(false);
  await reader.goto(article());
  await reader.fill('#composer-name', 'Eve Reader');
  await reader.click('#composer button[type=submit]');
  await reader.click('a.button-link');
  await reader.waitForSelector('#composer-body');
  await reader.fill('#composer-body', 'A question from Eve for the author');
  await reader.click('#composer button[type=submit]');
  const eve = await commentWith(reader, 'A question from Eve');
  assert.equal(await reader.locator('.inbox-badge').count(), 0);

  // The author signs in with the one-time link from `byline author-link`.
  const link = await server.ctx.discussion.createAuthorLink();
  const author = await open(true);
  await author.goto(`${server.url}/author/signin?token=${link.token}`);
  await author.click('form[action="/author/signin"] button[type=submit]');
  await author.waitForURL(/\/me$/);
  await author.goto(`${server.url}/admin`);
  await author.waitForSelector('h1:has-text("Moderation queue")');

  // Hide from the article page's Moderate menu: asked in place, then readers see the placeholder, and the author can restore it.
  await author.goto(article());
  const menu = author.locator(`${eve.selector} details.mod-menu`);
  await menu.locator('summary').click();
  await menu.getByText('Hide…').click();
  await menu.getByText('Hide it').click();
  await author.waitForSelector(`${eve.selector} .badge-removed`);
  assert.match(author.url(), new RegExp(`/writing/${slug}$`), 'the page stays where it is');
  const visitor = await open(true);
  await visitor.goto(article());
  assert.equal(await visitor.locator('text=A question from Eve').count(), 0);
  await menu.locator('summary').click();
  await menu.getByText('Restore', { exact: true }).click();
  await author.waitForSelector(`${eve.selector} a.mod-hide`, { state: 'attached' });

  // Pin it: it leads the thread with a Pinned badge for everyone.
  await menu.locator('summary').click();
  await menu.getByText('Pin', { exact: true }).click();
  await author.waitForSelector(`${eve.selector} .badge-pinned`);
  await visitor.goto(article());
  assert.equal(await visitor.locator('li.comment').first().getAttribute('data-id'), eve.id);

  // The author replies; the reader's header shows the inbox badge.
  await author.goto(`${article()}/comments/${eve.id}/reply`);
  await author.fill('#reply-body', 'Thanks Eve, here is my answer.');
  await author.click('form.comment-form button[type=submit]');
  await author.waitForURL(new RegExp(`/writing/${slug}`));
  await reader.goto(article());
  const badge = reader.locator('a.inbox-badge');
  await badge.waitFor();
  // Two items: the comment was removed for a while (hidden, then restored), and the author replied.
  assert.equal((await badge.textContent())?.trim(), '2 new');
  await badge.click();
  await reader.waitForSelector('text=the author, replied to your comment');
  await reader.waitForSelector('text=Your comment was removed by the author');
  await reader.goto(article());
  assert.equal(await reader.locator('a.inbox-badge').count(), 0, 'read once the inbox is opened');

  // Ban from the comment: its page asks for the length and a reason, then the way back leads to the comment.
  await author.goto(article());
  await author.locator(`${eve.selector} details.mod-menu summary`).click();
  await author.locator(`${eve.selector} details.mod-menu`).getByText('Ban the writer…').click();
  await author.waitForSelector('h1:has-text("Ban Eve Reader?")');
  await author.selectOption('#ban-days', '7');
  await author.fill('#ban-reason', 'Testing the ban');
  await author.click('.ban-form button[type=submit]');
  await author.waitForSelector('.admin-notice:has-text("Eve Reader is banned until")');
  await author.click('a.back-link');
  await author.waitForURL(new RegExp(`#comment-${eve.id}$`));
  await screenshot(author, 'admin-article-author-view');
  await author.goto(`${server.url}/admin/audit`);
  for (const action of ['comment.hide', 'comment.restore', 'comment.pin', 'identity.ban'])
    await author.waitForSelector(`code:has-text("${action}")`);
  await screenshot(author, 'admin-audit');

  // The author's pages pass axe-core, in light and dark.
  for (const scheme of ['light', 'dark'] as const) {
    await author.emulateMedia({ colorScheme: scheme });
    for (const path of ['/admin', '/admin/comments', '/admin/articles', '/admin/audit', `/writing/${slug}`]) {
      await author.goto(`${server.url}${path}`);
      const violations = await axeViolations(author);
      assert.equal(violations.length, 0, `${path} (${scheme}):\n${formatViolations(violations)}`);
    }
  }

  // The banned reader is told before writing, with the author's reason.
  await reader.goto(article());
  await reader.waitForSelector('text=Testing the ban');
  assert.equal(await reader.locator('#composer-body').count(), 0, 'no comment box while banned');
});

test("a reader's inbox and own page pass axe-core, in light and dark", async () => {
  const page = await open();
  await page.goto(`${server.url}/signin`);
  await page.fill('#signin-name', 'Inbox Reader');
  await Promise.all([page.waitForURL(/\/signin$/), page.click('.signin-form button')]);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const path of ['/inbox', '/me']) {
      await page.goto(`${server.url}${path}`);
      const violations = await axeViolations(page);
      assert.equal(violations.length, 0, `${path} (${scheme}):\n${formatViolations(violations)}`);
    }
  }
});
