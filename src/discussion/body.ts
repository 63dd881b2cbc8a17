/**
 * Validation of a comment body as sent by the reader (the Markdown source, before rendering).
 *
 * Reject, never truncate: WordPress CVE-2015-3440 was a sanitized comment that the database later cut
 * at 64 KB, leaving an unclosed attribute browsers "repaired" into an event handler. So an
 * over-long body is refused with its length, and an
 * accepted body is returned exactly as sent: no trimming, no Unicode normalisation, nothing that
 * would make the stored bytes differ from the submitted ones.
 *
 * Length is counted in Unicode code points ([...body].length), so a 4-byte emoji counts as one
 * character whatever the storage encoding, and the limit means the same on SQLite and PostgreSQL.
 */

export const MAX_BODY_CHARS = 10_000;

/**
 * 'too_large' is part of the contract for callers that map it to 413, but this function never returns
 * it: an over-long body breaks the length rule (422), while a request too big to read at all is
 * refused by the HTTP layer before the body gets here.
 */
export type BodyValidation = { ok: true; body: string } | { ok: false; code: 'bad_request' | 'rule_broken' | 'too_large'; message: string };

// A lone surrogate can't be encoded as UTF-8: storing it would silently change the text, so it is
// a bad request (400), like invalid UTF-8 at the HTTP layer.
const LONE_SURROGATE = /\p{Cs}/u;
// Nothing a reader could see: whitespace plus invisible default-ignorable characters (zero-width
// space, word joiner, BOM, Hangul fillers…).
const BLANK = /^[\s\p{Default_Ignorable_Code_Point}]*$/u;
// C0 controls except tab, line feed and carriage return; DEL; C1 controls.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

function numberWithCommas(n: number): string {
  return n.toLocaleString('en-US');
}

export function validateCommentBody(body: unknown): BodyValidation {
  if (typeof body !== 'string') {
    return { ok: false, code: 'bad_request', message: 'The comment must be sent as text.' };
  }
  if (LONE_SURROGATE.test(body)) {
    return {
      ok: false,
      code: 'bad_request',
      message: 'The comment contains a broken character (half of an emoji or similar). Please retype it.',
    };
  }
  if (BLANK.test(body)) {
    return { ok: false, code: 'rule_broken', message: 'Write something before posting.' };
  }
  const length = [...body].length;
  if (length > MAX_BODY_CHARS) {
    return {
      ok: false,
      code: 'rule_broken',
      message: `Comments can be at most ${numberWithCommas(MAX_BODY_CHARS)} characters; this one has ${numberWithCommas(length)}.`,
    };
  }
  const control = CONTROL.exec(body);
  if (control) {
    const hex = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return {
      ok: false,
      code: 'rule_broken',
      message: `The comment contains an invisible control character (U+${hex}). Please remove it and try again.`,
    };
  }
  return { ok: true, body };
}
