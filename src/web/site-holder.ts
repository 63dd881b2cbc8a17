import { loadSite } from '../content/load.ts';
import type { SiteHolder } from './context.ts';

export class ContentError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The content folder has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ContentError';
  }
}

/** Loads the content folder, refusing to go on with a broken site: every problem is listed. */
export async function loadSiteHolder(contentDir: string, includeDrafts: boolean): Promise<SiteHolder> {
  const result = await loadSite(contentDir, { includeDrafts });
  if (!result.site) throw new ContentError(result.problems);
  return { site: result.site, version: 1 };
}

/** Reloads into the same holder; a broken edit keeps the last good site and reports the problems. */
export async function reloadSiteHolder(holder: SiteHolder, contentDir: string, includeDrafts: boolean): Promise<string[]> {
  const result = await loadSite(contentDir, { includeDrafts });
  if (!result.site) return result.problems;
  holder.site = result.site;
  holder.version += 1;
  return [];
}
