// The public reading side: home, listings, articles, the book, corrections, feeds, media.
// Everything here depends on the loaded content alone, so each answer is rendered and
// compressed once per content version and then served from memory with its ETag.
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Article } from '../../content/types.ts';
import { type SlugParams, object, slugParams } from '../route-schema.ts';
import type { AppContext } from '../context.ts';
import { buildAtomFeed, buildJsonFeed, buildRobots, buildSitemap } from '../feeds.ts';
import { etagMatches, type PreparedBody, prepareBody, sendPrepared, strongEtag } from '../http.ts';
import { renderBookPage } from '../pages/book.tsx';
import { renderCorrectionsPage } from '../pages/corrections.tsx';
import { renderHomePage } from '../pages/home.tsx';
import { type ListingPageProps, renderListingPage } from '../pages/listing.tsx';
import { sectionPath, tagPath } from '../pages/meta.tsx';
import { pageOf, pagePath } from '../pages/parts.tsx';
import { sharedCacheControl } from '../session.ts';

const HTML = 'text/html; charset=utf-8';
// Content-only answers keep their own lifetimes whoever asks: they never vary with a session.
const FEED_CACHE = 'public, max-age=600';
const MEDIA_CACHE = 'public, max-age=86400';

interface Cache {
  version: number;
  /** The footer's copyright year comes from the clock, so a new year starts a fresh cache. */
  year: number;
  bodies: Map<string, PreparedBody>;
}

/** Rendered answers for the current content version; a reload (or a new year) drops them all. */
function createCache(ctx: AppContext) {
  let cache: Cache | undefined;
  return (key: string, contentType: string, render: () => string | Buffer): PreparedBody => {
    const version = ctx.content.version;
    const year = new Date(ctx.now()).getUTCFullYear();
    if (!cache || cache.version !== version || cache.year !== year) cache = { version, year, bodies: new Map() };
    let body = cache.bodies.get(key);
    if (!body) {
      body = prepareBody(render(), contentType);
      cache.bodies.set(key, body);
    }
    return body;
  };
}

type Cached = ReturnType<typeof createCache>;

/** Listing pages read ?page=N leniently: anything but a plain page number is "not found", never an error. */
interface PageQuery {
  page?: unknown;
}
const pageQuery = object({ page: { description: 'The page number, from 1.' } });
const slugParamsOnly = { params: slugParams, querystring: pageQuery };

/**
 * A page every reader shares: a shared cache may keep it briefly (SHARED_CACHE, unless a session
 * asked); browsers revalidate it on each visit (cheap: a 304), so a correction reaches readers at once.
 */
function sendPage(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, body: PreparedBody): FastifyReply {
  return sendPrepared(req, reply, body, sharedCacheControl(ctx, req), 200, 'Accept-Encoding, Cookie');
}

function notFound(reply: FastifyReply): FastifyReply {
  reply.callNotFound();
  return reply;
}

/**
 * The page number from ?page=N: 1 when absent, undefined when it is anything but a plain
 * positive whole number (0, -1, abc, 1.5, an empty value, or the parameter given twice).
 */
export function parsePage(query: PageQuery): number | undefined {
  const raw = query.page;
  if (raw === undefined) return 1;
  if (typeof raw !== 'string' || !/^[1-9]\d{0,8}$/.test(raw)) return undefined;
  return Number(raw);
}

function sendListing(
  req: FastifyRequest<{ Querystring: PageQuery }>,
  reply: FastifyReply,
  ctx: AppContext,
  cached: Cached,
  base: string,
  all: Article[],
  props: Omit<ListingPageProps, 'ctx' | 'articles' | 'paging'>,
): FastifyReply {
  const page = parsePage(req.query);
  if (page === undefined) return notFound(reply);
  const { items, pages } = pageOf(all, page, ctx.content.site.config.pageSize);
  if (page > pages) return notFound(reply);
  const body = cached(`${base}?page=${page}`, HTML, () =>
    renderListingPage({ ...props, ctx, articles: items, paging: { page, pages, pathFor: (n: number) => pagePath(base, n) } }),
  );
  return sendPage(ctx, req, reply, body);
}

/** Sends bytes that are already compressed (photos) as they are, with a validator. */
function sendUncompressed(req: FastifyRequest, reply: FastifyReply, raw: Buffer, etag: string, contentType: string): FastifyReply {
  reply.header('ETag', etag).header('Cache-Control', MEDIA_CACHE).type(contentType);
  if (etagMatches(req.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.send(raw);
}

interface MediaBody {
  raw: Buffer;
  etag: string;
  prepared?: PreparedBody;
}

function registerMediaRoute(app: FastifyInstance, ctx: AppContext): void {
  let version = -1;
  let bodies = new Map<string, Promise<MediaBody>>();
  app.get<{ Params: { '*': string } }>('/media/*', async (req, reply) => {
    const key = `/media/${req.params['*']}`;
    const media = ctx.content.site.media.get(key);
    if (!media) return notFound(reply);
    if (version !== ctx.content.version) {
      version = ctx.content.version;
      bodies = new Map();
    }
    let pending = bodies.get(key);
    if (!pending) {
      // Text formats (SVG) shrink a lot when compressed; photos are compressed already.
      const compressible = /^image\/svg\+xml/.test(media.contentType);
      pending = readFile(media.file).then((raw) =>
        compressible ? { raw, etag: '', prepared: prepareBody(raw, media.contentType) } : { raw, etag: strongEtag(raw) },
      );
      bodies.set(key, pending);
      // A file that vanished under us is not cached as a failure: the next request tries again.
      pending.catch(() => bodies.delete(key));
    }
    let body: MediaBody;
    try {
      body = await pending;
    } catch {
      return notFound(reply);
    }
    if (body.prepared) return sendPrepared(req, reply, body.prepared, MEDIA_CACHE);
    return sendUncompressed(req, reply, body.raw, body.etag, media.contentType);
  });
}

/** The routes, one short handler each: this function is long only because it lists them all. */
export function registerReadingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const cached = createCache(ctx);
  const site = () => ctx.content.site;

  app.get('/', async (req, reply) => {
    const body = cached('home', HTML, () => renderHomePage(ctx));
    return sendPage(ctx, req, reply, body);
  });

  app.get<{ Querystring: PageQuery }>('/writing', { schema: { querystring: pageQuery } }, async (req, reply) =>
    sendListing(req, reply, ctx, cached, '/writing', site().articles, {
      title: 'All writing',
      description: `Everything ${site().config.title} has published, newest first.`,
      current: 'writing',
    }),
  );

  // The article page itself is served by routes/article.tsx, which adds the discussion and the page cache.

  app.get<{ Params: SlugParams; Querystring: PageQuery }>('/sections/:slug', { schema: slugParamsOnly }, async (req, reply) => {
    const section = site().sections.find((s) => s.slug === req.params.slug);
    if (!section) return notFound(reply);
    return sendListing(req, reply, ctx, cached, sectionPath(section.slug), site().articlesInSection(section.slug), {
      title: section.title,
      description: section.description ?? `Writing in the section ${section.title}, newest first.`,
      eyebrow: 'Section',
      showSection: false,
    });
  });

  app.get<{ Params: SlugParams; Querystring: PageQuery }>('/tags/:slug', { schema: slugParamsOnly }, async (req, reply) => {
    const tag = site().tags.find((t) => t.slug === req.params.slug);
    if (!tag) return notFound(reply);
    return sendListing(req, reply, ctx, cached, tagPath(tag.slug), site().articlesWithTag(tag.slug), {
      title: tag.title,
      description: tag.description ?? `Writing tagged ${tag.title}, newest first.`,
      eyebrow: 'Tag',
    });
  });

  app.get<{ Params: SlugParams }>('/books/:slug', { schema: { params: slugParams } }, async (req, reply) => {
    const book = site().bookBySlug(req.params.slug);
    if (!book) return notFound(reply);
    const body = cached(`book:${book.slug}`, HTML, () => renderBookPage(ctx, book));
    return sendPage(ctx, req, reply, body);
  });

  app.get('/corrections', async (req, reply) => {
    const body = cached('corrections', HTML, () => renderCorrectionsPage(ctx));
    return sendPage(ctx, req, reply, body);
  });

  app.get('/feed.xml', async (req, reply) =>
    sendPrepared(
      req,
      reply,
      cached('feed.xml', 'application/atom+xml; charset=utf-8', () => buildAtomFeed(ctx)),
      FEED_CACHE,
    ),
  );
  app.get('/feed.json', async (req, reply) =>
    sendPrepared(
      req,
      reply,
      cached('feed.json', 'application/feed+json; charset=utf-8', () => buildJsonFeed(ctx)),
      FEED_CACHE,
    ),
  );
  app.get('/sitemap.xml', async (req, reply) =>
    sendPrepared(
      req,
      reply,
      cached('sitemap.xml', 'application/xml; charset=utf-8', () => buildSitemap(ctx)),
      FEED_CACHE,
    ),
  );
  app.get('/robots.txt', async (req, reply) =>
    sendPrepared(
      req,
      reply,
      cached('robots.txt', 'text/plain; charset=utf-8', () => buildRobots(ctx)),
      FEED_CACHE,
    ),
  );

  registerMediaRoute(app, ctx);
}
