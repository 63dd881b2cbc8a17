// The query string of an article page, read strictly. The page cache keys on what this parser
// returns, so only the spellings the site itself writes may reach a render: any other spelling
// of a valid request is redirected to the one the site writes, and anything that cannot be a
// valid request is "not found". That keeps the number of distinct pages bounded by the content.
import { SORTS, type Sort } from '../discussion/service.ts';

/** What an article page's query can ask for. */
export interface DiscussionQuery {
  sort: Sort;
  /** Offset of the first top-level thread (the "Show more comments" cursor); absent on page 1. */
  after?: number;
  /** A top-level comment whose thread is shown in full. */
  thread?: string;
}

export type ParsedDiscussionQuery =
  | { kind: 'canonical'; query: DiscussionQuery }
  | { kind: 'redirect'; query: DiscussionQuery; location: string }
  | { kind: 'invalid' };

const KNOWN = new Set(['sort', 'after', 'thread']);
/** Comment ids are short and URL-safe (base32 from the site, or an imported id of the same shape). */
const COMMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The cursor is a plain decimal; leading zeros are a spelling of the same number. */
const CURSOR = /^\d{1,9}$/;

/** The query string the site writes for these values ('' for the plain page). */
export function canonicalQueryString(q: DiscussionQuery): string {
  if (q.thread) return `thread=${q.thread}`;
  const parts: string[] = [];
  if (q.sort !== 'top') parts.push(`sort=${q.sort}`);
  if (q.after) parts.push(`after=${q.after}`);
  return parts.join('&');
}

/** The raw query string of a request URL (without the '?'), exactly as sent. */
export function rawQueryOf(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at + 1);
}

/**
 * Reads `rawQuery` (as sent, without '?'). `path` is the page's canonical path, used to build the
 * redirect target. Unknown parameters are dropped; a known one given twice, or given a value that
 * can never be valid, makes the request invalid.
 */
export function parseDiscussionQuery(rawQuery: string, path: string): ParsedDiscussionQuery {
  const values = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    if (!KNOWN.has(name)) continue;
    if (values.has(name)) return { kind: 'invalid' };
    values.set(name, value);
  }
  const query: DiscussionQuery = { sort: 'top' };
  const sort = values.get('sort') ?? '';
  if (sort !== '') {
    if (!(SORTS as readonly string[]).includes(sort)) return { kind: 'invalid' };
    query.sort = sort as Sort;
  }
  const after = values.get('after') ?? '';
  if (after !== '') {
    if (!CURSOR.test(after)) return { kind: 'invalid' };
    const offset = Number(after);
    if (offset > 0) query.after = offset;
  }
  const thread = values.get('thread') ?? '';
  if (thread !== '') {
    if (!COMMENT_ID.test(thread)) return { kind: 'invalid' };
    // One thread in full has no pages and no order of threads: sort and cursor say nothing there.
    query.thread = thread;
    query.sort = 'top';
    delete query.after;
  }
  const canonical = canonicalQueryString(query);
  if (canonical === rawQuery) return { kind: 'canonical', query };
  return { kind: 'redirect', query, location: canonical ? `${path}?${canonical}` : path };
}
