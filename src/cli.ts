import { parseArgs } from 'node:util';
import type { Command } from './commands/index.ts';
import { type Config, loadConfig } from './config.ts';

// Each command loads what it needs when it runs (the build keeps each in its own chunk): serving
// never loads the operator commands, and `byline check` never loads the server.
const BUILT_IN = new Set(['serve', 'new', 'check', 'migrate', 'author-link']);
const operatorCommands = async (): Promise<Record<string, Command>> => (await import('./commands/index.ts')).extraCommands;

const usage = (extraCommands: Record<string, Command>) => `Usage: byline <command> [options]

Commands:
  serve [--dev] [--port N] [--host H]   serve the site (--dev: show drafts, reload content on change)
  new "Title"                           create a draft article in the content folder
  check                                 validate the content folder and list every problem
  migrate                               apply database migrations and exit
  author-link [NAME]                    print a one-time sign-in URL for the author (valid 10 minutes)
${Object.entries(extraCommands)
  .map(([name, c]) => `  ${`${name} ${c.args}`.padEnd(38)}${c.summary}`)
  .join('\n')}

Options (or environment):
  --content DIR   content folder (BYLINE_CONTENT_DIR, default ./content)
  --data DIR      data folder (BYLINE_DATA_DIR, default ./data)
  DATABASE_URL    postgres://... to use PostgreSQL instead of SQLite in the data folder
`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  // Operator commands parse their own options (--from, --to, --force, ...).
  const extra = argv[0] && !BUILT_IN.has(argv[0]) ? (await operatorCommands())[argv[0]] : undefined;
  if (extra) return extra.run(argv.slice(1), loadConfig(process.env));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dev: { type: 'boolean', default: false },
      port: { type: 'string' },
      host: { type: 'string' },
      content: { type: 'string' },
      data: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(usage(await operatorCommands()));
    return;
  }
  const overrides: Partial<Config> = { dev: values.dev };
  if (values.port !== undefined) overrides.port = Number(values.port);
  if (values.host !== undefined) overrides.host = values.host;
  if (values.content !== undefined) overrides.contentDir = values.content;
  if (values.data !== undefined) overrides.dataDir = values.data;
  if (values.dev) overrides.logLevel = 'info';

  switch (command) {
    case 'serve': {
      const { serve } = await import('./main.ts');
      return serve(loadConfig(process.env, overrides));
    }
    case 'new': {
      const title = rest.join(' ').trim();
      if (!title) fail('Usage: byline new "Title of the article"');
      const config = loadConfig(process.env, overrides);
      const { createArticle } = await import('./content/scaffold.ts');
      const path = await createArticle(config.contentDir, title);
      console.log(`Created ${path} (a draft: set draft: false to publish).`);
      return;
    }
    case 'check': {
      const config = loadConfig(process.env, overrides);
      const { loadSite } = await import('./content/load.ts');
      const result = await loadSite(config.contentDir, { includeDrafts: true });
      if (result.problems.length > 0)
        fail(`${result.problems.length} problem(s) in ${config.contentDir}:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`);
      const site = result.site!;
      console.log(
        `Content is valid: ${site.articles.length} articles, ${site.drafts.length} drafts, ${site.books.length} book(s), ${site.sections.length} sections, ${site.tags.length} tags.`,
      );
      return;
    }
    case 'migrate': {
      const config = loadConfig(process.env, overrides);
      const { openStore } = await import('./store/open.ts');
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
      const applied = await store.migrate();
      console.log(applied.length > 0 ? `Applied migrations: ${applied.join(', ')}.` : 'The database is up to date.');
      await store.close();
      return;
    }
    case 'author-link': {
      const config = loadConfig(process.env, overrides);
      const [{ loadSiteHolder }, { openStore }, { composeDiscussion }] = await Promise.all([
        import('./web/site-holder.ts'),
        import('./store/open.ts'),
        import('./web/compose.ts'),
      ]);
      const content = await loadSiteHolder(config.contentDir, false);
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart });
      const { discussion } = composeDiscussion(config, content, store, Date.now);
      const link = await discussion.createAuthorLink(rest.join(' ').trim() || undefined);
      const base = (config.baseUrl ?? content.site.config.baseUrl).replace(/\/+$/, '');
      console.log(`${base}/author/signin?token=${link.token}`);
      console.error(`One-time sign-in link for ${link.name}; it expires at ${new Date(link.expiresAt).toISOString()}.`);
      await store.close();
      return;
    }
    default:
      fail(`Unknown command '${command}'.\n\n${usage(await operatorCommands())}`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
