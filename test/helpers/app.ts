import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Config, loadConfig } from '../../src/config.ts';
import type { SqlStore } from '../../src/store/sql-store.ts';
import { createApp } from '../../src/web/app.ts';
import type { AppContext } from '../../src/web/context.ts';
import { loadSiteHolder } from '../../src/web/site-holder.ts';
import { openTestStore } from './engine.ts';

export const demoContentDir = resolve('content');

/** Starts `app` on a free loopback port and answers its base URL. */
export async function listenOnLoopback(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return address && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : '';
}

export interface TestApp {
  url: string;
  app: FastifyInstance;
  ctx: AppContext;
  store: SqlStore;
  config: Config;
  close(): Promise<void>;
}

export interface TestAppOptions {
  contentDir?: string;
  config?: Partial<Config>;
  now?: () => number;
  /** Listen on a real port (browser tests); otherwise tests may use app.inject. */
  listen?: boolean;
}

/** Starts Byline on a fresh temporary data folder with the demo content (or another folder). */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'byline-test-'));
  // SQLite unless BYLINE_TEST_ENGINE picks another engine (see ./engine.ts).
  const opened = await openTestStore({ dataDir, databaseUrl: opts.config?.databaseUrl });
  const config = loadConfig(
    {},
    {
      dataDir,
      contentDir: opts.contentDir ?? demoContentDir,
      secret: 'test-secret',
      logLevel: 'quiet',
      port: 0,
      databaseUrl: opened.databaseUrl,
      ...opts.config,
    },
  );
  const store = opened.store;
  const content = await loadSiteHolder(config.contentDir, config.dev);
  const { app, ctx } = await createApp({ config, content, store, now: opts.now });
  let url = '';
  if (opts.listen !== false) {
    url = await listenOnLoopback(app);
  } else {
    await app.ready();
  }
  return {
    url,
    app,
    ctx,
    store,
    config,
    async close() {
      await app.close();
      await opened.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
