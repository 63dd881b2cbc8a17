// Reloads the site while the author writes. Editors save in bursts (temporary file, rename,
// metadata touch), so changes are gathered for a moment and reported once.
import { type FSWatcher, readdirSync, watch } from 'node:fs';
import { basename, join } from 'node:path';

const DEBOUNCE_MS = 100;

// Swap and backup files that editors write next to the real one; they never change the site.
function isEditorNoise(name: string): boolean {
  const base = basename(name);
  return base.endsWith('~') || base.endsWith('.swp') || base.endsWith('.swx') || base.startsWith('.#') || base === '4913';
}

function subdirectories(dir: string): string[] {
  const out = [dir];
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) out.push(...subdirectories(join(dir, entry.name)));
    }
  } catch {
    // A folder removed while we walk it has nothing left to watch.
  }
  return out;
}

export function watchContent(dir: string, onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const changed = (_event: string, filename: string | Buffer | null) => {
    if (stopped) return;
    if (filename && isEditorNoise(filename.toString())) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) onChange();
    }, DEBOUNCE_MS);
  };

  const watchers: FSWatcher[] = [];
  const add = (path: string, recursive: boolean) => {
    const w = watch(path, { recursive, persistent: true }, changed);
    // A watched folder that disappears raises an error; the next change elsewhere still counts.
    w.on('error', () => {});
    watchers.push(w);
  };

  try {
    add(dir, true);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM') throw err;
    // Platforms without recursive watching: watch each folder that exists now.
    for (const sub of subdirectories(dir)) add(sub, false);
  }

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
