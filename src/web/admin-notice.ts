// The status notice after an admin action travels in the redirect's `done` parameter, signed with
// the site's secret: a link from anyone else cannot make the author's desk show words of its
// choosing, nor an Undo button that does something else.
import { COMMENT_ACTIONS, type CommentAction } from '../discussion/moderation-rules.ts';
import { keyedHash, secretsEqual } from '../discussion/secrets.ts';

export interface Notice {
  message: string;
  /** The action that takes the last one back, offered as an Undo button. */
  undo?: { commentId: string; action: CommentAction };
}

const MAX_DONE = 2000;

function noticeSignature(secret: string, payload: string): string {
  return keyedHash(secret, `admin-notice:${payload}`);
}

function isNotice(value: unknown): value is Notice {
  if (!value || typeof value !== 'object') return false;
  const n = value as Notice;
  if (typeof n.message !== 'string') return false;
  if (n.undo === undefined) return true;
  return typeof n.undo.commentId === 'string' && (COMMENT_ACTIONS as readonly string[]).includes(n.undo.action);
}

/** The notice a signed `done` value carries, or undefined when it is absent or not ours. */
export function noticeFrom(secret: string, done: unknown): Notice | undefined {
  if (typeof done !== 'string' || done.length > MAX_DONE) return undefined;
  const dot = done.indexOf('.');
  if (dot < 0) return undefined;
  const payload = done.slice(dot + 1);
  if (!secretsEqual(done.slice(0, dot), noticeSignature(secret, payload))) return undefined;
  try {
    const notice: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return isNotice(notice) ? notice : undefined;
  } catch {
    return undefined;
  }
}

/** The signed `done` value for a notice. */
export function signedNotice(secret: string, notice: Notice): string {
  const payload = Buffer.from(JSON.stringify({ message: notice.message.slice(0, 1200), undo: notice.undo }), 'utf8').toString('base64url');
  return `${noticeSignature(secret, payload)}.${payload}`;
}

/**
 * Where to send the author after an action: an admin page carries the notice itself; any other page
 * (the article the inline menu was on is cached and keyed by its query) is reached through the
 * desk's "done" page, which shows the notice, its Undo and the way back.
 */
export function withNotice(secret: string, path: string, notice: Notice): string {
  const done = encodeURIComponent(signedNotice(secret, notice));
  const [beforeHash, hash] = path.split('#', 2) as [string, string | undefined];
  if (!beforeHash.startsWith('/admin')) return `/admin/done?done=${done}&back=${encodeURIComponent(path)}`;
  const sep = beforeHash.includes('?') ? '&' : '?';
  return `${beforeHash}${sep}done=${done}${hash ? `#${hash}` : ''}`;
}
