// The two body formats a write may come in: JSON (the API) and HTML forms. Both must be valid
// UTF-8: a decoder would otherwise swap broken bytes for U+FFFD without a word, and the reader's
// text would be stored changed. Such a body is refused with a 400 that says why (the error
// handler gives API calls the JSON shape and forms a page).
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';

type Form = Record<string, string | string[]>;

class InvalidTextError extends Error {
  readonly statusCode = 400;
  readonly code = 'BYLINE_INVALID_UTF8';
  constructor(where: string) {
    super(
      `The ${where} is not valid UTF-8 text: some of its bytes do not spell any character. Please check its encoding and send it again.`,
    );
    this.name = 'InvalidTextError';
  }
}

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/g;

/**
 * One name or value of a form: "+" is a space and %XX is a byte; the bytes, once put together,
 * must be UTF-8. A "%" not followed by two hex digits stays as it is, as browsers would send it.
 */
function decodeFormComponent(raw: string): string {
  const text = raw.replace(/\+/g, ' ');
  if (!text.includes('%')) return text;
  const chunks: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(PERCENT_ESCAPE)) {
    chunks.push(Buffer.from(text.slice(last, match.index), 'utf8'), Buffer.from([Number.parseInt(match[0].slice(1), 16)]));
    last = match.index + 3;
  }
  chunks.push(Buffer.from(text.slice(last), 'utf8'));
  const bytes = Buffer.concat(chunks);
  if (!isUtf8(bytes)) throw new InvalidTextError('form');
  return bytes.toString('utf8');
}

/** An application/x-www-form-urlencoded body; a name sent twice gives a list, as before. */
export function parseForm(body: Buffer): Form {
  if (!isUtf8(body)) throw new InvalidTextError('form');
  // No prototype: a field named "__proto__" or "constructor" is just a field.
  const form: Form = Object.create(null);
  for (const pair of body.toString('utf8').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeFormComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeFormComponent(pair.slice(eq + 1));
    const earlier = form[name];
    form[name] = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return form;
}

/** Replaces Fastify's JSON parser and registers the form parser, both checking UTF-8 first. */
export function registerBodyParsers(app: FastifyInstance, bodyLimit: number): void {
  // Fastify's own JSON parser still does the parsing (and refuses "__proto__" poisoning).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (req: FastifyRequest, body: Buffer, done) => {
    if (!isUtf8(body)) return done(new InvalidTextError('request body'), undefined);
    parseJson(req, body.toString('utf8'), done);
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit }, (_req, body: Buffer, done) => {
    try {
      done(null, parseForm(body));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
