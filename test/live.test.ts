import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { Store, StoredEvent } from '../src/store/store.ts';
import { LiveHub, type StreamSlot } from '../src/web/live.ts';

/** Just the two reads the hub makes, over an in-memory list of events. */
function eventStore(events: StoredEvent[]): Store {
  return {
    async eventsSince(slug: string, afterId: number, limit: number) {
      return events.filter((e) => e.articleSlug === slug && e.id > afterId).slice(0, limit);
    },
    async latestEventId() {
      return events.at(-1)?.id ?? 0;
    },
  } as unknown as Store;
}

const event = (id: number, slug = 'a'): StoredEvent => ({ id, articleSlug: slug, kind: 'comment', payload: '{}', createdAt: 0 });

/** A response whose reader takes everything at once, or (reading: false) nothing at all. */
function fakeResponse(reading = true): ServerResponse & { received: () => string } {
  let received = '';
  const sink = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, done) {
      received += chunk.toString();
      if (reading) done();
      // A reader that never reads never calls back: everything after this stays buffered.
    },
  });
  return Object.assign(sink, { received: () => received }) as unknown as ServerResponse & { received: () => string };
}

const formatter = async (ev: StoredEvent) => ({ event: ev.kind, data: { id: ev.id, html: 'x'.repeat(500) } });

test('streams are capped per prefix and in total, and a closed stream gives its place back', () => {
  const hub = new LiveHub(eventStore([]), formatter, { perPrefix: 2, total: 3 });
  const a1 = hub.reserve('a') as StreamSlot;
  const a2 = hub.reserve('a') as StreamSlot;
  assert.equal(typeof a1, 'object');
  assert.equal(typeof a2, 'object');
  assert.equal(hub.reserve('a'), 'prefix');
  assert.equal(typeof hub.reserve('b'), 'object');
  assert.equal(hub.reserve('c'), 'total');
  a1.release();
  a1.release(); // twice is once
  assert.equal(typeof hub.reserve('c'), 'object');
  assert.equal(hub.reserve('a'), 'total');
  hub.close();
  assert.equal(hub.reserve('d'), 'closing');
});

test('a reader further behind than the replay bound is told to reload, and the stream ends', async () => {
  const events = Array.from({ length: 12 }, (_, i) => event(i + 1));
  const hub = new LiveHub(eventStore(events), formatter, { replayMax: 10 });
  const res = fakeResponse();
  const joined = await hub.join('a', res, 0, hub.reserve('p') as StreamSlot);
  assert.equal(joined, undefined);
  assert.ok(res.writableEnded);
  assert.match(res.received(), /^event: reload$/m);
  assert.doesNotMatch(res.received(), /^id: /m, 'nothing of the history was sent');

  const near = fakeResponse();
  const client = await hub.join('a', near, 3, hub.reserve('p') as StreamSlot);
  assert.ok(client?.ready);
  assert.deepEqual(
    [...near.received().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])),
    [4, 5, 6, 7, 8, 9, 10, 11, 12],
  );
  hub.close();
});

test('a replay larger than the byte bound is a reload, with nothing of it sent; a smaller one is sent whole', async () => {
  // Each frame carries 500 bytes of HTML: 12 of them are over 4 KB, 6 are under.
  const events = Array.from({ length: 12 }, (_, i) => event(i + 1));
  const hub = new LiveHub(eventStore(events), formatter, { replayMax: 100, replayMaxBytes: 4096 });
  const far = fakeResponse();
  assert.equal(await hub.join('a', far, 0, hub.reserve('p') as StreamSlot), undefined);
  assert.ok(far.writableEnded);
  assert.match(far.received(), /^event: reload$/m);
  assert.doesNotMatch(far.received(), /^id: /m);

  const near = fakeResponse();
  const client = await hub.join('a', near, 6, hub.reserve('p') as StreamSlot);
  assert.ok(client?.ready);
  assert.equal([...near.received().matchAll(/^id: (\d+)$/gm)].length, 6);
  hub.close();
});

test('a reader that stops reading is dropped once its unsent bytes pass the mark; a reading one is not', async () => {
  const events: StoredEvent[] = [];
  const hub = new LiveHub(eventStore(events), formatter, { bufferMaxBytes: 8 * 1024 });
  const silent = fakeResponse(false);
  const reader = fakeResponse(true);
  await hub.join('a', silent, 0, hub.reserve('p') as StreamSlot);
  await hub.join('a', reader, 0, hub.reserve('q') as StreamSlot);
  for (let id = 1; id <= 40; id++) {
    events.push(event(id));
    await hub.notify('a');
  }
  assert.ok(silent.destroyed, 'the silent reader was dropped');
  assert.ok(silent.writableLength <= 8 * 1024 + 1024, `it held ${silent.writableLength} unsent bytes`);
  assert.equal(reader.destroyed, false);
  assert.equal([...reader.received().matchAll(/^id: /gm)].length, 40);
  hub.close();
});
