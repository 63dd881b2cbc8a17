// One POST to a server someone else runs, bounded: a timeout for the whole attempt, no
// redirects followed, and at most a few kilobytes of the answer read.

export interface PostResult {
  ok: boolean;
  /** "HTTP 204", "timed out after 10 s", "connection refused": for the delivery log. */
  outcome: string;
  status?: number;
}

export interface PostOptions {
  timeoutMs: number;
  /** How much of the answer is read (and then dropped) before the connection is let go. */
  maxResponseBytes: number;
}

export const defaultPostOptions: PostOptions = { timeoutMs: 10_000, maxResponseBytes: 4096 };

export async function boundedPost(
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array<ArrayBuffer>,
  opts: PostOptions = defaultPostOptions,
): Promise<PostResult> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal });
    await drain(res, opts.maxResponseBytes);
    return { ok: res.status >= 200 && res.status < 300, status: res.status, outcome: `HTTP ${res.status}` };
  } catch (err) {
    if (signal.aborted) return { ok: false, outcome: `timed out after ${Math.round(opts.timeoutMs / 1000)} s` };
    return { ok: false, outcome: describeError(err) };
  }
}

async function drain(res: Response, max: number): Promise<void> {
  const reader = res.body?.getReader();
  if (!reader) return;
  let read = 0;
  try {
    while (read < max) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function describeError(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.message : 'request failed';
}
