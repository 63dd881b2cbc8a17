// A signed-in reader without the script gets a page made from pieces kept for every reader, with
// their own parts filled in (src/web/reader-page.ts), sent as gzip joined from separately
// compressed pieces (src/web/gzip-segments.ts). The page must be exactly the one rendered for them
// in full, and no reader's parts may ever reach another's page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { defaultModeration } from '../src/config.ts';
import { renderArticlePage } from '../src/web/article-page.tsx';
import { parseDiscussionQuery } from '../src/web/discussion-query.ts';
import { deflatePiece, gzipOf, rawOf, repeatPiece, storedPiece } from '../src/web/gzip-segments.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { type Person, call, form, generousLimits, postComment, signIn, signInAuthor } from './helpers/people.ts';

const slug = 'the-last-ten-percent';
let clock = Date.parse('2026-11-25T12:00:00Z');
let t: TestApp;
let author: Person;
/** Votes on others' comments. */
let voter: Person;
/** Writes comments: one past the edit window, one within it. */
let writer: Person;
/** Signed in, nothing else. */
let quiet: Person;
/** Banned by the author. */
let banned: Person;
/** Has a comment waiting for review. */
let holder: Person;
/** Muted, with a comment only they and the author see. */
let muted: Person;
const ids = { old: '', fresh: '', reply: '', byAuthor: '', bannedOwn: '', held: '', mutedOwn: '' };

const tokenOf = (p: Person) => decodeURIComponent(p.cookie.slice(p.cookie.indexOf('=') + 1));
/** The form key is fresh on every render; everything else must match byte for byte. */
const sameKey = (html: string) => html.replace(/name="idempotencyKey" value="[^"]*"/g, 'name="idempotencyKey" value="K"');

async function served(p: Person, query = '') {
  const res = await call(t, 'GET', `/writing/${slug}${query}`, { cookie: p.cookie, headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['cache-control']), /private/);
  assert.match(String(res.headers.vary), /Cookie/);
  const encoding = res.headers['content-encoding'];
  const html = (
    encoding === 'gzip' ? gunzipSync(res.rawPayload) : encoding === 'br' ? brotliDecompressSync(res.rawPayload) : res.rawPayload
  ).toString();
  // Only the full render sends an ETag (see sendPieces): tells which way the page was made.
  return { html, pieced: res.headers.etag === undefined, encoding };
}

async function fullRender(p: Person, query = ''): Promise<string> {
  const viewer = await t.ctx.discussion.viewerForSession(tokenOf(p));
  assert.ok(viewer);
  const parsed = parseDiscussionQuery(query.replace(/^\?/, ''), `/writing/${slug}`);
  assert.equal(parsed.kind, 'canonical');
  const req = { headers: { cookie: p.cookie }, url: `/writing/${slug}${query}` } as unknown as FastifyRequest;
  return renderArticlePage(t.ctx, req, slug, parsed.kind === 'canonical' ? parsed.query : ({} as never), viewer);
}

async function assertSameAsFull(p: Person, query = '') {
  const page = await served(p, query);
  assert.equal(sameKey(page.html), sameKey(await fullRender(p, query)), `${p.name}${query}: the served page equals the full render`);
  return page;
}

before(async () => {
  t = await startTestApp({
    listen: false,
    now: () => clock,
    config: { limits: generousLimits, moderation: { ...defaultModeration, holdWords: ['casino'] } },
  });
  author = await signInAuthor(t);
  voter = await signIn(t, 'Vera Voter');
  writer = await signIn(t, 'Walt Writer');
  quiet = await signIn(t, 'Quinn Quiet');
  banned = await signIn(t, 'Bo Banned');
  holder = await signIn(t, 'Hal Holder');
  muted = await signIn(t, 'Mo Muted');
  ids.old = (await postComment(t, writer, slug, 'An older comment, past its edit window.')).id;
  clock += 20 * 60 * 1000;
  ids.fresh = (await postComment(t, writer, slug, 'A fresh comment, still editable.')).id;
  ids.reply = (await postComment(t, voter, slug, 'A reply to the older one.', ids.old)).id;
  ids.byAuthor = (await postComment(t, author, slug, 'The author answers.')).id;
  ids.bannedOwn = (await postComment(t, banned, slug, 'Written before the ban.')).id;
  const held = await postComment(t, holder, slug, 'Try the casino, everyone.');
  assert.equal(held.held, true);
  ids.held = held.id;
  ids.mutedOwn = (await postComment(t, muted, slug, 'Said before the mute.')).id;
  for (const id of [ids.old, ids.byAuthor]) {
    assert.equal((await call(t, 'PUT', `/api/v1/comments/${id}/vote`, { cookie: voter.cookie })).statusCode, 200);
  }
  for (const [who, action, fields] of [
    [banned, 'ban', { days: '7', reason: 'abuse' }],
    [muted, 'mute', {}],
  ] as const) {
    const res = await form(t, `/admin/identities/${who.id}/${action}`, fields, author.cookie);
    assert.ok(res.statusCode < 400, res.body);
  }
});
after(async () => t?.close());

describe('gzip from pieces', () => {
  test('pieces compressed apart, some against a dictionary, decompress to their bytes joined', () => {
    const a = Buffer.from('<li class="comment"><p>Hello, reader.</p></li>'.repeat(40));
    const token = Buffer.from('0123456789abcdefghijklmnopqrstuv');
    const b = Buffer.from('<li class="comment"><p>Hello again, reader.</p></li>'.repeat(40));
    // The dictionary holds NULs where the token goes: b never refers into it.
    const pieces = [
      deflatePiece(a),
      storedPiece(token),
      deflatePiece(b, Buffer.concat([a, Buffer.alloc(token.length)])),
      // The token again, told as a repeat of the bytes b.length + 32 back.
      repeatPiece(storedPiece(token), b.length + token.length),
    ];
    const whole = Buffer.concat([a, token, b, token]);
    assert.deepEqual(gunzipSync(gzipOf(pieces)), whole);
    assert.deepEqual(rawOf(pieces), whole);
    assert.ok(gzipOf(pieces).length < whole.length / 5, 'the repeated markup is compressed');
    assert.deepEqual(gunzipSync(gzipOf([storedPiece(Buffer.alloc(70_000, 'x'))])).length, 70_000, 'stored pieces past one block');
  });

  test('a repeat of any length, from any distance in the window', () => {
    for (const [length, distance] of [
      [3, 1],
      [32, 32 * 1024],
      [258, 300],
      [261, 1000],
      [600, 5000],
    ] as const) {
      const earlier = Buffer.from(Array.from({ length: distance }, (_, i) => 97 + ((i * 7 + (i >> 3)) % 26)));
      const copy = Buffer.alloc(length);
      for (let i = 0; i < length; i++) copy[i] = i < distance ? earlier[i]! : copy[i - distance]!;
      const gz = gzipOf([storedPiece(earlier), repeatPiece(storedPiece(copy), distance)]);
      assert.deepEqual(gunzipSync(gz), Buffer.concat([earlier, copy]), `${length} from ${distance} back`);
    }
  });
});

describe('the signed-in page without the script', () => {
  test('equals the full render for readers with votes, with their own comments, with nothing, and in every order', async () => {
    for (const p of [voter, writer, quiet]) {
      for (const query of ['', '?sort=new', '?sort=old', `?thread=${ids.old}`]) {
        const page = await assertSameAsFull(p, query);
        assert.ok(page.pieced, `${p.name}${query} got the page made from pieces`);
        assert.equal(page.encoding, 'gzip', 'brotli cannot be joined from pieces: gzip it is');
      }
    }
  });

  test('equals the full render for a banned reader, one with a held comment, a muted writer and the author', async () => {
    for (const p of [banned, holder, muted, author]) {
      // Rare readers whose page differs beyond the reader's parts: rendered in full, on purpose.
      assert.equal((await assertSameAsFull(p)).pieced, false, `${p.name} gets the full render`);
    }
    assert.match((await served(banned)).html, /You can’t comment or vote/);
    assert.match((await served(holder)).html, /Try the casino/);
    assert.match((await served(muted)).html, /Said before the mute/);
  });

  test('each reader sees their own votes and controls, and nothing of anyone else’s', async () => {
    const vote = (html: string, id: string) =>
      new RegExp(`action="/comments/${id}/vote"[^]*?aria-pressed="(true|false)"`).exec(html.slice(html.indexOf(`id="comment-${id}"`)))?.[1];
    const votersPage = (await served(voter)).html;
    assert.equal(vote(votersPage, ids.old), 'true');
    assert.equal(vote(votersPage, ids.byAuthor), 'true');
    assert.equal(vote(votersPage, ids.fresh), 'false');
    assert.match(votersPage, /Commenting as <strong>Vera Voter<\/strong>/);

    const writersPage = (await served(writer)).html;
    assert.match(writersPage, new RegExp(`href="/comments/${ids.fresh}/edit"`), 'Edit within the window');
    assert.doesNotMatch(writersPage, new RegExp(`href="/comments/${ids.old}/edit"`), 'no Edit past it');
    assert.match(writersPage, new RegExp(`action="/comments/${ids.old}/delete"`), 'Delete');
    assert.equal(vote(writersPage, ids.old), undefined, 'no vote button on one’s own comment');

    const quietPage = (await served(quiet)).html;
    for (const other of [voter, writer, holder, muted, author]) {
      assert.ok(!quietPage.includes(other.csrf), `no token of ${other.name}`);
      assert.doesNotMatch(quietPage, new RegExp(`Commenting as <strong>${other.name}`));
      assert.ok(!quietPage.includes(`class="viewer-name">${other.name}<`), `not ${other.name} in the header`);
    }
    assert.equal(quietPage.split(quiet.csrf).length - 1, quietPage.split('class="vote-form"').length, 'their token in every form');
    assert.doesNotMatch(quietPage, /Try the casino/, 'nobody else’s held comment');
    assert.doesNotMatch(quietPage, /Said before the mute/, 'nor a muted writer’s');
    assert.doesNotMatch(quietPage, /aria-pressed="true"/, 'nobody else’s votes');
    assert.doesNotMatch(quietPage, /class="edit-link"|class="delete-form"/, 'nobody else’s controls');
    assert.match(quietPage, /<a href="\/me" class="viewer-name">Quinn Quiet<\/a>/);
  });

  test('after a vote, a new comment and an edit, the next page shows them', async () => {
    await served(quiet);
    assert.equal((await call(t, 'PUT', `/api/v1/comments/${ids.fresh}/vote`, { cookie: quiet.cookie })).statusCode, 200);
    let page = await assertSameAsFull(quiet);
    assert.match(page.html, /Take back your upvote of the comment by Walt Writer, score 1/);

    const mine = (await postComment(t, quiet, slug, 'Quiet no more.')).id;
    page = await assertSameAsFull(quiet);
    assert.match(page.html, /Quiet no more\./);
    assert.match(page.html, new RegExp(`href="/comments/${mine}/edit"`));
    assert.match((await assertSameAsFull(voter)).html, /Quiet no more\./, 'and others see it');

    const edit = await call(t, 'PATCH', `/api/v1/comments/${mine}`, { cookie: quiet.cookie, body: { body: 'Quiet, edited.' } });
    assert.equal(edit.statusCode, 200, edit.body);
    page = await assertSameAsFull(quiet);
    assert.match(page.html, /Quiet, edited\./);
    assert.doesNotMatch(page.html, /Quiet no more\./);
  });

  test('a client that takes no gzip gets the same page uncompressed', async () => {
    const res = await call(t, 'GET', `/writing/${slug}`, { cookie: voter.cookie });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(sameKey(res.body), sameKey(await fullRender(voter)));
  });
});
