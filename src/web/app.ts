import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import { type Assets, buildAssets } from './assets.ts';
import type { AppContext, SiteHolder } from './context.ts';
import { sendPrepared } from './http.ts';
import { Discussion } from '../discussion/service.ts';
import { createLimiters } from './limits.ts';
import { registerBodyParsers } from './body-parsers.ts';
import { LiveHub } from './live.ts';
import { capConnectionsPerAddress, heartbeatInterval, serverTimeouts } from './connections.ts';
import { PageCache } from './page-cache.ts';
import { liveEventFormatter, registerArticleRoute } from './routes/article.tsx';
import { registerDiscussionRoutes } from './routes/discussion.ts';
import { registerAdminRoutes } from './routes/admin.tsx';
import { registerInboxRoutes } from './routes/inbox.ts';
import { registerReadingRoutes } from './routes/reading.ts';
import { registerSecurityHeaders } from './security.ts';
import { onClientError, onFrameworkError, registerErrorHandling } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { registerEventPruning, registerHealthRoute } from './health.ts';
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

export async function createApp(opts: CreateAppOptions): Promise<App> {
  const { config } = opts;
  const app = Fastify({
    logger: false,
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Called only for requests, long after `ctx` below exists.
    frameworkErrors: (err, req, reply) => onFrameworkError(ctx, err, req, reply),
    clientErrorHandler: onClientError,
    ...serverTimeouts(config.server),
  });
  capConnectionsPerAddress(app.server, config.server, config.trustProxy);
  const now = opts.now ?? Date.now;
  const content = opts.content;
  const discussion = new Discussion(
    opts.store,
    { commentPolicy: (slug, at) => commentPolicy(content.site, slug, at, config.dev) },
    {
      authorNames: content.site.config.authorNames,
      sessionIdleMs: config.sessions.idleDays * 24 * 3600 * 1000,
      sessionMaxMs: config.sessions.maxDays * 24 * 3600 * 1000,
    },
    now,
  );
  const rekeyed = await discussion.upgradeNameKeys();
  if (rekeyed && (rekeyed.rekeyed > 0 || rekeyed.clashes.length > 0)) {
    console.log(`Name rules updated: ${rekeyed.rekeyed} stored name key(s) recomputed.`);
    for (const c of rekeyed.clashes) {
      console.warn(`  "${c.name}" (identity ${c.id}) now reads as "${c.heldBy}", held earlier; it can no longer be recovered by name. Review it in /admin/identities.`);
    }
  }
  const ctx = {
    config,
    content,
    store: opts.store,
    assets: opts.assets ?? buildAssets(),
    now,
    baseUrl: () => (config.baseUrl ?? content.site.config.baseUrl).replace(/\/+$/, ''),
    discussion,
    pageCache: new PageCache({ maxBytes: config.pageCacheBytes }),
    limiters: createLimiters(config, await clusterLimiterFactory(opts.store)),
  } as AppContext;
  ctx.live = new LiveHub(opts.store, liveEventFormatter(ctx), { ...config.streams, heartbeatMs: heartbeatInterval(config.server) });
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
  // Open streams would keep the server from closing: end them before it waits for requests.
  app.addHook('preClose', async () => ctx.live.close());
  app.addHook('onClose', async () => {
    await feed?.close();
    ctx.live.close();
    ctx.limiters.close();
  });

  registerSecurityHeaders(app);
  // Only JSON and HTML forms carry writes. Dropping text/plain means a cross-site
  // <form enctype="text/plain"> smuggling JSON is refused before any route sees it.
  app.removeContentTypeParser('text/plain');
  registerBodyParsers(app, 64 * 1024);

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

  registerHealthRoute(app, ctx);
  registerEventPruning(app, ctx);

  app.get('/api/v1/openapi.json', async (_req, reply) => reply.header('Cache-Control', 'public, max-age=3600').send(openApiDocument));

  registerReadingRoutes(app, ctx);
  registerArticleRoute(app, ctx);
  registerDiscussionRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerInboxRoutes(app, ctx);

  registerErrorHandling(app, ctx);

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
