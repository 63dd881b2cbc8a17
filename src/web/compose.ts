// The composition root: every service the web layer uses is built here, once, and handed to its
// users through constructors. Nothing is filled in later: what a service needs, it is given.
import { joinChangeFeed } from '../cluster/node.ts';
import type { Config } from '../config.ts';
import type { Site } from '../content/types.ts';
import { HoldPolicy } from '../discussion/holds.ts';
import { Inbox } from '../discussion/inbox.ts';
import { Moderation } from '../discussion/moderation.ts';
import type { IdentityStore } from '../discussion/ports.ts';
import { Discussion, type DiscussionHooks, type PostFollowUp } from '../discussion/service.ts';
import { voteCountRule } from '../discussion/vote-rules.ts';
import { createNotifier, type NotifyServices } from '../notify/index.ts';
import { eventRetention, scheduleEventPruning } from '../store/retention.ts';
import type { Store } from '../store/store.ts';
import { AdminReads } from './admin-reads.ts';
import { type Assets, buildAssets } from './assets.ts';
import { heartbeatInterval } from './connections.ts';
import type { AppContext, SiteHolder } from './context.ts';
import { createLimiters, limiterBackendFor } from './limits.ts';
import { LiveHub } from './live.ts';
import { liveEventFormatter } from './live-events.ts';
import { PageCache } from './page-cache.ts';
import { articlePath } from './pages/paths.ts';
import { ReaderWrites } from './reader-writes.ts';
import { SiteReads } from './site-reads.ts';

export interface ComposeOptions {
  config: Config;
  content: SiteHolder;
  store: Store;
  now?: () => number;
  assets?: Assets;
}

export interface Composed {
  ctx: AppContext;
  /** Ends what would keep the server from closing (open live streams); called before it waits for requests. */
  beforeClose(): void;
  /** Webhooks, push and the author's mail (src/notify), for their routes (routes/notify.ts). */
  notify: NotifyServices;
  /** Lets go of everything else once the server is closed. The store stays open: its opener closes it. */
  close(): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;
/** The first pruning of old live-update events comes a minute after start, then one every hour. */
const FIRST_PRUNE_AFTER_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;

/** Builds the discussion and the moderation services that take part in its reads and writes. */
export function composeDiscussion(config: Config, content: SiteHolder, store: Store, now: () => number) {
  const inbox = new Inbox(store, now);
  const moderation = new Moderation(store, inbox, now);
  const holds = new HoldPolicy(store, config.moderation);
  // Holds, address-prefix bans, the vote rule and the inbox items of a new comment run inside
  // Discussion.post/vote, so the JSON API and the forms get them alike.
  const hooks: DiscussionHooks = {
    holdReason: (viewer, body, isAuthor) => holds.reasonFor(viewer.identity.id, body, isAuthor),
    prefixBan: (hash) => moderation.prefixBan(hash),
    voteRule: (voter) => voteCountRule(voter, now(), config.moderation),
  };
  // A new comment's inbox items are written in the comment's own transaction (one commit).
  const afterPost: PostFollowUp = (comment, parent, tx) =>
    comment.state === 'held' ? inbox.held(comment, tx) : inbox.published(comment, parent, tx);
  const discussion = new Discussion(
    store,
    { commentPolicy: (slug, at) => commentPolicy(content.site, slug, at, config.dev) },
    {
      authorNames: content.site.config.authorNames,
      sessionIdleMs: config.sessions.idleDays * DAY_MS,
      sessionMaxMs: config.sessions.maxDays * DAY_MS,
    },
    now,
    hooks,
    afterPost,
  );
  return { discussion, moderation, inbox, holds };
}

/** Comments are open unless the article says closed or is older than the site's limit. */
function commentPolicy(site: Site, slug: string, at: number, preview: boolean): 'open' | 'closed' | undefined {
  const article = site.articleBySlug(slug, { preview });
  if (!article) return undefined;
  if (article.comments === 'closed') return 'closed';
  const days = site.config.commentsCloseAfterDays;
  if (days > 0 && at - Date.parse(`${article.date}T00:00:00Z`) > days * DAY_MS) return 'closed';
  return 'open';
}

/** The notifications that leave the site, with the links and names they need from the site. */
function composeNotify(
  config: Config,
  content: SiteHolder,
  store: Store,
  now: () => number,
  baseUrl: () => string,
  makeLimiter: Parameters<typeof createNotifier>[0]['makeLimiter'],
): NotifyServices {
  const site = () => content.site;
  return createNotifier({
    store,
    settings: config.notify,
    dataDir: config.dataDir,
    siteTitle: site().config.title,
    siteUrl: baseUrl(),
    links: {
      articleTitle: (slug) => site().articleBySlug(slug, { preview: true })?.title ?? slug,
      articleUrl: (slug) => `${baseUrl()}${articlePath(slug)}`,
      commentUrl: (slug, id) => `${baseUrl()}${articlePath(slug)}#comment-${id}`,
      get inboxUrl() {
        return `${baseUrl()}/inbox`;
      },
    },
    isAuthor: authorIn(store),
    now,
    makeLimiter,
  });
}

/** Whether an identity is the site's author, as `store` (perhaps bound to a transaction) reads it. */
const authorIn = (store: IdentityStore) => async (id: string) => (await store.getIdentity(id))?.role === 'author';

/** Stored name keys are recomputed once when the name rules change; the operator hears what that did. */
async function upgradeNameKeys(discussion: Discussion): Promise<void> {
  const rekeyed = await discussion.upgradeNameKeys();
  if (!rekeyed || (rekeyed.rekeyed === 0 && rekeyed.clashes.length === 0)) return;
  console.log(`Name rules updated: ${rekeyed.rekeyed} stored name key(s) recomputed.`);
  for (const c of rekeyed.clashes) {
    console.warn(
      `  "${c.name}" (identity ${c.id}) now reads as "${c.heldBy}", held earlier; it can no longer be recovered by name. Review it in /admin/identities.`,
    );
  }
}

export async function compose(opts: ComposeOptions): Promise<Composed> {
  const { config, content, store } = opts;
  const now = opts.now ?? Date.now;
  const { discussion, moderation, inbox } = composeDiscussion(config, content, store, now);
  await upgradeNameKeys(discussion);
  const limiterBackend = await limiterBackendFor(config, store);
  const limiters = createLimiters(config, limiterBackend);
  const pageCache = new PageCache({ maxBytes: config.pageCacheBytes });
  const reads = new SiteReads(store);
  const live = new LiveHub(store, liveEventFormatter({ discussion, reads, now }), {
    ...config.streams,
    heartbeatMs: heartbeatInterval(config.server),
  });
  const changedHere = (slug: string) => {
    pageCache.invalidate(slug);
    void live.notify(slug).catch((err) => console.error('Live update failed:', err));
  };
  // On PostgreSQL every node hears every change through LISTEN/NOTIFY (see src/cluster/node.ts).
  const feed = await joinChangeFeed(store, {
    onChange: changedHere,
    onReconnect: () => {
      pageCache.clear();
      for (const article of [...content.site.articles, ...content.site.drafts]) changedHere(article.slug);
    },
  });
  const changed = (slug: string) => {
    changedHere(slug);
    feed?.publish(slug);
  };
  const ctx: AppContext = {
    config,
    content,
    assets: opts.assets ?? buildAssets(),
    now,
    baseUrl: () => (config.baseUrl ?? content.site.config.baseUrl).replace(/\/+$/, ''),
    discussion,
    moderation,
    inbox,
    writes: new ReaderWrites(discussion, limiters, changed),
    reads,
    adminReads: new AdminReads(store),
    live,
    pageCache,
    changed,
  };
  const notify = composeNotify(config, content, store, now, ctx.baseUrl, limiterBackend.make);
  // Every inbox item may leave the site too: a webhook, a push, a mail (src/notify), queued in
  // the transaction that stores the item, and sent once that has committed.
  inbox.listen({
    notified: (item, tx) => {
      const within = store.within(tx);
      return notify.notifier.notified(item, { store: within, isAuthor: authorIn(within), afterCommit: (fn) => tx.afterCommit(fn) });
    },
  });
  notify.notifier.start();
  // Keeps the live-update events table to its retention while the server runs.
  const pruning = scheduleEventPruning(store, eventRetention(config.eventsRetentionDays), {
    firstAfterMs: FIRST_PRUNE_AFTER_MS,
    everyMs: PRUNE_EVERY_MS,
    now,
  });
  return {
    ctx,
    beforeClose: () => live.close(),
    notify,
    close: async () => {
      await notify.notifier.close();
      await pruning.stop();
      await feed?.close();
      live.close();
      limiters.close();
    },
  };
}
