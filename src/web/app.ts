import formbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { RecordMissingError, type Store } from '../store/store.ts';
import { StoreUnavailableError } from '../store/driver.ts';
import { type Assets, buildAssets } from './assets.ts';
import type { AppContext, SiteHolder } from './context.ts';
import { sendPrepared } from './http.ts';
import { notFoundPage, serverErrorPage, unavailablePage } from './pages/errors.tsx';
import { Discussion } from '../discussion/service.ts';
import { createLimiters } from './limits.ts';
import { LiveHub } from './live.ts';
import { PageCache } from './page-cache.ts';
import { liveEventFormatter, registerArticleRoute } from './routes/article.tsx';
import { registerDiscussionRoutes } from './routes/discussion.ts';
import { registerAdminRoutes } from './routes/admin.tsx';
import { registerInboxRoutes } from './routes/inbox.ts';
import { registerReadingRoutes } from './routes/reading.ts';
import { registerSecurityHeaders } from './security.ts';
import { openApiDocument } from './openapi.ts';
import type { Site } from '../content/types.ts';
import { clusterLimiterFactory, joinChangeFeed } from '../cluster/node.ts';

export interface CreateAppOptions {
  config: Config;
  content: SiteHolder;
  store: Store;
  now?: () => number;
  assets?: Assets;
}

export interface App {
  app: FastifyInstance;
  ctx: AppContext;
}

/** JSON error bodies follow one shape everywhere: {"error":{"code","message"}}. */
export function apiError(code: string, message: string) {
  return { error: { code, message } };
}

const isApi = (url: string) => url.startsWith('/api/');

export async function createApp(opts: CreateAppOptions): Promise<App> {
  const { config } = opts;
  const app = Fastify({
    logger: false,
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  const now = opts.now ?? Date.now;
  const content = opts.content;
  const discussion = new Discussion(
    opts.store,
    { commentPolicy: (slug, at) => commentPolicy(content.site, slug, at, config.dev) },
    { authorNames: content.site.config.authorNames },
    now,
  );
  const ctx = {
    config,
    content,
    store: opts.store,
    assets: opts.assets ?? buildAssets(),
    now,
    baseUrl: () => (config.baseUrl ?? content.site.config.baseUrl).replace(/\/+$/, ''),
    discussion,
    pageCache: new PageCache(),
    limiters: createLimiters(config, await clusterLimiterFactory(opts.store)),
  } as AppContext;
  ctx.live = new LiveHub(opts.store, liveEventFormatter(ctx));
  const changedHere = (slug: string) => {
    ctx.pageCache.invalidate(slug);
    void ctx.live.notify(slug).catch((err) => console.error('Live update failed:', err));
  };
  // On PostgreSQL every node hears every change through LISTEN/NOTIFY (see src/cluster/node.ts).
  const feed = await joinChangeFeed(opts.store, {
    onChange: changedHere,
    onReconnect: () => {
      ctx.pageCache.clear();
      for (const article of [...content.site.articles, ...content.site.drafts]) changedHere(article.slug);
    },
  });
  ctx.changed = (slug: string) => {
    changedHere(slug);
    feed?.publish(slug);
  };
  app.addHook('onClose', async () => {
    await feed?.close();
    ctx.live.close();
    ctx.limiters.close();
  });

  registerSecurityHeaders(app);
  // Only JSON and HTML forms carry writes. Dropping text/plain means a cross-site
  // <form enctype="text/plain"> smuggling JSON is refused before any route sees it.
  app.removeContentTypeParser('text/plain');
  await app.register(formbody, { bodyLimit: 64 * 1024 });

  if (config.logLevel === 'info') {
    app.addHook('onResponse', async (req, reply) => {
      console.log(`${req.method} ${req.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`);
    });
  }

  app.get('/assets/:file', async (req, reply) => {
    const asset = ctx.assets.byPath.get(req.url.split('?')[0]!);
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return sendPrepared(req, reply, asset.body, 'public, max-age=31536000, immutable');
  });
  app.get('/favicon.ico', async (req, reply) => sendPrepared(req, reply, ctx.assets.icon.body, 'public, max-age=86400'));

  app.get('/healthz', async (_req, reply) => {
    try {
      await ctx.store.ping();
      return reply.header('Cache-Control', 'no-store').send({ status: 'ok', storage: ctx.store.engine });
    } catch (err) {
      return reply
        .code(503)
        .header('Cache-Control', 'no-store')
        .send({ status: 'unavailable', storage: ctx.store.engine, error: err instanceof Error ? err.message : String(err) });
    }
  });

  app.get('/api/v1/openapi.json', async (_req, reply) => reply.header('Cache-Control', 'public, max-age=3600').send(openApiDocument));

  registerReadingRoutes(app, ctx);
  registerArticleRoute(app, ctx);
  registerDiscussionRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerInboxRoutes(app, ctx);

  app.setNotFoundHandler(async (req, reply) => {
    if (isApi(req.url)) return reply.code(404).send(apiError('not_found', 'There is nothing at this address.'));
    return reply.code(404).type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(notFoundPage(ctx));
  });

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    // A statement cancelled by the database's timeout (PostgreSQL 57014) means the database is
    // overloaded right now: the reader should retry, as when it is down.
    if (err instanceof StoreUnavailableError || (err as { code?: unknown }).code === '57014') {
      reply.code(503).header('Retry-After', '5');
      if (isApi(req.url)) return reply.send(apiError('unavailable', 'The site cannot reach its database right now. Try again in a moment.'));
      return reply.type('text/html; charset=utf-8').send(unavailablePage(ctx));
    }
    if (err instanceof RecordMissingError) {
      if (isApi(req.url)) return reply.code(404).send(apiError('not_found', err.message));
      return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage(ctx));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code =
        status === 413 ? 'too_large' : status === 415 ? 'unsupported_media_type' : status === 429 ? 'rate_limited' : 'bad_request';
      const message =
        status === 413
          ? 'That request is too large.'
          : status === 415
            ? 'Send JSON (Content-Type: application/json) or an HTML form.'
            : err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
              ? 'The request body is not valid JSON.'
              : err.message;
      return reply.code(status).send(apiError(code, message));
    }
    console.error(`Error serving ${req.method} ${req.url}:`, err);
    if (isApi(req.url)) return reply.code(500).send(apiError('internal', 'Something went wrong on our side.'));
    return reply.code(500).type('text/html; charset=utf-8').send(serverErrorPage(ctx));
  });

  return { app, ctx };
}

/** Comments are open unless the article says closed or is older than the site's limit. */
function commentPolicy(site: Site, slug: string, at: number, preview: boolean): 'open' | 'closed' | undefined {
  const article = site.articleBySlug(slug, { preview });
  if (!article) return undefined;
  if (article.comments === 'closed') return 'closed';
  const days = site.config.commentsCloseAfterDays;
  if (days > 0 && at - Date.parse(`${article.date}T00:00:00Z`) > days * 24 * 3600 * 1000) return 'closed';
  return 'open';
}
