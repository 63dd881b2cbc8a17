// The discussion's DOM, shared by the enhancements, the live updates and the signed-in overlay:
// where comments are, how a new one is placed, how a score or a deletion is shown.

export const root = document.querySelector<HTMLElement>('.discussion');

export function announce(message: string): void {
  const region = root?.querySelector<HTMLElement>('.live-region');
  if (!region) return;
  region.textContent = '';
  // A fresh text node is announced even when the same words repeat.
  setTimeout(() => {
    region.textContent = message;
  }, 30);
}

export function fragment(html: string): HTMLElement | null {
  const template = document.createElement('template');
  template.innerHTML = html.trim();
  return template.content.firstElementChild as HTMLElement | null;
}

export function list(): HTMLOListElement | null {
  let ol = root?.querySelector<HTMLOListElement>('.comment-list') ?? null;
  if (!ol && root) {
    ol = document.createElement('ol');
    ol.className = 'comment-list';
    root.querySelector('.no-comments')?.replaceWith(ol);
    if (!ol.isConnected) root.append(ol);
  }
  return ol;
}

export function byId(id: string): HTMLElement | null {
  return document.getElementById(`comment-${id}`);
}

/** Where a new comment goes: after its parent's last descendant, or at the head/foot of the list. */
export function place(li: HTMLElement, parentId: string | null): void {
  const ol = list();
  if (!ol) return;
  const parent = parentId ? byId(parentId) : null;
  if (parent) {
    const depth = Number(parent.dataset.indent ?? 0);
    let last: Element = parent;
    for (
      let next = parent.nextElementSibling;
      next && Number((next as HTMLElement).dataset.indent ?? 0) > depth;
      next = next.nextElementSibling
    )
      last = next;
    last.after(li);
    return;
  }
  if (root?.dataset.sort === 'old') ol.append(li);
  else ol.prepend(li);
}

export function setScore(li: HTMLElement, score: number, voted?: boolean): void {
  li.dataset.score = String(score);
  for (const el of li.querySelectorAll(':scope > .comment-card > .comment-actions .score-value')) el.textContent = String(score);
  const button = li.querySelector<HTMLButtonElement>(':scope > .comment-card .vote');
  if (!button) return;
  const isVoted = voted ?? button.getAttribute('aria-pressed') === 'true';
  const name = li.querySelector(':scope > .comment-card .comment-author')?.textContent ?? 'a reader';
  button.setAttribute('aria-pressed', String(isVoted));
  button.setAttribute(
    'aria-label',
    isVoted ? `Take back your upvote of the comment by ${name}, score ${score}` : `Upvote the comment by ${name}, score ${score}`,
  );
  const action = button.form?.querySelector<HTMLInputElement>('input[name=action]');
  if (action) action.value = isVoted ? 'down' : 'up';
}

export function applyDelete(li: HTMLElement, placeholder: boolean): void {
  if (!placeholder) {
    li.remove();
    return;
  }
  li.classList.add('is-deleted');
  const author = li.querySelector('.comment-author');
  if (author) author.textContent = '[deleted]';
  const body = li.querySelector('.comment-body');
  if (body) {
    const p = document.createElement('p');
    p.className = 'comment-body placeholder';
    p.textContent = 'This comment was deleted.';
    body.replaceWith(p);
  }
  li.querySelector('.comment-actions')?.remove();
  li.querySelector('.badge-author')?.remove();
}
