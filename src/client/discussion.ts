// The discussion, enhanced in place: votes without a reload (rolled back if the server says no),
// reply forms under the comment, posting without leaving the page, and live updates that wait
// behind an "N new comments" button instead of moving the text under the reader's eyes.

import { announce, applyDelete, byId, fragment, place, root, setScore } from './dom.ts';
import { connectLive, forgetPending } from './live.ts';

interface ApiError {
  error?: { code?: string; message?: string };
}

async function api(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ ok: boolean; status: number; data: unknown }> {
  try {
    const res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { ok: res.ok, status: res.status, data: text ? JSON.parse(text) : {} };
  } catch {
    return { ok: false, status: 0, data: { error: { message: 'The site could not be reached. Check your connection and try again.' } } };
  }
}

const errorText = (data: unknown) => (data as ApiError).error?.message ?? 'Something went wrong. Please try again.';

function newKey(): string {
  const bytes = new Uint8Array(15);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function onVote(form: HTMLFormElement): Promise<void> {
  const li = form.closest<HTMLElement>('li.comment');
  const button = form.querySelector<HTMLButtonElement>('button.vote');
  if (!li || !button || button.disabled) return;
  const voted = button.getAttribute('aria-pressed') === 'true';
  const before = Number(li.dataset.score ?? 0);
  setScore(li, before + (voted ? -1 : 1), !voted);
  button.disabled = true;
  const res = await api(voted ? 'DELETE' : 'PUT', `/api/v1/comments/${li.dataset.id}/vote`);
  button.disabled = false;
  if (res.ok) {
    const data = res.data as { score: number; votedByMe: boolean };
    setScore(li, data.score, data.votedByMe);
    announce(data.votedByMe ? `Upvoted. Score ${data.score}.` : `Upvote taken back. Score ${data.score}.`);
  } else {
    setScore(li, before, voted);
    announce(errorText(res.data));
  }
}

function showFormError(form: HTMLFormElement, message: string): void {
  let el = form.querySelector<HTMLElement>('.form-error');
  if (!el) {
    el = document.createElement('p');
    el.className = 'form-error';
    el.setAttribute('role', 'alert');
    form.prepend(el);
  }
  el.textContent = message;
}

async function onPost(form: HTMLFormElement): Promise<void> {
  const slug = root?.dataset.slug;
  const textarea = form.querySelector<HTMLTextAreaElement>('textarea[name=body]');
  const keyField = form.querySelector<HTMLInputElement>('input[name=idempotencyKey]');
  const parentField = form.querySelector<HTMLInputElement>('input[name=parentId]');
  const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
  if (!slug || !textarea || !keyField) return;
  if (!keyField.value) keyField.value = newKey();
  if (button) button.disabled = true;
  const parentId = parentField?.value || null;
  // The same key on a retry (a double click, a flaky network) returns the first comment.
  const res = await api(
    'POST',
    `/api/v1/articles/${encodeURIComponent(slug)}/comments`,
    { body: textarea.value, parentId },
    { 'Idempotency-Key': keyField.value },
  );
  if (button) button.disabled = false;
  if (!res.ok) {
    showFormError(form, errorText(res.data));
    textarea.focus();
    return;
  }
  const data = res.data as { comment: { id: string }; fragment?: string };
  keyField.value = newKey();
  textarea.value = '';
  form.querySelector('.form-error')?.remove();
  forgetPending(data.comment.id);
  let li = byId(data.comment.id);
  if (!li && data.fragment) {
    li = fragment(data.fragment);
    if (li) place(li, parentId);
  }
  if (form.classList.contains('inline-reply')) form.remove();
  if (li) {
    li.classList.add('is-new');
    li.querySelector<HTMLElement>('.comment-card')?.setAttribute('tabindex', '-1');
    li.querySelector<HTMLElement>('.comment-card')?.focus();
  }
  announce('Your comment was posted.');
}

function openReply(link: HTMLAnchorElement): void {
  const li = link.closest<HTMLElement>('li.comment');
  const composer = root?.querySelector<HTMLFormElement>('.composer .comment-form');
  if (!li || !composer) return;
  const existing = li.querySelector<HTMLFormElement>(':scope > .comment-card > form.inline-reply');
  if (existing) {
    existing.querySelector('textarea')?.focus();
    return;
  }
  const form = composer.cloneNode(true) as HTMLFormElement;
  form.classList.add('inline-reply');
  const id = li.dataset.id ?? '';
  const parent = document.createElement('input');
  parent.type = 'hidden';
  parent.name = 'parentId';
  parent.value = id;
  form.prepend(parent);
  form.querySelector<HTMLInputElement>('input[name=idempotencyKey]')!.value = newKey();
  form.querySelector('.form-error')?.remove();
  form.querySelector('.commenting-as')?.remove();
  const label = form.querySelector('label');
  const textarea = form.querySelector('textarea');
  const help = form.querySelector('.hint');
  if (label && textarea) {
    textarea.id = `reply-${id}-body`;
    textarea.value = '';
    label.htmlFor = textarea.id;
    label.textContent = `Reply to ${li.querySelector('.comment-author')?.textContent ?? 'this comment'}`;
  }
  if (help && textarea) {
    help.id = `reply-${id}-help`;
    textarea.setAttribute('aria-describedby', help.id);
  }
  const submit = form.querySelector('button[type=submit]');
  if (submit) submit.textContent = 'Post reply';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'link-button';
  cancel.textContent = 'Cancel';
  cancel.addEventListener('click', () => {
    form.remove();
    link.focus();
  });
  submit?.after(' ', cancel);
  li.querySelector(':scope > .comment-card')?.append(form);
  textarea?.focus();
}

function button(label: string, className: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = label;
  return b;
}

/** Delete asks in place, as the page without the script asks on a page of its own: Delete, or Keep it. */
function askDelete(form: HTMLFormElement): void {
  const li = form.closest<HTMLElement>('li.comment');
  if (!li || form.hidden) return;
  const question = document.createElement('span');
  question.className = 'delete-confirm';
  question.setAttribute('role', 'group');
  question.setAttribute('aria-label', 'Delete your comment?');
  const yes = button('Delete', 'link-button confirm-delete');
  const no = button('Keep it', 'link-button keep-comment');
  question.append('Delete this comment? ', yes, ' ', no);
  form.hidden = true;
  form.after(question);
  no.addEventListener('click', () => {
    question.remove();
    form.hidden = false;
    form.querySelector('button')?.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    const res = await api('DELETE', `/api/v1/comments/${li.dataset.id}`);
    if (!res.ok) {
      yes.disabled = false;
      return announce(errorText(res.data));
    }
    applyDelete(li, (res.data as { placeholder: boolean }).placeholder);
    announce('Your comment was deleted.');
  });
  yes.focus();
}

// ---- Small things ----

function refreshTimes(): void {
  const now = Date.now();
  for (const time of document.querySelectorAll<HTMLTimeElement>('.comment-time time')) {
    const then = Date.parse(time.dateTime);
    if (Number.isNaN(then)) continue;
    const s = Math.max(0, (now - then) / 1000);
    const steps: [number, string][] = [
      [31536000, 'year'],
      [2592000, 'month'],
      [604800, 'week'],
      [86400, 'day'],
      [3600, 'hour'],
      [60, 'minute'],
    ];
    const step = steps.find(([size]) => s >= size);
    if (!step) time.textContent = 'just now';
    else {
      const n = Math.floor(s / step[0]);
      time.textContent = `${n} ${step[1]}${n === 1 ? '' : 's'} ago`;
    }
  }
}

/** A permalink to a comment on a later page: find its thread and go there. */
async function followPermalink(): Promise<void> {
  const match = /^#comment-([a-z0-9]+)$/.exec(location.hash);
  if (!match?.[1] || byId(match[1])) return;
  const res = await api('GET', `/api/v1/comments/${match[1]}`);
  if (!res.ok) return;
  const d = res.data as { article: string; rootId: string };
  location.replace(`/writing/${encodeURIComponent(d.article)}?thread=${encodeURIComponent(d.rootId)}#comment-${match[1]}`);
}

export function enhanceDiscussion(): void {
  const area = root;
  if (!area) return;
  area.addEventListener('submit', (e) => {
    const form = e.target as HTMLFormElement;
    if (form.classList.contains('vote-form')) {
      // A visitor's vote goes the way it goes without the script: to sign in, remembered, and back.
      if (area.dataset.signedIn !== 'true') return;
      e.preventDefault();
      void onVote(form);
    } else if (form.classList.contains('comment-form') && !form.action.includes('/edit')) {
      e.preventDefault();
      void onPost(form);
    } else if (form.classList.contains('delete-form')) {
      e.preventDefault();
      askDelete(form);
    }
  });
  area.addEventListener('click', (e) => {
    const link = (e.target as Element).closest<HTMLAnchorElement>('a.reply-link');
    if (link && area.dataset.signedIn === 'true' && area.querySelector('.composer .comment-form')) {
      e.preventDefault();
      openReply(link);
    }
  });
  connectLive();
  void followPermalink();
  setInterval(refreshTimes, 60_000);
}
