// The edges of the reader's flows in a real browser, with the script on and off: an upvote and a
// reply that survive signing in, deleting that asks first, a ban told before writing, the key's
// Copy button and the reader's page. Each page is checked with axe and photographed at 390 and
// 1280 px, light and dark.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { defaultModeration } from '../src/config.ts';
import { nameKey } from '../src/discussion/names.ts';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { generousLimits } from '../test/helpers/people.ts';
import { AXE_WIDTH, artifactsDir, axeViolations, formatViolations, launchBrowser, newContext, screenshot } from './helpers/browser.ts';

const slug = 'the-last-ten-percent';
let t: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
let counter = 0;

before(async () => {
  t = await startTestApp({ config: { limits: generousLimits, moderation: { ...defaultModeration, minSubmitSeconds: 0 } } });
  browser = await launchBrowser();
});

after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await t?.close();
});

/** A fresh name made of letters only, so no two collide as look-alikes. */
function freshName(base: string): string {
  counter += 1;
  return `${base} ${String.fromCharCode(96 + counter)}${String.fromCharCode(97 + (counter % 26))}`;
}

async function open(js: boolean, width = 1280, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await newContext(browser, { javaScriptEnabled: js, width, colorScheme });
  contexts.push(context);
  return context.newPage();
}

/**
 * axe-core on the page. axe needs to run script in the page, so a page opened without the script
 * is checked as served again in a browser that runs scripts but never loads ours: the same HTML.
 */
async function expectNoAxeViolations(page: Page, what: string, js = true): Promise<void> {
  let checked = page;
  if (!js) {
    checked = await open(true);
    await checked.route(/\/assets\/byline\.[^/]*\.js$/, (route) => route.abort());
    await checked.context().addCookies(await page.context().cookies());
    await checked.goto(page.url());
  }
  const violations = await axeViolations(checked);
  assert.equal(violations.length, 0, `${what}:\n${formatViolations(violations)}`);
  if (!js) await checked.context().close();
}

/**
 * The page at `path`, as the holder of `cookies` sees it, at 390 and 1280 px, light and dark:
 * checked with axe and saved under test-artifacts/screenshots/reader-<name>-<width>-<scheme>.png.
 */
async function photograph(name: string, path: string, cookies: Cookie[], ready?: string): Promise<void> {
  for (const width of [390, 1280]) {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await open(true, width, scheme);
      await page.context().addCookies(cookies);
      await page.goto(`${t.url}${path}`);
      if (ready) await page.waitForSelector(ready);
      if (width === AXE_WIDTH) await expectNoAxeViolations(page, `${name} at ${width} px, ${scheme}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${name} at ${width} px does not scroll sideways (${overflow} px)`);
      // A long article is photographed at its discussion, where the notice is.
      if (ready) await page.locator('.discussion').screenshot({ path: join(artifactsDir, `reader-${name}-${width}-${scheme}.png`) });
      else await screenshot(page, `reader-${name}-${width}-${scheme}`);
      await page.context().close();
    }
  }
}

async function seedComment(writer: string, body: string): Promise<string> {
  const ada = await t.ctx.discussion.signIn(writer, null);
  const posted = await t.ctx.discussion.post({ identity: ada.identity }, slug, { body });
  t.ctx.changed(slug);
  return posted.comment.id;
}

/** Signs in through the sign-in page and continues to the article. */
async function signInOnPage(page: Page, name: string): Promise<void> {
  await page.goto(`${t.url}/signin?return=${encodeURIComponent(`/writing/${slug}`)}`);
  await page.fill('#signin-name', name);
  await Promise.all([page.waitForURL(/\/signin$/), page.click('.signin-form button[type=submit]')]);
  await page.click('a.button-link:has-text("Continue")');
  await page.waitForURL(new RegExp(`/writing/${slug}`));
}

describe("a visitor's intent survives signing in", () => {
  for (const js of [true, false]) {
    test(`an upvote clicked before signing in is counted after — JavaScript ${js ? 'on' : 'off'}`, async () => {
      const id = await seedComment(freshName('Ada'), 'Ada says something worth an upvote.');
      const page = await open(js);
      await page.goto(`${t.url}/writing/${slug}`);
      await Promise.all([page.waitForURL(/\/signin\?intent=vote/), page.click(`#comment-${id} button.vote`)]);
      assert.match(await page.locator('.intent-notice').innerText(), /Your upvote of the comment by Ada \w+ will be counted/);
      await expectNoAxeViolations(page, 'the sign-in page carrying a vote', js);
      if (js) await photograph('signin-intent', new URL(page.url()).pathname + new URL(page.url()).search, []);

      await page.fill('#signin-name', freshName('Voter'));
      await Promise.all([page.waitForURL(/\/signin$/), page.click('.signin-form button[type=submit]')]);
      assert.match(await page.locator('.intent-done').innerText(), /is counted/);
      assert.equal((await t.store.getComment(id))?.score, 1);
      if (js) {
        // The recovery key's Copy button: revealed by the script, copies the key.
        await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
        const copy = page.locator('.recovery-key button.copy-button');
        await copy.waitFor({ state: 'visible' });
        await copy.click();
        await page.locator('.recovery-key button.copy-button:has-text("Copied")').waitFor();
        const copied = await page.evaluate(() => navigator.clipboard.readText());
        assert.equal(copied, await page.locator('#recovery-key-value').innerText());
      } else {
        assert.equal(await page.locator('.recovery-key button.copy-button').isVisible(), false, 'no Copy button without the script');
      }
      await Promise.all([page.waitForURL(new RegExp(`#comment-${id}$`)), page.click('a.button-link:has-text("Continue")')]);
      // With the script the page's overlay marks it; without, the reader's own page does.
      await page.locator(`#comment-${id} button.vote[aria-pressed="true"]`).waitFor();
      assert.equal((await t.store.getComment(id))?.score, 1, 'counted once');
    });

    test(`a reply typed before signing in comes back ready to post — JavaScript ${js ? 'on' : 'off'}`, async () => {
      const id = await seedComment(freshName('Bea'), 'Bea asks a question.');
      const page = await open(js);
      await page.goto(`${t.url}/writing/${slug}`);
      await Promise.all([page.waitForURL(/\/reply$/), page.click(`#comment-${id} a.reply-link`)]);
      await expectNoAxeViolations(page, "a visitor's reply page", js);
      const draft = `An answer typed before signing in (${js ? 'scripted' : 'plain'}).\n\nWith a second paragraph.`;
      await page.fill('#reply-draft', draft);
      await page.fill('#reply-signin-name', freshName('Replier'));
      await Promise.all([page.waitForURL(/\/signin$/), page.click('.visitor-reply button:has-text("Sign in and continue")')]);
      assert.equal(await page.locator('textarea[name=body]').inputValue(), draft, 'the reply is back, as typed');
      assert.equal((await t.store.listCommentsFiltered({ articleSlug: slug, limit: 1000 })).filter((c) => c.parentId === id).length, 0);
      if (js) await expectNoAxeViolations(page, 'the welcome page with the reply');
      await Promise.all([page.waitForURL(/#comment-/), page.click('button:has-text("Post reply")')]);
      await page.locator('li.comment', { hasText: 'An answer typed before signing in' }).waitFor();
      const replies = (await t.store.listCommentsFiltered({ articleSlug: slug, limit: 1000 })).filter((c) => c.parentId === id);
      assert.equal(replies.length, 1);
      assert.equal(replies[0]!.body.replace(/\r\n/g, '\n'), draft, 'posted as typed (a form sends line breaks as CRLF)');
    });
  }
});

describe('deleting asks first, a ban is told before writing, and the reader’s page', () => {
  for (const js of [true, false]) {
    test(`delete asks: Keep it keeps, Delete deletes — JavaScript ${js ? 'on' : 'off'}`, async () => {
      const page = await open(js);
      await signInOnPage(page, freshName('Dora'));
      await page.fill('.composer textarea[name=body]', `Dora thinks twice (${js ? 'scripted' : 'plain'}).`);
      await page.click('.composer button[type=submit]');
      const li = page.locator('li.comment', { hasText: 'Dora thinks twice' });
      await li.waitFor();
      const id = (await li.getAttribute('data-id'))!;
      await li.locator('button.delete-button').click();
      if (js) {
        await li.locator('button.keep-comment').waitFor();
        assert.equal(await page.evaluate(() => document.activeElement?.className), 'link-button confirm-delete', 'focus on the question');
        await expectNoAxeViolations(page, 'delete asked in place', js);
        await li.locator('button.keep-comment').click();
        assert.equal(await li.locator('button.delete-button').isVisible(), true, 'Keep it puts Delete back');
        await li.locator('button.delete-button').click();
        await li.locator('button.confirm-delete').click();
      } else {
        await page.waitForURL(/\/delete\??$/);
        assert.match(await page.locator('.quoted-comment').innerText(), /Dora thinks twice/);
        await expectNoAxeViolations(page, 'the delete confirmation page', js);
        await photograph('delete-confirm', `/comments/${id}/delete`, await page.context().cookies());
        await Promise.all([page.waitForURL(new RegExp(`#comment-${id}$`)), page.click('a:has-text("Keep it")')]);
        assert.equal((await t.store.getComment(id))?.state, 'visible');
        await li.locator('button.delete-button').click();
        await Promise.all([page.waitForURL(/#comment|#comments/), page.click('button.danger')]);
      }
      await page.locator(`#comment-${id}`).waitFor({ state: 'detached' });
      assert.equal(await t.store.getComment(id), undefined);
    });

    test(`a banned reader sees the date and reason instead of the comment box — JavaScript ${js ? 'on' : 'off'}`, async () => {
      const id = await seedComment(freshName('Cleo'), 'Cleo writes something a banned reader would answer.');
      const page = await open(js);
      const name = freshName('Banned');
      await signInOnPage(page, name);
      const identity = await findIdentity(name);
      await t.store.setIdentityBan(identity, Date.parse('2099-03-04T00:00:00Z'), 'repeated insults');
      await page.reload();
      if (js) await page.waitForSelector('.discussion[data-signed-in="true"]');
      const notice = page.locator('.composer .standing-notice');
      assert.match(await notice.innerText(), /You can’t comment or vote until 4 March 2099 — reason: repeated insults/);
      assert.equal(await page.locator('.composer textarea').count(), 0, 'no comment box');
      assert.equal(await page.locator(`#comment-${id} button.vote`).isDisabled(), true, 'votes are off');
      assert.equal(await page.locator(`#comment-${id} a.reply-link`).count(), 0, 'no Reply');
      await expectNoAxeViolations(page, 'the banned notice', js);
      if (!js) await photograph('banned', `/writing/${slug}#comments`, await page.context().cookies(), '.standing-notice');
    });

    test(`/me is grouped, the author's desk is at the top, deleting the name is confirmed — JavaScript ${js ? 'on' : 'off'}`, async () => {
      const page = await open(js);
      await signInOnPage(page, freshName('Olga'));
      await page.goto(`${t.url}/me`);
      const headings = await page.locator('main h2, .account-page h2').allInnerTexts();
      assert.deepEqual(
        headings.filter((h) => h !== 'Your recovery key'),
        ['Your name and key', 'Your sessions', 'Notifications', 'Your data', 'Delete your name'],
      );
      await expectNoAxeViolations(page, '/me', js);
      if (js) await photograph('me', '/me', await page.context().cookies());
      // A new key, with its Copy button.
      await page.click('button:has-text("Make a new recovery key")');
      await page.locator('#recovery-key-value').waitFor();
      assert.equal(await page.locator('.recovery-key button.copy-button').isVisible(), js);
      // Delete your name: a page that says what goes and what stays.
      await Promise.all([page.waitForURL(/\/me\/delete$/), page.click('a:has-text("Delete your name")')]);
      assert.match(await page.locator('main, .account-page').first().innerText(), /What stays/);
      await expectNoAxeViolations(page, 'the delete-your-name confirmation', js);
      if (!js) await photograph('delete-name', '/me/delete', await page.context().cookies());
      await Promise.all([page.waitForURL(/\/signed-out\?how=deleted$/), page.click('button:has-text("Delete my name for good")')]);
      assert.match(await page.locator('h1').innerText(), /Your name is deleted/);
    });
  }

  test("the author's /me leads with the desk", async () => {
    const { token } = await t.ctx.discussion.createAuthorLink();
    const page = await open(true);
    await page.goto(`${t.url}/author/signin?token=${token}`);
    await Promise.all([page.waitForURL(/\/me$/), page.click('form[action="/author/signin"] button[type=submit]')]);
    const first = page.locator('.account-page a').first();
    assert.equal(await first.getAttribute('href'), '/admin');
  });

  for (const js of [false, true]) {
    // With the script, /me's push script lets go of this browser's subscription before the form goes.
    test(`signing out says so — JavaScript ${js ? 'on' : 'off'}`, async () => {
      const page = await open(js);
      await signInOnPage(page, freshName(js ? 'Lia' : 'Leo'));
      await page.goto(`${t.url}/me`);
      await Promise.all([page.waitForURL(/\/signed-out$/), page.click('button:has-text("Sign out")')]);
      assert.match(await page.locator('[role=status]').innerText(), /You are signed out on this device/);
      await expectNoAxeViolations(page, 'the signed-out page', js);
    });
  }
});

async function findIdentity(name: string): Promise<string> {
  const identity = await t.store.getIdentityByNameKey(nameKey(name));
  assert.ok(identity, `${name} exists`);
  return identity.id;
}
