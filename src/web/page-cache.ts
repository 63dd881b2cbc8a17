import type { PreparedBody } from './http.ts';

interface Entry {
  slug: string;
  body: PreparedBody;
  storedAt: number;
}

/**
 * Rendered anonymous pages, compressed once. A write to an article drops that article's pages
 * and no others; entries also age out so relative times ("3 hours ago") stay roughly true.
 */
export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly maxEntries = 500,
    private readonly maxAgeMs = 5 * 60 * 1000,
  ) {}

  get(key: string, now: number): PreparedBody | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.storedAt > this.maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.body;
  }

  /** The article's generation: read it before rendering and hand it back to `set`. */
  generation(slug: string): number {
    return this.generations.get(slug) ?? 0;
  }

  /** Stores a render unless the article was written to while it was being made. */
  set(key: string, slug: string, generation: number, body: PreparedBody, now: number): void {
    if (this.generation(slug) !== generation) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { slug, body, storedAt: now });
  }

  invalidate(slug: string): void {
    this.generations.set(slug, this.generation(slug) + 1);
    for (const [key, entry] of this.entries) if (entry.slug === slug) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    for (const slug of this.generations.keys()) this.invalidate(slug);
  }
}
