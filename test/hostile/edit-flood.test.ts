// One identity edits its comment as fast as it can while readers have the article open: the
// edit limit turns it away after a handful, so what live readers receive stays bounded and a
// bystander reading pages does not notice.
import assert from 'node:assert/strict';
import { type ClientRequest, request } from 'node:http';
import { after, before, test } from 'node:test';
import { type HostileServer, bystanderUnharmed, demoSlug, inParallel, sendJson, signIn, startServer, underAttack } from './harness.ts';

const EDITS_PER_MINUTE = 5;
const ATTEMPTS = 300;
const READERS = 5;

let server: HostileServer;
before(async () => {
  server = await startServer({ env: { BYLINE_LIMIT_EDITS_PER_MINUTE: String(EDITS_PER_MINUTE), BYLINE_LIMIT_EDITS_PER_HOUR: '1000' } });
});
after(async () => {
  await server?.stop();
});

interface LiveReader {
  bytes(): number;
  text(): string;
  close(): void;
}

/** A reader with the article open: a raw event stream from its own address, counting what arrives. */
function openStream(from: string): Promise<LiveReader> {
  return new Promise((done, fail) => {
    let received = 0;
    let text = '';
    const req: ClientRequest = request(
      {
        host: server.host,
        port: server.port,
        path: `/api/v1/articles/${demoSlug}/events`,
        localAddress: from,
        agent: false,
        headers: { accept: 'text/event-stream' },
      },
      (res) => {
        if (res.statusCode !== 200) return fail(new Error(`stream from ${from} answered ${res.statusCode}`));
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          text += chunk.toString('utf8');
        });
        res.on('error', () => {});
        done({ bytes: () => received, text: () => text, close: () => req.destroy() });
      },
    );
    req.on('error', (err) => (received === 0 ? fail(err) : undefined));
    req.end();
  });
}

/** Waits, bounded, until every reader has received `marker` (so all earlier events are in too). */
async function allReceived(readers: LiveReader[], marker: string, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!readers.every((r) => r.text().includes(marker))) {
    if (Date.now() > deadline) throw new Error(`the readers did not receive ${marker} within ${withinMs} ms`);
    await new Promise((done) => setImmediate(done));
  }
}

test('an edit flood is cut off at the limit: readers receive a bounded amount and a bystander is unharmed', async () => {
  const attacker = await signIn(server, 'Edit Flooder', '127.0.0.20');
  const padding = 'All work and no play makes a dull comment. '.repeat(45);
  const posted = await sendJson(
    server,
    'POST',
    `/api/v1/articles/${demoSlug}/comments`,
    { body: `First version. ${padding}` },
    { from: '127.0.0.20', headers: { cookie: attacker.cookie } },
  );
  assert.equal(posted.status, 201, posted.text);
  const commentId = (JSON.parse(posted.text) as { comment: { id: string } }).comment.id;

  const readers = await Promise.all(Array.from({ length: READERS }, (_, i) => openStream(`127.0.0.${30 + i}`)));
  try {
    const statuses: number[] = [];
    let missingRetryAfter = 0;
    const outcome = await underAttack(
      server,
      () =>
        inParallel(ATTEMPTS, 2, async (i) => {
          const res = await sendJson(
            server,
            'PATCH',
            `/api/v1/comments/${commentId}`,
            { body: `Version ${i}. ${padding}` },
            { from: '127.0.0.20', headers: { cookie: attacker.cookie } },
          );
          statuses.push(res.status);
          if (res.status === 429 && !(Number(res.headers['retry-after']) >= 1)) missingRetryAfter++;
        }),
      { path: `/writing/${demoSlug}` },
    );

    const accepted = statuses.filter((s) => s === 200).length;
    const limited = statuses.filter((s) => s === 429).length;
    assert.equal(statuses.filter((s) => s >= 500).length, 0, 'no 5xx');
    assert.ok(accepted >= 1 && accepted <= EDITS_PER_MINUTE, `at most ${EDITS_PER_MINUTE} edits accepted (got ${accepted})`);
    assert.equal(accepted + limited, ATTEMPTS, `every other edit was told to slow down (statuses: ${[...new Set(statuses)].join(', ')})`);
    assert.equal(missingRetryAfter, 0, 'each 429 says when to come back');

    // A marker comment from someone else: once every reader has it, every edit event is in too.
    const other = await signIn(server, 'Marker Poster', '127.0.0.21');
    const marker = await sendJson(
      server,
      'POST',
      `/api/v1/articles/${demoSlug}/comments`,
      { body: 'Marker after the flood' },
      { from: '127.0.0.21', headers: { cookie: other.cookie } },
    );
    assert.equal(marker.status, 201, marker.text);
    await allReceived(readers, (JSON.parse(marker.text) as { comment: { id: string } }).comment.id);

    // Each accepted edit reaches each reader once, as one rendered comment; the marker once more.
    const perEvent = 4 * Buffer.byteLength(padding) + 4096;
    const bound = (accepted + 2) * perEvent;
    for (const reader of readers) {
      assert.ok(reader.bytes() <= bound, `a reader received ${reader.bytes()} bytes; the bound for ${accepted} edits is ${bound}`);
    }
    const verdict = bystanderUnharmed(outcome);
    assert.ok(verdict.ok, verdict.message);
  } finally {
    for (const reader of readers) reader.close();
  }
});
