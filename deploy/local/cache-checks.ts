// Checks of nginx's shared cache through the recipe (deploy/nginx.conf): it is really used for
// anonymous readers, a new comment still reaches them within the bound Byline's Cache-Control
// sets, and a signed-in reader never gets, or leaves behind, a shared page.

import { randomBytes } from 'node:crypto';
import { type Answer, call, check, firstCookie } from './http.ts';

const cacheStatus = (a: Answer) => String(a.headers['x-cache-status'] ?? '-');

/**
 * How long a change may take to reach an anonymous reader through a shared cache, from the
 * page's own Cache-Control: s-maxage, plus stale-while-revalidate (a stale copy is served while
 * one refresh runs), plus one second because nginx keeps expiry times in whole seconds.
 */
export function freshnessBoundMs(cacheControl: string): number | undefined {
  const seconds = (name: string) => Number(new RegExp(`(?:^|[,\\s])${name}=(\\d+)`).exec(cacheControl)?.[1] ?? Number.NaN);
  const sMaxAge = seconds('s-maxage');
  if (!Number.isFinite(sMaxAge)) return undefined;
  const swr = seconds('stale-while-revalidate');
  return (sMaxAge + (Number.isFinite(swr) ? swr : 0) + 1) * 1000;
}

export async function checkProxyCache(front: string, slug: string): Promise<void> {
  const path = `/writing/${slug}`;
  const anonymous = () => call(front, 'GET', path);

  // (a) The cache is used: right after one anonymous request, the next is answered from it.
  const filled = await anonymous();
  const cacheControl = String(filled.headers['cache-control'] ?? '');
  const boundMs = freshnessBoundMs(cacheControl);
  check(boundMs !== undefined, `anonymous page says how long a shared cache may keep it (Cache-Control: ${cacheControl})`);
  // (The entry may be a few seconds old from the requests before: then the first answer is STALE
  // and starts a refresh, and an answer during that refresh says UPDATING; a few tries are allowed.)
  const statuses: string[] = [];
  for (let i = 0; i < 5 && statuses.at(-1) !== 'HIT'; i++) {
    const again = await anonymous();
    statuses.push(again.status === 200 ? cacheStatus(again) : `status ${again.status}`);
  }
  check(statuses.at(-1) === 'HIT', `a second anonymous request is a cache HIT (${statuses.join(', ')})`);

  // A reader signs in and comments through nginx.
  const name = `Cache Reader ${randomBytes(3).toString('hex')}`;
  const signIn = await call(front, 'POST', '/api/v1/session', { name });
  check(signIn.status === 201, `sign-in through nginx: ${signIn.status}`);
  const session = firstCookie(signIn);
  const text = `Fresh through the cache ${randomBytes(4).toString('hex')}`;
  const posted = await call(front, 'POST', `/api/v1/articles/${slug}/comments`, { body: text }, session);
  check(posted.status === 201, `comment posted through nginx: ${posted.status}`);
  const postedAt = Date.now();

  // (a) ...and reaches anonymous readers within the bound (polled, bounded in count and time).
  const margin = 2000;
  let seenAfter: number | undefined;
  for (let i = 0; i < 200 && Date.now() - postedAt <= boundMs! + margin; i++) {
    if ((await anonymous()).body.includes(text)) {
      seenAfter = Date.now() - postedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  check(
    seenAfter !== undefined && seenAfter <= boundMs! + margin,
    `an anonymous reader sees the new comment after ${seenAfter ?? `more than ${boundMs! + margin}`} ms (bound ${boundMs} ms + ${margin} ms margin)`,
  );

  // (a) ...also for the first reader after a quiet spell: with no request for longer than the
  // bound, the next one must not be handed the old copy. (nginx serves a stale copy of any age
  // while refreshing it when `proxy_cache_use_stale` lists `updating`; this catches that.)
  const later = `Read after a quiet spell ${randomBytes(4).toString('hex')}`;
  const quietPost = await call(front, 'POST', `/api/v1/articles/${slug}/comments`, { body: later }, session);
  check(quietPost.status === 201, `another comment posted through nginx: ${quietPost.status}`);
  await new Promise((r) => setTimeout(r, boundMs));
  const quiet = await anonymous();
  check(quiet.body.includes(later), `the first anonymous reader after ${boundMs} ms without requests sees it (${cacheStatus(quiet)})`);

  // (b) A signed-in reader never gets a cached page, also right after anonymous requests filled
  // the entry: with the session alone (the server renders their own page, with their name) and
  // with the script's cookie (the same bytes as the shared page, still fetched from a node). This
  // reader has written nothing, so their name is on no shared page. BYPASS, not merely "no HIT":
  // Byline's `private` and `Vary: Cookie` would also keep these out of the cache, but nginx must
  // recognise a session by itself, so that no single mistake can hand one reader's page to another.
  const readerName = `Quiet Reader ${randomBytes(3).toString('hex')}`;
  const readerSignIn = await call(front, 'POST', '/api/v1/session', { name: readerName });
  check(readerSignIn.status === 201, `second reader signs in through nginx: ${readerSignIn.status}`);
  const reader = firstCookie(readerSignIn);
  for (const [label, cookie, ownName] of [
    ['signed in', reader, true],
    ['signed in, with the script', `${reader}; byline_js=1`, false],
    ['signed in (the readable hint cookie only)', 'byline_signed_in=1', false],
    ['author (the hint cookie only)', 'byline_author=1', false],
  ] as const) {
    for (let i = 0; i < 3; i++) {
      await anonymous();
      const own = await call(front, 'GET', path, undefined, cookie);
      check(
        (own.status === 200 || !ownName) && cacheStatus(own) === 'BYPASS' && (!ownName || own.body.includes(readerName)),
        `${label} reader, request ${i + 1}: not from the cache (${cacheStatus(own)})${ownName ? ', with their own name' : ''}`,
      );
    }
  }

  // (c) An anonymous request right after a signed-in one never shows the signed-in reader's page.
  for (let i = 0; i < 3; i++) {
    await call(front, 'GET', path, undefined, reader);
    const after = await anonymous();
    check(
      after.status === 200 && !after.body.includes(readerName),
      `anonymous request after a signed-in one: no signed-in name (${cacheStatus(after)})`,
    );
  }
}
