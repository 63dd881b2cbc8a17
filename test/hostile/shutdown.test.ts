// A stop while readers have the article open and a write is half-way in. The server ends the
// live streams first (their EventSource reconnects elsewhere or after the restart), finishes
// the request in flight, and exits by itself within its grace period; every write it
// acknowledged, before or during the stop, is there after a restart on the same data.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { demoSlug, type HostileServer, send, sendJson, signIn, startServer } from './harness.ts';

const eventsPath = `/api/v1/articles/${demoSlug}/events`;

/** Opens a live stream; `ended` resolves true when the server ends it properly, false on a cut. */
function openStream(server: HostileServer, from: string): Promise<{ ended: Promise<boolean> }> {
  return new Promise((done, fail) => {
    const req = request(
      { host: server.host, port: server.port, path: eventsPath, localAddress: from, agent: false },
      (res: IncomingMessage) => {
        assert.equal(res.statusCode, 200);
        res.resume();
        done({
          ended: new Promise((settle) => {
            res.on('end', () => settle(true));
            res.on('close', () => settle(false));
          }),
        });
      },
    );
    req.on('error', fail);
    req.end();
  });
}

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`${what} did not happen within ${ms} ms`)), ms).unref()),
  ]);

test('SIGTERM with open streams and a request in flight: streams end, the request finishes, the process exits, nothing acknowledged is lost', {
  timeout: 90_000,
}, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'byline-shutdown-'));
  try {
    const server = await startServer({ dataDir, env: { BYLINE_LIMIT_COMMENTS_PER_15S: '100' } });
    const reader = await signIn(server, 'Last Word', '127.0.0.40');
    const streams = await Promise.all(['127.0.0.41', '127.0.0.42', '127.0.0.43'].map((from) => openStream(server, from)));

    const before = await sendJson(
      server,
      'POST',
      `/api/v1/articles/${demoSlug}/comments`,
      { body: 'Acknowledged just before the stop.' },
      { headers: { cookie: reader.cookie } },
    );
    assert.equal(before.status, 201);

    // A post whose body is half-way in when the stop begins.
    const body = JSON.stringify({ body: 'Sent while the server was stopping.' });
    const inFlight = connect({ host: server.host, port: server.port, localAddress: '127.0.0.40' });
    let answer = '';
    inFlight.on('data', (d: Buffer) => {
      answer += d.toString('utf8');
    });
    const answered = new Promise<void>((r) => inFlight.on('close', () => r()));
    await new Promise<void>((r) => inFlight.once('connect', () => r()));
    inFlight.write(
      `POST /api/v1/articles/${demoSlug}/comments HTTP/1.1\r\nHost: ${server.host}:${server.port}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCookie: ${reader.cookie}\r\nOrigin: ${server.url}\r\nSec-Fetch-Site: same-origin\r\n` +
        'Expect: 100-continue\r\nConnection: close\r\n\r\n' +
        body.slice(0, 10),
    );
    // "100 Continue" says the server has taken the request in: it is in flight from here on.
    await within(
      new Promise<void>((r) => {
        const look = () => (/^HTTP\/1\.1 100 /.test(answer) ? r() : setTimeout(look, 10));
        look();
      }),
      5000,
      'the 100 Continue',
    );

    const stopped = server.stop(20_000);
    // The streams end first: that is how we know the stop has begun.
    const endings = await within(Promise.all(streams.map((s) => s.ended)), 10_000, 'the streams ending');
    assert.deepEqual(endings, [true, true, true], 'every stream was ended cleanly, not cut');
    inFlight.write(body.slice(10));
    await within(answered, 10_000, 'the answer to the request in flight');
    assert.match(
      answer.replace(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/, ''),
      /^HTTP\/1\.1 201 /,
      `the request in flight was answered: ${answer.slice(0, 200)}`,
    );

    const code = await stopped;
    assert.equal(code, 0, `the server exited by itself (null means it had to be killed):\n${server.output()}`);
    assert.doesNotMatch(server.output(), /closing their connections/, 'nothing had to be cut');

    const again = await startServer({ dataDir });
    try {
      const list = await send(again, `/api/v1/articles/${demoSlug}/comments?sort=new`);
      assert.equal(list.status, 200);
      assert.ok(list.text.includes('Acknowledged just before the stop.'), 'the comment acknowledged before the stop survived');
      assert.ok(list.text.includes('Sent while the server was stopping.'), 'the comment acknowledged during the stop survived');
    } finally {
      await again.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a request that never finishes and a stream that never reads do not hold the stop past its grace period', {
  timeout: 60_000,
}, async () => {
  const server = await startServer({ env: { BYLINE_SHUTDOWN_GRACE_SECONDS: '2' } });
  // A body that will never be complete (the request timeout, 30 s by default, is far away).
  const stuck = connect({ host: server.host, port: server.port, localAddress: '127.0.0.44' });
  stuck.on('error', () => {});
  await new Promise<void>((r) => stuck.once('connect', () => r()));
  stuck.write(
    `POST /api/v1/session HTTP/1.1\r\nHost: ${server.host}:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na`,
  );
  // A live stream whose reader never reads.
  const silent = connect({ host: server.host, port: server.port, localAddress: '127.0.0.45' });
  silent.on('error', () => {});
  await new Promise<void>((r) => silent.once('connect', () => r()));
  silent.pause();
  silent.write(`GET ${eventsPath} HTTP/1.1\r\nHost: ${server.host}:${server.port}\r\n\r\n`);
  // Both are in the server's hands once a page from another address has been answered after them.
  assert.equal((await send(server, '/healthz')).status, 200);

  const code = await server.stop(20_000);
  stuck.destroy();
  silent.destroy();
  assert.equal(code, 0, `the server exited by itself (null means it had to be killed):\n${server.output()}`);
  assert.match(server.output(), /closing their connections/, 'the request still open at the end of the grace period was cut');
});
