import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Article } from '../src/content/types.ts';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { axeViolations, formatViolations, launchBrowser, newContext, screenshot, watchThirdPartyRequests } from './helpers/browser.ts';

let server: TestApp;
let browser: Browser;

before(async () => {
  server = await startTestApp();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The article that shows the most anatomy: from the book, corrected, with a template block. */
function showcaseArticle(): Article {
  const { articles } = server.ctx.content.site;
  const score = (a: Article) => (a.book ? 4 : 0) + (a.html.includes('copyable-template') ? 2 : 0) + (a.corrections.length > 0 ? 1 : 0);
  const best = [...articles].sort((a, b) => score(b) - score(a))[0];
  assert.ok(best?.book && best.html.includes('copyable-template'), 'the demo has a book article with a template block');
  return best;
}

function pages(): { name: string; path: string }[] {
  const { site } = server.ctx.content;
  return [
    { name: 'home', path: '/' },
    { name: 'writing', path: '/writing' },
    { name: 'article', path: `/writing/${showcaseArticle().slug}` },
    { name: 'section', path: `/sections/${site.sections[0]!.slug}` },
    { name: 'tag', path: `/tags/${site.tags[0]!.slug}` },
    { name: 'book', path: `/books/${site.books[0]!.slug}` },
    { name: 'corrections', path: '/corrections' },
    { name: 'not-found', path: '/no-such-page' },
  ];
}

/** Lazy images below the fold would be blank in a full-page screenshot; load them all first. */
async function loadAllImages(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const images = [...document.images];
    for (const img of images) img.loading = 'eager';
    await Promise.all(
      images.map((img) =>
        img.complete && img.naturalWidth > 0
          ? undefined
          : new Promise((resolve) => {
              img.addEventListener('load', resolve, { once: true });
              img.addEventListener('error', resolve, { once: true });
            }),
      ),
    );
  });
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describe('the article page', () => {
  test('shows every part of the anatomy, in order', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/writing/${showcaseArticle().slug}`);
    const parts: [string, string][] = [
      ['kicker', 'article .article-header .kicker a'],
      ['title', 'article h1'],
      ['dek', 'article .dek'],
      ['date and reading time', 'article .article-meta time'],
      ['body', 'article .prose'],
      ['filed under', 'article .filed-under'],
      ['from the book', 'article aside.from-the-book'],
      ['comments', 'article section#comments'],
      ['back link', 'article .back-link a[href="/writing"]'],
    ];
    let previousTop = -1;
    let previous: string | undefined;
    for (const [name, selector] of parts) {
      const locator = page.locator(selector).first();
      assert.ok(await locator.isVisible(), `${name} (${selector}) is visible`);
      const box = await locator.boundingBox();
      assert.ok(box, `${name} has a box`);
      assert.ok(box.y > previousTop, `${name} (top ${box.y}) comes below ${previous} (top ${previousTop})`);
      if (previous) {
        const inOrder = await page.evaluate(
          ([a, b]) => {
            const first = document.querySelector(a!);
            const second = document.querySelector(b!);
            return !!first && !!second && (first.compareDocumentPosition(second) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
          },
          [parts.find(([n]) => n === previous)![1], selector],
        );
        assert.ok(inOrder, `${name} follows ${previous} in the document`);
      }
      previousTop = box.y;
      previous = name;
    }
    assert.match((await page.locator('article .article-meta').textContent()) ?? '', /\d+ min read/);
    assert.match((await page.locator('aside.from-the-book').textContent()) ?? '', /\d+ pages/);
    assert.equal(await page.locator('aside.from-the-book a', { hasText: 'About the book' }).count(), 1);
    await context.close();
  });

  test("the template block's Copy button copies its text", async () => {
    const context = await newContext(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    await page.goto(`${server.url}/writing/${showcaseArticle().slug}`);
    const button = page.locator('figure.copyable-template button.copy-button').first();
    await button.waitFor({ state: 'visible' });
    const target = await button.getAttribute('data-copy-target');
    assert.ok(target);
    const expected = await page.locator(`#${target}`).textContent();
    assert.ok(expected && expected.trim().length > 0);
    await button.click();
    await page.waitForFunction(() => document.querySelector('figure.copyable-template button.copy-button')?.textContent === 'Copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), expected);
    await context.close();
  });

  test('without JavaScript the Copy button stays hidden and the text is all there', async () => {
    const context = await newContext(browser, { javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/writing/${showcaseArticle().slug}`);
    const figure = page.locator('figure.copyable-template').first();
    assert.ok(await figure.isVisible());
    assert.ok(await figure.locator('button.copy-button').isHidden());
    const pre = figure.locator('pre');
    assert.ok(await pre.isVisible());
    assert.ok(((await pre.textContent()) ?? '').trim().length > 0);
    await context.close();
  });

  test('the keyboard alone reaches every link, starting with the skip link', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/writing/${showcaseArticle().slug}`);
    // Number every link so each one can be recognised when it has focus.
    const links = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLAnchorElement>('a[href]')].map((a, i) => {
        a.dataset.kb = String(i);
        return { index: String(i), href: a.getAttribute('href'), text: a.textContent?.trim(), rendered: a.checkVisibility() };
      }),
    );
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => ({
      kb: (document.activeElement as HTMLElement | null)?.dataset.kb,
      cls: document.activeElement?.className,
    }));
    assert.equal(first.cls, 'skip-link', 'the skip link is the first Tab stop');
    const reached = new Set<string>([first.kb!]);
    for (let presses = 0; presses < 600; presses++) {
      await page.keyboard.press('Tab');
      const kb = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.kb);
      if (kb === first.kb) break;
      if (kb !== undefined) reached.add(kb);
    }
    // Links in closed disclosures are out of reach by design until opened; everything rendered must be reachable.
    const missed = links.filter((l) => l.rendered && !reached.has(l.index));
    assert.deepEqual(missed, [], 'links the keyboard never reached');
    await context.close();
  });

  test('the skip link moves focus to the main content', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.keyboard.press('Tab');
    assert.ok(await page.locator('a.skip-link').isVisible(), 'the skip link shows when focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    await context.close();
  });
});

describe('every reading page', () => {
  for (const scheme of ['light', 'dark'] as const) {
    test(`passes axe, scrolls only vertically, makes no third-party requests, and is screenshotted (${scheme})`, async () => {
      const problems: string[] = [];
      for (const width of [1280, 390]) {
        const context = await newContext(browser, { width, colorScheme: scheme });
        const page = await context.newPage();
        const thirdParty = watchThirdPartyRequests(page, server.url);
        for (const { name, path } of pages()) {
          const res = await page.goto(`${server.url}${path}`);
          assert.equal(res?.status(), name === 'not-found' ? 404 : 200, path);
          await loadAllImages(page);
          const violations = await axeViolations(page);
          if (violations.length > 0) problems.push(`${name} at ${width}px, ${scheme}:\n${formatViolations(violations)}`);
          const overflow = await horizontalOverflow(page);
          if (overflow > 0) problems.push(`${name} at ${width}px, ${scheme}: scrolls sideways by ${overflow}px`);
          await screenshot(page, `${name}-${width}-${scheme}`);
        }
        assert.deepEqual(thirdParty, [], `third-party requests at ${width}px`);
        await context.close();
      }
      assert.deepEqual(problems, []);
    });
  }

  test('nothing scrolls sideways on a 320 px screen', async () => {
    const context = await newContext(browser, { width: 320 });
    const page = await context.newPage();
    for (const { name, path } of pages()) {
      await page.goto(`${server.url}${path}`);
      assert.equal(await horizontalOverflow(page), 0, name);
    }
    await context.close();
  });
});
