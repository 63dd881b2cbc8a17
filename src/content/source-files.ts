import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { type Fields, isMapping, isPresent, type Report } from './fields.ts';

/** The files under `dir` (relative paths, sorted), or undefined when there is no such folder. */
export async function listFiles(dir: string, recursive: boolean, prefix = ''): Promise<string[] | undefined> {
  let entries: Dirent[];
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

/** A content file split into its front matter fields and its Markdown body. */
export interface SourceFile {
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
