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
    assert.equal(res.headers.location, `/writing/${slug}#comment-${parent.id}`, 'inline forms come back to the comment');
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
    assert.match(indefinite.body, /You can't post or vote here\. Reason: again/);
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
  test('the author sees hide, pin and ban forms with the token on each comment; readers and visitors see none', async () => {
    const c = await postComment(t, reader, slug, 'Inline target');
    const page = await articleHtml(author.cookie);
    for (const action of [`/admin/comments/${c.id}/hide`, `/admin/comments/${c.id}/pin`, `/admin/identities/${reader.id}/ban`]) {
      const at = page.indexOf(`action="${action}"`);
      assert.ok(at > 0, action);
      assert.ok(page.slice(at, at + 400).includes(`name="_csrf" value="${author.csrf}"`), `${action} carries the token`);
    }
    assert.doesNotMatch(await articleHtml(reader.cookie), /\/admin\/comments\//);
    assert.doesNotMatch(await articleHtml(), /\/admin\/comments\//);
  });
});
