import type { ErrorObject } from 'ajv';
import { exportedTables } from '../store/tables.ts';

// How import-check.ts reports problems: each with its table, row index, id and field, in file order.

export type Row = Record<string, string | number | null>;

/** The tables of an export, in the order they are written and reported. */
export const TABLES: readonly string[] = exportedTables().map((t) => t.name);

/** A short, safe rendering of a value for a problem report. */
export function shown(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

export class Report {
  private readonly found: { order: number; index: number; text: string }[] = [];
  constructor(private readonly tables: Record<string, unknown[]>) {}

  /** Problems in file order: the file's own first, then table by table, row by row. */
  get problems(): string[] {
    return [...this.found].sort((a, b) => a.order - b.order || a.index - b.index).map((p) => p.text);
  }

  push(tableName: string | undefined, index: number, text: string): void {
    const order = tableName === undefined ? -1 : (TABLES as readonly string[]).indexOf(tableName);
    this.found.push({ order, index, text });
  }

  /** "comments[3] ("c9")": the table, the row's index in the file, and its id when it has one. */
  row(tableName: string, index: number): string {
    const row = this.tables[tableName]?.[index] as Row | undefined;
    const id = row && typeof row === 'object' ? (row.id ?? row.article_slug ?? row.prefix_hash) : undefined;
    const label =
      tableName === 'votes' && row && typeof row === 'object'
        ? ` (comment ${shown(row.comment_id)}, identity ${shown(row.identity_id)})`
        : id !== undefined
          ? ` (${shown(id)})`
          : '';
    return `${tableName}[${index}]${label}`;
  }

  add(tableName: string, index: number, field: string, message: string): void {
    this.push(tableName, index, `${this.row(tableName, index)} ${field}: ${message}`);
  }
}

export function schemaProblem(err: ErrorObject, data: unknown, report: Report): string {
  const path = err.instancePath.split('/').slice(1);
  if (path[0] !== 'tables' || path.length < 3) {
    const where = err.instancePath === '' ? 'the file' : err.instancePath.slice(1).replace(/\//g, '.');
    if (err.keyword === 'additionalProperties') return `${where}: unknown table or field ${shown(err.params.additionalProperty)}`;
    if (err.keyword === 'required') return `${where}: missing ${shown(err.params.missingProperty)}`;
    return `${where}: ${err.message}`;
  }
  const [, tableName, index, field] = path as [string, string, string, string | undefined];
  const rowLabel = report.row(tableName, Number(index));
  if (field === undefined) {
    if (err.keyword === 'required') return `${rowLabel} ${err.params.missingProperty}: missing`;
    if (err.keyword === 'additionalProperties') return `${rowLabel} ${err.params.additionalProperty}: not a field of ${tableName}`;
    return `${rowLabel}: ${err.message}`;
  }
  const value = ((data as { tables: Record<string, Row[]> }).tables[tableName]?.[Number(index)] as Row | undefined)?.[field];
  const allowed = err.keyword === 'enum' ? ` (${(err.params.allowedValues as unknown[]).map(shown).join(', ')})` : '';
  return `${rowLabel} ${field}: ${err.message}${allowed}, got ${shown(value)}`;
}
