import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { checkUnknownFields, type Fields, httpUrl, isMapping, isPresent, positiveInteger, type Report, show, text } from './fields.ts';
import { slugify } from './slug.ts';
import type { SiteConfig } from './types.ts';

// site.yaml: the site's name, its author, and the optional titles of sections and tags.

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
const TAXON_FIELDS = ['title', 'description'] as const;

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

/** What the rest of the folder is checked against when site.yaml itself is missing or broken. */
export const EMPTY_SITE_CONFIG: SiteConfig = {
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

/** Reads and checks site.yaml; undefined (with the problems reported) when it is missing or unusable. */
export async function readSiteConfig(dir: string, report: Report): Promise<SiteConfig | undefined> {
  let raw: string | undefined;
  try {
    raw = await readFile(join(dir, 'site.yaml'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    report('file not found (every content folder needs one, with at least title, description, authorNames, authorBio)');
  }
  if (raw === undefined) return undefined;
  const doc = parseDocument(raw.replace(/^\uFEFF/, ''));
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    report(`not valid YAML: ${err.message.split('\n')[0]!.replace(/:$/, '')}`);
    return undefined;
  }
  const data: unknown = doc.toJS();
  if (isMapping(data)) return parseSiteConfig(data, report);
  report('must be a mapping of fields (name: value)');
  return undefined;
}
