// Live updates: new comments wait behind an "N new comments" button instead of moving the text
// under the reader's eyes; scores, edits and deletions apply in place.
import { announce, applyDelete, byId, fragment, place, root, setScore } from './dom.ts';

const pending = new Map<string, { html: string; parentId: string | null }>();
let pendingButton: HTMLButtonElement | null = null;

function updatePendingButton(): void {
  if (!root) return;
  if (pending.size === 0) {
    pendingButton?.remove();
    pendingButton = null;
    return;
  }
  if (!pendingButton) {
    pendingButton = document.createElement('button');
    pendingButton.type = 'button';
    pendingButton.className = 'new-comments';
    pendingButton.addEventListener('click', showPending);
    root.querySelector('.live-region')?.before(pendingButton);
  }
  pendingButton.textContent = `${pending.size} new ${pending.size === 1 ? 'comment' : 'comments'}`;
}

function showPending(): void {
  let first: HTMLElement | null = null;
  for (const [id, item] of pending) {
    if (byId(id)) continue;
    const li = fragment(item.html);
    if (!li) continue;
    li.classList.add('is-new');
    place(li, item.parentId);
    first ??= li;
  }
  const count = pending.size;
  pending.clear();
  updatePendingButton();
  if (first) {
    const card = first.querySelector<HTMLElement>('.comment-card');
    card?.setAttribute('tabindex', '-1');
    card?.focus();
  }
  announce(`${count} new ${count === 1 ? 'comment' : 'comments'} shown.`);
}

/** The reader's own comment arrived through the page itself: it no longer waits behind the button. */
export function forgetPending(id: string): void {
  pending.delete(id);
  updatePendingButton();
}

/** The page is too far behind to patch in place: offer a reload rather than move text under the reader. */
function offerReload(): void {
  if (!root || root.querySelector('.reload-discussion')) return;
  pendingButton?.remove();
  pendingButton = null;
  pending.clear();
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'new-comments reload-discussion';
  button.textContent = 'New comments: reload to see them';
  button.addEventListener('click', () => location.reload());
  root.querySelector('.live-region')?.before(button);
  announce('The discussion has changed. Reload the page to see it.');
}

export function connectLive(): void {
  const slug = root?.dataset.slug;
  if (!slug || typeof EventSource === 'undefined') return;
  const since = root?.dataset.lastEvent ?? '';
  // EventSource sends Last-Event-ID itself when it reconnects, so nothing is missed.
  const source = new EventSource(`/api/v1/articles/${encodeURIComponent(slug)}/events?since=${encodeURIComponent(since)}`);
  const data = (e: Event) => JSON.parse((e as MessageEvent).data) as Record<string, unknown>;
  source.addEventListener('comment', (e) => {
    const d = data(e) as { id: string; parentId: string | null; html: string };
    if (byId(d.id)) return;
    pending.set(d.id, { html: d.html, parentId: d.parentId });
    updatePendingButton();
  });
  source.addEventListener('score', (e) => {
    const d = data(e) as { id: string; score: number };
    const li = byId(d.id);
    if (li) setScore(li, d.score);
  });
  source.addEventListener('edit', (e) => {
    const d = data(e) as { id: string; html: string };
    const li = byId(d.id);
    const next = fragment(d.html);
    const body = li?.querySelector(':scope > .comment-card > .comment-body');
    const nextBody = next?.querySelector('.comment-body');
    if (body && nextBody) body.replaceWith(nextBody);
    if (li && !li.querySelector('.edited')) {
      const mark = document.createElement('span');
      mark.className = 'edited';
      mark.textContent = 'edited';
      li.querySelector('.comment-head')?.append(mark);
    }
  });
  // Sent when the page missed more than the server replays, or the thread changed shape. The
  // stream is closed so it does not reconnect into the same answer; a refused stream (429) closes
  // by itself, and the page simply goes on without live updates.
  source.addEventListener('reload', () => {
    source.close();
    offerReload();
  });
  source.addEventListener('delete', (e) => {
    const d = data(e) as { id: string; outcome: string };
    const li = byId(d.id);
    pending.delete(d.id);
    updatePendingButton();
    if (li) applyDelete(li, d.outcome === 'placeholder');
  });
}
