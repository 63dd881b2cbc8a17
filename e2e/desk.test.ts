// The author's desk in a real browser: the Moderate menu on an article (with the script and
// without), bulk actions on the queue without the script, the queue's keys, axe-core on every desk
// page, and screenshots at phone and desktop widths in both schemes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { defaultModeration } from '../src/config.ts';
import { signedNotice } from '../src/web/admin-notice.ts';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { generousLimits, type Person, postComment, signIn } from '../test/helpers/people.ts';
import { AXE_WIDTH, axeViolations, formatViolations, launchBrowser, newContext, screenshot } from './helpers/browser.ts';

const slug = 'the-last-ten-percent';
let server: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
let ada: Person;
let ben: Person;

before(async () => {
  server = await startTestApp({ config: { limits: generousLimits, moderation: { ...defaultModeration, minSubmitSeconds: 0 } } });
  browser = await launchBrowser();
  ada = await signIn(server, 'Ada Lovelace');
  ben = await signIn(server, 'Ben Franklin');
});

after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
});

/** A browser signed in as the author through the one-time link. */
async function asAuthor(opts: { javaScriptEnabled?: boolean; width?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await newContext(browser, { javaScriptEnabled: true, ...opts });
  contexts.push(context);
  const page = await context.newPage();
  const link = await server.ctx.discussion.createAuthorLink();
  await page.goto(`${server.url}/author/signin?token=${link.token}`);
  await page.click('form[action="/author/signin"] button[type=submit]');
  await page.waitForURL(/\/me$/);
  return page;
}

async function held(who: Person, text: string): Promise<string> {
  const c = await postComment(server, who, slug, text);
  await server.store.setCommentState(c.id, 'held', Date.now());
  return c.id;
}

const article = () => `${server.url}/writing/${slug}`;
const state = async (id: string) => (await server.store.getComment(id))?.state;

/** axe-core runs in the page, so only where the script may run (the pages without it are the same HTML). */
async function noViolations(page: Page, what: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.equal(violations.length, 0, `${what}:\n${formatViolations(violations)}`);
}

test('without the script: the Moderate menu asks on a page, the done page carries Undo, and Back returns to the comment', async () => {
  const id = (await postComment(server, ada, slug, 'Please hide me, then bring me back')).id;
  const page = await asAuthor({ javaScriptEnabled: false });
  await page.goto(`${article()}#comment-${id}`);
  const menu = page.locator(`#comment-${id} details.mod-menu`);
  assert.equal(await menu.locator('.mod-menu-list').isVisible(), false, 'folded until opened');
  await menu.locator('summary').click();
  for (const label of ['Pin', 'Lock thread…', 'Hide…', 'Delete for good…', 'Ban the writer…'])
    assert.ok(await menu.getByText(label, { exact: true }).isVisible(), label);

  await menu.getByText('Hide…').click();
  await page.waitForSelector('h1:has-text("Hide this comment?")');
  assert.equal(await state(id), 'visible', 'asking changes nothing');
  await page.click('.confirm-form button[type=submit]');
  await page.waitForURL(/\/admin\/done\?/);
  assert.equal(await state(id), 'hidden');
  assert.match((await page.textContent('.admin-notice')) ?? '', /Comment hidden/);
  await page.click('.admin-notice .undo-button');
  await page.waitForSelector('.admin-notice:has-text("Comment restored.")');
  assert.equal(await state(id), 'visible', 'Undo restored it');
  await page.click('a.back-link');
  await page.waitForURL(new RegExp(`#comment-${id}$`));

  // Delete for good is asked about and has no undo; Cancel goes back to the comment.
  await page.locator(`#comment-${id} .mod-menu summary`).click();
  await page.locator(`#comment-${id} .mod-menu`).getByText('Delete for good…').click();
  await page.waitForSelector('h1:has-text("Delete this comment for good?")');
  await page.click('a.cancel-link');
  await page.waitForURL(new RegExp(`#comment-${id}$`));
  assert.equal(await state(id), 'visible');

  // Ban the writer… leads to a page with the ban's form, not a form unfolded in the thread.
  await page.locator(`#comment-${id} .mod-menu summary`).click();
  await page.locator(`#comment-${id} .mod-menu`).getByText('Ban the writer…').click();
  await page.waitForSelector('h1:has-text("Ban Ada Lovelace?")');
  await page.click('a.cancel-link');
  await page.waitForURL(new RegExp(`#comment-${id}$`));
});

test('with the script: "Really …?" in place, the change shows in place, and the toast’s Undo lasts 10 seconds', async () => {
  const id = (await postComment(server, ben, slug, 'Lock my thread and pin me')).id;
  const page = await asAuthor();
  await page.clock.install();
  await page.goto(`${article()}#comment-${id}`);
  const item = page.locator(`#comment-${id}`);
  await item.locator('.mod-menu summary').click();
  await item.getByText('Lock thread…').click();
  const confirm = item.locator('.mod-confirm');
  await confirm.waitFor();
  assert.equal(await confirm.locator('p').textContent(), 'Really lock this thread?');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Lock the thread', 'Yes has the focus');
  await noViolations(page, 'the in-place question');
  await page.screenshot({ path: 'test-artifacts/screenshots/desk-menu-really-1280-light.png' });
  await confirm.getByText('Lock the thread').click();
  await item.locator('.thread-locked').waitFor();
  assert.equal(await state(id), 'visible');
  assert.equal((await server.store.getComment(id))?.locked, true);
  assert.match(page.url(), new RegExp(`/writing/${slug}#comment-${id}$`), 'the page stayed');
  const toast = page.locator('.toast');
  assert.match((await toast.textContent()) ?? '', /Thread locked/);
  await toast.getByText('Undo').click();
  await item.locator('.reply-link').waitFor();
  assert.equal((await server.store.getComment(id))?.locked, false, 'Undo unlocked it');

  // Pin has an undo, so it is taken at once; the toast goes away after 10 seconds.
  await item.locator('.mod-menu summary').click();
  await item.locator('.mod-menu').getByText('Pin', { exact: true }).click();
  await item.locator('.badge-pinned').waitFor();
  await toast.waitFor();
  await page.screenshot({ path: 'test-artifacts/screenshots/desk-toast-1280-light.png' });
  await page.clock.fastForward(10_500);
  await toast.waitFor({ state: 'detached' });
  assert.equal((await server.store.getComment(id))?.pinned, true, 'no undo once the toast is gone');
});

test('bulk approve without the script: choose, read what will happen, confirm', async () => {
  const ids = [await held(ada, 'Bulk one from Ada'), await held(ben, 'Bulk two from Ben'), await held(ada, 'Bulk three from Ada')];
  const page = await asAuthor({ javaScriptEnabled: false });
  await page.goto(`${server.url}/admin`);
  assert.equal(await page.locator('.desk-keys-help').isVisible(), false, 'no keys without the script');
  for (const id of ids.slice(0, 2)) await page.check(`#admin-comment-${id}-pick`);
  await page.selectOption('#bulk-action', 'release');
  await page.click('.bulk-bar button[type=submit]');
  await page.waitForSelector('h1:has-text("Approve 2 comments by Ada Lovelace and Ben Franklin?")');
  await page.click('.confirm-form button[type=submit]');
  await page.waitForSelector('.admin-notice:has-text("Approved 2 comments by Ada Lovelace and Ben Franklin.")');
  assert.deepEqual(await Promise.all(ids.map(state)), ['visible', 'visible', 'held']);
});

test('the queue by keyboard with the script: j and k move, a approves, h hides, each announced', async () => {
  // Empty the queue first, so the order is known.
  for (const c of await server.store.listCommentsFiltered({ state: 'held', limit: 500 }))
    await server.store.setCommentState(c.id, 'visible', Date.now());
  const ids = [await held(ada, 'Keys one'), await held(ben, 'Keys two'), await held(ada, 'Keys three')];
  const page = await asAuthor();
  await page.goto(`${server.url}/admin`);
  await page.locator('.desk-keys-help').waitFor();
  const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
  await page.keyboard.press('j');
  assert.equal(await focused(), `admin-comment-${ids[0]}`);
  await page.keyboard.press('j');
  assert.equal(await focused(), `admin-comment-${ids[1]}`);
  await page.waitForFunction(() => document.querySelector('#desk-live')?.textContent === '2 of 3');
  await page.keyboard.press('k');
  assert.equal(await focused(), `admin-comment-${ids[0]}`);
  assert.equal(await page.getAttribute(`#admin-comment-${ids[0]} button.mod-release`, 'aria-keyshortcuts'), 'a');
  await page.keyboard.press('a');
  await page.locator(`#admin-comment-${ids[0]}`).waitFor({ state: 'detached' });
  assert.equal(await focused(), `admin-comment-${ids[1]}`, 'the next comment takes the focus');
  await page.waitForFunction(() => /Comment approved.*2 comments left/.test(document.querySelector('#desk-live')?.textContent ?? ''));
  await page.keyboard.press('h');
  await page.locator(`#admin-comment-${ids[1]}`).waitFor({ state: 'detached' });
  await page.waitForFunction(() => /Comment hidden/.test(document.querySelector('#desk-live')?.textContent ?? ''));
  assert.deepEqual(await Promise.all(ids.map(state)), ['visible', 'hidden', 'held']);
  // Not while typing in a field.
  await page.goto(`${server.url}/admin/comments`);
  await page.fill('#f-name', 'jah');
  assert.equal(await page.inputValue('#f-name'), 'jah');
});

test('desk pages pass axe-core and fit a phone, in light and dark (screenshots)', async () => {
  const queued = await held(ben, 'A **held** comment with a [link](https://example.com) and `code`, to see how the queue shows it.');
  const menuTarget = (await postComment(server, ada, slug, 'The comment whose menu is open')).id;
  const notice = signedNotice(server.ctx.config.secret, {
    message: 'Comment hidden: readers see “removed by the author” where replies hang on it.',
    undo: { commentId: menuTarget, action: 'restore' },
  });
  const doneUrl = `/admin/done?done=${encodeURIComponent(notice)}&back=${encodeURIComponent(`/writing/${slug}#comment-${menuTarget}`)}`;
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [390, 1280]) {
      const page = await asAuthor({ colorScheme, width });
      const suffix = `${width}-${colorScheme}`;
      for (const [path, name] of [
        ['/admin', 'desk-queue'],
        ['/admin/comments', 'desk-comments'],
        ['/admin/articles', 'desk-articles'],
        ['/admin/audit', 'desk-audit'],
        [`/admin/comments/${menuTarget}/hide`, 'desk-confirm'],
        [`/admin/identities/${ada.id}/ban?return=%2Fadmin`, 'desk-ban'],
        [`/admin/bulk?action=ban&ids=${menuTarget}&ids=${queued}`, 'desk-bulk-confirm'],
        [doneUrl, 'desk-done'],
      ] as const) {
        await page.goto(`${server.url}${path}`);
        if (width === AXE_WIDTH) await noViolations(page, `${path} ${suffix}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${path} at ${width}px scrolls sideways by ${overflow}px`);
        await screenshot(page, `${name}-${suffix}`);
      }
      await page.goto(`${article()}#comment-${menuTarget}`);
      await page.locator(`#comment-${menuTarget} .mod-menu summary`).click();
      if (width === AXE_WIDTH) await noViolations(page, `menu open ${suffix}`);
      await page.locator(`#comment-${menuTarget}`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: `test-artifacts/screenshots/desk-menu-open-${suffix}.png` });
      await page.context().close();
    }
  }
});
