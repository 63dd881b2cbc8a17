// The routes' schemas. Each route declares its params, query, headers and body as JSON Schema
// (checked on every request, see validation.ts) with a TypeScript interface beside it, and an API
// route its answers too; openapi.ts builds /api/v1/openapi.json from them. Pages read their
// query leniently (properties without a type): a link may carry anything, and that is no error.
import type { FastifySchema } from 'fastify';

export type JsonSchema = Record<string, unknown>;

export interface ResponseDoc {
  description: string;
  content?: { 'application/json': { schema: JsonSchema } };
}

/** A route's schema: what Fastify checks, and what the OpenAPI document says about it. */
export interface RouteSchema extends FastifySchema {
  summary: string;
  description?: string;
  params?: JsonSchema;
  querystring?: JsonSchema;
  headers?: JsonSchema;
  body?: JsonSchema;
  /** Documentation only: answers are not reshaped by a serializer. */
  responses: Record<string, ResponseDoc>;
}

/** An object of named properties; `required` lists the ones that must be there. */
export function object(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return required.length > 0 ? { type: 'object', required, properties } : { type: 'object', properties };
}

export const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } }) as const;
export const errorResponse = (description: string): ResponseDoc => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
export const ok = (description: string, schema?: JsonSchema): ResponseDoc => (schema ? { description, ...json(schema) } : { description });

export interface SlugParams {
  slug: string;
}
export const slugParams = object({ slug: { type: 'string', description: 'The article’s slug.' } }, ['slug']);

export interface IdParams {
  id: string;
}
export const idParams = object({ id: { type: 'string', description: 'A comment id.' } }, ['id']);

/** Answers any write can get, whatever the route. */
export const writeErrors: Record<string, ResponseDoc> = {
  '400': errorResponse('Bad input (malformed JSON, wrong types).'),
  '403': errorResponse('Refused: the request came from another site, or it is not yours to change.'),
  '413': errorResponse('The request body is too large.'),
  '429': errorResponse('Too many requests; see the Retry-After header.'),
};

export const ERROR_CODES = [
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'name_taken',
  'too_large',
  'unsupported_media_type',
  'rule_broken',
  'rate_limited',
  'unavailable',
] as const;

const errorSchema = object(
  {
    error: object(
      {
        code: { type: 'string', enum: ERROR_CODES },
        message: { type: 'string', description: 'A sentence for the reader.' },
      },
      ['code', 'message'],
    ),
  },
  ['error'],
);

const commentSchema = object(
  {
    id: { type: 'string' },
    parentId: { type: ['string', 'null'] },
    author: {
      type: ['object', 'null'],
      description: 'null for deleted comments',
      properties: {
        name: { type: 'string' },
        isAuthor: { type: 'boolean', description: "true for the site author's comments; set from the identity's role" },
      },
    },
    html: { type: 'string', description: 'Sanitized HTML of the Markdown body; empty for placeholders.' },
    score: { type: 'integer', description: 'The exact number of upvotes.' },
    createdAt: { type: 'string', format: 'date-time' },
    editedAt: { type: ['string', 'null'], format: 'date-time' },
    deleted: { type: 'boolean' },
    pinned: { type: 'boolean' },
    votedByMe: { type: 'boolean' },
    held: { type: 'boolean', description: 'Only in answers to the writer (and the author): the comment waits for review.' },
  },
  ['id', 'parentId', 'author', 'html', 'score', 'createdAt', 'editedAt', 'deleted', 'votedByMe'],
);

/** Schemas the documented answers refer to by name. */
export const components = { Error: errorSchema, Comment: commentSchema };
export const commentRef = { $ref: '#/components/schemas/Comment' };

/** A browser's push subscription, as PushSubscription.toJSON() gives it (routes/notify.ts). */
export interface PushSubscriptionBody {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}
export const pushSubscriptionBody = object(
  {
    endpoint: { type: 'string', minLength: 1, maxLength: 1000, description: 'The push service’s address for this browser (https).' },
    expirationTime: { type: ['number', 'null'] },
    keys: object(
      {
        p256dh: { type: 'string', minLength: 1, maxLength: 200, description: 'The browser’s public key (base64url).' },
        auth: { type: 'string', minLength: 1, maxLength: 100, description: 'The browser’s auth secret (base64url).' },
      },
      ['p256dh', 'auth'],
    ),
  },
  ['endpoint', 'keys'],
);
export interface CsrfHeaders {
  'x-csrf-token'?: string;
}
export const csrfHeaders = object({
  'x-csrf-token': { type: 'string', description: 'The token of the signed-in reader’s page (the same as its forms carry).' },
});
