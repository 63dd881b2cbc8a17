// Reads a content folder into a Site. Every file is checked completely and every problem is
// collected, so the author fixes a broken folder in one pass instead of one error per restart.
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { imageSize } from 'image-size';
import { parseDocument } from 'yaml';
import { createMarkdownRenderer, type ImageSize } from './markdown.ts';
import { isSlug, slugify } from './slug.ts';
import type { Article, Book, BuyLink, Correction, CorrectionEntry, LoadResult, Site, SiteConfig, Taxon } from './types.ts';

export interface LoadOptions {
  /**
   * Keep drafts in the loaded site: in `site.drafts`, and reachable through
   * `articleBySlug(slug, { preview: true })`. They never appear in listings, sections, tags,
   * corrections or feeds either way. Without it (a public server), drafts are left out entirely,
   * so no route can serve one by mistake. Drafts are checked for problems in both cases, so a
   * folder that loads in development also loads in production.
   */
  includeDrafts?: boolean;
}

export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
};

const SITE_FIELDS = [
  'title',
  'description',
  'baseUrl',
  'language',
  'pageSize',
  'authorNames',
  'authorBio',
  'commentsCloseAfterDays',
  'sections',
  'tags',
] as const;
const ARTICLE_FIELDS = [
  'title',
  'dek',
  'date',
  'updated',
  'section',
  'tags',
  'book',
  'chapter',
  'slug',
  'draft',
  'comments',
  'corrections',
] as const;
const BOOK_FIELDS = [
  'title',
  'subtitle',
  'author',
  'pages',
  'isbn',
  'cover',
  'coverAlt',
  'pitch',
  'published',
  'links',
  'chapters',
  'slug',
] as const;
const CORRECTION_FIELDS = ['date', 'wrong', 'changed'] as const;
const TAXON_FIELDS = ['title', 'description'] as const;

type Report = (message: string) => void;
type Fields = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Small checkers. Each reports in the author's terms (the field name as written in the file)
// and returns undefined when the value is unusable, so later checks can carry on.

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value instanceof Date) return `'${value.toISOString()}'`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function checkUnknownFields(data: Fields, allowed: readonly string[], report: Report, where = ''): void {
  for (const key of Object.keys(data)) {
    if (allowed.includes(key)) continue;
    let best: string | undefined;
    let bestDistance = 3;
    for (const name of allowed) {
      const d = editDistance(key.toLowerCase(), name.toLowerCase());
      if (d < bestDistance) {
        best = name;
        bestDistance = d;
      }
    }
    report(`${where}unknown field '${key}'` + (best ? ` (did you mean '${best}'?)` : ` (known fields: ${allowed.join(', ')})`));
  }
}

function isMapping(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Text fields accept YAML numbers and booleans as written ("title: 1984"), since the author meant text. */
function text(data: Fields, field: string, report: Report, opts: { required?: boolean; where?: string } = {}): string | undefined {
  const where = opts.where ?? '';
  const value = data[field];
  if (!isPresent(value)) {
    if (opts.required) report(`${where}missing required field '${field}'`);
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    report(`${where}${field} must be text, not ${Array.isArray(value) ? 'a list' : 'a mapping'}`);
    return undefined;
  }
  const s = String(value).trim();
  if (s === '') {
    report(`${where}${field} must not be empty`);
    return undefined;
  }
  return s;
}

export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function date(data: Fields, field: string, report: Report, opts: { required?: boolean; where?: string } = {}): string | undefined {
  const where = opts.where ?? '';
  const value = data[field];
  if (!isPresent(value)) {
    if (opts.required) report(`${where}missing required field '${field}'`);
    return undefined;
  }
  const s = value instanceof Date ? value.toISOString().slice(0, 10) : String(value).trim();
  if (!isIsoDate(s)) {
    report(`${where}${field} ${show(typeof value === 'string' ? value : s)} is not a date (write it as YYYY-MM-DD)`);
    return undefined;
  }
  return s;
}

function positiveInteger(data: Fields, field: string, report: Report, opts: { required?: boolean; where?: string } = {}): number | undefined {
  const where = opts.where ?? '';
  const value = data[field];
  if (!isPresent(value)) {
    if (opts.required) report(`${where}missing required field '${field}'`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    report(`${where}${field} ${show(value)} must be a positive whole number`);
    return undefined;
  }
  return value;
}

function list(data: Fields, field: string, report: Report, example: string): unknown[] | undefined {
  const value = data[field];
  if (!isPresent(value)) return undefined;
  if (!Array.isArray(value)) {
    report(`${field} must be a list, e.g. ${example}`);
    return undefined;
  }
  return value;
}

function httpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export function isValidIsbn13(isbn: string): boolean {
  const digits = isbn.replace(/[\s-]/g, '');
  if (!/^97[89]\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(digits[12]);
}

// ---------------------------------------------------------------------------------------------
// Files

async function listFiles(dir: string, recursive: boolean, prefix = ''): Promise<string[] | undefined> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const out: string[] = [];
  for (const entry of entries) {
    // Editors and operating systems leave hidden files behind; they are never content.
    if (entry.name.startsWith('.')) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (recursive) out.push(...((await listFiles(dir, true, rel)) ?? []));
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      out.push(rel);
    }
  }
  return out.sort();
}

interface SourceFile {
  data: Fields;
  body: string;
}

/** Splits `---` front matter from the body and parses it; reports and returns undefined when it cannot. */
export function parseFrontMatter(source: string, report: Report): SourceFile | undefined {
  const textSource = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!/^---[ \t]*\n/.test(textSource)) {
    report(`missing front matter (the file must start with a line '---', then the fields, then another '---')`);
    return undefined;
  }
  const afterOpen = textSource.indexOf('\n') + 1;
  const close = /^(?:---|\.\.\.)[ \t]*$/m.exec(textSource.slice(afterOpen));
  if (!close) {
    report(`front matter is not closed (add a line '---' after the last field)`);
    return undefined;
  }
  const yamlText = textSource.slice(afterOpen, afterOpen + close.index);
  const body = textSource.slice(afterOpen + close.index + close[0].length).replace(/^\n/, '');
  const doc = parseDocument(yamlText);
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const pos = err.linePos?.[0];
    // The front matter starts on the file's second line.
    report(`front matter is not valid YAML: ${reason}${pos ? ` (line ${pos.line + 1}, column ${pos.col})` : ''}`);
    return undefined;
  }
  const data: unknown = doc.toJS();
  if (!isPresent(data)) return { data: {}, body };
  if (!isMapping(data)) {
    report('front matter must be fields written as name: value, one per line');
    return undefined;
  }
  return { data, body };
}

// ---------------------------------------------------------------------------------------------
// site.yaml

function parseTaxonConfig(
  value: unknown,
  field: 'sections' | 'tags',
  report: Report,
): Record<string, { title?: string; description?: string }> {
  const out: Record<string, { title?: string; description?: string }> = {};
  if (!isPresent(value)) return out;
  if (!isMapping(value)) {
    report(`${field} must be a mapping of slug to {title, description}`);
    return out;
  }
  for (const [key, entry] of Object.entries(value)) {
    const slug = slugify(key);
    const where = `${field}.${key}: `;
    if (!slug) {
      report(`${where}the key has no letters or digits`);
      continue;
    }
    if (!isPresent(entry)) {
      out[slug] = {};
      continue;
    }
    if (!isMapping(entry)) {
      report(`${where}must be a mapping with title and description`);
      continue;
    }
    checkUnknownFields(entry, TAXON_FIELDS, report, where);
    const title = text(entry, 'title', report, { where });
    const description = text(entry, 'description', report, { where });
    out[slug] = { ...(title ? { title } : {}), ...(description ? { description } : {}) };
  }
  return out;
}

function parseSiteConfig(data: Fields, report: Report): SiteConfig {
  checkUnknownFields(data, SITE_FIELDS, report);
  const title = text(data, 'title', report, { required: true }) ?? '';
  const description = text(data, 'description', report, { required: true }) ?? '';
  const authorBio = text(data, 'authorBio', report, { required: true }) ?? '';

  let baseUrl = 'http://localhost:3000';
  const rawBase = text(data, 'baseUrl', report);
  if (rawBase !== undefined) {
    if (httpUrl(rawBase)) baseUrl = rawBase.replace(/\/+$/, '');
    else report(`baseUrl ${show(rawBase)} must be an absolute http(s) URL, e.g. https://example.com`);
  }

  let language = 'en';
  const rawLanguage = text(data, 'language', report);
  if (rawLanguage !== undefined) {
    if (/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(rawLanguage)) language = rawLanguage;
    else report(`language ${show(rawLanguage)} is not a language tag (e.g. en, en-GB, de)`);
  }

  const pageSize = positiveInteger(data, 'pageSize', report) ?? 10;

  let commentsCloseAfterDays = 0;
  const rawClose = data.commentsCloseAfterDays;
  if (isPresent(rawClose)) {
    if (typeof rawClose === 'number' && Number.isInteger(rawClose) && rawClose >= 0) commentsCloseAfterDays = rawClose;
    else report(`commentsCloseAfterDays ${show(rawClose)} must be a whole number of days (0 keeps comments open)`);
  }

  const authorNames: string[] = [];
  const rawNames = data.authorNames;
  if (!isPresent(rawNames)) report(`missing required field 'authorNames'`);
  else if (!Array.isArray(rawNames) || rawNames.length === 0) report('authorNames must be a list with at least one name');
  else {
    for (const name of rawNames) {
      if (typeof name !== 'string' || name.trim() === '') report(`authorNames: ${show(name)} is not a name`);
      else if (authorNames.includes(name.trim())) report(`authorNames: '${name.trim()}' is listed twice`);
      else authorNames.push(name.trim());
    }
  }

  return {
    title,
    description,
    baseUrl,
    language,
    pageSize,
    authorNames,
    authorBio,
    commentsCloseAfterDays,
    sections: parseTaxonConfig(data.sections, 'sections', report),
    tags: parseTaxonConfig(data.tags, 'tags', report),
  };
}

// ---------------------------------------------------------------------------------------------
// Media

interface MediaFile {
  file: string;
  contentType: string;
  width: number;
  height: number;
}

async function loadMedia(contentDir: string, problem: (file: string, message: string) => void): Promise<Map<string, MediaFile>> {
  const media = new Map<string, MediaFile>();
  const mediaDir = join(contentDir, 'media');
  const names = (await listFiles(mediaDir, true)) ?? [];
  for (const name of names) {
    const rel = `media/${name}`;
    const contentType = MEDIA_TYPES[extname(name).toLowerCase()];
    if (!contentType) {
      problem(rel, `not a supported image type (use ${Object.keys(MEDIA_TYPES).join(', ')})`);
      continue;
    }
    const file = join(mediaDir, name);
    try {
      const size = imageSize(await readFile(file));
      if (!size.width || !size.height) throw new Error('no width and height in the file');
      // Browsers apply EXIF orientation, so a rotated photo's layout box is the other way round.
      const rotated = (size.orientation ?? 1) >= 5;
      media.set(name, {
        file,
        contentType,
        width: rotated ? size.height : size.width,
        height: rotated ? size.width : size.height,
      });
    } catch {
      problem(rel, `cannot read the image's width and height; the file may be damaged or not really ${extname(name).toLowerCase()}`);
    }
  }
  return media;
}

/** Accepts "cover.svg", "media/cover.svg" or "/media/cover.svg" and returns the name under media/. */
function mediaName(value: string): string {
  return value.replace(/^\.?\/?media\//, '');
}

// ---------------------------------------------------------------------------------------------
// Books

function parseBook(
  rel: string,
  fileSlug: string,
  source: SourceFile,
  config: SiteConfig,
  media: Map<string, MediaFile>,
  render: ReturnType<typeof createMarkdownRenderer>,
  report: Report,
): Book {
  const { data, body } = source;
  checkUnknownFields(data, BOOK_FIELDS, report);
  const title = text(data, 'title', report, { required: true }) ?? '';
  const subtitle = text(data, 'subtitle', report);
  const author = text(data, 'author', report) ?? config.authorNames[0] ?? '';
  if (!author) report(`missing required field 'author'`);
  const pages = positiveInteger(data, 'pages', report, { required: true }) ?? 0;
  const coverAlt = text(data, 'coverAlt', report, { required: true }) ?? '';
  const pitch = text(data, 'pitch', report, { required: true }) ?? '';
  const published = date(data, 'published', report);

  let slug = fileSlug;
  const rawSlug = text(data, 'slug', report);
  if (rawSlug !== undefined) {
    if (isSlug(rawSlug)) slug = rawSlug;
    else report(`slug ${show(rawSlug)} is not a slug (try '${slugify(rawSlug)}')`);
  }

  let isbn: string | undefined;
  const rawIsbn = text(data, 'isbn', report);
  if (rawIsbn !== undefined) {
    const digits = rawIsbn.replace(/[\s-]/g, '');
    if (!/^\d{13}$/.test(digits)) report(`isbn ${show(rawIsbn)} is not an ISBN-13 (13 digits, hyphens allowed)`);
    else if (!isValidIsbn13(digits)) report(`isbn ${show(rawIsbn)} has a wrong check digit`);
    else isbn = rawIsbn;
  }

  let cover = '';
  let coverWidth = 0;
  let coverHeight = 0;
  const rawCover = text(data, 'cover', report, { required: true });
  if (rawCover !== undefined) {
    const name = mediaName(rawCover);
    const file = media.get(name);
    if (!file) report(`cover ${show(rawCover)} does not exist under media/`);
    else {
      cover = `/media/${name}`;
      coverWidth = file.width;
      coverHeight = file.height;
    }
  }

  const links: BuyLink[] = [];
  (list(data, 'links', report, '[{label: Paperback, url: https://example.com/book}]') ?? []).forEach((item, i) => {
    const where = `links item ${i + 1}: `;
    if (!isMapping(item)) {
      report(`${where}must be a mapping with label and url`);
      return;
    }
    checkUnknownFields(item, ['label', 'url'], report, where);
    const label = text(item, 'label', report, { required: true, where });
    const url = text(item, 'url', report, { required: true, where });
    if (url !== undefined && !httpUrl(url)) report(`${where}url ${show(url)} must be an absolute http(s) URL`);
    else if (label !== undefined && url !== undefined) links.push({ label, url });
  });

  const chapters: { number: number; title: string }[] = [];
  (list(data, 'chapters', report, '[{number: 1, title: The beginning}]') ?? []).forEach((item, i) => {
    const where = `chapters item ${i + 1}: `;
    if (!isMapping(item)) {
      report(`${where}must be a mapping with number and title`);
      return;
    }
    checkUnknownFields(item, ['number', 'title'], report, where);
    const number = positiveInteger(item, 'number', report, { required: true, where });
    const chapterTitle = text(item, 'title', report, { required: true, where });
    if (number !== undefined && chapters.some((c) => c.number === number)) {
      report(`${where}chapter number ${number} is listed twice`);
    } else if (number !== undefined && chapterTitle !== undefined) {
      chapters.push({ number, title: chapterTitle });
    }
  });
  chapters.sort((a, b) => a.number - b.number);

  const rendered = render(body);
  rendered.problems.forEach(report);

  return {
    slug,
    title,
    ...(subtitle !== undefined ? { subtitle } : {}),
    author,
    pages,
    ...(isbn !== undefined ? { isbn } : {}),
    cover,
    coverWidth,
    coverHeight,
    coverAlt,
    pitch,
    ...(published !== undefined ? { published } : {}),
    links,
    chapters,
    html: rendered.html,
    sourcePath: rel,
  };
}

// ---------------------------------------------------------------------------------------------
// Articles

interface ArticleSource {
  article: Omit<Article, 'section' | 'tags'>;
  sectionTitle?: string;
  tagTitles: string[];
}

function parseArticle(
  fileSlug: string,
  rel: string,
  source: SourceFile,
  render: ReturnType<typeof createMarkdownRenderer>,
  report: Report,
): ArticleSource {
  const { data, body } = source;
  checkUnknownFields(data, ARTICLE_FIELDS, report);
  const title = text(data, 'title', report, { required: true }) ?? '';
  const dek = text(data, 'dek', report, { required: true }) ?? '';
  const published = date(data, 'date', report, { required: true }) ?? '';
  const updatedField = date(data, 'updated', report);
  if (updatedField && published && updatedField < published) {
    report(`updated '${updatedField}' is before date '${published}'`);
  }

  const sectionTitle = text(data, 'section', report, { required: true });
  if (sectionTitle !== undefined && !slugify(sectionTitle)) report(`section ${show(sectionTitle)} has no letters or digits`);

  const tagTitles: string[] = [];
  for (const tag of list(data, 'tags', report, '[Scope, Small teams]') ?? []) {
    if (typeof tag !== 'string' && typeof tag !== 'number') report(`tags: ${show(tag)} is not a tag title`);
    else if (!slugify(String(tag))) report(`tags: ${show(String(tag))} has no letters or digits`);
    else if (!tagTitles.some((t) => slugify(t) === slugify(String(tag)))) tagTitles.push(String(tag).trim());
  }

  let slug = fileSlug;
  const rawSlug = text(data, 'slug', report);
  if (rawSlug !== undefined) {
    if (isSlug(rawSlug)) slug = rawSlug;
    else report(`slug ${show(rawSlug)} is not a slug (try '${slugify(rawSlug)}')`);
  } else if (!slug) {
    report(`the file name gives no slug; add a 'slug' field`);
  }

  const book = text(data, 'book', report);
  const chapter = positiveInteger(data, 'chapter', report);
  if (isPresent(data.chapter) && !isPresent(data.book)) report(`chapter is set but book is not (a chapter belongs to a book)`);

  let draft = false;
  if (isPresent(data.draft)) {
    if (typeof data.draft === 'boolean') draft = data.draft;
    else report(`draft ${show(data.draft)} must be true or false`);
  }

  let comments: Article['comments'] = 'open';
  if (isPresent(data.comments)) {
    if (data.comments === 'open' || data.comments === 'closed') comments = data.comments;
    else report(`comments ${show(data.comments)} must be 'open' or 'closed'`);
  }

  const corrections: Correction[] = [];
  (list(data, 'corrections', report, '[{date: 2026-01-31, wrong: ..., changed: ...}]') ?? []).forEach((item, i) => {
    const where = `corrections item ${i + 1}: `;
    if (!isMapping(item)) {
      report(`${where}must be a mapping with date, wrong and changed`);
      return;
    }
    checkUnknownFields(item, CORRECTION_FIELDS, report, where);
    const when = date(item, 'date', report, { required: true, where });
    const wrong = text(item, 'wrong', report, { required: true, where });
    const changed = text(item, 'changed', report, { required: true, where });
    if (when && published && when < published) report(`${where}date '${when}' is before the article's date '${published}'`);
    if (when && wrong && changed) corrections.push({ date: when, wrong, changed });
  });
  corrections.sort((a, b) => (a.date === b.date ? 0 : a.date < b.date ? 1 : -1));

  const newestCorrection = corrections[0]?.date;
  const updated = [updatedField, newestCorrection].filter((d): d is string => d !== undefined).sort().pop();

  const rendered = render(body);
  rendered.problems.forEach(report);

  return {
    article: {
      slug,
      title,
      dek,
      date: published,
      ...(updated !== undefined ? { updated } : {}),
      ...(book !== undefined ? { book } : {}),
      ...(chapter !== undefined ? { chapter } : {}),
      draft,
      comments,
      corrections,
      html: rendered.html,
      toc: rendered.toc,
      wordCount: rendered.wordCount,
      readingMinutes: rendered.readingMinutes,
      sourcePath: rel,
    },
    ...(sectionTitle !== undefined ? { sectionTitle } : {}),
    tagTitles,
  };
}

function newestFirst(a: { date: string; title: string }, b: { date: string; title: string }): number {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  return a.title.localeCompare(b.title);
}

function byTitle(a: Taxon, b: Taxon): number {
  return a.title.localeCompare(b.title) || a.slug.localeCompare(b.slug);
}

// ---------------------------------------------------------------------------------------------

export async function loadSite(contentDir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const dir = resolve(contentDir);
  const problems: string[] = [];
  const problem = (file: string, message: string) => problems.push(`${file}: ${message}`);
  const reporter =
    (file: string): Report =>
    (message) =>
      problem(file, message);

  if ((await listFiles(dir, false)) === undefined) {
    return { problems: [`${contentDir}: the content folder does not exist`] };
  }

  let config: SiteConfig | undefined;
  {
    const report = reporter('site.yaml');
    let raw: string | undefined;
    try {
      raw = await readFile(join(dir, 'site.yaml'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      report('file not found (every content folder needs one, with at least title, description, authorNames, authorBio)');
    }
    if (raw !== undefined) {
      const doc = parseDocument(raw.replace(/^\uFEFF/, ''));
      if (doc.errors.length > 0) {
        const err = doc.errors[0]!;
        report(`not valid YAML: ${err.message.split('\n')[0]!.replace(/:$/, '')}`);
      } else {
        const data: unknown = doc.toJS();
        if (isMapping(data)) config = parseSiteConfig(data, report);
        else report('must be a mapping of fields (name: value)');
      }
    }
  }
  const siteConfig: SiteConfig = config ?? {
    title: '',
    description: '',
    baseUrl: 'http://localhost:3000',
    language: 'en',
    pageSize: 10,
    authorNames: [],
    authorBio: '',
    commentsCloseAfterDays: 0,
    sections: {},
    tags: {},
  };

  const media = await loadMedia(dir, problem);
  const sizes = new Map<string, ImageSize>([...media].map(([name, m]) => [name, { width: m.width, height: m.height }]));
  const render = createMarkdownRenderer({ media: sizes, baseUrl: siteConfig.baseUrl });

  const books: Book[] = [];
  const booksBySlug = new Map<string, Book>();
  // Every book file's slug, even from a file too broken to parse, so that articles naming that
  // book are not reported a second time for the same mistake.
  const bookFiles = new Map<string, string>();
  for (const name of (await listFiles(join(dir, 'books'), false)) ?? []) {
    if (extname(name).toLowerCase() !== '.md') continue;
    const rel = `books/${name}`;
    const report = reporter(rel);
    const source = parseFrontMatter(await readFile(join(dir, 'books', name), 'utf8'), report);
    let slug = slugify(name.slice(0, -3));
    if (source) {
      const book = parseBook(rel, slug, source, siteConfig, media, render, report);
      slug = book.slug;
      books.push(book);
      if (!booksBySlug.has(slug)) booksBySlug.set(slug, book);
    }
    if (!slug) report(`the file name gives no slug; add a 'slug' field`);
    else if (bookFiles.has(slug)) report(`slug '${slug}' is also used by ${bookFiles.get(slug)}`);
    else bookFiles.set(slug, rel);
  }

  const sources: ArticleSource[] = [];
  for (const name of (await listFiles(join(dir, 'writing'), false)) ?? []) {
    if (extname(name).toLowerCase() !== '.md') continue;
    const rel = `writing/${name}`;
    const report = reporter(rel);
    const source = parseFrontMatter(await readFile(join(dir, 'writing', name), 'utf8'), report);
    if (!source) continue;
    const parsed = parseArticle(slugify(name.slice(0, -3)), rel, source, render, report);
    sources.push(parsed);

    const { book, chapter } = parsed.article;
    if (book !== undefined) {
      const target = booksBySlug.get(book);
      if (!bookFiles.has(book)) {
        const known = [...bookFiles.keys()];
        report(`book '${book}' does not exist (${known.length ? `books: ${known.join(', ')}` : 'there are no books'})`);
      } else if (target && chapter !== undefined && target.chapters.length > 0 && !target.chapters.some((c) => c.number === chapter)) {
        const numbers = target.chapters.map((c) => c.number).join(', ');
        report(`chapter ${chapter} is not a chapter of '${book}' (chapters: ${numbers})`);
      }
    }
  }

  const bySlug = new Map<string, ArticleSource[]>();
  for (const s of sources) {
    if (!s.article.slug) continue;
    bySlug.set(s.article.slug, [...(bySlug.get(s.article.slug) ?? []), s]);
  }
  for (const [slug, group] of bySlug) {
    if (group.length < 2) continue;
    for (const s of group) {
      const others = group.filter((o) => o !== s).map((o) => o.article.sourcePath);
      problem(s.article.sourcePath, `slug '${slug}' is also used by ${others.join(', ')}`);
    }
  }

  if (problems.length > 0 || !config) return { problems };

  // Sections and tags take their title from site.yaml when it gives one, otherwise from the way
  // the newest published article spells it, so one typo in an old file does not rename a listing.
  const ordered = sources
    .filter((s) => opts.includeDrafts || !s.article.draft)
    .sort((a, b) => {
      if (a.article.draft !== b.article.draft) return a.article.draft ? 1 : -1;
      return newestFirst(a.article, b.article);
    });
  const sectionTaxa = new Map<string, Taxon>();
  const tagTaxa = new Map<string, Taxon>();
  const taxon = (
    pool: Map<string, Taxon>,
    configured: SiteConfig['sections'],
    title: string,
  ): Taxon => {
    const slug = slugify(title);
    let t = pool.get(slug);
    if (!t) {
      const conf = configured[slug];
      t = { slug, title: conf?.title ?? title, ...(conf?.description ? { description: conf.description } : {}) };
      pool.set(slug, t);
    }
    return t;
  };

  const all: Article[] = ordered.map((s) => ({
    ...s.article,
    section: taxon(sectionTaxa, config.sections, s.sectionTitle ?? ''),
    tags: s.tagTitles.map((t) => taxon(tagTaxa, config.tags, t)),
  }));
  all.sort(newestFirst);

  const listed = all.filter((a) => !a.draft);
  const drafts = all.filter((a) => a.draft);
  const sections = [...new Map(listed.map((a) => [a.section.slug, a.section])).values()].sort(byTitle);
  const tags = [...new Map(listed.flatMap((a) => a.tags).map((t) => [t.slug, t])).values()].sort(byTitle);

  const corrections: CorrectionEntry[] = listed
    .flatMap((article) => article.corrections.map((c) => ({ ...c, article })))
    .sort((a, b) => (a.date !== b.date ? (a.date < b.date ? 1 : -1) : newestFirst(a.article, b.article)));

  const publicBySlug = new Map(listed.map((a) => [a.slug, a]));
  const previewBySlug = new Map(all.map((a) => [a.slug, a]));

  const mediaByUrl: Site['media'] = new Map();
  for (const [name, m] of media) mediaByUrl.set(`/media/${name}`, m);

  const site: Site = {
    config,
    articles: listed,
    drafts,
    sections,
    tags,
    books: [...books].sort((a, b) => a.title.localeCompare(b.title)),
    corrections,
    media: mediaByUrl,
    articleBySlug: (slug, o) => (o?.preview ? previewBySlug : publicBySlug).get(slug),
    bookBySlug: (slug) => booksBySlug.get(slug),
    articlesInSection: (slug) => listed.filter((a) => a.section.slug === slug),
    articlesWithTag: (slug) => listed.filter((a) => a.tags.some((t) => t.slug === slug)),
    articlesInBook: (slug) =>
      listed
        .filter((a) => a.book === slug)
        .sort((a, b) => (a.chapter ?? Number.MAX_SAFE_INTEGER) - (b.chapter ?? Number.MAX_SAFE_INTEGER) || -newestFirst(a, b)),
  };
  return { site, problems };
}
