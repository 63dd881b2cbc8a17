import { isSlug } from '../content/slug.ts';
import { validateCommentBody } from '../discussion/body.ts';
import { nameKey, normalizeDisplayName, reservedReason } from '../discussion/names.ts';
import { MAX_STORED_DEPTH } from '../discussion/thread.ts';
import type { DatabaseExport } from '../store/ports.ts';
import { Report, type Row, schemaProblem, shown, TABLES } from './import-report.ts';
import { schemaValidator } from './import-schema.ts';

/**
 * Checks a `byline export` file before `byline import` writes any of it. A file can come from
 * anywhere (another installation, a script, a hand edit), and one bad row must never make a page
 * answer 500 or let a name be taken that the site would refuse. So:
 *
 * - every row is checked against a JSON Schema of its table (types, ranges, allowed values);
 * - the rules the site applies to live data are applied to every row: names a reader could take,
 *   unique name keys, author names only on the author's identity, bodies a reader could post,
 *   replies on their parent's article, no vote on one's own comment, no dangling reference;
 * - values the store derives are derived again rather than trusted: name keys from names, depths
 *   from parents (refusing cycles and over-deep chains), scores from the counted votes.
 *
 * Every problem is reported with its table, row index, id and field; the caller writes nothing
 * when there is any.
 */

export interface ImportCheck {
  problems: string[];
  /** The file's data with name keys, depths and scores recomputed: what is written. */
  data: DatabaseExport;
  /** How many stored values differed from the recomputed ones (they are corrected, not refused). */
  corrected: { nameKeys: number; depths: number; scores: number };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reports ids that occur twice in a table; answers the rows by id (the first of each). */
function indexById(report: Report, tableName: string, rows: Row[], column: string): Map<string, { row: Row; index: number }> {
  const byId = new Map<string, { row: Row; index: number }>();
  rows.forEach((row, index) => {
    const id = row[column];
    if (id === null || id === undefined) return;
    const key = String(id);
    const first = byId.get(key);
    if (first) report.add(tableName, index, column, `${shown(id)} appears twice (also ${tableName}[${first.index}])`);
    else byId.set(key, { row, index });
  });
  return byId;
}

function checkIdentities(report: Report, rows: Row[], authorNames: readonly string[]): number {
  const authorKeys = new Set(authorNames.map(nameKey));
  const byKey = new Map<string, number>();
  const feedTokens = new Map<string, number>();
  let corrected = 0;
  rows.forEach((row, index) => {
    const name = str(row.name);
    if (name !== undefined) {
      const normalized = normalizeDisplayName(name);
      if (!normalized.ok) report.add('identities', index, 'name', `${shown(name)} is not a name a reader could take: ${normalized.reason}`);
      else if (normalized.name !== name)
        report.add('identities', index, 'name', `${shown(name)} is not in its tidy form (${shown(normalized.name)})`);
      const key = nameKey(name);
      if (row.role === 'author') {
        if (!authorKeys.has(key)) {
          report.add(
            'identities',
            index,
            'name',
            `${shown(name)} has the author role but is not one of the site's author names (${authorNames.join(', ') || 'none listed'} in site.yaml)`,
          );
        }
      } else {
        const reserved = reservedReason(name, authorNames);
        if (reserved) report.add('identities', index, 'name', `${shown(name)}: ${reserved}`);
      }
      const holder = byKey.get(key);
      if (holder !== undefined) {
        report.add(
          'identities',
          index,
          'name',
          `${shown(name)} counts as the same name as identities[${holder}] (${shown(rows[holder]?.name)})`,
        );
      } else byKey.set(key, index);
      if (row.name_key !== key) corrected++;
      row.name_key = key;
    }
    const feed = str(row.feed_token_hash);
    if (feed !== undefined) {
      const first = feedTokens.get(feed);
      if (first !== undefined) report.add('identities', index, 'feed_token_hash', `the same as identities[${first}]`);
      else feedTokens.set(feed, index);
    }
  });
  return corrected;
}

/**
 * Depth of every comment from its parent chain. Chains are walked upwards with a bound, so a
 * cycle or an absurdly long chain is found without deep recursion; answers how many differed.
 */
function recomputeDepths(report: Report, rows: Row[], byId: Map<string, { row: Row; index: number }>): number {
  const depth = new Map<string, number>();
  const broken = new Set<string>();
  let corrected = 0;
  for (const start of rows) {
    const startId = str(start.id);
    if (startId === undefined || depth.has(startId) || broken.has(startId)) continue;
    const path: string[] = [];
    const onPath = new Set<string>();
    let id: string | undefined = startId;
    let base: number | undefined;
    while (id !== undefined) {
      if (depth.has(id)) {
        base = depth.get(id)!;
        break;
      }
      if (broken.has(id)) break;
      if (onPath.has(id)) {
        const cycle = path.slice(path.indexOf(id));
        for (const member of cycle) {
          const entry = byId.get(member)!;
          report.add('comments', entry.index, 'parent_id', `the replies form a cycle (${[...cycle, id].map(shown).join(' → ')})`);
        }
        break;
      }
      const entry = byId.get(id);
      if (!entry) break;
      path.push(id);
      onPath.add(id);
      if (path.length > MAX_STORED_DEPTH + 1) {
        report.add('comments', byId.get(startId)!.index, 'parent_id', `replies nest more than ${MAX_STORED_DEPTH} levels deep`);
        break;
      }
      const parent = str(entry.row.parent_id);
      if (parent === undefined) {
        base = -1;
        break;
      }
      id = parent;
    }
    if (base === undefined) {
      for (const member of path) broken.add(member);
      continue;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      base += 1;
      const member = path[i]!;
      if (base > MAX_STORED_DEPTH) {
        report.add('comments', byId.get(member)!.index, 'parent_id', `replies nest more than ${MAX_STORED_DEPTH} levels deep`);
        for (const rest of path.slice(0, i + 1)) broken.add(rest);
        break;
      }
      depth.set(member, base);
    }
  }
  for (const row of rows) {
    const id = str(row.id);
    if (id === undefined || !depth.has(id)) continue;
    if (row.depth !== depth.get(id)) corrected++;
    row.depth = depth.get(id)!;
  }
  return corrected;
}

function checkComments(
  report: Report,
  rows: Row[],
  identities: Map<string, unknown>,
  byId: Map<string, { row: Row; index: number }>,
): void {
  rows.forEach((row, index) => {
    const slug = str(row.article_slug);
    if (slug !== undefined && !isSlug(slug)) report.add('comments', index, 'article_slug', `${shown(slug)} is not an article slug`);
    const writer = str(row.identity_id);
    if (writer !== undefined && !identities.has(writer))
      report.add('comments', index, 'identity_id', `${shown(writer)} is not an identity in this file`);
    if (row.identity_id === null && row.state !== 'deleted')
      report.add('comments', index, 'identity_id', 'only a deleted comment may have no writer');
    const parentId = str(row.parent_id);
    if (parentId !== undefined) {
      const parent = byId.get(parentId);
      if (!parent) report.add('comments', index, 'parent_id', `${shown(parentId)} is not a comment in this file`);
      else if (slug !== undefined && parent.row.article_slug !== slug) {
        report.add(
          'comments',
          index,
          'parent_id',
          `the parent ${shown(parentId)} is on another article (${shown(parent.row.article_slug)})`,
        );
      }
    }
    if (typeof row.body === 'string') {
      if (row.state === 'deleted') {
        if (row.body !== '') report.add('comments', index, 'body', 'a deleted comment keeps no text');
      } else {
        const checked = validateCommentBody(row.body);
        if (!checked.ok) report.add('comments', index, 'body', checked.message);
      }
    }
  });
}

/** Scores are the number of counted votes, as the live store keeps them; answers how many differed. */
function checkVotesAndScores(
  report: Report,
  votes: Row[],
  comments: Row[],
  identities: Map<string, unknown>,
  byId: Map<string, { row: Row; index: number }>,
): number {
  const counted = new Map<string, number>();
  const seen = new Map<string, number>();
  votes.forEach((vote, index) => {
    const commentId = str(vote.comment_id);
    const voter = str(vote.identity_id);
    const comment = commentId === undefined ? undefined : byId.get(commentId);
    if (commentId !== undefined && !comment) report.add('votes', index, 'comment_id', `${shown(commentId)} is not a comment in this file`);
    if (voter !== undefined && !identities.has(voter))
      report.add('votes', index, 'identity_id', `${shown(voter)} is not an identity in this file`);
    if (comment && voter !== undefined && comment.row.identity_id === voter)
      report.add('votes', index, 'identity_id', 'a vote on the voter’s own comment');
    const pair = `${commentId}\u0000${voter}`;
    const first = seen.get(pair);
    if (first !== undefined)
      report.add('votes', index, 'identity_id', `a second vote by the same identity on the same comment (also votes[${first}])`);
    else seen.set(pair, index);
    if (commentId !== undefined && vote.counted === 1 && first === undefined) counted.set(commentId, (counted.get(commentId) ?? 0) + 1);
  });
  let corrected = 0;
  for (const row of comments) {
    const id = str(row.id);
    if (id === undefined) continue;
    const score = counted.get(id) ?? 0;
    if (row.score !== score) corrected++;
    row.score = score;
  }
  return corrected;
}

function checkOthers(report: Report, tables: Record<string, Row[]>, identities: Map<string, unknown>): void {
  indexById(report, 'article_settings', tables.article_settings ?? [], 'article_slug');
  indexById(report, 'audit_log', tables.audit_log ?? [], 'id');
  indexById(report, 'banned_prefixes', tables.banned_prefixes ?? [], 'prefix_hash');
  indexById(report, 'notifications', tables.notifications ?? [], 'id');
  (tables.article_settings ?? []).forEach((row, index) => {
    const slug = str(row.article_slug);
    if (slug !== undefined && !isSlug(slug)) report.add('article_settings', index, 'article_slug', `${shown(slug)} is not an article slug`);
  });
  (tables.notifications ?? []).forEach((row, index) => {
    const owner = str(row.identity_id);
    if (owner !== undefined && !identities.has(owner))
      report.add('notifications', index, 'identity_id', `${shown(owner)} is not an identity in this file`);
  });
}

/** Checks a parsed export file against the schema and the site's rules; see the module comment. */
export function checkImport(input: unknown, authorNames: readonly string[]): ImportCheck {
  const corrected = { nameKeys: 0, depths: 0, scores: 0 };
  // Work on a copy: recomputed values are written into it, never into the caller's object.
  const data = structuredClone(input) as DatabaseExport;
  const validate = schemaValidator();
  const shapeOk = validate(data);
  const rawTables = (data && typeof data === 'object' && data.tables && typeof data.tables === 'object' ? data.tables : {}) as Record<
    string,
    unknown
  >;
  const tables: Record<string, Row[]> = {};
  for (const name of TABLES) {
    const rows = rawTables[name];
    // A row that is not an object (reported by the schema) stands as an empty one, so the other
    // rows keep their indexes in the report.
    tables[name] = Array.isArray(rows) ? rows.map((r) => (r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as Row) : {})) : [];
  }
  const report = new Report(tables as Record<string, unknown[]>);
  if (!shapeOk) {
    for (const err of validate.errors ?? []) {
      const [, under, tableName, index] = err.instancePath.split('/');
      const inRow = under === 'tables' && tableName !== undefined && index !== undefined;
      report.push(inRow ? tableName : undefined, inRow ? Number(index) : 0, schemaProblem(err, data, report));
    }
  }
  if (data && typeof data === 'object' && (data as { format?: unknown }).format === 'byline-export') {
    const identities = indexById(report, 'identities', tables.identities!, 'id');
    const comments = indexById(report, 'comments', tables.comments!, 'id');
    corrected.nameKeys = checkIdentities(report, tables.identities!, authorNames);
    checkComments(report, tables.comments!, identities, comments);
    corrected.depths = recomputeDepths(report, tables.comments!, comments);
    corrected.scores = checkVotesAndScores(report, tables.votes!, tables.comments!, identities, comments);
    checkOthers(report, tables, identities);
  }
  return { problems: report.problems, data: { format: 'byline-export', version: 1, tables }, corrected };
}
