// A signed-in reader whose browser runs this script is served the same cached article page as
// everyone else. Here the page asks once for what is theirs (name, upvotes, own comments, a form
// token) and fills it in: the header, the composer, their votes, Edit and Delete.

import { fragment, place } from './dom.ts';

interface ViewerState {
  name: string;
  isAuthor: boolean;
  csrf: string;
  idempotencyKey: string;
  voted: string[];
  own: { id: string; canEdit: boolean; held: boolean }[];
  open: boolean;
  unread: number;
  /**
   * The reader's own comments that the shared page leaves out or shows only as a placeholder
   * (waiting for review, for instance), rendered as their own page shows them.
   */
  pending: { id: string; parentId: string | null; html: string }[];
  /** Banned (may not comment or vote) or muted, with the words the server's page shows. */
  standing?: { kind: 'free' | 'banned' | 'muted'; notice: string | null };
}

function hasCookie(name: string): boolean {
  return document.cookie.split(';').some((part) => part.trim().startsWith(`${name}=`));
}

/** Tells the server this browser runs the script, so it may send the shared page. */
export function markScriptRuns(): void {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  // biome-ignore lint/suspicious/noDocumentCookie: one plain flag; the Cookie Store API is not in every browser yet.
  document.cookie = `byline_js=1; Path=/; SameSite=Lax${secure}`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function hidden(name: string, value: string): HTMLInputElement {
  return el('input', { type: 'hidden', name, value });
}

function badge(): HTMLElement {
  return el('span', { class: 'badge-author', title: 'The author of this site' }, 'Author');
}

/** The composer as the server renders it for a signed-in reader (see pages/discussion.tsx). */
function commentForm(slug: string, state: ViewerState): HTMLFormElement {
  const form = el('form', { method: 'post', action: `/writing/${encodeURIComponent(slug)}/comments`, class: 'comment-form' });
  form.append(hidden('_csrf', state.csrf), hidden('idempotencyKey', state.idempotencyKey));
  const as = el('p', { class: 'commenting-as' }, 'Commenting as ');
  as.append(el('strong', {}, state.name));
  if (state.isAuthor) as.append(' ', badge());
  const label = el('label', { for: 'composer-body' }, 'Your comment');
  const textarea = el('textarea', {
    id: 'composer-body',
    name: 'body',
    required: '',
    rows: '5',
    maxlength: '10000',
    'aria-describedby': 'composer-help',
  });
  const help = el(
    'p',
    { class: 'hint', id: 'composer-help' },
    'Markdown works: *emphasis*, **strong**, [links](https://example.com), `code`, > quotes and lists. Up to 10,000 characters.',
  );
  form.append(as, label, textarea, help, el('button', { type: 'submit' }, 'Post comment'));
  return form;
}

function markVoted(li: HTMLElement): void {
  const button = li.querySelector<HTMLButtonElement>(':scope > .comment-card .vote');
  if (!button) return;
  const name = li.querySelector(':scope > .comment-card .comment-author')?.textContent ?? 'a reader';
  button.setAttribute('aria-pressed', 'true');
  button.setAttribute('aria-label', `Take back your upvote of the comment by ${name}, score ${li.dataset.score ?? '0'}`);
  const action = button.form?.querySelector<HTMLInputElement>('input[name=action]');
  if (action) action.value = 'down';
}

function markOwn(li: HTMLElement, canEdit: boolean): void {
  const actions = li.querySelector<HTMLElement>(':scope > .comment-card > .comment-actions');
  const voteForm = actions?.querySelector('form.vote-form');
  if (!actions || !voteForm) return;
  const score = el('span', { class: 'score own-score', title: 'Upvote score' });
  score.append(
    el('span', { 'aria-hidden': 'true' }, '▲ '),
    el('span', { class: 'score-value' }, li.dataset.score ?? '0'),
    el('span', { class: 'visually-hidden' }, ' upvotes'),
  );
  voteForm.replaceWith(score);
  if (canEdit)
    actions.append(el('a', { class: 'edit-link', href: `/comments/${li.dataset.id}/edit`, 'aria-label': 'Edit your comment' }, 'Edit'));
  // As the server renders it (pages/comment-item.tsx): a GET to the confirmation page, which the
  // script turns into a question in place.
  const del = el('form', { method: 'get', action: `/comments/${li.dataset.id}/delete`, class: 'delete-form' });
  del.append(el('button', { type: 'submit', class: 'link-button delete-button', 'aria-label': 'Delete your comment' }, 'Delete'));
  actions.append(del);
}

/**
 * A banned reader is told before they write, as on the server's page: the notice where the
 * composer would be, vote buttons disabled and pointing to it, no Reply links. A muted reader
 * is told above the composer.
 */
function applyStanding(root: HTMLElement, standing: NonNullable<ViewerState['standing']>): void {
  if (!standing.notice) return;
  const notice = el('p', { class: `standing-notice is-${standing.kind}`, id: 'standing-notice' }, standing.notice);
  const composer = root.querySelector('.composer');
  if (standing.kind !== 'banned') {
    composer?.querySelector('.comment-form')?.before(notice);
    return;
  }
  // Where comments are closed, the composer keeps saying so, and the notice follows.
  if (composer?.querySelector('.comment-form, .signin-form')) composer.replaceChildren(notice);
  else composer?.append(notice);
  for (const button of root.querySelectorAll<HTMLButtonElement>('button.vote')) {
    button.disabled = true;
    button.setAttribute('aria-describedby', 'standing-notice');
    button.title = standing.notice;
  }
  for (const link of root.querySelectorAll('a.reply-link, a.edit-link')) link.remove();
}

/** Fills in the signed-in reader's own state on a shared page. Resolves when done (or not needed). */
export async function applyViewerOverlay(): Promise<void> {
  const root = document.querySelector<HTMLElement>('.discussion');
  if (!root || root.dataset.signedIn === 'true' || !hasCookie('byline_signed_in')) return;
  const slug = root.dataset.slug ?? '';
  let state: ViewerState;
  try {
    const res = await fetch(`/api/v1/articles/${encodeURIComponent(slug)}/viewer`, { credentials: 'same-origin' });
    if (!res.ok) return;
    state = (await res.json()) as ViewerState;
  } catch {
    return;
  }
  const signIn = document.querySelector<HTMLAnchorElement>('a.signin-link');
  if (signIn) {
    const me = el('a', { href: '/me', class: 'viewer-name' }, state.name);
    signIn.parentElement?.classList.add('viewer');
    signIn.replaceWith(me);
    if (state.unread > 0) me.after(el('a', { href: '/inbox', class: 'inbox-badge' }, `${state.unread} new`));
  }
  for (const item of state.pending) {
    const li = fragment(item.html);
    if (!li) continue;
    // Where replies hang on it the shared page holds a placeholder in its place: swap it in.
    const existing = document.getElementById(`comment-${item.id}`);
    if (existing) existing.replaceWith(li);
    else place(li, item.parentId);
  }
  const placed = new Set(state.pending.map((item) => item.id));
  const signInForm = root.querySelector('.composer .signin-form');
  if (signInForm && state.open) signInForm.replaceWith(commentForm(slug, state));
  for (const id of state.voted) {
    const li = document.getElementById(`comment-${id}`);
    if (li) markVoted(li);
  }
  for (const own of state.own) {
    const li = document.getElementById(`comment-${own.id}`);
    // A placed comment came rendered with its own controls already.
    if (li && !own.held && !placed.has(own.id)) markOwn(li, own.canEdit);
  }
  for (const form of root.querySelectorAll<HTMLFormElement>('form.vote-form')) {
    if (!form.querySelector('input[name=_csrf]')) form.prepend(hidden('_csrf', state.csrf));
  }
  if (state.standing) applyStanding(root, state.standing);
  root.dataset.signedIn = 'true';
}
