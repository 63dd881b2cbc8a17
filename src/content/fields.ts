// Small checkers for the fields of content files. Each reports in the author's terms (the field
// name as written in the file) and returns undefined when the value is unusable, so later checks
// can carry on and every problem in a file is found in one pass.

export type Report = (message: string) => void;
export type Fields = Record<string, unknown>;

export function show(value: unknown): string {
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

export function checkUnknownFields(data: Fields, allowed: readonly string[], report: Report, where = ''): void {
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

export function isMapping(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Text fields accept YAML numbers and booleans as written ("title: 1984"), since the author meant text. */
export function text(data: Fields, field: string, report: Report, opts: { required?: boolean; where?: string } = {}): string | undefined {
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

export function date(data: Fields, field: string, report: Report, opts: { required?: boolean; where?: string } = {}): string | undefined {
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

export function positiveInteger(
  data: Fields,
  field: string,
  report: Report,
  opts: { required?: boolean; where?: string } = {},
): number | undefined {
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

export function list(data: Fields, field: string, report: Report, example: string): unknown[] | undefined {
  const value = data[field];
  if (!isPresent(value)) return undefined;
  if (!Array.isArray(value)) {
    report(`${field} must be a list, e.g. ${example}`);
    return undefined;
  }
  return value;
}

export function httpUrl(value: string): boolean {
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
