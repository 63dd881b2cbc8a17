// The status notice after an admin action travels in the redirect's `done` parameter, signed with
// the site's secret: a link from anyone else cannot make the author's desk show words of its choosing.
import { keyedHash, secretsEqual } from '../discussion/secrets.ts';

function noticeSignature(secret: string, message: string): string {
  return keyedHash(secret, `admin-notice:${message}`);
}

/** The notice a signed `done` value carries, or undefined when it is absent or not ours. */
export function noticeFrom(secret: string, done: unknown): string | undefined {
  if (typeof done !== 'string' || done.length > 400) return undefined;
  const dot = done.indexOf('.');
  if (dot < 0) return undefined;
  const message = done.slice(dot + 1);
  return secretsEqual(done.slice(0, dot), noticeSignature(secret, message)) ? message : undefined;
}

export function withNotice(secret: string, path: string, message: string): string {
  const [beforeHash, hash] = path.split('#', 2) as [string, string | undefined];
  // The article page is cached for visitors and keyed by its query: the note is for admin pages only.
  if (!beforeHash.startsWith('/admin')) return path;
  const sep = beforeHash.includes('?') ? '&' : '?';
  const signed = `${noticeSignature(secret, message)}.${message}`;
  return `${beforeHash}${sep}done=${encodeURIComponent(signed)}${hash ? `#${hash}` : ''}`;
}
