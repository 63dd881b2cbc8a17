import MarkdownIt from 'markdown-it';

/**
 * A comment's words as plain text, for places that quote a comment in a line (inbox items and
 * their feed). The Markdown is parsed, never rendered: the text of paragraphs, list items, quotes,
 * code and link labels is kept, the markup goes, and a link's address is left out. Whatever shows
 * it escapes it like any other text.
 */
const parser = new MarkdownIt('default', { html: false, linkify: false });

/** About two lines of an inbox item. */
export const EXCERPT_CHARS = 160;

/** Control characters and direction overrides never reach an excerpt (see markup.ts and body.ts). */
const UNWANTED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/gu;

export function plainText(markdown: string): string {
  const parts: string[] = [];
  for (const token of parser.parse(markdown, {})) {
    if (token.type === 'inline') {
      for (const child of token.children ?? []) {
        if (child.type === 'text' || child.type === 'code_inline' || child.type === 'image') parts.push(child.content);
        else if (child.type === 'softbreak' || child.type === 'hardbreak') parts.push(' ');
      }
    } else if (token.type === 'code_block' || token.type === 'fence') {
      parts.push(' ', token.content, ' ');
    } else if (token.nesting === -1 || token.type === 'hr') {
      // The end of a paragraph, item or quote: the next words start after a space.
      parts.push(' ');
    }
  }
  return parts.join('').replace(UNWANTED, '').replace(/\s+/gu, ' ').trim();
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The start of a comment in at most `max` characters (counted as a reader counts them), cut at a
 * word where one is near and marked with an ellipsis when anything was left out.
 */
export function excerpt(markdown: string, max = EXCERPT_CHARS): string {
  const text = plainText(markdown);
  const pieces = Array.from(graphemes.segment(text), (s) => s.segment);
  if (pieces.length <= max) return text;
  const cut = pieces.slice(0, max - 1).join('');
  const atWord = cut.search(/\s\S*$/u);
  const kept = atWord > cut.length * 0.6 ? cut.slice(0, atWord) : cut;
  return `${kept.trimEnd()}…`;
}
