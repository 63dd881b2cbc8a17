// `byline new "Title"`: starts an article as a draft, with every required field already present,
// so the first save loads without problems and the author fills in the rest at leisure.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { slugify } from './slug.ts';

const DEK_PLACEHOLDER = 'One sentence that tells the reader what this piece gives them.';
const FALLBACK_SECTION = 'Notes';

const BODY_HINT = `Start with the point. Readers decide in the first paragraph whether to stay.

## A section heading

Use \`##\` and \`###\` for headings: they get anchor links and make the table of contents.
Images go in the media folder and are written as \`![What the image shows](media/name.svg)\`.
Remove \`draft: true\` above when the piece is ready to publish.
`;

function localDate(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The first section named in site.yaml, so a new draft lands somewhere that already exists. */
async function defaultSection(contentDir: string): Promise<string> {
  try {
    const config: unknown = parse(await readFile(join(contentDir, 'site.yaml'), 'utf8'));
    const sections = (config as { sections?: unknown } | null)?.sections;
    if (typeof sections !== 'object' || sections === null) return FALLBACK_SECTION;
    const [first] = Object.entries(sections as Record<string, unknown>);
    if (!first) return FALLBACK_SECTION;
    const [key, value] = first;
    const title = (value as { title?: unknown } | null)?.title;
    if (typeof title === 'string' && title.trim()) return title.trim();
    return key.replace(/[-_]+/g, ' ').replace(/^\p{Ll}/u, (c) => c.toUpperCase());
  } catch {
    // A missing or broken site.yaml is reported when the site loads; the draft still gets made.
    return FALLBACK_SECTION;
  }
}

export async function createArticle(contentDir: string, title: string, now = new Date()): Promise<string> {
  const cleanTitle = title.trim();
  const slug = slugify(cleanTitle);
  if (!slug) throw new Error(`Cannot make an article from the title '${title}': it needs at least one letter or digit.`);

  const frontMatter = stringify(
    {
      title: cleanTitle,
      dek: DEK_PLACEHOLDER,
      date: localDate(now),
      section: await defaultSection(contentDir),
      tags: [],
      draft: true,
    },
    { lineWidth: 0 },
  );

  const dir = join(contentDir, 'writing');
  const file = join(dir, `${slug}.md`);
  await mkdir(dir, { recursive: true });
  try {
    // 'wx' makes the existence check and the write one step, so two runs cannot both succeed.
    await writeFile(file, `---\n${frontMatter}---\n\n${BODY_HINT}`, { encoding: 'utf8', flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(`writing/${slug}.md already exists; edit it, or choose a different title.`);
    }
    throw err;
  }
  return file;
}
