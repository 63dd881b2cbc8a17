import { Ajv } from 'ajv';
import { MAX_BODY_CHARS } from '../discussion/body.ts';
import { NOTIFICATION_KINDS } from '../discussion/records.ts';
import type { ColumnName, ExportedTable } from '../store/tables.ts';

// The JSON Schema an export file must meet before any rule of the site is applied to it
// (import-check.ts): types, ranges and allowed values, table by table.

const ID = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' };
const NULLABLE_ID = { ...ID, type: ['string', 'null'] };
const text = (maxLength: number, minLength = 0) => ({ type: 'string', minLength, maxLength });
const nullableText = (maxLength: number) => ({ type: ['string', 'null'], maxLength });
// Epoch milliseconds within what a JavaScript Date can hold.
const TIME = { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 };
const NULLABLE_TIME = { ...TIME, type: ['integer', 'null'] };
const FLAG = { enum: [0, 1] };
const COUNT = { type: 'integer', minimum: -1_000_000_000, maximum: 1_000_000_000 };

function table(properties: Record<string, unknown>) {
  return { type: 'array', items: { type: 'object', required: Object.keys(properties), additionalProperties: false, properties } };
}

/**
 * Each exported column's JSON Schema, table by table. The type requires exactly the columns of
 * src/store/tables.ts, so a column added to the schema without a rule here fails to compile.
 */
const columnSchemas: { [T in ExportedTable]: Record<ColumnName<T>, object> } = {
  identities: {
    id: ID,
    name: text(400, 1),
    name_key: text(400),
    role: { enum: ['reader', 'author'] },
    recovery_hash: nullableText(200),
    feed_token_hash: nullableText(200),
    ip_prefix_hash: nullableText(200),
    created_at: TIME,
    banned_until: NULLABLE_TIME,
    ban_reason: nullableText(1000),
    muted: FLAG,
  },
  comments: {
    id: ID,
    article_slug: text(200, 1),
    parent_id: NULLABLE_ID,
    identity_id: NULLABLE_ID,
    body: text(MAX_BODY_CHARS),
    depth: COUNT,
    score: COUNT,
    state: { enum: ['visible', 'held', 'hidden', 'deleted'] },
    pinned: FLAG,
    locked: FLAG,
    created_at: TIME,
    edited_at: NULLABLE_TIME,
  },
  votes: { comment_id: ID, identity_id: ID, created_at: TIME, ip_prefix_hash: nullableText(200), counted: FLAG },
  article_settings: { article_slug: text(200, 1), comments_closed: FLAG },
  audit_log: {
    id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    actor_id: nullableText(64),
    actor_name: text(400),
    action: text(100, 1),
    target: text(1000),
    reason: nullableText(1000),
    created_at: TIME,
  },
  banned_prefixes: { prefix_hash: text(200, 1), banned_until: TIME, reason: nullableText(1000), created_at: TIME },
  notifications: {
    id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    identity_id: ID,
    kind: { enum: [...NOTIFICATION_KINDS] },
    comment_id: nullableText(64),
    article_slug: text(200, 1),
    actor_name: nullableText(400),
    created_at: TIME,
    read_at: NULLABLE_TIME,
  },
};

const fileSchema = {
  type: 'object',
  required: ['format', 'version', 'tables'],
  properties: {
    format: { const: 'byline-export' },
    version: { const: 1 },
    tables: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(Object.entries(columnSchemas).map(([name, columns]) => [name, table(columns)])),
    },
  },
};

let validateFile: ReturnType<Ajv['compile']> | undefined;
export function schemaValidator() {
  // allErrors: every problem in one report, not the first one only.
  validateFile ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(fileSchema);
  return validateFile;
}
