// The attacker opens live streams: more than their share from one address, more than the server
// holds in total, and streams that ask for the article's whole history. Past the caps the
// attacker gets 429 with Retry-After while a bystander's stream still opens; an old
// Last-Event-ID gets a bounded replay or an instruction to reload, never the whole history.
import assert from 'node:assert/strict';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { demoSlug, type HostileServer, type Reader, sendJson, signIn, startServer } from './harness.ts';

const ATTACKER = '127.0.0.5';
const SECOND_ATTACKER = '127.0.0.6';
const BYSTANDER = '127.0.0.1';
const eventsPath = `/api/v1/articles/${demoSlug}/events`;

interface OpenStream {
  status: number;
  headers: IncomingMessage['headers'];
  /** Everything received so far. */
  text(): string;
  /** Resolves when the server ends the response (true) or the socket closes (false). */
  ended: Promise<boolean>;
  close(): void;
}

/** Opens a stream and answers once the status line is in; the body keeps arriving into text(). */
function openStream(server: HostileServer, from: string, headers: Record<string, string> = {}, path = eventsPath): Promise<OpenStream> {
  return new Promise((done, fail) => {
    let req: ClientRequest | undefined;
    const timer = setTimeout(() => {
      req?.destroy();
      fail(new Error('no answer to the stream request within 10 s'));
    }, 10_000);
    req = request(
      {
        host: server.host,
        port: server.port,
        path,
        localAddress: from,
        agent: false,
        headers: { accept: 'text/event-stream', ...headers },
      },
      (res) => {
        clearTimeout(timer);
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        const ended = new Promise<boolean>((settle) => {
          res.on('end', () => settle(true));
          res.on('close', () => settle(false));
          res.on('error', () => settle(false));
        });
        done({ status: res.statusCode ?? 0, headers: res.headers, text: () => body, ended, close: () => req?.destroy() });
      },
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    req.end();
  });
}

/** Polls `check` until it holds, for at most `ms`. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

async function post(server: HostileServer, reader: Reader, body: string): Promise<string> {
  const res = await sendJson(server, 'POST', `/api/v1/articles/${demoSlug}/comments`, { body }, { headers: { cookie: reader.cookie } });
  assert.equal(res.status, 201, `posting answered ${res.status}: ${res.text}`);
  return (JSON.parse(res.text) as { comment: { id: string } }).comment.id;
}

const eventIds = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

describe('stream caps', () => {
  let server: HostileServer;
  const open: OpenStream[] = [];
  before(async () => {
    server = await startServer({ env: { BYLINE_STREAMS_PER_PREFIX: '4', BYLINE_STREAMS_TOTAL: '6' } });
  });
  after(async () => {
    for (const s of open) s.close();
    await server?.stop();
  });

  test('past the per-address cap the attacker gets 429 with Retry-After, and a bystander still opens a stream', async () => {
    for (let i = 0; i < 4; i++) {
      const s = await openStream(server, ATTACKER);
      open.push(s);
      assert.equal(s.status, 200, `stream ${i + 1} of the attacker's allowance`);
    }
    const refused = await openStream(server, ATTACKER);
    open.push(refused);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0, 'a Retry-After header');
    await refused.ended;
    const error = JSON.parse(refused.text()) as { error: { code: string; message: string } };
    assert.equal(typeof error.error.code, 'string');
    assert.match(error.error.message, /live/i);

    const bystander = await openStream(server, BYSTANDER);
    open.push(bystander);
    assert.equal(bystander.status, 200);
    assert.match(String(bystander.headers['content-type']), /text\/event-stream/);
  });

  test('past the total cap a new address is refused too, and a place comes back when a stream closes', async () => {
    // Four from the first attacker and one bystander are open: one place is left.
    const fifth = await openStream(server, SECOND_ATTACKER);
    open.push(fifth);
    assert.equal(fifth.status, 200);
    const over = await openStream(server, SECOND_ATTACKER);
    open.push(over);
    assert.equal(over.status, 429);
    assert.ok(Number(over.headers['retry-after']) > 0);

    open[0]!.close();
    // The server hears the close a moment later; try again a bounded number of times.
    let again: OpenStream | undefined;
    let reopened = false;
    for (let attempt = 0; attempt < 40 && !reopened; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50));
      again = await openStream(server, SECOND_ATTACKER);
      open.push(again);
      reopened = again.status === 200;
    }
    assert.ok(reopened, `a closed stream gave its place back (last answer ${again?.status})`);
  });
});

describe('replay on reconnect', () => {
  let server: HostileServer;
  let writer: Reader;
  const ids: string[] = [];
  before(async () => {
    server = await startServer({
      env: { BYLINE_STREAM_REPLAY_MAX: '5', BYLINE_LIMIT_COMMENTS_PER_15S: '100', BYLINE_LIMIT_COMMENTS_PER_HOUR: '1000' },
    });
    writer = await signIn(server, 'Replay Writer', '127.0.0.20');
    for (let i = 0; i < 8; i++) ids.push(await post(server, writer, `Replayed comment number ${i + 1}.`));
  });
  after(async () => {
    await server?.stop();
  });

  test('Last-Event-ID: 0 on an article with more events than the bound gets "reload" and the stream ends', async () => {
    const s = await openStream(server, ATTACKER, { 'last-event-id': '0' });
    assert.equal(s.status, 200);
    const ended = await Promise.race([s.ended, new Promise<'open'>((r) => setTimeout(() => r('open'), 5000))]);
    s.close();
    assert.notEqual(ended, 'open', `the stream was left open after: ${s.text().slice(0, 300)}`);
    assert.match(s.text(), /^event: reload$/m);
    assert.doesNotMatch(s.text(), /^event: comment$/m, 'no history was replayed');
  });

  test('a reader a few events behind gets exactly what it missed, and stays connected', async () => {
    const watcher = await openStream(server, BYSTANDER);
    for (let i = 0; i < 3; i++) await post(server, writer, `Seen live, number ${i + 1}.`);
    assert.ok(await until(() => eventIds(watcher.text()).length >= 3, 5000), 'the watcher saw three new events');
    watcher.close();
    const [first, second, third] = eventIds(watcher.text()) as [number, number, number];

    const behind = await openStream(server, BYSTANDER, { 'last-event-id': String(first) });
    assert.ok(await until(() => eventIds(behind.text()).length >= 2, 5000), 'the two missed events arrive');
    const later = await post(server, writer, 'Arrives after the catch-up.');
    assert.ok(await until(() => behind.text().includes(later), 5000), 'the stream stays open for what comes next');
    behind.close();
    assert.deepEqual(eventIds(behind.text()).slice(0, 2), [second, third]);
    assert.doesNotMatch(behind.text(), /^event: reload$/m);
  });

  test('an empty ?since= is no resume point: the stream starts at the newest event', async () => {
    const s = await openStream(server, BYSTANDER, {}, `${eventsPath}?since=`);
    const id = await post(server, writer, 'The first thing this stream should see.');
    assert.ok(await until(() => s.text().includes(id), 5000));
    s.close();
    assert.equal(eventIds(s.text()).length, 1, `only the new event, got: ${s.text().slice(0, 300)}`);
  });
});
