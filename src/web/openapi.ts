// The JSON API, described as OpenAPI 3.1 and served at /api/v1/openapi.json. It follows the
// contract in DESIGN.md; keep the two in step.

const error = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          enum: ['bad_request', 'unauthenticated', 'forbidden', 'not_found', 'name_taken', 'too_large', 'unsupported_media_type', 'rule_broken', 'rate_limited', 'unavailable'],
        },
        message: { type: 'string', description: 'A sentence for the reader.' },
      },
    },
  },
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

const comment = {
  type: 'object',
  required: ['id', 'parentId', 'author', 'html', 'score', 'createdAt', 'editedAt', 'deleted', 'votedByMe'],
  properties: {
    id: { type: 'string' },
    parentId: { type: ['string', 'null'] },
    author: {
      type: ['object', 'null'],
      description: 'null for deleted comments',
      properties: { name: { type: 'string' }, isAuthor: { type: 'boolean', description: "true for the site author's comments; set from the identity's role" } },
    },
    html: { type: 'string', description: 'Sanitized HTML of the Markdown body; empty for placeholders.' },
    score: { type: 'integer', description: 'The exact number of upvotes.' },
    createdAt: { type: 'string', format: 'date-time' },
    editedAt: { type: ['string', 'null'], format: 'date-time' },
    deleted: { type: 'boolean' },
    pinned: { type: 'boolean' },
    votedByMe: { type: 'boolean' },
  },
};

const identityResult = {
  type: 'object',
  properties: {
    identity: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    recoveryKey: { type: 'string', description: 'Shown once. Stored only as a hash. Moves the name to another device.' },
  },
};

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const slug = { name: 'slug', in: 'path', required: true, schema: { type: 'string' } };
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const common = {
  '400': errorResponse('Bad input (malformed JSON, wrong types).'),
  '403': errorResponse('Refused: the request came from another site, or it is not yours to change.'),
  '413': errorResponse('The request body is too large.'),
  '429': errorResponse('Too many requests; see the Retry-After header.'),
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Byline discussion API',
    version: '1',
    description:
      'Same-origin JSON API for the readers\' discussion. Sign-in sets an HttpOnly session cookie; state-changing calls are refused (403) when Origin or Sec-Fetch-Site show another site. Errors are {"error":{"code","message"}}.',
  },
  components: { schemas: { Error: error, Comment: comment } },
  paths: {
    '/api/v1/session': {
      post: {
        summary: 'Sign in with a display name (claims the name)',
        requestBody: json({ type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 2, maxLength: 40 } } }),
        responses: {
          '201': { description: 'Signed in; session cookie set.', ...json(identityResult) },
          '409': errorResponse('The name, or a look-alike of it, is held by someone else (or reserved for the author).'),
          '422': errorResponse('The name breaks a rule (length, invisible or control characters, reserved words).'),
          ...common,
        },
      },
      get: { summary: 'Who am I', responses: { '200': { description: 'The signed-in identity.' }, '401': errorResponse('Not signed in.') } },
      delete: { summary: 'Sign out on this device', responses: { '204': { description: 'Signed out.' } } },
    },
    '/api/v1/session/recover': {
      post: {
        summary: 'Take your name to another device with its recovery key (the key is rotated)',
        requestBody: json({ type: 'object', required: ['name', 'recoveryKey'], properties: { name: { type: 'string' }, recoveryKey: { type: 'string' } } }),
        responses: { '200': { description: 'Signed in; a new recovery key replaces the used one.', ...json(identityResult) }, ...common },
      },
    },
    '/api/v1/articles/{slug}/comments': {
      get: {
        summary: 'One page of an article’s comments, in display order',
        parameters: [
          slug,
          { name: 'sort', in: 'query', schema: { type: 'string', enum: ['top', 'new', 'old'], default: 'top' } },
          { name: 'after', in: 'query', schema: { type: 'string' }, description: 'The `next` cursor of the previous page.' },
        ],
        responses: {
          '200': {
            description: 'Comments and the cursor of the next page.',
            ...json({ type: 'object', properties: { comments: { type: 'array', items: { $ref: '#/components/schemas/Comment' } }, next: { type: ['string', 'null'] }, total: { type: 'integer' } } }),
          },
          '404': errorResponse('No such article.'),
          '400': errorResponse('Bad sort or cursor.'),
        },
      },
      post: {
        summary: 'Post a comment or a reply',
        parameters: [slug, { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 100 }, description: 'A retry with the same key returns the first comment, never a second.' }],
        requestBody: json({ type: 'object', required: ['body'], properties: { body: { type: 'string', minLength: 1, maxLength: 10000 }, parentId: { type: ['string', 'null'] } } }),
        responses: {
          '201': { description: 'Posted.', ...json({ type: 'object', properties: { comment: { $ref: '#/components/schemas/Comment' }, fragment: { type: 'string', description: 'The comment as the poster’s page shows it (HTML).' } } }) },
          '200': { description: 'A retry: the comment first posted with this Idempotency-Key.' },
          '401': errorResponse('Not signed in.'),
          '404': errorResponse('No such article.'),
          '422': errorResponse('Empty or over 10,000 characters, control characters, reply to a missing comment, too deep, or comments closed.'),
          ...common,
        },
      },
    },
    '/api/v1/comments/{id}': {
      get: { summary: 'One comment, with its article and thread root (for permalinks)', parameters: [id], responses: { '200': { description: 'The comment.' }, '404': errorResponse('No such comment.') } },
      patch: {
        summary: 'Edit your own comment (within 15 minutes)',
        parameters: [id],
        requestBody: json({ type: 'object', required: ['body'], properties: { body: { type: 'string' } } }),
        responses: { '200': { description: 'Edited.' }, '401': errorResponse('Not signed in.'), '404': errorResponse('No such comment.'), '422': errorResponse('Too late to edit, or a bad body.'), ...common },
      },
      delete: {
        summary: 'Delete your own comment (a placeholder stays where replies hang on it)',
        parameters: [id],
        responses: { '200': { description: 'Deleted.', ...json({ type: 'object', properties: { deleted: { type: 'boolean' }, placeholder: { type: 'boolean' } } }) }, '401': errorResponse('Not signed in.'), ...common },
      },
    },
    '/api/v1/comments/{id}/vote': {
      put: {
        summary: 'Upvote (idempotent)',
        parameters: [id],
        responses: {
          '200': { description: 'The exact score.', ...json({ type: 'object', properties: { score: { type: 'integer' }, votedByMe: { type: 'boolean' } } }) },
          '401': errorResponse('Not signed in.'),
          '404': errorResponse('No such comment.'),
          '422': errorResponse('Your own comment, a deleted one, or comments closed.'),
          ...common,
        },
      },
      delete: { summary: 'Take the upvote back', parameters: [id], responses: { '200': { description: 'The exact score.' }, '401': errorResponse('Not signed in.'), ...common } },
    },
    '/api/v1/articles/{slug}/events': {
      get: {
        summary: 'Server-Sent Events: comment, edit, delete, score (and reload). Every event has an id; reconnect with Last-Event-ID (or ?since=ID) to get what was missed.',
        parameters: [slug, { name: 'since', in: 'query', schema: { type: 'integer' } }, { name: 'Last-Event-ID', in: 'header', schema: { type: 'integer' } }],
        responses: { '200': { description: 'text/event-stream' }, '404': errorResponse('No such article.') },
      },
    },
  },
};
