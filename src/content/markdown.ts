// Turns the author's Markdown into the article body HTML. Raw HTML in the source is escaped, so
// everything that reaches the page is markup this module builds itself.
import MarkdownIt from 'markdown-it';
import type { RenderRule } from 'markdown-it/lib/renderer.mjs';
import type Token from 'markdown-it/lib/token.mjs';
import { slugify } from './slug.ts';
import type { TocEntry } from './types.ts';

export const WORDS_PER_MINUTE = 230;

export interface ImageSize {
  width: number;
  height: number;
}

export interface RenderOptions {
  /** Intrinsic sizes of the files under media/, keyed by their name relative to media/ ("diagram.svg"). */
  media?: ReadonlyMap<string, ImageSize>;
  /** The site's own origin; links anywhere else get rel="noopener". */
  baseUrl?: string;
  /** Element ids the page around the body already uses; headings never take them. */
  reservedIds?: Iterable<string>;
}

export interface RenderResult {
  html: string;
  toc: TocEntry[];
  wordCount: number;
  readingMinutes: number;
  /** Problems in the source, such as an image that is not under media/. No file name: the caller adds it. */
  problems: string[];
}

// The page's own landmarks and the ids the comment thread and copy blocks use.
const DEFAULT_RESERVED_IDS = ['top', 'main', 'content', 'toc', 'comments', 'comment-form'];
const RESERVED_ID_PREFIX = /^(?:comment|copy)-/;

const COPYABLE: Record<string, { caption: string; className: string }> = {
  template: { caption: 'Template', className: 'copyable-template' },
  checklist: { caption: 'Checklist', className: 'copyable-checklist' },
};

interface RenderEnv {
  usedIds: Set<string>;
  reservedIds: Set<string>;
  toc: TocEntry[];
  problems: string[];
  words: number;
  copyBlocks: number;
}

interface HeadingMeta {
  anchorId: string;
  anchorText: string;
}

const WORD = /[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu;

export function countWords(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

export function readingMinutes(words: number): number {
  return Math.max(1, Math.round(words / WORDS_PER_MINUTE));
}

function plainText(children: Token[] | null): string {
  let out = '';
  for (const t of children ?? []) {
    if (t.type === 'text' || t.type === 'code_inline') out += t.content;
    else if (t.type === 'softbreak' || t.type === 'hardbreak') out += ' ';
  }
  return out.trim();
}

function claimId(base: string, env: RenderEnv): string {
  let id = base || 'section';
  if (RESERVED_ID_PREFIX.test(id) || env.reservedIds.has(id)) id = `section-${id}`;
  let candidate = id;
  for (let n = 2; env.usedIds.has(candidate); n++) candidate = `${id}-${n}`;
  env.usedIds.add(candidate);
  return candidate;
}

function parseFenceInfo(md: MarkdownIt, info: string): { kind: string; title: string } {
  const text = md.utils.unescapeAll(info).trim();
  const match = /^(\S*)\s*(.*)$/s.exec(text);
  return { kind: (match?.[1] ?? '').toLowerCase(), title: (match?.[2] ?? '').trim() };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export function createMarkdownRenderer(opts: RenderOptions = {}): (source: string) => RenderResult {
  const media = opts.media ?? new Map<string, ImageSize>();
  const siteOrigin = opts.baseUrl ? originOf(opts.baseUrl) : undefined;
  const reserved = [...(opts.reservedIds ?? DEFAULT_RESERVED_IDS)];
  const md = new MarkdownIt({ html: false, linkify: true, typographer: true });
  const esc = md.utils.escapeHtml;

  // Runs after smart quotes and replacements so ids, the table of contents and the anchor
  // labels all see the same text the reader sees.
  md.core.ruler.push('byline_structure', (state) => {
    const env = state.env as RenderEnv;
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.type === 'inline') {
        for (const child of token.children ?? []) {
          if (child.type === 'text' || child.type === 'code_inline') env.words += countWords(child.content);
        }
      } else if (token.type === 'fence' || token.type === 'code_block') {
        env.words += countWords(token.content);
        if (token.type === 'fence' && COPYABLE[parseFenceInfo(md, token.info).kind]) {
          env.copyBlocks += 1;
          token.meta = { copyId: `copy-${env.copyBlocks}` };
        }
      } else if (token.type === 'heading_open' && (token.tag === 'h2' || token.tag === 'h3')) {
        const inline = tokens[i + 1];
        const close = tokens[i + 2];
        if (inline?.type !== 'inline' || close?.type !== 'heading_close') continue;
        const text = plainText(inline.children);
        const id = claimId(slugify(text), env);
        token.attrSet('id', id);
        env.toc.push({ level: token.tag === 'h2' ? 2 : 3, id, text });
        close.meta = { anchorId: id, anchorText: text } satisfies HeadingMeta;
      }
    }
  });

  const renderToken: RenderRule = (tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options);

  md.renderer.rules.heading_close = (tokens, idx, options, env, self) => {
    const meta = tokens[idx]!.meta as HeadingMeta | null;
    const closing = renderToken(tokens, idx, options, env, self);
    if (!meta) return closing;
    return ` <a class="anchor" href="#${esc(meta.anchorId)}" aria-label="Link to this section: ${esc(meta.anchorText)}">#</a>` + closing;
  };

  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const href = token.attrGet('href') ?? '';
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//');
    if (absolute) {
      const origin = originOf(href.startsWith('//') ? `https:${href}` : href);
      if (origin !== undefined && origin !== 'null' && origin !== siteOrigin) token.attrSet('rel', 'noopener');
    }
    return renderToken(tokens, idx, options, env, self);
  };

  md.renderer.rules.image = (tokens, idx, options, env: RenderEnv, self) => {
    const token = tokens[idx]!;
    const src = token.attrGet('src') ?? '';
    const alt = self.renderInlineAsText(token.children ?? [], options, env);
    const title = token.attrGet('title');
    // Pages make no third-party requests, so every image must be one of the site's own files.
    const match = /^(?:\.\/|\/)?media\/([^?#]+)$/.exec(src);
    let attrs: string;
    if (match) {
      const encodedName = match[1]!;
      let name = encodedName;
      try {
        name = decodeURIComponent(encodedName);
      } catch {
        // A malformed escape simply will not match any file; the problem below says so.
      }
      attrs = `src="/media/${esc(encodedName)}"`;
      const size = media.get(name);
      if (size) attrs += ` width="${size.width}" height="${size.height}"`;
      else env.problems.push(`image '${src}' does not exist under media/`);
    } else {
      env.problems.push(`image '${src}' is not a file under media/ (write it as media/<name>)`);
      attrs = `src="${esc(src)}"`;
    }
    attrs += ` alt="${esc(alt)}"`;
    if (title) attrs += ` title="${esc(title)}"`;
    return `<img ${attrs} loading="lazy" decoding="async">`;
  };

  const defaultFence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const { kind, title } = parseFenceInfo(md, token.info);
    const copyable = COPYABLE[kind];
    const copyId = (token.meta as { copyId?: string } | null)?.copyId;
    if (!copyable || !copyId) return defaultFence(tokens, idx, options, env, self);
    const text = token.content.replace(/\n$/, '');
    return (
      `<figure class="copyable ${copyable.className}"><figcaption><span>${esc(title || copyable.caption)}</span>` +
      `<button type="button" class="copy-button" data-copy-target="${copyId}" hidden>Copy</button></figcaption>` +
      `<pre id="${copyId}" tabindex="0"><code>${esc(text)}</code></pre></figure>\n`
    );
  };

  return (source: string): RenderResult => {
    const env: RenderEnv = {
      usedIds: new Set(),
      reservedIds: new Set(reserved),
      toc: [],
      problems: [],
      words: 0,
      copyBlocks: 0,
    };
    const html = md.render(source, env);
    // markdown-it builds its output piece by piece; reading one character makes V8 copy the pieces
    // into one string, which is what the site keeps for as long as it runs (about a fifth smaller).
    html.charCodeAt(0);
    return {
      html,
      toc: env.toc,
      wordCount: env.words,
      readingMinutes: readingMinutes(env.words),
      problems: [...new Set(env.problems)],
    };
  };
}

/** One-off rendering; for many documents, make one renderer with `createMarkdownRenderer` and reuse it. */
export function renderMarkdown(source: string, opts: RenderOptions = {}): RenderResult {
  return createMarkdownRenderer(opts)(source);
}
