import type { CommentRecord } from '../discussion/records.ts';
import type { AppContext } from './context.ts';

/** Rough memory of one loaded comment beside its text: the object, its id and name strings. */
const RECORD_OVERHEAD_BYTES = 240;

function recordsBytes(records: readonly CommentRecord[]): number {
  let bytes = 0;
  for (const c of records) bytes += RECORD_OVERHEAD_BYTES + (c.body.length + (c.authorName?.length ?? 0)) * 2;
  return bytes;
}

/**
 * Every stored comment of an article, loaded once per change of the article and shared by the
 * renders of its public pages: a reader asking for one page after another (each order, each
 * thread) costs one store read per change, not one per page. Held in the page cache's budget;
 * a discussion too large for it is read from the store on each render instead.
 */
export function articleComments(ctx: AppContext, slug: string): Promise<CommentRecord[]> {
  return ctx.pageCache.data('comments', slug, ctx.now, recordsBytes, () => ctx.reads.articleComments(slug));
}
