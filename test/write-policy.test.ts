// Every path that writes follows one policy: the same holds as a new post, a limiter that only
// accepted writes use up, bodies that are valid text, and names that leave with their owner.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultModeration } from '../src/config.ts';
import { countLinks } from '../src/discussion/holds.ts';
import { type TestApp, startTestApp } from './helpers/app.ts';
import { sessionCookieName } from '../src/web/session.ts';
import { type Person, call, csrfFor, form, generousLimits, postComment, publicComments, signIn } from './helpers/people.ts';

const slug = 'the-last-ten-percent';
let clock = Date.parse('2026-11-25T12:00:00Z');
const now = () => clock;
/** Distinct names without digits (a trailing number can read as a look-alike of another name). */
const names = (() => {
  const words = [
    'Amber',
    'Birch',
    'Cedar',
    'Dune',
    'Ember',
    'Fjord',
    'Grove',
    'Heath',
    'Iris',
    'Juniper',
    'Kestrel',
    'Linden',
    'Moss',
    'Nettle',
    'Oak',
    'Pine',
  ];
  let i = 0;
  return (what: string) => {
    const w = words[i % words.length]!;
    const v = words[Math.floor(i / words.length) % words.length]!;
    i++;
    return `${what} ${w} ${v}`;
  };
})();

let t: TestApp;
let author: Person;

/** The author, signed in through the domain (the link's web flow is not what these tests are about). */
async function signInAuthor(app: TestApp): Promise<Person> {
  const link = await app.ctx.discussion.createAuthorLink();
  const result = await app.ctx.discussion.signInWithAuthorLink(link.token);
  const cookie = `${sessionCookieName(app.ctx)}=${result.sessionToken}`;
  return { cookie, id: result.identity.id, name: result.identity.name, csrf: csrfFor(app, cookie) };
}

before(async () => {
  t = await startTestApp({
    listen: false,
    now,
    config: { limits: generousLimits, moderation: { ...defaultModeration, holdLinksOver: 3, holdWords: ['casino'] } },
  });
  author = await signInAuthor(t);
});
after(async () => t.close());

const links = (n: number) => Array.from({ length: n }, (_, i) => `[site ${i}](https://spam${i}.example/)`).join(' ');
const isPublic = async (id: string) => (await publicComments(t, slug)).comments.some((c) => c.id === id);

describe('an edit meets the same holds as a post', () => {
  test('an API edit into many links or a held word sends the comment to the queue', async () => {
    for (const body of [links(8), 'Try my casino tonight']) {
      const who = await signIn(t, names('Editor'));
      const c = await postComment(t, who, slug, 'Great piece');
      assert.ok(await isPublic(c.id));
      const res = await call(t, 'PATCH', `/api/v1/comments/${c.id}`, { cookie: who.cookie, body: { body } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { comment: { held?: boolean } }).comment.held, true, 'the writer is told it waits for review');
      assert.equal(await isPublic(c.id), false, 'nobody else sees the edited comment');
      const queue = await call(t, 'GET', '/admin/comments?state=held', { cookie: author.cookie });
      assert.ok(queue.body.includes(c.id), 'the author finds it in the queue');
    }
  });

  test('the no-script edit form holds it too', async () => {
    const who = await signIn(t, names('Form Editor'));
    const c = await postComment(t, who, slug, 'Great piece');
    const res = await form(t, `/comments/${c.id}/edit`, { body: 'Visit the casino' }, who.cookie);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(await isPublic(c.id), false);
  });
});

describe('links are counted as the reader sees them', () => {
  test('reference-style links and e-mail autolinks count', async () => {
    // Eight links to one definition: one address in the text, eight links on the page.
    const refs = `${Array.from({ length: 8 }, (_, i) => `[r${i}][site]`).join(' ')}\n\n[site]: https://ref.example/`;
    const mails = Array.from({ length: 6 }, (_, i) => (i % 2 ? `<buy${i}@spam.example>` : `buy${i}@spam.com`)).join(' ');
    assert.equal(countLinks(refs), 8);
    assert.equal(countLinks(mails), 6);
    assert.equal(countLinks('[not a link](javascript:alert(1))'), 0);
    for (const body of [refs, mails]) {
      const who = await signIn(t, names('Linker'));
      const c = await postComment(t, who, slug, body);
      assert.equal(c.held, true, body);
      assert.equal(await isPublic(c.id), false);
    }
  });
});

describe('muted writers', () => {
  test('a muted writer’s reply notifies nobody, and their script-run page still gets their own comments', async () => {
    const target = await signIn(t, names('Target'));
    const loud = await signIn(t, names('Loud'));
    const parent = await postComment(t, target, slug, 'A calm comment');
    await t.store.setIdentityMuted(loud.id, true);
    const reply = await postComment(t, loud, slug, 'A quiet reply', parent.id);
    const top = await postComment(t, loud, slug, 'A quiet top-level comment');
    const inbox = (await call(t, 'GET', '/api/v1/inbox', { cookie: target.cookie })).json() as { items: unknown[] };
    assert.equal(inbox.items.length, 0, 'the reply was not announced');

    const state = (await call(t, 'GET', `/api/v1/articles/${slug}/viewer`, { cookie: loud.cookie })).json() as {
      pending: { id: string; parentId: string | null; html: string }[];
      standing: { kind: string; notice: string | null };
    };
    const placed = new Map(state.pending.map((p) => [p.id, p]));
    assert.ok(placed.get(reply.id)?.html.includes('A quiet reply'), 'the reply is sent for the script to place');
    assert.equal(placed.get(reply.id)?.parentId, parent.id);
    assert.ok(placed.get(top.id)?.html.includes('A quiet top-level comment'));
    // They are told before they write, not left to find out (issue: a muted reader learns of it first).
    assert.equal(state.standing.kind, 'muted');
    assert.match(state.standing.notice ?? '', /shown only to you and the author/);

    const other = (await call(t, 'GET', `/api/v1/articles/${slug}/viewer`, { cookie: target.cookie })).json() as {
      pending: { id: string }[];
    };
    assert.equal(
      other.pending.some((p) => p.id === reply.id),
      false,
    );
  });
});

describe('bodies must be valid text', () => {
  test('invalid UTF-8 in a JSON body is a 400 in the API’s error shape, and nothing is stored', async () => {
    const who = await signIn(t, names('Bytes'));
    const before = (await publicComments(t, slug)).comments.length;
    const payload = Buffer.concat([Buffer.from('{"body":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/articles/${slug}/comments`,
      headers: { cookie: who.cookie, 'content-type': 'application/json' },
      payload,
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'bad_request');
    assert.match((res.json() as { error: { message: string } }).error.message, /UTF-8/);
    assert.equal((await publicComments(t, slug)).comments.length, before);
    const name = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    assert.equal(name.statusCode, 400, name.body);
  });

  test('invalid UTF-8 in a form (raw or percent-encoded) is a 400 page, and nothing is stored', async () => {
    const who = await signIn(t, names('Form Bytes'));
    const before = (await publicComments(t, slug)).comments.length;
    for (const encoded of ['caf%C3%28', 'caf%FF']) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/writing/${slug}/comments`,
        headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        payload: `_csrf=${encodeURIComponent(who.csrf)}&body=${encoded}`,
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(String(res.headers['content-type']), /text\/html/);
      assert.match(res.body, /UTF-8/);
    }
    const raw = await t.app.inject({
      method: 'POST',
      url: `/writing/${slug}/comments`,
      headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      payload: Buffer.concat([Buffer.from(`_csrf=${encodeURIComponent(who.csrf)}&body=caf`), Buffer.from([0xe9])]),
    });
    assert.equal(raw.statusCode, 400, raw.body);
    assert.equal((await publicComments(t, slug)).comments.length, before);
  });

  test('a well-formed form with non-ASCII text still works', async () => {
    const who = await signIn(t, names('Accents'));
    clock += 10_000;
    const page = await call(t, 'GET', `/writing/${slug}`, { cookie: who.cookie });
    const formTime = /name="_t" value="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(formTime);
    clock += 10_000;
    const res = await form(t, `/writing/${slug}/comments`, { body: 'Café — naïve, 東京 ✓', _t: formTime }, who.cookie);
    assert.equal(res.statusCode, 303, res.body);
    assert.ok((await publicComments(t, slug)).comments.some((c) => c.html.includes('Café — naïve, 東京 ✓')));
  });

  test('bidi override, embedding and isolate characters are stored as sent but never reach the page', async () => {
    const who = await signIn(t, names('Bidi'));
    const bidi = /[\u202A-\u202E\u2066-\u2069]/;
    for (const ch of ['\u202E', '\u202A', '\u2066', '\u2069']) {
      const body = `invoice_${ch}fdp.exe costs ${ch}001$`;
      const c = await postComment(t, who, slug, body);
      assert.equal((await t.store.getComment(c.id))?.body, body, 'the stored text is exactly what was sent');
      const shown = (await publicComments(t, slug)).comments.find((x) => x.id === c.id);
      assert.ok(shown?.html.includes('fdp.exe costs 001$'), shown?.html);
      assert.doesNotMatch(shown!.html, bidi);
      const page = await call(t, 'GET', `/writing/${slug}?sort=new`);
      assert.doesNotMatch(page.body, bidi, 'the article page carries none');
    }
    // Right-to-left text and its plain marks are ordinary writing.
    const rtl = await postComment(t, who, slug, 'שלום\u200F world');
    assert.ok((await publicComments(t, slug)).comments.find((x) => x.id === rtl.id)?.html.includes('שלום\u200F world'));
  });
});

describe('a deleted name leaves', () => {
  test('other readers’ notifications and the audit log show it as deleted', async () => {
    const gone = await signIn(t, names('Leaving'));
    const stays = await signIn(t, names('Staying'));
    const parent = await postComment(t, stays, slug, 'Question for anyone');
    await postComment(t, gone, slug, 'An answer', parent.id);
    const mod = await form(t, `/admin/identities/${gone.id}/mute`, { reason: 'noise' }, author.cookie);
    assert.ok(mod.statusCode < 400, mod.body);
    const before = (await call(t, 'GET', '/api/v1/inbox', { cookie: stays.cookie })).json() as {
      items: { actor: string | null; text: string }[];
    };
    assert.equal(before.items[0]?.actor, gone.name);

    const del = await form(t, '/me/delete', { confirm: 'yes' }, gone.cookie);
    assert.equal(del.statusCode, 303, del.body);

    const inbox = (await call(t, 'GET', '/api/v1/inbox', { cookie: stays.cookie })).json() as {
      items: { actor: string | null; text: string }[];
    };
    assert.equal(inbox.items.length, 1);
    assert.equal(JSON.stringify(inbox).includes(gone.name), false, JSON.stringify(inbox));
    assert.match(inbox.items[0]!.text, /deleted/);
    const page = await call(t, 'GET', '/inbox', { cookie: stays.cookie });
    assert.equal(page.body.includes(gone.name), false);
    const audit = await t.store.listAudit(1000);
    const rows = audit.filter((a) => a.target.includes(gone.id));
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.equal(row.target.includes(gone.name), false, row.target);
      assert.match(row.target, /deleted/);
    }
  });
});

describe('limits: every write takes from one, refused input costs nothing, retries return the first answer', () => {
  let tight: TestApp;
  before(async () => {
    tight = await startTestApp({
      listen: false,
      now,
      config: {
        limits: { ...generousLimits, commentsPer15Seconds: 1, commentsPerHour: 100, votesPerMinute: 2, newNamesPerPrefixPerHour: 2 },
        writeLimits: { editsPerMinute: 3, editsPerHour: 100, deletesPerMinute: 2, accountActionsPerHour: 3, deskActionsPerHour: 100 },
      },
    });
  });
  after(async () => tight.close());

  let address = 10;
  /** A fresh reader at a fresh address, so each test has its own allowances. */
  const reader = async (what: string) => signIn(tight, names(what), `198.51.100.${address++}`);

  test('a retry with the same Idempotency-Key returns the stored comment, not 429', async () => {
    const who = await reader('Retry');
    const send = () =>
      call(tight, 'POST', `/api/v1/articles/${slug}/comments`, {
        cookie: who.cookie,
        body: { body: 'Sent twice' },
        headers: { 'idempotency-key': 'k-123' },
      });
    const first = await send();
    assert.equal(first.statusCode, 201, first.body);
    const again = await send();
    assert.equal(again.statusCode, 200, again.body);
    assert.equal((again.json() as { comment: { id: string } }).comment.id, (first.json() as { comment: { id: string } }).comment.id);
    const other = await call(tight, 'POST', `/api/v1/articles/${slug}/comments`, { cookie: who.cookie, body: { body: 'A second one' } });
    assert.equal(other.statusCode, 429, 'a different comment is still limited');
    assert.ok(Number(other.headers['retry-after']) >= 1);
  });

  test('a refused body does not use up the allowance', async () => {
    const who = await reader('Long');
    for (const body of ['x'.repeat(10_001), '   ', 'bad \u0007 bell']) {
      const res = await call(tight, 'POST', `/api/v1/articles/${slug}/comments`, { cookie: who.cookie, body: { body } });
      assert.equal(res.statusCode, 422, res.body);
    }
    const ok = await call(tight, 'POST', `/api/v1/articles/${slug}/comments`, { cookie: who.cookie, body: { body: 'Now a short one' } });
    assert.equal(ok.statusCode, 201, ok.body);
  });

  test('edits are limited (API and form alike); refused edits cost nothing', async () => {
    const who = await reader('Edits');
    const c = await postComment(tight, who, slug, 'Version 0');
    const bad = await call(tight, 'PATCH', `/api/v1/comments/${c.id}`, { cookie: who.cookie, body: { body: 'y'.repeat(10_001) } });
    assert.equal(bad.statusCode, 422);
    for (let i = 1; i <= 3; i++) {
      clock += 1000;
      const res = await call(tight, 'PATCH', `/api/v1/comments/${c.id}`, { cookie: who.cookie, body: { body: `Version ${i}` } });
      assert.equal(res.statusCode, 200, `edit ${i}: ${res.body}`);
    }
    const api = await call(tight, 'PATCH', `/api/v1/comments/${c.id}`, { cookie: who.cookie, body: { body: 'Version 4' } });
    assert.equal(api.statusCode, 429, api.body);
    assert.ok(Number(api.headers['retry-after']) >= 1);
    assert.equal((api.json() as { error: { code: string } }).error.code, 'rate_limited');
    const viaForm = await form(tight, `/comments/${c.id}/edit`, { body: 'Version 5' }, who.cookie);
    assert.equal(viaForm.statusCode, 429);
    assert.match(String(viaForm.headers['content-type']), /text\/html/);
    const shown = (await publicComments(tight, slug)).comments.find((x) => x.id === c.id);
    assert.ok(shown?.html.includes('Version 3'), JSON.stringify(shown));
  });

  test('deletes are limited', async () => {
    const who = await reader('Deletes');
    const ids: string[] = [];
    // Stored directly: posting three through the API would first meet the posting limit.
    for (let i = 0; i < 3; i++) {
      const r = await tight.store.insertComment(
        {
          id: `del${address}x${i}`,
          articleSlug: slug,
          parentId: null,
          identityId: who.id,
          body: `Doomed ${i}`,
          depth: 0,
          state: 'visible',
          createdAt: clock,
        },
        null,
      );
      ids.push(r.comment.id);
    }
    assert.equal((await call(tight, 'DELETE', `/api/v1/comments/${ids[0]}`, { cookie: who.cookie })).statusCode, 200);
    assert.equal((await call(tight, 'DELETE', `/api/v1/comments/${ids[1]}`, { cookie: who.cookie })).statusCode, 200);
    const third = await call(tight, 'DELETE', `/api/v1/comments/${ids[2]}`, { cookie: who.cookie });
    assert.equal(third.statusCode, 429, third.body);
    assert.ok(Number(third.headers['retry-after']) >= 1);
  });

  test('refused votes cost nothing; accepted ones are limited', async () => {
    const writer = await reader('Voted On');
    const voter = await reader('Voter');
    const own = await postComment(tight, voter, slug, 'My own');
    const targets = [];
    for (let i = 0; i < 3; i++) {
      targets.push(
        (
          await tight.store.insertComment(
            {
              id: `vote${address}x${i}`,
              articleSlug: slug,
              parentId: null,
              identityId: writer.id,
              body: `Target ${i}`,
              depth: 0,
              state: 'visible',
              createdAt: clock,
            },
            null,
          )
        ).comment.id,
      );
    }
    for (let i = 0; i < 3; i++)
      assert.equal((await call(tight, 'PUT', `/api/v1/comments/${own.id}/vote`, { cookie: voter.cookie })).statusCode, 422);
    assert.equal((await call(tight, 'PUT', `/api/v1/comments/${targets[0]}/vote`, { cookie: voter.cookie })).statusCode, 200);
    assert.equal((await call(tight, 'PUT', `/api/v1/comments/${targets[1]}/vote`, { cookie: voter.cookie })).statusCode, 200);
    assert.equal((await call(tight, 'PUT', `/api/v1/comments/${targets[2]}/vote`, { cookie: voter.cookie })).statusCode, 429);
  });

  test('account actions are limited: new recovery key, sign out everywhere, delete', async () => {
    const who = await reader('Account');
    for (let i = 0; i < 3; i++) assert.equal((await form(tight, '/me/recovery-key', {}, who.cookie)).statusCode, 200, `rotation ${i}`);
    const fourth = await form(tight, '/me/recovery-key', {}, who.cookie);
    assert.equal(fourth.statusCode, 429);
    assert.ok(Number(fourth.headers['retry-after']) >= 1);
    assert.equal((await form(tight, '/signout/everywhere', {}, who.cookie)).statusCode, 429);
    assert.equal((await form(tight, '/me/delete', { confirm: 'yes' }, who.cookie)).statusCode, 429);
    assert.ok(await tight.store.getIdentity(who.id), 'nothing was deleted');
  });

  test('only names actually created use up the new-name allowance', async () => {
    const from = '198.51.100.200';
    const taken = await signIn(tight, names('Taken'), '198.51.100.201');
    for (let i = 0; i < 4; i++) {
      const res = await call(tight, 'POST', '/api/v1/session', { body: { name: taken.name }, remoteAddress: from });
      assert.equal(res.statusCode, 409, res.body);
      const refused = await call(tight, 'POST', '/api/v1/session', { body: { name: 'Admin' }, remoteAddress: from });
      assert.equal(refused.statusCode, 422, refused.body);
      const empty = await call(tight, 'POST', '/api/v1/session', { body: { name: '' }, remoteAddress: from });
      assert.ok(empty.statusCode === 422 || empty.statusCode === 400, empty.body);
    }
    await signIn(tight, names('New One'), from);
    await signIn(tight, names('New Two'), from);
    const third = await call(tight, 'POST', '/api/v1/session', { body: { name: names('New Three') }, remoteAddress: from });
    assert.equal(third.statusCode, 429, third.body);
    assert.ok(Number(third.headers['retry-after']) >= 1);
    await signIn(tight, names('Elsewhere'), '198.51.100.202');
  });
});
