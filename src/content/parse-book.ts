import type { createMarkdownRenderer } from './markdown.ts';
import {
  checkUnknownFields,
  date,
  type Fields,
  httpUrl,
  isMapping,
  isValidIsbn13,
  list,
  positiveInteger,
  type Report,
  show,
  text,
} from './fields.ts';
import { type MediaFile, mediaName } from './media.ts';
import { isSlug, slugify } from './slug.ts';
import type { SourceFile } from './source-files.ts';
import type { Book, BuyLink, SiteConfig } from './types.ts';

// books/*.md: one book each, its facts in the front matter and its description in the body.

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

function parseIsbn(data: Fields, report: Report): string | undefined {
  const rawIsbn = text(data, 'isbn', report);
  if (rawIsbn === undefined) return undefined;
  const digits = rawIsbn.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(digits)) report(`isbn ${show(rawIsbn)} is not an ISBN-13 (13 digits, hyphens allowed)`);
  else if (!isValidIsbn13(digits)) report(`isbn ${show(rawIsbn)} has a wrong check digit`);
  else return rawIsbn;
  return undefined;
}

/** The cover must be an image under media/; its size comes from the file. */
function parseCover(data: Fields, media: Map<string, MediaFile>, report: Report) {
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
  return { cover, coverWidth, coverHeight };
}

function parseBuyLinks(data: Fields, report: Report): BuyLink[] {
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
  return links;
}

/** Chapters by number, each number once, in order. */
function parseChapters(data: Fields, report: Report): { number: number; title: string }[] {
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
  return chapters;
}

export function parseBook(
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

  const isbn = parseIsbn(data, report);
  const { cover, coverWidth, coverHeight } = parseCover(data, media, report);
  const links = parseBuyLinks(data, report);
  const chapters = parseChapters(data, report);

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
