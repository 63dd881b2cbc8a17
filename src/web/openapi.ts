// The JSON API described as OpenAPI 3.1, served at /api/v1/openapi.json. It is built from the
// schemas the routes themselves are checked against (route-schema.ts), so it cannot drift from them.
import { components, type JsonSchema, type RouteSchema } from './route-schema.ts';

/** A route as Fastify announces it (onRoute). */
export interface AnnouncedRoute {
  method: string | string[];
  url: string;
  schema?: unknown;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

const API_PREFIX = '/api/v1/';

export const isApiRoute = (url: string) => url.startsWith(API_PREFIX);

/** `/api/v1/comments/:id` → `/api/v1/comments/{id}` */
export const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

function parameters(where: Parameter['in'], schema: JsonSchema | undefined): Parameter[] {
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    const parameter: Parameter = { name, in: where, required: where === 'path' || required.has(name), schema: rest };
    if (typeof description === 'string') parameter.description = description;
    return parameter;
  });
}

function operation(schema: RouteSchema) {
  const params = [
    ...parameters('path', schema.params),
    ...parameters('query', schema.querystring),
    ...parameters('header', schema.headers),
  ];
  return {
    summary: schema.summary,
    ...(schema.description ? { description: schema.description } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } } : {}),
    responses: schema.responses,
  };
}

/** The document for every API route announced so far; a route without a schema is listed with what is known. */
export function buildOpenApiDocument(routes: readonly AnnouncedRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    if (!isApiRoute(route.url)) continue;
    const schema = (route.schema ?? { summary: '', responses: {} }) as RouteSchema;
    for (const method of ([] as string[]).concat(route.method)) {
      if (method === 'HEAD') continue;
      paths[openApiPath(route.url)] ??= {};
      paths[openApiPath(route.url)]![method.toLowerCase()] = operation(schema);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Byline discussion API',
      version: '1',
      description:
        'Same-origin JSON API for the readers\' discussion. Sign-in sets an HttpOnly session cookie; state-changing calls are refused (403) when Origin or Sec-Fetch-Site show another site. Errors are {"error":{"code","message"}}.',
    },
    components: { schemas: components },
    paths,
  };
}
