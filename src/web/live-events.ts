import type { StoredEvent } from '../discussion/records.ts';
import { type FragmentContext, renderCommentFragment } from './fragments.tsx';
import type { EventFormatter } from './live.ts';
import { isPublic } from '../discussion/comment-rules.ts';

/** Turns stored events into what live readers receive; a new or edited comment is rendered as an anonymous reader's page shows it. */
export function liveEventFormatter(ctx: FragmentContext): EventFormatter {
  return async (ev: StoredEvent) => {
    const payload = JSON.parse(ev.payload) as { id?: string; score?: number; outcome?: string };
    switch (ev.kind) {
      case 'comment':
      case 'edit': {
        const record = payload.id ? await ctx.reads.comment(payload.id) : undefined;
        if (!record || !isPublic(record)) return undefined;
        const html = await renderCommentFragment(ctx, record.id, undefined, null);
        if (!html) return undefined;
        return { event: ev.kind, data: { id: record.id, parentId: record.parentId, html, score: record.score, editedAt: record.editedAt } };
      }
      case 'delete':
        return { event: 'delete', data: { id: payload.id, outcome: payload.outcome } };
      case 'score':
        return { event: 'score', data: { id: payload.id, score: payload.score } };
      case 'reload':
        return { event: 'reload', data: {} };
      default:
        return undefined;
    }
  };
}
