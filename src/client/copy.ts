/** Reveals the Copy buttons on template and checklist blocks; without this script the text stays selectable. */
export function enhanceCopyButtons(root: ParentNode): void {
  for (const button of root.querySelectorAll<HTMLButtonElement>('button.copy-button[data-copy-target]')) {
    const target = document.getElementById(button.dataset.copyTarget ?? '');
    if (!target || !navigator.clipboard) continue;
    button.hidden = false;
    const label = button.textContent ?? 'Copy';
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(target.textContent ?? '');
        button.textContent = 'Copied';
      } catch {
        // Clipboard refused (permissions, insecure context): select the text so Ctrl+C works.
        const range = document.createRange();
        range.selectNodeContents(target);
        const selection = getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
        button.textContent = 'Press Ctrl+C';
      }
      setTimeout(() => {
        button.textContent = label;
      }, 2000);
    });
  }
}
