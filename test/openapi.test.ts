// The OpenAPI document is built from the routes' own schemas: every /api/v1 route the server
// has is described, with a summary and its answers, and nothing is described that is not there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import { type TestApp, startTestApp } from './helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ listen: false });
});
after(async () => t.close());

/** Every route the server answers, read from Fastify's own route tree: "METHOD /path/{param}". */
function registeredRoutes(tree: string): string[] {
  const found: string[] = [];
  const parents: string[] = [];
  for (const line of tree.split('\n')) {
    const at = line.indexOf('── ');
    if (at < 0) continue;
    const depth = (at - 1) / 4;
    const match = /^(\S+) \(([^)]*)\)/.exec(line.slice(at + 3));
    if (!match) continue;
    const [, segment, methods] = match as unknown as [string, string, string];
    const parent = depth > 0 ? parents[depth - 1]! : '';
    const path =
      parent.endsWith('/') || segment.startsWith('/') || segment.startsWith('.') || parent === ''
        ? `${parent}${segment}`
        : `${parent}/${segment}`;
    parents[depth] = path;
    parents.length = depth + 1;
    for (const method of methods.split(', ')) found.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return found;
}

interface Operation {
  summary?: string;
  responses?: Record<string, { description?: string }>;
  requestBody?: { content: { 'application/json': { schema: object } } };
}

test('/api/v1/openapi.json describes exactly the /api/v1 routes, each with a summary and its answers', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Operation>> };
  assert.match(doc.openapi, /^3\.1\./);
  const served = registeredRoutes(t.app.printRoutes({ commonPrefix: false }))
    .filter((r) => r.includes(' /api/v1/') && !r.startsWith('HEAD '))
    .sort();
  assert.ok(served.length >= 14, `the route tree was read (${served.length} API routes)`);
  const described = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  assert.deepEqual(described, served);
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      assert.ok(op.summary, `${method} ${path} has a summary`);
      assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} lists its answers`);
    }
  }
});

test('request bodies are described by the schemas the server checks them with', async () => {
  const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  const session = doc.paths['/api/v1/session']?.post?.requestBody?.content['application/json'].schema;
  assert.ok(session, 'sign-in has a body schema');
  const validate = new Ajv({ strict: false }).compile(session);
  assert.equal(validate({ name: 'Ada' }), true);
  assert.equal(validate({ name: 5 }), false);
  // The server refuses what the document refuses, with the API's error shape.
  const refused = await t.app.inject({
    method: 'POST',
    url: '/api/v1/session',
    headers: { 'content-type': 'application/json' },
    payload: '{"name":5}',
  });
  assert.equal(refused.statusCode, 400);
  const error = (refused.json() as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'bad_request');
  assert.match(error.message, /'name' must be text/);
});
