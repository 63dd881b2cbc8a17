/**
 * Comment bodies: a small Markdown subset rendered on the server, then passed through an allow-list
 * sanitizer: escape first, allow-list after.
 *
 * Layer 1, markdown-it (one instance, built on the first comment rendered):
 *   - `html: false`: raw HTML in a comment is shown as text, never parsed as markup.
 *   - Supported: paragraphs, line breaks (`breaks: true`), emphasis, strong, links, autolinks, inline
 *     code, fenced and indented code blocks, blockquotes, lists, horizontal rules.
 *   - Disabled: headings (`# x` and setext underlines read as ordinary text; a reader's comment must
 *     not outrank the article's own headings), tables and strikethrough. Images are never emitted:
 *     `![alt](src)` renders as its alt text (or the address, if the alt text is empty), so a comment
 *     can't make readers' browsers fetch a third-party URL (no page makes third-party requests; README.md).
 *   - Links: `validateLink` accepts only absolute http:, https: and mailto: URLs, checked after
 *     markdown-it has decoded entities and normalised the URL, so `javascript&#58;…`, `JaVaScRiPt:`
 *     and `data:` links stay as plain text (the marked issue #203 and Artalk #1176 classes).
 *   - Linkify is on for URLs that carry a scheme (https://…, mailto:…) and for e-mail addresses;
 *     fuzzy links are off, so "README.md" or "node.js" never become links to a country's domain.
 *     markdown-it ≥ 14.1.1 and linkify-it ≥ 5.0.1 carry the fixes for the linkify ReDoS and the
 *     quadratic match (GHSA-38c4-r59v-3vqw, CVE-2026-48801).
 *   - Nesting: blockquotes and lists nest at most MAX_BLOCK_NESTING (8) deep. Deeper markers are not
 *     parsed as structure and stay in the text ("> > > … > hi" keeps its words), which bounds the
 *     work and the HTML depth for "> ".repeat(5000)-style input (showdown #1048, marked #1471). The
 *     markdown-it `maxNesting` option (MAX_TOKEN_NESTING) is a backstop; it also bounds inline
 *     nesting, where excess markers stay as text; em/strong, which markdown-it pairs after parsing,
 *     are limited separately to MAX_INLINE_NESTING (8) by a core rule.
 *
 * Layer 2, sanitize-html with an allow-list: p, br, em, strong, code, pre, blockquote, ul, ol, li,
 * hr, and a with only href (absolute http/https/mailto) and rel. Every link gets
 * rel="nofollow ugc noopener noreferrer". Running the sanitizer on its own output changes nothing,
 * which test/markup.test.ts checks.
 */

import { createRequire } from 'node:module';
import MarkdownIt from 'markdown-it';
import type { Options as MarkdownItOptions, StateBlock, StateCore } from 'markdown-it';
import type sanitizeHtml from 'sanitize-html';

/** Deepest blockquote/list nesting that is rendered as structure. */
export const MAX_BLOCK_NESTING = 8;
/** Deepest emphasis/strong nesting that is rendered as markup; deeper markers stay as text. */
export const MAX_INLINE_NESTING = 8;
/**
 * markdown-it's token nesting limit. Each list adds two levels (list, item) and a paragraph one, so
 * 8 nested lists reach level 17; 20 leaves room for that and caps inline nesting at 20.
 */
export const MAX_TOKEN_NESTING = 20;

export const ALLOWED_TAGS: readonly string[] = Object.freeze([
  'p',
  'br',
  'em',
  'strong',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'hr',
  'a',
]);
export const LINK_REL = 'nofollow ugc noopener noreferrer';
export const ALLOWED_SCHEMES: readonly string[] = Object.freeze(['http', 'https', 'mailto']);

const ABSOLUTE_ALLOWED_URL = /^(?:https?:\/\/[^\s/?#]|mailto:[^\s])/i;

/** True for an absolute http(s) URL with a host, or a mailto: URL. Relative and protocol-relative
 *  URLs are refused too: a comment link must say where it goes. */
export function isAllowedLink(url: string): boolean {
  const trimmed = url.trim();
  if (!ABSOLUTE_ALLOWED_URL.test(trimmed)) return false;
  try {
    const parsed = new URL(trimmed);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' || parsed.protocol === 'mailto:';
  } catch {
    return false;
  }
}

type BlockRule = (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;

/**
 * Wraps a container rule (blockquote, list) so it declines to open a container deeper than
 * MAX_BLOCK_NESTING. Both rules tokenize their content by calling back into the block parser on the
 * same state object before they return, so a per-state counter around the call is the current
 * container depth. When the rule declines, the line falls through to the paragraph rule and its
 * markers are kept as text.
 */
function limitContainerDepth(rule: BlockRule, depth: WeakMap<StateBlock, number>): BlockRule {
  return (state, startLine, endLine, silent) => {
    const current = depth.get(state) ?? 0;
    if (current >= MAX_BLOCK_NESTING) return false;
    depth.set(state, current + 1);
    try {
      return rule(state, startLine, endLine, silent);
    } finally {
      depth.set(state, current);
    }
  };
}

/**
 * Emphasis is paired after inline parsing (the "balance_pairs" and "emphasis" post-processors), so
 * `maxNesting` doesn't bound it: "*".repeat(5000) + "a" + "*".repeat(5000) would nest 2,500 <strong>
 * elements. This core rule walks each inline run and turns em/strong pairs deeper than
 * MAX_INLINE_NESTING back into their literal markers.
 */
function limitInlineNesting(state: StateCore): void {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const converted: boolean[] = [];
    let depth = 0;
    for (let i = 0; i < block.children.length; i++) {
      const token = block.children[i]!;
      if (token.nesting === 1) {
        depth++;
        const tooDeep = depth > MAX_INLINE_NESTING && (token.type === 'em_open' || token.type === 'strong_open');
        converted.push(tooDeep);
        if (tooDeep) block.children[i] = literal(state, token.markup);
      } else if (token.nesting === -1) {
        depth--;
        if (converted.pop()) block.children[i] = literal(state, token.markup);
      }
    }
  }
}

function literal(state: StateCore, content: string) {
  const text = new state.Token('text', '', 0);
  text.content = content;
  return text;
}

function createRenderer(): MarkdownIt {
  // `maxNesting` is a documented markdown-it option that @types/markdown-it leaves out of Options.
  const options: MarkdownItOptions & { maxNesting: number } = {
    html: false,
    xhtmlOut: false,
    breaks: true,
    linkify: true,
    typographer: false,
    maxNesting: MAX_TOKEN_NESTING,
  };
  const md = new MarkdownIt('default', options);
  md.disable(['heading', 'lheading', 'table', 'strikethrough']);
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: true, fuzzyIP: false });
  md.validateLink = isAllowedLink;

  // Container rules are replaced in place through the ruler's rule list. markdown-it has no public
  // getter for an existing rule's function; if a future version renames these, the first render fails
  // loudly here instead of silently dropping the nesting limit.
  const ruler = md.block.ruler as unknown as {
    __rules__: Array<{ name: string; fn: BlockRule; alt: string[] }>;
    at(name: string, fn: BlockRule, options?: { alt: string[] }): void;
  };
  // Quotes and lists share one counter, so "> - > - …" is limited by its total depth.
  const depth = new WeakMap<StateBlock, number>();
  for (const name of ['blockquote', 'list']) {
    const rule = ruler.__rules__.find((r) => r.name === name);
    if (!rule) throw new Error(`markdown-it has no '${name}' block rule to limit`);
    ruler.at(name, limitContainerDepth(rule.fn, depth), { alt: [...rule.alt] });
  }

  md.core.ruler.after('inline', 'limit_inline_nesting', limitInlineNesting);

  // Images render as their alt text, escaped; an empty alt falls back to the address as text.
  md.renderer.rules.image = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const alt = self.renderInlineAsText(token.children ?? [], options, env);
    return md.utils.escapeHtml(alt !== '' ? alt : (token.attrGet('src') ?? ''));
  };
  return md;
}

// Both are made on the first comment rendered, not at start-up: sanitize-html brings htmlparser2
// and postcss, and a page without comments, or served from the page cache, needs neither.
let md: MarkdownIt | undefined;
let sanitizer: typeof sanitizeHtml | undefined;

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...ALLOWED_TAGS],
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: [...ALLOWED_SCHEMES],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  allowedClasses: {},
  allowedStyles: {},
  parseStyleAttributes: false,
  disallowedTagsMode: 'discard',
  enforceHtmlBoundary: false,
  selfClosing: ['br', 'hr'],
  transformTags: {
    a: (tagName, attribs) => {
      const href = attribs.href;
      const next: Record<string, string> = { rel: LINK_REL };
      if (href !== undefined && isAllowedLink(href)) next.href = href;
      return { tagName, attribs: next };
    },
  },
};

/** The allow-list pass on its own, exported so tests can check that it is a no-op on our output. */
export function sanitizeCommentHtml(html: string): string {
  sanitizer ??= createRequire(import.meta.url)('sanitize-html') as typeof sanitizeHtml;
  return sanitizer(html, SANITIZE_OPTIONS);
}

/** Direction overrides, embeddings and isolates; new bodies refuse them (see body.ts). */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/gu;

/**
 * Markdown source of a comment → safe HTML for the comment body. Bodies stored before the
 * bidi rule, or imported, may still hold direction overrides: they are left out of the page,
 * so no comment can reorder the text readers see.
 */
export function renderCommentBody(markdown: string): string {
  md ??= createRenderer();
  return sanitizeCommentHtml(md.render(markdown.replace(BIDI_CONTROLS, '')));
}
