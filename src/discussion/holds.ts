import { createHmac } from 'node:crypto';
import type { ModerationStore } from './ports.ts';
import { renderCommentBody } from './markup.ts';
import { secretsEqual } from './secrets.ts';

/** The policies that send a new comment to the author's queue instead of the page. */
export interface HoldSettings {
  holdFirstComment: boolean;
  holdLinksOver: number;
  holdWords: string[];
}

/** An <a> element that kept its address through the sanitizer (one without href is plain text). */
const RENDERED_LINK = /<a\s[^>]*\bhref="/g;
/** A bare "www." name: not a link on the page, but an address every reader can follow by hand. */
const BARE_WWW = /(?<![\p{L}\p{N}.@/])www\.[\p{L}\p{N}-]+\.[^\s<]+/giu;

/**
 * Links as a reader sees them, counted in the rendered comment rather than guessed from the
 * Markdown: reference-style links, autolinks, linkified addresses and e-mail addresses all count,
 * one per <a href> on the page; text the renderer leaves as text (a javascript: "link") does
 * not. Bare www. names outside links count too.
 */
export function countLinks(body: string): number {
  const html = renderCommentBody(body);
  const links = html.match(RENDERED_LINK)?.length ?? 0;
  const outsideLinks = html.replace(/<a\s[^>]*>[\s\S]*?<\/a>/g, ' ');
  return links + (outsideLinks.match(BARE_WWW)?.length ?? 0);
}

/** Escapes a word for a RegExp and matches it only as a whole word (or phrase), any case. */
function wordPattern(word: string): RegExp {
  const escaped = word
    .trim()
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu');
}

/**
 * Why a comment must wait for review, or null. Pure: the caller says whether the writer has
 * commented before. The reason is shown to the author in the queue, never to the writer (who is
 * told only that their comment waits for review, so a spammer learns nothing to work around).
 */
export function holdReason(body: string, settings: HoldSettings, firstComment: boolean): string | null {
  if (settings.holdFirstComment && firstComment) return 'first comment of a new name';
  const links = countLinks(body);
  if (links > settings.holdLinksOver) return `${links} links (more than ${settings.holdLinksOver})`;
  const normalized = body.normalize('NFKC');
  for (const word of settings.holdWords) {
    if (word.trim() && wordPattern(word).test(normalized)) return `matches the word list (“${word.trim()}”)`;
  }
  return null;
}

/** The hold policies over the store: the only fact they need from it is whether this is a first comment. */
export class HoldPolicy {
  constructor(
    private readonly store: ModerationStore,
    private readonly settings: HoldSettings,
  ) {}

  async reasonFor(identityId: string, body: string, isAuthor: boolean): Promise<string | null> {
    if (isAuthor) return null;
    // "First comment" means: nothing of theirs has been approved yet, so a second post made while
    // the first still waits is held too.
    const first = this.settings.holdFirstComment
      ? (await this.store.listCommentsFiltered({ identityId, state: 'visible', limit: 1 })).length === 0
      : false;
    return holdReason(body, this.settings, first);
  }
}

/**
 * The render time of a comment form, signed so it can't be forged: `<ms>.<mac>`. Each signed-in
 * render gets its own (the anonymous, cached page has no composer).
 */
export function signRenderTime(secret: string, renderedAt: number): string {
  return `${renderedAt}.${createHmac('sha256', secret).update(`form-time:${renderedAt}`).digest('base64url').slice(0, 22)}`;
}

/** Null when a form was sent at least `minSeconds` after it was rendered, else what to tell the writer. */
export function checkSubmitTime(secret: string, token: unknown, now: number, minSeconds: number): string | null {
  if (minSeconds <= 0) return null;
  const stale = 'This form is missing its timing field or has been tampered with. Reload the page and post again.';
  if (typeof token !== 'string' || token.length > 64) return stale;
  const [at, mac] = token.split('.');
  const renderedAt = Number(at);
  if (!at || !mac || !Number.isSafeInteger(renderedAt) || !secretsEqual(signRenderTime(secret, renderedAt), token)) return stale;
  if (now - renderedAt < minSeconds * 1000) {
    return `That was quicker than we allow (${minSeconds} seconds after the page opened). Please wait a moment and send it again.`;
  }
  return null;
}
