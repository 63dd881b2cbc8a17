// The HTTP server: Fastify with our limits, hooks and error handling, and every route, over the
// services the composition root (compose.ts) builds.
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';
import { type ComposeOptions, compose } from './compose.ts';
import { registerBodyParsers } from './body-parsers.ts';
import { capConnectionsPerAddress, serverTimeouts } from './connections.ts';
import { onClientError, onFrameworkError, registerErrorHandling } from './errors.ts';
import { registerCrossSiteGuard } from './guard.ts';
import { type FastPath, createFastPath, putInFront } from './fast-path.ts';
import { registerHealthRoute } from './health.ts';
import { sendPrepared } from './http.ts';
import { type AnnouncedRoute, buildOpenApiDocument } from './openapi.ts';
import { registerAccountRoutes } from './routes/account.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerArticleApi } from './routes/article-api.ts';
import { registerArticleRoutes } from './routes/article.tsx';
import { registerCommentForms } from './routes/comment-forms.ts';
import { registerCommentsApi } from './routes/comments-api.ts';
import { registerInboxRoutes } from './routes/inbox.ts';
import { registerNotifyRoutes } from './routes/notify.ts';
import { registerReadingRoutes } from './routes/reading.ts';
import { registerSessionRoutes } from './routes/session.ts';
import type { RouteSchema } from './route-schema.ts';
import { registerSecurityHeaders } from './security.ts';
import { compileValidator, schemaErrorFormatter } from './validation.ts';

export type CreateAppOptions = ComposeOptions;

export interface App {
  app: FastifyInstance;
  ctx: AppContext;
  /** Cached shared bodies answered in front of Fastify (see fast-path.ts). */
  fastPath: FastPath;
}

/** Request bodies above this are refused with a 413 before they are read in full. */
const BODY_LIMIT = 64 * 1024;

export async function createApp(opts: CreateAppOptions): Promise<App> {
  const composed = await compose(opts);
  const { ctx } = composed;
  const { config } = ctx;
  const app = Fastify({
    logger: false,
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: (err, req, reply) => onFrameworkError(ctx, err, req, reply),
    clientErrorHandler: onClientError,
    schemaErrorFormatter,
    ...serverTimeouts(config.server),
  });
  app.setValidatorCompiler(compileValidator);
  capConnectionsPerAddress(app.server, config.server, config.trustProxy);
  let closing = false;
  const fastPath = createFastPath(ctx, { closing: () => closing, log: config.logLevel === 'info' });
  putInFront(app.server, fastPath);
  // Open streams would keep the server from closing: end them before it waits for requests.
  app.addHook('preClose', async () => {
    closing = true;
    await composed.beforeClose();
  });
  app.addHook('onClose', async () => composed.close());

  registerSecurityHeaders(app);
  // Only JSON and HTML forms carry writes. Dropping text/plain means a cross-site
  // <form enctype="text/plain"> smuggling JSON is refused before any route sees it.
  app.removeContentTypeParser('text/plain');
  registerBodyParsers(app, BODY_LIMIT);
  registerCrossSiteGuard(app, ctx);
  if (config.logLevel === 'info') {
    app.addHook('onResponse', async (req, reply) => {
      console.log(`${req.method} ${req.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`);
    });
  }

  const routes: AnnouncedRoute[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  registerRoutes(app, ctx, routes);
  registerNotifyRoutes(app, ctx, composed.notify);
  registerErrorHandling(app, ctx);
  return { app, ctx, fastPath };
}

function registerRoutes(app: FastifyInstance, ctx: AppContext, routes: readonly AnnouncedRoute[]): void {
  app.get('/assets/:file', async (req, reply) => {
    const asset = ctx.assets.byPath.get(req.url.split('?')[0]!);
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return sendPrepared(req, reply, asset.body, 'public, max-age=31536000, immutable');
  });
  app.get('/favicon.ico', async (req, reply) => sendPrepared(req, reply, ctx.assets.icon.body, 'public, max-age=86400'));
  registerHealthRoute(app, ctx);

  // Built from the routes' own schemas on first request, when every route has been announced.
  let openApi: ReturnType<typeof buildOpenApiDocument> | undefined;
  const openApiSchema: RouteSchema = {
    summary: 'This document: the JSON API as OpenAPI 3.1',
    responses: { '200': { description: 'The OpenAPI document.' } },
  };
  app.get('/api/v1/openapi.json', { schema: openApiSchema }, async (_req, reply) => {
    openApi ??= buildOpenApiDocument(routes);
    return reply.header('Cache-Control', 'public, max-age=3600').send(openApi);
  });

  registerReadingRoutes(app, ctx);
  registerArticleRoutes(app, ctx);
  registerArticleApi(app, ctx);
  registerSessionRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerCommentsApi(app, ctx);
  registerCommentForms(app, ctx);
  registerAdminRoutes(app, ctx);
  registerInboxRoutes(app, ctx);
}
