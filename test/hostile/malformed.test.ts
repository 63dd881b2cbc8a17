// The attacker sends what no browser would: mangled cookies, nonsense Referers, addresses that are
// not valid percent-encoding, and bytes that are not HTTP at all. Every answer is a clear 4xx in
// our own shape, with the security headers, quoting nothing back; nobody else notices a thing.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type HostileServer, type Reader, demoSlug, missingSecurityHeaders, send, signIn, startServer } from './harness.ts';

const attacker = '127.0.0.66';
let server: HostileServer;
let reader: Reader;

before(async () => {
  server = await startServer({ env: { BYLINE_FROM_SOURCE: '1' } });
  reader = await signIn(server, 'Steady Reader');
});
after(async () => {
  await server?.stop();
});

/** A response is sound: not a 5xx, and with every security header. */
function assertSound(what: string, res: { status: number; headers: Record<string, unknown> }): void {
  assert.ok(res.status < 500, `${what} answered ${res.status}\n${server.output().slice(-2000)}`);
  assert.deepEqual(missingSecurityHeaders(res.headers as never), [], `${what}: security headers`);
}

/** Our error shape: JSON {"error":{"code","message"}} under /api/, a page elsewhere. */
function assertOurShape(what: string, path: string, res: { headers: Record<string, unknown>; text: string }): void {
  const type = String(res.headers['content-type'] ?? '');
  if (path.startsWith('/api/')) {
    assert.match(type, /^application\/json/, what);
    const json = JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown } };
    assert.equal(typeof json.error?.code, 'string', `${what}: ${res.text}`);
    assert.equal(typeof json.error?.message, 'string', `${what}: ${res.text}`);
  } else {
    assert.match(type, /^text\/html/, what);
    assert.match(res.text, /^<!doctype html>/i, what);
  }
}

const pages = [
  '/',
  '/writing',
  `/writing/${demoSlug}`,
  '/signin',
  '/me',
  '/inbox',
  '/admin',
  '/api/v1/session',
  `/api/v1/articles/${demoSlug}/comments`,
  `/api/v1/articles/${demoSlug}/viewer`,
];

describe('malformed cookies', () => {
  test('a session or script cookie that is not valid percent-encoding reads as absent, on every page', async () => {
    const bad = [
      '__Host-byline_session=%E0%A4%A',
      '__Host-byline_session=%',
      '__Host-byline_session=%ZZ; byline_signed_in=1; byline_js=1',
      '__Host-byline_session="%E0"',
      'byline_session=%E0%A4%A',
      `${reader.cookie}; byline_js=%E0%A4%A; byline_signed_in=1`,
      `${reader.cookie}; byline_js=%; byline_author=%ZZ`,
      `${reader.cookie}; ${reader.cookie.replace(/=.*/, '=%E0')}`,
      'byline_js; =%; ;;; =',
      `__Host-byline_session=${'%'.repeat(3000)}`,
    ];
    for (const cookie of bad) {
      for (const path of pages) {
        const res = await send(server, path, { from: attacker, headers: { cookie } });
        assertSound(`${path} with cookie ${cookie.slice(0, 60)}`, res);
      }
      const session = await send(server, '/api/v1/session', { from: attacker, headers: { cookie: cookie.replace(reader.cookie, '') } });
      if (!cookie.startsWith(reader.cookie))
        assert.equal(session.status, 401, `a mangled session cookie is no session: ${cookie.slice(0, 60)}`);
    }
    const still = await send(server, '/api/v1/session', { headers: { cookie: reader.cookie } });
    assert.equal(still.status, 200, 'the reader whose cookie was copied is still signed in');
  });

  test('a signed-in reader with a mangled script cookie still gets the article', async () => {
    const res = await send(server, `/writing/${demoSlug}`, {
      headers: { cookie: `${reader.cookie}; byline_signed_in=1; byline_js=%E0%A4%A` },
    });
    assert.equal(res.status, 200);
    assert.match(res.text, /Steady Reader/);
  });
});

describe('malformed Referer', () => {
  const referers = [
    '::::',
    'http://[',
    'http://%',
    '%E0%A4%A',
    'not a url at all',
    'javascript:alert(1)',
    `http://x/${'a'.repeat(5000)}`,
    'http://[::1',
  ];

  test('a refused form post answers its 4xx page whatever the Referer says', async () => {
    // The reader's own form token, as the article page gives it: the post gets as far as the rules.
    const page = await send(server, `/writing/${demoSlug}`, { headers: { cookie: reader.cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    assert.ok(csrf, 'the signed-in article page carries a form token');
    for (const referer of referers) {
      const res = await send(server, `/writing/${demoSlug}/comments`, {
        method: 'POST',
        from: attacker,
        headers: { cookie: reader.cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', referer },
        body: new URLSearchParams({ _csrf: csrf, body: '' }).toString(),
      });
      assertSound(`refused form with Referer ${referer.slice(0, 40)}`, res);
      assert.ok(res.status >= 400, `${res.status}`);
      assert.doesNotMatch(res.text, /expired or did not come from this site/, 'the form token was accepted');
      assertOurShape(referer, '/writing', res);
      for (const href of res.text.matchAll(/href="([^"]*)"/g)) assert.ok(!href[1]!.startsWith('javascript'), href[1]);
    }
  });

  test('a signed-out form post is sent to sign in, back to a page of this site', async () => {
    for (const referer of referers) {
      const res = await send(server, '/comments/no-such-comment/vote', {
        method: 'POST',
        from: attacker,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', referer },
        body: 'action=up',
      });
      assertSound(`signed-out vote with Referer ${referer.slice(0, 40)}`, res);
      assert.equal(res.status, 303);
      const location = new URL(String(res.headers.location), server.url);
      assert.equal(location.origin, server.url);
      assert.equal(new URL(location.searchParams.get('return') ?? '/', server.url).origin, server.url);
    }
  });
});

describe('addresses and bodies the framework refuses', () => {
  const marker = 'zq-echo-marker';
  const paths = [
    `/writing/%E0%A4%A${marker}`,
    `/api/v1/articles/%E0%A4%A${marker}/comments`,
    `/%${marker}`,
    `/writing/${demoSlug}/comments/%C0%AF${marker}/reply`,
    `/api/v1/comments/%FF${marker}`,
    `/writing/${'a'.repeat(300)}${marker}`,
    `/api/v1/articles/${'a'.repeat(300)}${marker}/comments`,
  ];

  test('bad percent-encoding and over-long segments: a 4xx with our headers and shape, quoting nothing', async () => {
    for (const path of paths) {
      const res = await send(server, path, { from: attacker });
      assertSound(path, res);
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
      assertOurShape(path, path, res);
      assert.ok(!res.text.includes(marker), `${path}: the address is not echoed`);
    }
  });

  test('bad JSON, a bare value, a wrong media type, an over-large body: our JSON errors with the headers', async () => {
    const json = { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' };
    const cases: { name: string; headers: Record<string, string>; body: string; status: number }[] = [
      { name: 'bad JSON', headers: json, body: `{"name": "${marker}`, status: 400 },
      { name: 'a bare string', headers: json, body: `"${marker}"`, status: 400 },
      { name: 'an empty body', headers: json, body: '', status: 400 },
      {
        name: 'a wrong media type',
        headers: { 'content-type': `text/${marker}`, 'sec-fetch-site': 'same-origin' },
        body: 'x',
        status: 415,
      },
      { name: 'an over-large body', headers: json, body: JSON.stringify({ name: 'x'.repeat(200_000) }), status: 413 },
    ];
    for (const c of cases) {
      const res = await send(server, '/api/v1/session', { method: 'POST', from: attacker, headers: c.headers, body: c.body });
      assertSound(c.name, res);
      assert.equal(res.status, c.status, `${c.name}: ${res.text}`);
      assertOurShape(c.name, '/api/', res);
      assert.ok(!res.text.includes(marker), `${c.name}: the input is not echoed`);
    }
  });

  test('a bad form body on a page route answers a page, not JSON', async () => {
    const res = await send(server, `/writing/${demoSlug}/comments`, {
      method: 'POST',
      from: attacker,
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: `{"body": "${marker}`,
    });
    assertSound('bad JSON to a page route', res);
    assert.equal(res.status, 400);
    assertOurShape('bad JSON to a page route', '/writing', res);
    assert.ok(!res.text.includes(marker));
  });
});

/** Sends raw bytes and reads until the server closes (bounded in time). */
function raw(bytes: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect({ host: server.host, port: server.port, localAddress: attacker });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(String(bytes).slice(0, 60))}`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      done(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

function parseRaw(text: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

describe('bytes that are not HTTP', () => {
  const requests: [string, string | Buffer][] = [
    ['garbage', `GARBAGE ${'/'.repeat(3)} NOTHTTP\r\n\r\n`],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n'],
    ['a NUL in the request line', 'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a bad Content-Length', 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
    [
      'both Content-Length and chunked',
      'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'a bad chunk size',
      'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n',
    ],
    ['headers too large', `GET / HTTP/1.1\r\nHost: x\r\nX-Fill: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['an HTTP version that does not exist', 'GET / HTTP/7.3\r\nHost: x\r\n\r\n'],
    ['binary noise', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a])],
  ];

  test('each gets a 4xx with the security headers and our JSON error, and the connection closes', async () => {
    for (const [name, bytes] of requests) {
      const res = parseRaw(await raw(bytes));
      assert.ok(res.status >= 400 && res.status < 500, `${name}: status ${res.status}`);
      assertSound(name, res);
      const json = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
      assert.equal(typeof json.error?.code, 'string', `${name}: ${res.body}`);
      assert.equal(typeof json.error?.message, 'string', `${name}: ${res.body}`);
    }
  });

  test('garbage after a good request on a kept-alive connection: the page, then our 400', async () => {
    const text = await new Promise<string>((done, fail) => {
      const socket = connect({ host: server.host, port: server.port, localAddress: attacker });
      let received = '';
      let sentGarbage = false;
      const timer = setTimeout(() => {
        socket.destroy();
        fail(new Error(`no full answer within 5 s: ${received.slice(0, 200)}`));
      }, 5000);
      socket.on('data', (c: Buffer) => {
        received += c.toString('latin1');
        // Once the first answer is in, the same connection sends something that is not HTTP.
        if (!sentGarbage && /User-agent/i.test(received)) {
          sentGarbage = true;
          socket.write('GARBAGE NOT HTTP\r\n\r\n');
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        done(received);
      });
      socket.write('GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    assert.ok(text.startsWith('HTTP/1.1 200'), text.slice(0, 100));
    const second = text.indexOf('HTTP/1.1 400');
    assert.ok(second > 0, text);
    const res = parseRaw(text.slice(second));
    assertSound('garbage after a good request', res);
    assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'bad_request');
  });

  test('and the site goes on serving everyone else', async () => {
    const res = await send(server, `/writing/${demoSlug}`);
    assert.equal(res.status, 200);
    assert.deepEqual(missingSecurityHeaders(res.headers), []);
  });
});
