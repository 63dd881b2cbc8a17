// Small HTTP helpers for deploy/run-local.ts: plain node:http, so what is measured and checked
// is exactly what went over the wire (no client-side caching, no cookie jar).

import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a && typeof a === 'object' ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function call(base: string, method: string, path: string, body?: unknown, cookie?: string): Promise<Answer> {
  return new Promise((res, rej) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (cookie) headers.cookie = cookie;
    const req = httpRequest(new URL(path, base), { method, headers, timeout: 10_000 }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', rej);
    req.end(payload);
  });
}

/** The `name=value` part of the first Set-Cookie of an answer (the session cookie on sign-in). */
export function firstCookie(a: Answer): string {
  return String([a.headers['set-cookie']].flat()[0]).split(';')[0]!;
}

export interface Stream {
  text: () => string;
  close: () => void;
}

/** An SSE reader that accumulates the raw stream; `onData` sees each chunk as it arrives. */
export function sse(base: string, path: string, onData?: (chunk: string) => void): Promise<Stream> {
  return new Promise((res, rej) => {
    let text = '';
    const req = httpRequest(new URL(path, base), { headers: { accept: 'text/event-stream' } }, (r) => {
      if (r.statusCode !== 200) return rej(new Error(`SSE ${path}: ${r.statusCode}`));
      r.setEncoding('utf8');
      r.on('data', (c: string) => {
        text += c;
        onData?.(c);
      });
      r.on('error', () => {});
      res({ text: () => text, close: () => req.destroy() });
    });
    req.on('error', rej);
    req.end();
  });
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok  ${what}`);
}
