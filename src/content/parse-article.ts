import type { createMarkdownRenderer } from './markdown.ts';
import { checkUnknownFields, date, type Fields, isMapping, isPresent, list, positiveInteger, type Report, show, text } from './fields.ts';
import { isSlug, slugify } from './slug.ts';
import type { SourceFile } from './source-files.ts';
import type { Article, Correction } from './types.ts';

// writing/*.md: one article each, its front matter checked field by field and its body rendered.

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
const CORRECTION_FIELDS = ['date', 'wrong', 'changed'] as const;

/** An article as parsed, before its section and tags are resolved against the whole site. */
export interface ArticleSource {
  article: Omit<Article, 'section' | 'tags'>;
  sectionTitle?: string;
  tagTitles: string[];
}

/** Tag titles as written, each tag once (two spellings of one slug are one tag). */
function parseTagTitles(data: Fields, report: Report): string[] {
  const tagTitles: string[] = [];
  for (const tag of list(data, 'tags', report, '[Scope, Small teams]') ?? []) {
    if (typeof tag !== 'string' && typeof tag !== 'number') report(`tags: ${show(tag)} is not a tag title`);
    else if (!slugify(String(tag))) report(`tags: ${show(String(tag))} has no letters or digits`);
    else if (!tagTitles.some((t) => slugify(t) === slugify(String(tag)))) tagTitles.push(String(tag).trim());
  }
  return tagTitles;
}

function parseFlags(data: Fields, report: Report): { draft: boolean; comments: Article['comments'] } {
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
  return { draft, comments };
}

/** Corrections, newest first; none may predate the article. */
function parseCorrections(data: Fields, published: string, report: Report): Correction[] {
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
  return corrections;
}

export function parseArticle(
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

  const tagTitles = parseTagTitles(data, report);

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

  const { draft, comments } = parseFlags(data, report);

  const corrections = parseCorrections(data, published, report);
  const newestCorrection = corrections[0]?.date;
  const updated = [updatedField, newestCorrection]
    .filter((d): d is string => d !== undefined)
    .sort()
    .pop();

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
