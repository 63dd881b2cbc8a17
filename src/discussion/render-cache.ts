import type { CommentRecord } from './records.ts';
import { renderCommentBody } from './markup.ts';

/**
 * Caches rendered bodies: Markdown rendering is the costliest part of a thread read. Bounded in
 * bytes (UTF-16 code units count two), least recently used out first. Keyed by id and edit time,
 * so an edited comment is rendered afresh.
 */
export class RenderCache {
  private readonly map = new Map<string, string>();
  private used = 0;
  constructor(private readonly maxBytes: number) {}

  html(c: CommentRecord): string {
    const key = `${c.id}:${c.editedAt ?? 0}`;
    let html = this.map.get(key);
    if (html !== undefined) {
      this.map.delete(key);
      this.map.set(key, html);
      return html;
    }
    html = renderCommentBody(c.body);
    const bytes = (key.length + html.length) * 2;
    if (bytes > this.maxBytes) return html;
    while (this.used + bytes > this.maxBytes && this.map.size > 0) {
      const [oldKey, old] = this.map.entries().next().value!;
      this.map.delete(oldKey);
      this.used -= (oldKey.length + old.length) * 2;
    }
    this.map.set(key, html);
    this.used += bytes;
    return html;
  }
}
