import type { StoredEvent } from '../discussion/records.ts';

/** The comment an event is about, if any: its rendering changes when that comment does. */
function commentIdOf(ev: StoredEvent): string | undefined {
  try {
    const id = (JSON.parse(ev.payload) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Rendered frames for replays, bounded in bytes, so readers reconnecting together render each
 * event once rather than once each.
 */
export class FrameCache {
  private readonly frames = new Map<number, { slug: string; kind: string; commentId?: string; frame: string }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The kind is part of the key: pruning turns an old event into a 'reload' under the same id. */
  get(ev: StoredEvent): string | undefined {
    const entry = this.frames.get(ev.id);
    return entry?.kind === ev.kind ? entry.frame : undefined;
  }

  set(ev: StoredEvent, frame: string): void {
    const size = frame.length;
    if (size > this.maxBytes) return;
    const old = this.frames.get(ev.id);
    if (old) {
      this.frames.delete(ev.id);
      this.bytes -= old.frame.length;
    }
    this.frames.set(ev.id, { slug: ev.articleSlug, kind: ev.kind, commentId: commentIdOf(ev), frame });
    this.bytes += size;
    for (const [oldest, entry] of this.frames) {
      if (this.bytes <= this.maxBytes) break;
      this.frames.delete(oldest);
      this.bytes -= entry.frame.length;
    }
  }

  /** Drops the article's frames: all of them, or only those about the given comments. */
  forget(slug: string, commentIds?: Set<string>): void {
    for (const [id, entry] of this.frames) {
      if (entry.slug !== slug) continue;
      if (commentIds && !(entry.commentId && commentIds.has(entry.commentId))) continue;
      this.frames.delete(id);
      this.bytes -= entry.frame.length;
    }
  }

  /**
   * New events can change how earlier ones render (an edit, a deletion, a moderation): drop the
   * frames of the comments they are about, or all of the article's when one is about no comment.
   */
  forgetChangedBy(slug: string, events: StoredEvent[]): void {
    const ids = new Set<string>();
    for (const ev of events) {
      const id = commentIdOf(ev);
      if (id === undefined) {
        this.forget(slug);
        return;
      }
      ids.add(id);
    }
    if (ids.size > 0) this.forget(slug, ids);
  }

  clear(): void {
    this.frames.clear();
    this.bytes = 0;
  }
}
