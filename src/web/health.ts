import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';

/**
 * `/healthz`: 200 only when the database answers and holds every table and column the pages
 * read; otherwise 503 with the reason, so a load balancer or monitor stops trusting a node whose
 * database was restored from a bad file.
 */
export function registerHealthRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const health = await ctx.reads.storageHealth();
    if (health.problem !== undefined) return reply.code(503).send({ status: 'unavailable', storage: health.engine, error: health.problem });
    return reply.send({ status: 'ok', storage: health.engine });
  });
}
