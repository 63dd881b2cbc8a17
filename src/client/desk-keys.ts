// The desk's lists, quicker: "select all" ticks every comment shown, and on the queue the keys
// j and k move to the next and previous comment, a approves it and h hides it, announced through
// the desk's live region. Never while typing in a field. Without the script the same buttons and
// the "select all" box (which the server reads) do the same work.

import { announce, postAction, showToast } from './moderate.ts';

const TEXT_ENTRY =
  'textarea, select, [contenteditable], input:not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=button])';

function enhanceSelectAll(): void {
  const all = document.querySelector<HTMLInputElement>('#bulk-all');
  const boxes = () => [...document.querySelectorAll<HTMLInputElement>('input[name=ids][form=bulk-form]')];
  if (!all) return;
  all.addEventListener('change', () => {
    for (const box of boxes()) box.checked = all.checked;
  });
  document.addEventListener('change', (e) => {
    if (!(e.target as HTMLInputElement).matches('input[name=ids][form=bulk-form]')) return;
    const ticked = boxes().filter((b) => b.checked).length;
    all.checked = ticked === boxes().length;
    all.indeterminate = ticked > 0 && !all.checked;
  });
}

async function take(item: HTMLElement, action: 'release' | 'hide', items: HTMLElement[], queue: HTMLElement): Promise<void> {
  const form = item.querySelector<HTMLFormElement>(`form[action$="/${action}"]`);
  if (!form) return announce(action === 'release' ? 'This comment cannot be approved.' : 'This comment cannot be hidden.');
  const csrf = form.querySelector<HTMLInputElement>('input[name=_csrf]')?.value ?? '';
  const outcome = await postAction(new URL(form.action).pathname, csrf);
  if ('error' in outcome) return announce(outcome.error);
  // It has left the queue: the next comment (or the one before) takes its place and the focus.
  const next = items[items.indexOf(item) + 1] ?? items[items.indexOf(item) - 1];
  document.querySelector(`input[name=listed][value="${item.dataset.id}"]`)?.remove();
  item.remove();
  next?.focus();
  const left = items.length - 1;
  showToast({ ...outcome, message: `${outcome.message} ${left} ${left === 1 ? 'comment' : 'comments'} left.` }, csrf, queue, () =>
    location.reload(),
  );
}

function enhanceQueueKeys(queue: HTMLElement): void {
  document.querySelector('.desk-keys-help')?.removeAttribute('hidden');
  document.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    if (e.altKey || e.ctrlKey || e.metaKey || target.closest(TEXT_ENTRY)) return;
    const items = [...queue.querySelectorAll<HTMLElement>('li.admin-comment')];
    const current = target.closest<HTMLElement>('li.admin-comment');
    const at = current ? items.indexOf(current) : -1;
    if (e.key === 'j' || e.key === 'k') {
      const to = items[e.key === 'j' ? Math.min(at + 1, items.length - 1) : Math.max(at - 1, 0)];
      if (!to) return;
      e.preventDefault();
      to.focus();
      announce(`${items.indexOf(to) + 1} of ${items.length}`);
    } else if (e.key === 'a' || e.key === 'h') {
      e.preventDefault();
      if (!current) return announce('Move to a comment first: j goes to the next one.');
      void take(current, e.key === 'a' ? 'release' : 'hide', items, queue);
    }
  });
}

export function enhanceDesk(): void {
  enhanceSelectAll();
  const queue = document.querySelector<HTMLElement>('.desk-queue');
  if (queue) enhanceQueueKeys(queue);
}
