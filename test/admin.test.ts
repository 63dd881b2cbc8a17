import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultModeration } from '../src/config.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { type Person, call, form, generousLimits, postComment, publicComments, signIn, signInAuthor } from './helpers/people.ts';

const slug = 'the-last-ten-percent';
let clock = Date.parse('2026-11-25T12:00:00Z');
let t: TestApp;
let author: Person;
let reader: Person;

before(async () => {
  t = await startTestApp({ listen: false, now: () => clock, config: { limits: generousLimits, moderation: { ...defaultModeration } } });
  author = await signInAuthor(t);
  reader = await signIn(t, 'Plain Reader');
});
after(async () => t.close());

const tick = (ms = 1000) => {
  clock += ms;
};

async function auditCount(): Promise<number> {
  return (await t.store.listAudit(10_000)).length;
}

async function articleHtml(cookie?: string): Promise<string> {
  const res = await call(t, 'GET', `/writing/${slug}`, { cookie });
  assert.equal(res.statusCode, 200);
  return res.body;
}

async function commentsFeed(): Promise<string> {
  const res = await call(t, 'GET', `/writing/${slug}/comments.xml`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /atom\+xml/);
  return res.body;
}

describe('who may use the admin', () => {
  test('every page: visitors are sent to sign in, readers get 403, the author gets the page', async () => {
    const c = await postComment(t, reader, slug, 'A comment to look at');
    const pages = [
      '/admin',
      '/admin/comments',
      '/admin/comments?state=held&name=plain',
      '/admin/articles',
      '/admin/audit',
      `/admin/identities/${reader.id}`,
      `/admin/comments/${c.id}/votes`,
    ];
    for (const url of pages) {
      const visitor = await call(t, 'GET', url);
      assert.equal(visitor.statusCode, 303, url);
      assert.equal(visitor.headers.location, `/signin?return=${encodeURIComponent(url)}`);
      const asReader = await call(t, 'GET', url, { cookie: reader.cookie });
      assert.equal(asReader.statusCode, 403, url);
      assert.match(asReader.body, /for the author of this site only/);
      const asAuthor = await call(t, 'GET', url, { cookie: author.cookie });
      assert.equal(asAuthor.statusCode, 200, `${url}: ${asAuthor.body.slice(0, 200)}`);
      assert.equal(asAuthor.headers['cache-control'], 'no-store');
    }
  });

  test('every action: refused for visitors, readers and forms without the token, with no change and no audit entry', async () => {
    const target = await postComment(t, reader, slug, 'Target of every action');
    const victim = await signIn(t, 'Action Target');
    const actions = [
      ...['hide', 'restore', 'release', 'delete', 'pin', 'unpin', 'lock', 'unlock'].map((a) => `/admin/comments/${target.id}/${a}`),
      `/admin/articles/${slug}/close`,
      `/admin/articles/${slug}/reopen`,
      ...['ban', 'unban', 'mute', 'unmute', 'revoke-sessions'].map((a) => `/admin/identities/${victim.id}/${a}`),
    ];
    const beforeComment = await t.store.getComment(target.id);
    const beforeIdentity = await t.store.getIdentity(victim.id);
    const audits = await auditCount();
    for (const url of actions) {
      const fields = { reason: 'testing', days: '3' };
      const visitor = await form(t, url, fields);
      assert.equal(visitor.statusCode, 303, url);
      assert.match(String(visitor.headers.location), /^\/signin\?return=/);
      const asReader = await form(t, url, fields, reader.cookie);
      assert.equal(asReader.statusCode, 403, url);
      const noToken = await form(t, url, { ...fields, _csrf: 'forged' }, author.cookie);
      assert.equal(noToken.statusCode, 403, url);
      const crossSite = await call(t, 'POST', url, {
        cookie: author.cookie,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
        body: `_csrf=${author.csrf}`,
      });
      assert.equal(crossSite.statusCode, 403, url);
    }
    assert.deepEqual(await t.store.getComment(target.id), beforeComment);
    assert.deepEqual(await t.store.getIdentity(victim.id), beforeIdentity);
    assert.equal(await t.store.isCommentsClosed(slug), false);
    assert.equal(await auditCount(), audits);
    assert.ok(await t.ctx.discussion.viewerForSession(decodeURIComponent(victim.cookie.split('=')[1]!)), 'sessions untouched');
  });
});

describe('moderation actions, as the public sees them', () => {
  async function act(url: string, fields: Record<string, string> = {}) {
    const before = await auditCount();
    const res = await form(t, url, fields, author.cookie);
    assert.equal(res.statusCode, 303, `${url}: ${res.body.slice(0, 300)}`);
    const entries = await t.store.listAudit(1);
    assert.equal(await auditCount(), before + 1, `${url} wrote one audit entry`);
    assert.equal(entries[0]?.actorName, author.name);
    return { res, entry: entries[0]! };
  }

  test('hide leaves a "removed by the author" placeholder where replies hang on it; restore brings it back', async () => {
    const parent = await postComment(t, reader, slug, 'Spammy parent with a reply');
    const other = await signIn(t, 'Replier One');
    await postComment(t, other, slug, 'A reply that keeps the parent as a placeholder', parent.id);
    const lone = await postComment(t, reader, slug, 'Lonely spam nobody answered');
    const before = await publicComments(t, slug);

    const { res, entry } = await act(`/admin/comments/${parent.id}/hide`, {
      reason: 'spam',
      return: `/writing/${slug}#comment-${parent.id}`,
    });
    // Without the script, an action from the article lands on the desk's "done" page: the notice, its Undo, and the way back.
    const landing = new URL(String(res.headers.location), 'http://x');
    assert.equal(landing.pathname, '/admin/done');
    assert.equal(landing.searchParams.get('back'), `/writing/${slug}#comment-${parent.id}`);
    const done = await call(t, 'GET', String(res.headers.location), { cookie: author.cookie });
    assert.match(done.body, /Comment hidden/);
    assert.match(done.body, new RegExp(`action="/admin/comments/${parent.id}/restore"`), 'the notice carries its Undo');
    assert.match(done.body, new RegExp(`href="/writing/${slug}#comment-${parent.id}">Back to the comment<`));
    assert.equal(entry.action, 'comment.hide');
    assert.equal(entry.reason, 'spam');
    assert.match(entry.target, new RegExp(parent.id));
    await act(`/admin/comments/${lone.id}/hide`);

    const after = await publicComments(t, slug);
    assert.equal(after.total, before.total - 2, 'the count drops by both');
    const placeholder = after.comments.find((c) => c.id === parent.id);
    assert.ok(placeholder, 'the parent stays as a placeholder');
    assert.equal(placeholder.deleted, true);
    assert.equal(placeholder.html, '');
    assert.equal(placeholder.author, null);
    assert.equal(
      after.comments.find((c) => c.id === lone.id),
      undefined,
      'a hidden comment without replies is gone',
    );

    const page = await articleHtml();
    assert.match(page, /This comment was removed by the author\./);
    assert.doesNotMatch(page, /Spammy parent with a reply|Lonely spam/);
    const feed = await commentsFeed();
    assert.doesNotMatch(feed, /Spammy parent|Lonely spam/);
    assert.match(feed, /A reply that keeps the parent/);

    // The author still reads it, marked, with Restore.
    const authorPage = await articleHtml(author.cookie);
    assert.match(authorPage, /Spammy parent with a reply/);
    assert.match(authorPage, /Hidden from readers/);
    assert.match(authorPage, new RegExp(`/admin/comments/${parent.id}/restore`));

    await act(`/admin/comments/${parent.id}/restore`);
    const restored = await publicComments(t, slug);
    assert.equal(restored.comments.find((c) => c.id === parent.id)?.deleted, false);
    assert.match(await articleHtml(), /Spammy parent with a reply/);
    assert.match(await commentsFeed(), /Spammy parent with a reply/);

    // The writer hears of the removal in their inbox.
    const inbox = await t.store.listNotifications(reader.id, 10);
    assert.ok(inbox.some((n) => n.kind === 'removed' && n.commentId === lone.id));
  });

  test('delete for good removes the text everywhere', async () => {
    const c = await postComment(t, reader, slug, 'Delete me for good please');
    const { entry } = await act(`/admin/comments/${c.id}/delete`, { reason: 'doxxing' });
    assert.equal(entry.action, 'comment.delete');
    assert.equal(await t.store.getComment(c.id), undefined);
    assert.equal(
      (await publicComments(t, slug)).comments.find((x) => x.id === c.id),
      undefined,
    );
    assert.doesNotMatch(await articleHtml(), /Delete me for good/);
    assert.doesNotMatch(await commentsFeed(), /Delete me for good/);
  });

  test('pin puts a comment first under Top, and unpin takes it back', async () => {
    const c = await postComment(t, reader, slug, 'Pin me to the top');
    tick();
    await postComment(t, reader, slug, 'A later comment');
    await act(`/admin/comments/${c.id}/pin`);
    const top = await publicComments(t, slug, undefined, 'top');
    assert.equal(top.comments[0]?.id, c.id);
    assert.equal(top.comments[0]?.pinned, true);
    assert.match(await articleHtml(), /class="badge-pinned"/);
    await act(`/admin/comments/${c.id}/unpin`);
    assert.equal((await publicComments(t, slug)).comments.find((x) => x.id === c.id)?.pinned, false);
  });

  test('lock refuses new replies in the thread; unlock allows them again', async () => {
    const c = await postComment(t, reader, slug, 'Heated thread');
    await act(`/admin/comments/${c.id}/lock`, { reason: 'cooling off' });
    const refused = await call(t, 'POST', `/api/v1/articles/${slug}/comments`, {
      cookie: reader.cookie,
      body: { body: 'one more', parentId: c.id },
    });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /locked/);
    await act(`/admin/comments/${c.id}/unlock`);
    await postComment(t, reader, slug, 'one more', c.id);
  });

  test('a lock covers the whole thread below the comment: deeper replies are refused, and the page offers no Reply there', async () => {
    const top = await postComment(t, reader, slug, 'A thread that grew heated');
    tick(16_000);
    const reply = await postComment(t, reader, slug, 'A reply inside it', top.id);
    tick(16_000);
    const deeper = await postComment(t, reader, slug, 'A reply to the reply', reply.id);
    tick(16_000);
    await act(`/admin/comments/${top.id}/lock`);
    for (const parentId of [reply.id, deeper.id]) {
      const refused = await call(t, 'POST', `/api/v1/articles/${slug}/comments`, {
        cookie: reader.cookie,
        body: { body: 'still going', parentId },
      });
      assert.equal(refused.statusCode, 422, `a reply under ${parentId} is refused`);
      assert.match(refused.body, /locked/);
    }
    const html = await articleHtml();
    for (const id of [top.id, reply.id, deeper.id]) {
      assert.doesNotMatch(html, new RegExp(`/comments/${id}/reply"`), `no Reply link on ${id}`);
    }
    assert.match(html, new RegExp(`id="comment-${top.id}"[\\s\\S]*?class="thread-locked">Replies closed<`));
    await act(`/admin/comments/${top.id}/unlock`);
    tick(16_000);
    await postComment(t, reader, slug, 'Calmer now', deeper.id);
    assert.match(await articleHtml(), new RegExp(`/comments/${deeper.id}/reply"`));
  });

  test('closing an article refuses posts and says so on the page; reopening opens it', async () => {
    const { entry } = await act(`/admin/articles/${slug}/close`);
    assert.equal(entry.action, 'article.close');
    const refused = await call(t, 'POST', `/api/v1/articles/${slug}/comments`, { cookie: reader.cookie, body: { body: 'closed?' } });
    assert.equal(refused.statusCode, 422);
    assert.match(await articleHtml(), /Comments on this article are closed/);
    await act(`/admin/articles/${slug}/reopen`);
    assert.doesNotMatch(await articleHtml(), /Comments on this article are closed/);
    await postComment(t, reader, slug, 'open again');
  });

  test('a ban refuses posts and votes until it ends; with the prefix it refuses new names from that network', async () => {
    const troll = await signIn(t, 'Troll Account', '203.0.113.7');
    const c = await postComment(t, reader, slug, 'Something the troll wants to vote on');
    const { entry } = await act(`/admin/identities/${troll.id}/ban`, { days: '7', reason: 'abuse', prefix: 'on' });
    assert.equal(entry.action, 'identity.ban+prefix');
    assert.match(entry.reason ?? '', /abuse/);
    const post = await call(t, 'POST', `/api/v1/articles/${slug}/comments`, { cookie: troll.cookie, body: { body: 'I am back' } });
    assert.equal(post.statusCode, 403);
    assert.equal((await call(t, 'PUT', `/api/v1/comments/${c.id}/vote`, { cookie: troll.cookie })).statusCode, 403);
    const sockPuppet = await call(t, 'POST', '/api/v1/session', { body: { name: 'Totally New Person' }, remoteAddress: '203.0.113.7' });
    assert.equal(sockPuppet.statusCode, 403, 'sign-in from the banned prefix is refused');
    const elsewhere = await signIn(t, 'Someone Elsewhere', '198.51.100.4');
    await postComment(t, elsewhere, slug, 'other networks are fine');
    // A ban needs a reason.
    const noReason = await form(t, `/admin/identities/${elsewhere.id}/ban`, { days: '1', reason: '' }, author.cookie);
    assert.equal(noReason.statusCode, 422);
    // It ends by itself.
    tick(8 * 24 * 3600 * 1000);
    await postComment(t, troll, slug, 'after the ban');
    const later = await call(t, 'POST', '/api/v1/session', { body: { name: 'After The Ban' }, remoteAddress: '203.0.113.7' });
    assert.equal(later.statusCode, 201);
    // And can be lifted early.
    await act(`/admin/identities/${troll.id}/ban`, { days: '0', reason: 'again' });
    const indefinite = await call(t, 'POST', `/api/v1/articles/${slug}/comments`, { cookie: troll.cookie, body: { body: 'x' } });
    assert.equal(indefinite.statusCode, 403);
    assert.match(indefinite.body, /again/);
    await act(`/admin/identities/${troll.id}/unban`);
    await postComment(t, troll, slug, 'unbanned');
  });

  test('mute shows their comments only to themselves (and the author)', async () => {
    const loud = await signIn(t, 'Loud Voice');
    const c = await postComment(t, loud, slug, 'Muted words here');
    await act(`/admin/identities/${loud.id}/mute`, { reason: 'flamewar' });
    assert.equal(
      (await publicComments(t, slug)).comments.find((x) => x.id === c.id),
      undefined,
    );
    assert.equal(
      (await publicComments(t, slug, reader.cookie)).comments.find((x) => x.id === c.id),
      undefined,
    );
    assert.ok(
      (await publicComments(t, slug, loud.cookie)).comments.find((x) => x.id === c.id),
      'the writer still sees it',
    );
    const after = await postComment(t, loud, slug, 'Still muted later');
    assert.equal(
      (await publicComments(t, slug)).comments.find((x) => x.id === after.id),
      undefined,
    );
    assert.doesNotMatch(await articleHtml(), /Muted words here|Still muted later/);
    assert.doesNotMatch(await commentsFeed(), /Muted words here/);
    assert.match(await articleHtml(author.cookie), /Muted words here/);
    await act(`/admin/identities/${loud.id}/unmute`);
    assert.ok((await publicComments(t, slug)).comments.find((x) => x.id === c.id));
  });

  test('revoke sessions signs them out on every device', async () => {
    const someone = await signIn(t, 'Signed In Twice');
    const { entry } = await act(`/admin/identities/${someone.id}/revoke-sessions`);
    assert.equal(entry.action, 'identity.revoke-sessions');
    const me = await call(t, 'GET', '/api/v1/session', { cookie: someone.cookie });
    assert.equal(me.statusCode, 401);
  });

  test("the author's own name can't be banned", async () => {
    const res = await form(t, `/admin/identities/${author.id}/ban`, { days: '1', reason: 'x' }, author.cookie);
    assert.equal(res.statusCode, 422);
  });

  test('the audit log lists every action with who, what, target and reason', async () => {
    const res = await call(t, 'GET', '/admin/audit', { cookie: author.cookie });
    assert.equal(res.statusCode, 200);
    for (const action of [
      'comment.hide',
      'comment.restore',
      'comment.delete',
      'comment.pin',
      'comment.lock',
      'article.close',
      'identity.ban+prefix',
      'identity.mute',
      'identity.revoke-sessions',
    ]) {
      assert.ok(res.body.includes(action), action);
    }
    assert.match(res.body, /flamewar/);
    assert.match(res.body, /Mara Quill/);
  });

  test('the comments page filters by article, name and state', async () => {
    const named = await signIn(t, 'Filter Findme');
    await postComment(t, named, slug, 'Findable text');
    const byName = await call(t, 'GET', '/admin/comments?name=findme', { cookie: author.cookie });
    assert.match(byName.body, /Findable text/);
    assert.doesNotMatch(byName.body, /Pin me to the top/);
    const hidden = await call(t, 'GET', '/admin/comments?state=hidden', { cookie: author.cookie });
    assert.match(hidden.body, /Lonely spam nobody answered/);
    assert.doesNotMatch(hidden.body, /Findable text/);
    const other = await call(t, 'GET', '/admin/comments?article=a-weekly-review-that-survives', { cookie: author.cookie });
    assert.doesNotMatch(other.body, /Findable text/);
  });
});

describe('inline moderation on the article page', () => {
  test('one Moderate menu per comment: forms with the token for what has an undo, pages that ask first for the rest', async () => {
    const c = await postComment(t, reader, slug, 'Inline target');
    const page = await articleHtml(author.cookie);
    const at = page.indexOf(`id="comment-${c.id}"`);
    const item = page.slice(at, page.indexOf('</details>', at));
    assert.equal(item.match(/<details class="mod-menu"/g)?.length, 1, 'one menu');
    assert.match(item, /<summary>Moderate<span class="visually-hidden"> the comment by Plain Reader<\/span><\/summary>/);
    const pin = item.indexOf(`action="/admin/comments/${c.id}/pin"`);
    assert.ok(pin > 0, 'pin is a form');
    assert.ok(item.slice(pin, pin + 300).includes(`name="_csrf" value="${author.csrf}"`), 'it carries the token');
    for (const action of ['hide', 'lock', 'delete'])
      assert.match(
        item,
        new RegExp(`<a class="mod-item mod-${action}" href="/admin/comments/${c.id}/${action}\\?return=`),
        `${action} asks first`,
      );
    assert.match(item, new RegExp(`href="/admin/identities/${reader.id}/ban\\?return=`), 'ban leads to its page');
    assert.doesNotMatch(item, /<form[^>]*\/ban"/, 'no ban form inside the thread');
    assert.doesNotMatch(await articleHtml(reader.cookie), /\/admin\/comments\//);
    assert.doesNotMatch(await articleHtml(), /\/admin\/comments\//);
  });
});

describe('the desk', () => {
  async function held(who: Person, text: string, parentId?: string) {
    const c = await postComment(t, who, slug, text, parentId);
    await t.store.setCommentState(c.id, 'held', clock);
    return c;
  }
  const page = async (url: string) => {
    const res = await call(t, 'GET', url, { cookie: author.cookie });
    assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
    return res.body;
  };
  /** The <li> of one comment on a desk page. */
  const row = (html: string, id: string) => {
    const at = html.indexOf(`id="admin-comment-${id}"`);
    assert.ok(at > 0, `comment ${id} is listed`);
    return html.slice(at, html.indexOf('</li>', at));
  };

  test('lists show the body as readers see it, the article by title, and a link to the comment in context', async () => {
    const top = await postComment(t, reader, slug, 'A *rendered* comment with <script>alert(1)</script>');
    const reply = await held(reader, 'A reply in **bold**', top.id);
    const queue = row(await page('/admin'), reply.id);
    assert.match(queue, /<strong>bold<\/strong>/);
    assert.match(queue, />The last ten percent is most of the work</);
    assert.match(queue, new RegExp(`href="/writing/${slug}\\?thread=${top.id}#comment-${reply.id}">In context<`));
    const list = row(await page('/admin/comments?name=plain'), top.id);
    assert.match(list, /<em>rendered<\/em>/);
    assert.match(list, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'raw HTML stays text');
    assert.doesNotMatch(list, /<script>/);
    assert.match(list, new RegExp(`href="/writing/${slug}#comment-${top.id}">In context<`));
    assert.match(await page('/admin/comments'), /<option value="the-last-ten-percent">The last ten percent is most of the work<\/option>/);
  });

  test('the articles page offers "Close comments" only where comments are open', async () => {
    const html = await page('/admin/articles');
    const rowOf = (s: string) => {
      const at = html.indexOf(`href="/writing/${s}"`);
      return html.slice(at, html.indexOf('</tr>', at));
    };
    const closed = rowOf('a-style-guide-for-four-people');
    assert.match(closed, /Closed by the article’s own setting/);
    assert.doesNotMatch(closed, /Close comments|Reopen comments/);
    assert.match(rowOf(slug), /Close comments/);
    await form(t, `/admin/articles/${slug}/close`, {}, author.cookie);
    const after = await page('/admin/articles');
    const at = after.indexOf(`href="/writing/${slug}"`);
    assert.match(after.slice(at, after.indexOf('</tr>', at)), /Closed by you[\s\S]*Reopen comments/);
    await form(t, `/admin/articles/${slug}/reopen`, {}, author.cookie);
  });

  test('hide, lock and delete for good ask first on a page of their own; asking changes nothing', async () => {
    const c = await postComment(t, reader, slug, 'Ask before you act on me');
    const back = `/writing/${slug}#comment-${c.id}`;
    const audits = await auditCount();
    for (const [action, question, confirm] of [
      ['hide', 'Hide this comment?', 'Hide it'],
      ['lock', 'Lock this thread?', 'Lock the thread'],
      ['delete', 'Delete this comment for good?', 'Delete for good'],
    ] as const) {
      const html = await page(`/admin/comments/${c.id}/${action}?return=${encodeURIComponent(back)}`);
      assert.match(html, new RegExp(`<h1>${question.replace('?', '\\?')}</h1>`));
      assert.match(html, /Ask before you act on me/, 'the comment is shown');
      const formAt = html.indexOf(`<form method="post" action="/admin/comments/${c.id}/${action}" class="confirm-form">`);
      assert.ok(formAt > 0, `${action}: Confirm posts the action`);
      const confirmForm = html.slice(formAt, html.indexOf('</form>', formAt));
      assert.match(confirmForm, new RegExp(`name="_csrf" value="${author.csrf}"`));
      assert.match(confirmForm, new RegExp(`>${confirm}<`));
      assert.ok(confirmForm.includes(`href="${back}">Cancel<`), 'Cancel goes back to the comment');
    }
    assert.equal((await t.store.getComment(c.id))?.state, 'visible');
    assert.equal(await auditCount(), audits, 'asking wrote nothing');
    assert.equal(
      (await call(t, 'GET', `/admin/comments/${c.id}/pin`, { cookie: author.cookie })).statusCode,
      404,
      'pin has an undo instead',
    );
    assert.equal((await call(t, 'GET', `/admin/comments/${c.id}/hide`, { cookie: reader.cookie })).statusCode, 403);
    const ban = await page(`/admin/identities/${reader.id}/ban?return=${encodeURIComponent(back)}`);
    assert.match(ban, /<h1>Ban Plain Reader\?<\/h1>/);
    assert.match(ban, /7 days \(until 2\d{3}-\d\d-\d\d\)/);
    assert.ok(ban.includes(`name="return" value="${back}"`), 'the ban comes back to the comment');
  });

  test('Undo: each notice carries the action that takes it back, and it does', async () => {
    const c = await held(reader, 'Approve me, then think again');
    const res = await form(t, `/admin/comments/${c.id}/release`, { return: '/admin' }, author.cookie);
    const queue = await page(String(res.headers.location));
    assert.match(queue, /Comment approved: it is public now\./);
    assert.match(queue, new RegExp(`<form method="post" action="/admin/comments/${c.id}/hold" class="undo-form">`));
    assert.equal((await t.store.getComment(c.id))?.state, 'visible');
    await form(t, `/admin/comments/${c.id}/hold`, { return: '/admin' }, author.cookie);
    assert.equal((await t.store.getComment(c.id))?.state, 'held', 'back in the queue');

    // The script asks for JSON: the message and the Undo, and no redirect.
    const pinned = await call(t, 'POST', `/admin/comments/${c.id}/release`, {
      cookie: author.cookie,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', accept: 'application/json' },
      body: `_csrf=${author.csrf}`,
    });
    assert.equal(pinned.statusCode, 200);
    assert.deepEqual(pinned.json(), { message: 'Comment approved: it is public now.', undo: { url: `/admin/comments/${c.id}/hold` } });
    const again = await call(t, 'POST', `/admin/comments/${c.id}/release`, {
      cookie: author.cookie,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', accept: 'application/json' },
      body: `_csrf=${author.csrf}`,
    });
    assert.equal(again.statusCode, 422);
    assert.match(again.json().error.message, /not waiting for review/);

    // A notice from anyone else's link is not shown, and carries no Undo.
    const forged = await page(`/admin?done=${encodeURIComponent('x.eyJtZXNzYWdlIjoiSGkifQ')}`);
    assert.doesNotMatch(forged, /undo-form/);
  });

  test('bulk approve: a page that says what will happen, then one audit entry per comment, and what no longer applies is reported', async () => {
    const ada = await signIn(t, 'Ada Bulk');
    const ben = await signIn(t, 'Ben Bulk');
    const cy = await signIn(t, 'Cy Bulk');
    const a = await held(ada, 'Ada waits');
    const b = await held(ben, 'Ben waits');
    const c2 = await held(cy, 'Cy waits');
    const gone = await held(cy, 'Cy waits twice');
    await form(t, `/admin/comments/${gone.id}/release`, {}, author.cookie);

    const ids = [a.id, b.id, c2.id, gone.id].map((id) => `ids=${id}`).join('&');
    const confirm = await page(`/admin/bulk?action=release&return=%2Fadmin&${ids}`);
    assert.match(confirm, /<h1>Approve 3 comments by Ada Bulk, Ben Bulk and Cy Bulk\?<\/h1>/);
    assert.match(confirm, /Left as it is[\s\S]*not waiting for review/);
    assert.match(confirm, />Approve 3 comments</);
    assert.match(confirm, /href="\/admin">Cancel</);
    assert.equal((await t.store.getComment(a.id))?.state, 'held', 'the page changes nothing');

    const audits = await auditCount();
    const res = await form(t, '/admin/bulk', { action: 'release', ids: a.id, return: '/admin' }, author.cookie);
    assert.equal(res.statusCode, 303);
    // Several ids: the form sends the field once per comment.
    const body = new URLSearchParams([
      ['_csrf', author.csrf],
      ['action', 'release'],
      ['return', '/admin'],
      ...[b.id, c2.id, gone.id].map((id) => ['ids', id]),
    ]);
    const many = await call(t, 'POST', '/admin/bulk', {
      cookie: author.cookie,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: body.toString(),
    });
    assert.equal(many.statusCode, 303);
    const notice = await page(String(many.headers.location));
    assert.match(notice, /Approved 2 comments by Ben Bulk and Cy Bulk\. 1 left as it was: That comment is not waiting for review\./);
    for (const id of [a.id, b.id, c2.id]) assert.equal((await t.store.getComment(id))?.state, 'visible');
    const entries = (await t.store.listAudit(10)).slice(0, 3);
    assert.equal(await auditCount(), audits + 3, 'one entry per comment');
    assert.ok(entries.every((e) => e.action === 'comment.release'));

    // "Select all" without the script sends every listed comment.
    const d = await held(ada, 'Ada again');
    const all = await page(`/admin/bulk?action=hide&all=on&listed=${d.id}&listed=${a.id}`);
    assert.match(all, /<h1>Hide 2 comments by Ada Bulk\?<\/h1>/);
  });

  test('bulk ban: names the writers once each and when the ban ends; a ban needs a reason; your own name is left out', async () => {
    const x = await signIn(t, 'Xena Spam');
    const y = await signIn(t, 'Yuri Spam');
    const ids = [
      await postComment(t, x, slug, 'spam one'),
      await postComment(t, x, slug, 'spam two'),
      await postComment(t, y, slug, 'spam three'),
      await postComment(t, author, slug, 'mine'),
    ].map((c) => c.id);
    const confirm = await page(`/admin/bulk?action=ban&${ids.map((id) => `ids=${id}`).join('&')}`);
    assert.match(confirm, /<h1>Ban 2 names: Xena Spam and Yuri Spam\?<\/h1>/);
    assert.match(confirm, /30 days \(until \d{4}-\d\d-\d\d\)/);
    assert.match(confirm, /It is your own comment\./);
    const send = (fields: [string, string][]) =>
      call(t, 'POST', '/admin/bulk', {
        cookie: author.cookie,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams([
          ['_csrf', author.csrf],
          ['action', 'ban'],
          ...ids.map((id): [string, string] => ['ids', id]),
          ...fields,
        ]).toString(),
      });
    const audits = await auditCount();
    assert.equal(
      (
        await send([
          ['days', '7'],
          ['reason', ''],
        ])
      ).statusCode,
      422,
    );
    assert.equal(await auditCount(), audits, 'no reason: nobody is banned');
    assert.equal((await t.store.getIdentity(x.id))?.bannedUntil, null);
    const res = await send([
      ['days', '7'],
      ['reason', 'spam run'],
    ]);
    assert.equal(res.statusCode, 303);
    assert.match(await page(String(res.headers.location)), /Banned 2 names until \d{4}-\d\d-\d\d: Xena Spam and Yuri Spam\./);
    assert.equal(await auditCount(), audits + 2, 'one entry per writer');
    for (const who of [x, y]) assert.ok(((await t.store.getIdentity(who.id))?.bannedUntil ?? 0) > clock);
  });

  test('bulk requests are bounded, need the token, and refuse what they cannot read with a 400', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `ids=c${i}`).join('&');
    const tooMany = await call(t, 'GET', `/admin/bulk?action=release&${many}`, { cookie: author.cookie });
    assert.equal(tooMany.statusCode, 400);
    assert.match(tooMany.body, /at most 100 comments/);
    const post = (body: string, cookie = author.cookie) =>
      call(t, 'POST', '/admin/bulk', {
        cookie,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body,
      });
    const audits = await auditCount();
    assert.equal((await post(`_csrf=${author.csrf}&action=release&${many}`)).statusCode, 400);
    assert.equal((await post(`_csrf=${author.csrf}&action=release`)).statusCode, 400, 'none chosen');
    assert.equal((await post(`_csrf=${author.csrf}&action=explode&ids=abc`)).statusCode, 400, 'no such action');
    assert.equal((await post(`_csrf=${author.csrf}&action=release&ids=${encodeURIComponent('<x>')}`)).statusCode, 400);
    assert.equal((await post('_csrf=forged&action=release&ids=abc')).statusCode, 403);
    assert.equal((await post(`_csrf=${reader.csrf}&action=release&ids=abc`, reader.cookie)).statusCode, 403);
    assert.equal(await auditCount(), audits);
    const unknown = await post(`_csrf=${author.csrf}&action=release&ids=doesnotexist`);
    assert.equal(unknown.statusCode, 303, 'an id that no longer exists is reported, not an error');
    assert.match(await page(String(unknown.headers.location)), /No comments approved\. 1 left as it was: It no longer exists\./);
  });
});
