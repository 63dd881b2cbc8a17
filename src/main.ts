// The running server, start to stop: the content is loaded, the store opened, the app built over
// them (src/web/compose.ts builds every service), and on SIGTERM or SIGINT everything is closed
// in the order that keeps every answered write.
import type { Config } from './config.ts';
import { watchContent } from './content/watch.ts';
import { openStore } from './store/open.ts';
import { type App, createApp } from './web/app.ts';
import { warmAssets } from './web/assets.ts';
import { ContentError, loadSiteHolder, reloadSiteHolder } from './web/site-holder.ts';

export async function serve(config: Config): Promise<void> {
  let content: Awaited<ReturnType<typeof loadSiteHolder>>;
  try {
    content = await loadSiteHolder(config.contentDir, config.dev);
  } catch (err) {
    // The CLI prints the message and exits: every problem is listed, with no stack trace.
    if (err instanceof ContentError) throw new Error(`Byline did not start. ${err.message}`);
    throw err;
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart });
  const { app, ctx } = await createApp({ config, content, store });
  let stopWatching = () => {};
  if (config.dev) {
    stopWatching = watchContent(config.contentDir, () => {
      void reloadSiteHolder(content, config.contentDir, true).then((problems) => {
        if (problems.length > 0) console.error(`Content not reloaded; fix these first:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
        else console.log('Content reloaded.');
      });
    });
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: ending live streams, finishing requests in flight, then closing the database.`);
    stopWatching();
    await closeWithin(app, config.server.shutdownGraceMs).catch((err) => console.error('Closing the server failed:', err));
    // Only now, with no request left that could still be writing, is the store closed: every
    // write that was answered has been committed.
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await app.listen({ host: config.host, port: config.port });
  // The stylesheet and scripts are packed for the wire after the first reader can be served.
  void warmAssets(ctx.assets).catch((err) => console.error('Compressing the assets failed:', err));
  const address = app.server.address();
  const port = address && typeof address === 'object' ? address.port : config.port;
  const shownHost = config.host === '127.0.0.1' || config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  console.log(
    `Byline is serving ${content.site.config.title} at http://${shownHost}:${port}/ (storage: ${store.engine}${config.dev ? ', dev mode' : ''})`,
  );
}

/**
 * Closes the server: live streams end first (readers reconnect by themselves), requests in flight
 * finish, and whatever is still open after the grace period is cut, so a stop never waits on a
 * client. A last timer exits the process should even that not finish.
 */
async function closeWithin(app: App['app'], graceMs: number): Promise<void> {
  const cut = setTimeout(() => {
    console.error(`Requests still open after ${graceMs / 1000} s; closing their connections.`);
    app.server.closeAllConnections();
  }, graceMs);
  const last = setTimeout(() => {
    console.error('The server did not close; exiting.');
    process.exit(1);
  }, graceMs + 5000);
  cut.unref();
  last.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
    clearTimeout(last);
  }
}
