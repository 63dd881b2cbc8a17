// Clients that take without giving back: live streams that never read while comments keep
// arriving, request bodies and headers sent a byte at a time, and more connections from one
// address than any browser opens. The server drops the stream that stops reading, cuts the
// trickle within its timeouts, refuses the surplus connections, and a bystander reading pages
// from another address does not notice.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  bystanderUnharmed,
  demoSlug,
  type HostileServer,
  median,
  type Reader,
  readPages,
  send,
  sendJson,
  signIn,
  startServer,
  underAttack,
} from './harness.ts';

const STREAM_ATTACKER = '127.0.0.3';
const TRICKLE_ATTACKER = '127.0.0.4';
const SOCKET_ATTACKER = '127.0.0.8';
const eventsPath = `/api/v1/articles/${demoSlug}/events`;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The status a new live stream from `from` is answered with (the stream is closed at once). */
function streamStatus(server: HostileServer, from: string): Promise<number> {
  return new Promise((done) => {
    const req = request(
      { host: server.host, port: server.port, path: eventsPath, localAddress: from, agent: false, timeout: 5000 },
      (res) => {
        done(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
    req.end();
  });
}

/** The bystander's median time for the home page while `work` runs (at least 20 reads, at most 200). */
async function whileReading(server: HostileServer, work: () => Promise<void>): Promise<number> {
  let finished = false;
  const running = work().finally(() => {
    finished = true;
  });
  const times: number[] = [];
  while ((!finished || times.length < 20) && times.length < 200) times.push(...(await readPages(server, '/', 1)));
  await running;
  return median(times);
}

/** A raw connection from `from`; `closed` resolves when the server (or anyone) closes it. */
function rawSocket(server: HostileServer, from: string): Promise<{ socket: Socket; closed: Promise<void>; received: () => number }> {
  return new Promise((done, fail) => {
    const socket = connect({ host: server.host, port: server.port, localAddress: from });
    let bytes = 0;
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => done({ socket, closed, received: () => bytes }));
    socket.once('error', (err) => {
      if (!socket.readyState || socket.connecting) fail(err);
    });
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
    });
  });
}

async function post(server: HostileServer, reader: Reader, body: string): Promise<void> {
  const res = await sendJson(server, 'POST', `/api/v1/articles/${demoSlug}/comments`, { body }, { headers: { cookie: reader.cookie } });
  assert.equal(res.status, 201, `posting answered ${res.status}: ${res.text}`);
}

/**
 * A long comment whose every character renders as an entity, so each event is a large frame
 * (about 40 KB): a stream that never reads outgrows the kernel's socket buffers quickly.
 */
const longBody = (n: number) => `Comment ${n}: ${'<'.repeat(9_000)}`;

describe('live streams that never read', () => {
  let server: HostileServer;
  let writer: Reader;
  before(async () => {
    server = await startServer({
      env: {
        // The per-address cap is raised to the number of silent sockets, so that what is measured
        // here is the unsent-buffer bound, and a free place shows that the server dropped one.
        BYLINE_STREAMS_PER_PREFIX: '60',
        BYLINE_STREAM_BUFFER_KB: '64',
        BYLINE_STREAM_DRAIN_SECONDS: '2',
        BYLINE_LIMIT_COMMENTS_PER_15S: '10000',
        BYLINE_LIMIT_COMMENTS_PER_HOUR: '10000',
      },
    });
    writer = await signIn(server, 'Long Writer', '127.0.0.21');
    // A history to replay: every attacker asks for all of it.
    for (let i = 0; i < 110; i++) await post(server, writer, longBody(i));
  });
  after(async () => {
    await server?.stop();
  });

  test('60 sockets that never read are dropped, memory comes back, and the bystander is unharmed', { timeout: 90_000 }, async () => {
    // The same writing goes on in both phases, so the comparison isolates the silent readers.
    let n = 1000;
    const writeSome = async () => {
      for (let i = 0; i < 10; i++) await post(server, writer, longBody(n++));
    };
    await readPages(server, '/', 5);
    const baseline = await whileReading(server, writeSome);
    const rssBefore = server.rssKb();
    let peakKb = rssBefore;
    const sockets: Awaited<ReturnType<typeof rawSocket>>[] = [];
    const during = await whileReading(server, async () => {
      for (let i = 0; i < 60; i++) {
        const s = await rawSocket(server, STREAM_ATTACKER);
        // Asks for the whole history, then never reads a byte of it.
        s.socket.pause();
        s.socket.write(`GET ${eventsPath} HTTP/1.1\r\nHost: ${server.host}\r\nAccept: text/event-stream\r\nLast-Event-ID: 0\r\n\r\n`);
        sockets.push(s);
      }
      // Events keep flowing to every stream while nobody reads them.
      await writeSome();
      peakKb = Math.max(peakKb, server.rssKb());
    });
    peakKb = Math.max(peakKb, server.rssKb());
    // The server gives up on each silent reader by itself: their places come free while the
    // attacker's sockets are still connected, and a new stream from that address opens again.
    let probe = 0;
    for (let i = 0; i < 100 && probe !== 200; i++) {
      if (i > 0) await pause(100);
      probe = await streamStatus(server, STREAM_ATTACKER);
    }
    for (const s of sockets) s.socket.destroy();
    assert.equal(probe, 200, 'the silent streams were dropped by the server and gave their places back');
    // Memory settles once the sockets are gone; give it a bounded while.
    let rssAfter = server.rssKb();
    for (let i = 0; i < 40 && rssAfter - rssBefore > 40 * 1024; i++) {
      await pause(250);
      rssAfter = server.rssKb();
    }
    const grew = (kb: number) => `${((kb - rssBefore) / 1024).toFixed(0)} MB`;
    console.log(`RSS before ${(rssBefore / 1024).toFixed(0)} MB, peak +${grew(peakKb)}, after +${grew(rssAfter)}`);
    assert.ok(peakKb - rssBefore < 100 * 1024, `RSS grew by ${grew(peakKb)} during the attack`);
    assert.ok(rssAfter - rssBefore < 40 * 1024, `RSS stayed ${grew(rssAfter)} above where it was`);
    const verdict = bystanderUnharmed({ before: baseline, during });
    console.log(verdict.message);
    assert.ok(verdict.ok, verdict.message);
  });
});

/** Sends `head` at once, then `drip` one byte every `everyMs` until the server closes or `bytes` are sent. */
async function trickle(
  server: HostileServer,
  from: string,
  head: string,
  drip: string,
  everyMs: number,
  bytes: number,
): Promise<{ closedByServer: boolean; sent: number; firstLine: string }> {
  const s = await rawSocket(server, from);
  let answer = '';
  s.socket.on('data', (d: Buffer) => {
    answer += d.toString('latin1');
  });
  let closed = false;
  void s.closed.then(() => {
    closed = true;
  });
  s.socket.on('error', () => {});
  s.socket.write(head);
  let sent = 0;
  while (!closed && sent < bytes) {
    await pause(everyMs);
    if (closed) break;
    s.socket.write(drip[sent % drip.length]!);
    sent++;
  }
  const closedByServer = closed;
  s.socket.destroy();
  return { closedByServer, sent, firstLine: answer.split('\r\n')[0] ?? '' };
}

describe('trickled requests and surplus connections', () => {
  let server: HostileServer;
  before(async () => {
    server = await startServer({
      env: {
        BYLINE_HEADERS_TIMEOUT_SECONDS: '2',
        BYLINE_REQUEST_TIMEOUT_SECONDS: '4',
        BYLINE_IDLE_TIMEOUT_SECONDS: '3',
        BYLINE_CONNECTIONS_PER_ADDRESS: '20',
      },
    });
  });
  after(async () => {
    await server?.stop();
  });

  test('bodies and headers sent a byte every 500 ms are cut off, and the bystander reads pages meanwhile', {
    timeout: 60_000,
  }, async () => {
    // 40 bytes at 500 ms would take 20 s; the server's bounds are 2 s for headers and 4 s in all.
    const MAX_BYTES = 40;
    const outcome = await underAttack(server, async () => {
      const bodies = Array.from({ length: 6 }, () =>
        trickle(
          server,
          TRICKLE_ATTACKER,
          `POST /api/v1/session HTTP/1.1\r\nHost: ${server.host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
          '{"name":"x',
          500,
          MAX_BYTES,
        ),
      );
      const heads = Array.from({ length: 4 }, () =>
        trickle(server, TRICKLE_ATTACKER, 'GET / HTTP/1.1\r\n', 'X-Slow: aaaaaaaaaaaaaaaa\r\n', 500, MAX_BYTES),
      );
      return { bodies: await Promise.all(bodies), heads: await Promise.all(heads) };
    });
    for (const [kind, results] of Object.entries(outcome.attack)) {
      for (const r of results) {
        assert.ok(r.closedByServer, `a trickled ${kind} kept its connection for all ${r.sent} bytes`);
        assert.ok(r.sent < MAX_BYTES, `a trickled ${kind} was cut only after ${r.sent} bytes`);
      }
    }
    // A body cut off mid-way gets Node's 408 before the close.
    assert.ok(
      outcome.attack.bodies.every((r) => r.firstLine === '' || /^HTTP\/1\.1 408/.test(r.firstLine)),
      outcome.attack.bodies.map((r) => r.firstLine).join(', '),
    );
    const verdict = bystanderUnharmed(outcome);
    assert.ok(verdict.ok, verdict.message);
  });

  test('a live stream outlives the request timeout and the idle timeout, and still gets events', { timeout: 30_000 }, async () => {
    const s = await rawSocket(server, '127.0.0.30');
    let text = '';
    s.socket.on('data', (d: Buffer) => {
      text += d.toString('utf8');
    });
    s.socket.write(`GET ${eventsPath} HTTP/1.1\r\nHost: ${server.host}\r\nAccept: text/event-stream\r\n\r\n`);
    // Longer than both the 4 s request timeout and the 3 s idle timeout, with the check interval on top.
    await pause(6000);
    const reader = await signIn(server, 'Patient Reader', '127.0.0.31');
    const res = await sendJson(
      server,
      'POST',
      `/api/v1/articles/${demoSlug}/comments`,
      { body: 'Still there?' },
      { headers: { cookie: reader.cookie } },
    );
    assert.equal(res.status, 201);
    const id = (JSON.parse(res.text) as { comment: { id: string } }).comment.id;
    for (let i = 0; i < 100 && !text.includes(id); i++) await pause(50);
    s.socket.destroy();
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.ok(text.includes(id), 'the stream was still open and got the new comment');
  });

  test('connections past the per-address cap are closed at once; another address is served', { timeout: 30_000 }, async () => {
    const sockets = await Promise.all(Array.from({ length: 30 }, () => rawSocket(server, SOCKET_ATTACKER)));
    let closedCount = 0;
    for (const s of sockets) {
      s.socket.on('error', () => {});
      void s.closed.then(() => closedCount++);
    }
    for (let i = 0; i < 100 && closedCount < 10; i++) await pause(20);
    assert.equal(closedCount, 10, 'exactly the ten past the cap of 20 were closed');
    const page = await readPages(server, '/', 3);
    assert.equal(page.length, 3);
    for (const s of sockets) s.socket.destroy();
    // Their places come back: a request from the attacker's address is served again.
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      await pause(25);
      status = await send(server, '/', { from: SOCKET_ATTACKER }).then(
        (r) => r.status,
        () => 0,
      );
    }
    assert.equal(status, 200);
  });
});
