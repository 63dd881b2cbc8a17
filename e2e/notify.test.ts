// Notifications beyond the site in a real browser: the author adds a webhook on the desk's
// notifications page, sees its secret once, sends a test and reads the delivery log; a reader
// finds the push part of their page working with the script and saying it needs the script
// without. Every state is checked with axe and saved at 390 and 1280 px, light and dark.
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { defaultModeration } from '../src/config.ts';
import { defaultNotifySettings } from '../src/notify/config.ts';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { generousLimits } from '../test/helpers/people.ts';
import { AXE_WIDTH, axeViolations, formatViolations, launchBrowser, newContext, screenshot } from './helpers/browser.ts';

let server: TestApp;
let browser: Browser;
let receiver: Server;
let receiverUrl: string;
const received: string[] = [];
let heard: (() => void) | undefined;
const contexts: BrowserContext[] = [];

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      received.push(body);
      res.writeHead(204).end();
      heard?.();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/byline`;
  server = await startTestApp({
    config: {
      limits: generousLimits,
      moderation: { ...defaultModeration, minSubmitSeconds: 0 },
      notify: { ...defaultNotifySettings, pollMs: 100 },
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
  receiver?.close();
});

async function open(javaScriptEnabled = true): Promise<Page> {
  const context = await newContext(browser, { javaScriptEnabled });
  contexts.push(context);
  return context.newPage();
}

/** Saves the page at both widths in both schemes, checked with axe at AXE_WIDTH. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      if (width === AXE_WIDTH) {
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `${name} at ${width} px, ${colorScheme}:\n${formatViolations(violations)}`);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      assert.equal(overflow, false, `${name} fits ${width} px without sideways scrolling`);
      await screenshot(page, `notify-${name}-${width}-${colorScheme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * The same checks for a page as it is without the script. axe-core needs timers, which do not run
 * in a page with JavaScript turned off, so this page keeps JavaScript for axe alone and is refused
 * the site's own scripts: what it shows is what a reader without the script sees.
 */
async function shootWithoutSiteScripts(from: Page, name: string): Promise<void> {
  const context = await browser.newContext({ storageState: await from.context().storageState() });
  contexts.push(context);
  const page = await context.newPage();
  await page.route(/\.js(\?.*)?$/, (route) => route.abort());
  await page.goto(from.url());
  assert.match((await page.locator('[data-push-state]').textContent()) ?? '', /not running/);
  await shoot(page, name);
}

test('the author adds a webhook, sees its secret once, sends a test and reads the log', async () => {
  const link = await server.ctx.discussion.createAuthorLink();
  const page = await open(true);
  await page.goto(`${server.url}/author/signin?token=${link.token}`);
  await page.click('form[action="/author/signin"] button[type=submit]');
  await page.waitForURL(/\/me$/);

  await page.goto(`${server.url}/admin/notifications`);
  assert.equal(await page.locator('h1').textContent(), 'Notifications');
  await shoot(page, 'desk-empty');

  // A refused address comes back with what was typed.
  await page.fill('#webhook-url', 'ftp://example.org/hook');
  await page.selectOption('#webhook-format', 'slack');
  await page.evaluate(() => document.querySelector<HTMLInputElement>('#webhook-url')!.setAttribute('type', 'text'));
  await page.click('form.notify-add button[type=submit]');
  await page.waitForSelector('#webhook-error');
  assert.equal(await page.inputValue('#webhook-url'), 'ftp://example.org/hook');
  assert.equal(await page.inputValue('#webhook-format'), 'slack');
  await shoot(page, 'desk-refused');

  // By keyboard alone: the address, the format, and the button.
  await page.fill('#webhook-url', '');
  await page.focus('#webhook-url');
  await page.keyboard.type(receiverUrl);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'webhook-format', 'Tab goes from the address to the format');
  await page.selectOption('#webhook-format', 'json');
  await page.focus('form.notify-add button[type=submit]');
  await page.keyboard.press('Enter');
  const secret = await page.locator('#webhook-secret').textContent();
  assert.match(secret ?? '', /^whsec_/);
  assert.equal(await page.locator('.copy-button').isVisible(), true, 'the script reveals the Copy button');
  await shoot(page, 'desk-added');

  const delivered = new Promise<void>((resolve, reject) => {
    heard = resolve;
    setTimeout(() => reject(new Error('the receiver heard nothing within 10 s')), 10_000).unref();
  });
  await page.click('.notify-webhook button:has-text("Send a test")');
  await page.waitForSelector('.notice');
  await delivered;
  assert.equal(received.length, 1, 'the receiver got the test');
  assert.equal(JSON.parse(received[0]!).type, 'test');
  await page.reload();
  await page.waitForSelector('.notify-log li.ok');
  assert.match((await page.locator('.notify-log li').first().textContent()) ?? '', /Delivered.*test.*HTTP 204/);
  assert.ok(!(await page.content()).includes(secret!), 'the secret is not shown again');
  await shoot(page, 'desk-log');
});

async function signInReader(page: Page, name: string): Promise<void> {
  await page.goto(`${server.url}/signin?return=%2Fme`);
  await page.fill('#signin-name', name);
  await page.click('.signin-form button[type=submit]');
  await page.waitForLoadState('load');
}

test('the push part of the reader’s page works with the script and says it needs it without', async () => {
  const withScript = await open(true);
  await signInReader(withScript, 'Pia Push');
  await withScript.goto(`${server.url}/me`);
  const state = withScript.locator('[data-push-state]');
  await withScript.waitForFunction(() => !document.querySelector('[data-push-state]')?.textContent?.includes('not running'));
  const said = (await state.textContent()) ?? '';
  const supported = await withScript.evaluate(() => 'PushManager' in window && 'serviceWorker' in navigator);
  if (supported) {
    assert.match(said, /Get a notification on this device/);
    assert.equal(await withScript.locator('[data-push-subscribe]').isVisible(), true);
  } else assert.match(said, /cannot show notifications/);
  assert.equal(await withScript.locator('form[data-push-stop]').isVisible(), false, 'nothing to stop yet');
  await withScript.locator('#me-notifications').scrollIntoViewIfNeeded();
  await shoot(withScript, 'me-push-script');

  const without = await open(false);
  await signInReader(without, 'Nico Noscript');
  await without.goto(`${server.url}/me`);
  assert.match((await without.locator('[data-push-state]').textContent()) ?? '', /need this site’s script, which is not running/);
  assert.equal(await without.locator('[data-push-subscribe]').isVisible(), false);
  assert.equal(await without.locator('form[data-push-stop] button').isVisible(), true, 'Stop works without the script');
  await shootWithoutSiteScripts(without, 'me-push-noscript');
  // The Stop form works without the script.
  await without.click('form[data-push-stop] button');
  await without.waitForURL(/\/me/);
  assert.equal(await without.locator('h1').count(), 1);
});
