import type { FastifyInstance } from 'fastify';
import { eventRetention, scheduleEventPruning } from '../store/retention.ts';
import type { AppContext } from './context.ts';

/**
 * `/healthz`: 200 only when the database answers and holds every table and column the pages
 * read (one cheap query reading at most a row of each); otherwise 503 with the reason, so a
 * load balancer or monitor stops trusting a node whose database was restored from a bad file.
 */
export function registerHealthRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const unavailable = (error: string) => reply.code(503).send({ status: 'unavailable', storage: ctx.store.engine, error });
    try {
      await ctx.store.ping();
    } catch (err) {
      return unavailable(err instanceof Error ? err.message : String(err));
    }
    const problem = await ctx.store.schemaProblem();
    if (problem) return unavailable(`The database lacks a table or column the site reads: ${problem}`);
    return reply.send({ status: 'ok', storage: ctx.store.engine });
  });
}

/** The first pruning run comes a minute after start, then one every hour. */
const FIRST_PRUNE_AFTER_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;

/** Keeps the live-update events table to its retention while the server runs. */
export function registerEventPruning(app: FastifyInstance, ctx: AppContext): void {
  const schedule = scheduleEventPruning(ctx.store, eventRetention(ctx.config.eventsRetentionDays), {
    firstAfterMs: FIRST_PRUNE_AFTER_MS,
    everyMs: PRUNE_EVERY_MS,
    now: ctx.now,
  });
  app.addHook('onClose', () => schedule.stop());
}
