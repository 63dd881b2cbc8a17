import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Response } from 'playwright-core';
import { nameKey } from '../src/discussion/names.ts';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { launchBrowser, newContext } from './helpers/browser.ts';

const generous = {
  newNamesPerPrefixPerHour: 100_000,
  newNamesPerPrefixPerDay: 100_000,
  newNamesPerNetworkPerDay: 100_000,
  commentsPer15Seconds: 100_000,
  commentsPerHour: 100_000,
  votesPerMinute: 100_000,
  recoveryFailuresPerHour: 100,
};
const slug = 'the-last-ten-percent';
const attackerName = 'Cross Site Mallory';

let t: TestApp;
let browser: Browser;
let evil: Server;
let evilOrigin = '';
let targetComment = '';

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The attacker's pages: each one submits itself to the app the moment it loads. */
function attackPages(app: string): Record<string, string> {
  const autoSubmit = (form: string) =>
    `<!doctype html><html><head><title>Win a prize</title></head><body>${form}<script>document.forms[0].submit()</script></body></html>`;
  return {
    '/comment': autoSubmit(
      `<form method="post" action="${app}/writing/${slug}/comments"><input name="body" value="Posted by another site"><input name="idempotencyKey" value="evil-1"><input name="_csrf" value="guessed"></form>`,
    ),
    '/vote': autoSubmit(
      `<form method="post" action="${app}/comments/${targetComment}/vote"><input name="action" value="up"><input name="_csrf" value="guessed"></form>`,
    ),
    '/signin': autoSubmit(
      `<form method="post" action="${app}/signin"><input name="name" value="${escapeAttr(attackerName)}"><input name="return" value="/"></form>`,
    ),
    // The text/plain trick: the field name and value join into a JSON body `{"body":"x","pad":"="}`.
    '/json': autoSubmit(
      `<form method="post" enctype="text/plain" action="${app}/api/v1/articles/${slug}/comments"><input name='{"body":"x","pad":"' value='"}'></form>`,
    ),
    '/fetch': `<!doctype html><html><head><title>Nothing to see</title></head><body><p id="done">working</p><script>
      const app = ${JSON.stringify(app)};
      Promise.allSettled([
        fetch(app + '/api/v1/articles/${slug}/comments', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ body: 'fetched from another site' }) }),
        fetch(app + '/api/v1/session', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ name: ${JSON.stringify(`${attackerName} Two`)} }) }),
        fetch(app + '/comments/${targetComment}/vote', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'action=up' }),
      ]).then(() => { document.getElementById('done').textContent = 'done'; });
    </script></body></html>`,
  };
}

before(async () => {
  t = await startTestApp({ config: { limits: generous } });
  browser = await launchBrowser();
  const author = await t.ctx.discussion.signIn('Victor Target', null);
  targetComment = (await t.ctx.discussion.post({ identity: author.identity }, slug, { body: 'A comment the attacker wants upvoted.' }))
    .comment.id;
  t.ctx.changed(slug);
  evil = createServer((req, res) => {
    const pages = attackPages(t.url);
    const page = pages[new URL(req.url ?? '/', 'http://x').pathname];
    res.writeHead(page ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page ?? 'not found');
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  // Another origin and another site: "localhost" is not "127.0.0.1".
  evilOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`;
  assert.notEqual(new URL(evilOrigin).host, new URL(t.url).host);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => evil?.close(resolve));
  await t?.close();
});

async function snapshot() {
  const comments = await t.store.listComments(slug);
  return {
    comments: comments.map((c) => `${c.id}:${c.state}:${c.score}`).sort(),
    votes: (await t.store.votesOn(targetComment)).length,
    score: (await t.store.getComment(targetComment))?.score,
    attacker: await t.store.getIdentityByNameKey(nameKey(attackerName)),
    attackerTwo: await t.store.getIdentityByNameKey(nameKey(`${attackerName} Two`)),
  };
}

/** Collects every response the browser got from the app for requests the attacker's page started. */
function watchApp(page: Page): Response[] {
  const seen: Response[] = [];
  page.on('response', (r) => {
    if (r.url().startsWith(t.url) && r.request().method() === 'POST') seen.push(r);
  });
  return seen;
}

describe('cross-site requests', () => {
  test("a cross-site page's forms and fetches cannot post, vote or sign in", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();

    // The victim signs in on the app and can post from its own page (the control).
    await page.goto(`${t.url}/writing/${slug}`);
    await page.fill('.composer .signin-form input[name=name]', 'Victim Reader');
    await page.click('.composer .signin-form button[type=submit]');
    await page.waitForSelector('.recovery-key');
    const cookies = await context.cookies(t.url);
    const session = cookies.find((c) => c.name === '__Host-byline_session');
    assert.ok(session, 'the victim is signed in');

    const before = await snapshot();
    assert.equal(before.attacker, undefined);

    for (const attack of ['/comment', '/vote', '/signin', '/json'] as const) {
      const responses = watchApp(page);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(t.url) && r.request().method() === 'POST', { timeout: 10_000 }),
        page.goto(`${evilOrigin}${attack}`),
      ]);
      assert.ok(
        [403, 415].includes(response.status()),
        `${attack}: refused with 403 or 415, got ${response.status()} for ${response.url()}`,
      );
      assert.equal(response.request().headers().origin ?? 'null', evilOrigin, `${attack}: the browser said where it came from`);
      await page.waitForLoadState('load');
      for (const r of responses) assert.ok([403, 415].includes(r.status()), `${attack}: ${r.url()} answered ${r.status()}`);
      assert.deepEqual(await snapshot(), before, `${attack}: nothing changed`);
    }

    // fetch() in no-cors mode with credentials: the script can't read the answer, but the server must refuse it too.
    const responses = watchApp(page);
    await page.goto(`${evilOrigin}/fetch`);
    await page.waitForFunction(() => document.getElementById('done')?.textContent === 'done', undefined, { timeout: 10_000 });
    assert.equal(responses.length, 3, 'three requests reached the app');
    for (const r of responses) assert.ok([403, 415].includes(r.status()), `fetch ${r.url()} answered ${r.status()}`);
    assert.deepEqual(await snapshot(), before, 'fetch: nothing changed');

    // The victim is still signed in, and their own page still works.
    assert.equal((await context.cookies(t.url)).find((c) => c.name === '__Host-byline_session')?.value, session.value);
    await page.goto(`${t.url}/writing/${slug}`);
    await page.waitForSelector('.composer .comment-form textarea[name=body]');
    await page.fill('.composer .comment-form textarea[name=body]', 'Posted from the site itself.');
    await page.click('.composer .comment-form button[type=submit]');
    await page.locator('li.comment .comment-body:has-text("Posted from the site itself.")').waitFor();
    const afterOwn = await snapshot();
    assert.equal(afterOwn.comments.length, before.comments.length + 1, 'a same-site post still works');
    await context.close();
  });
});
