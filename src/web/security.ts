import type { FastifyInstance } from 'fastify';

/**
 * Headers on every response. The CSP allows nothing but our own origin: no inline script or
 * style (so an injected attribute can't run), no plugins, no <base> tricks, no framing.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Every response carries these; error responses written straight to the socket too (see errors.ts). */
export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};

const securityEntries = Object.entries(securityHeaders);

export function registerSecurityHeaders(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every response, and needs no promise.
  app.addHook('onSend', (_req, reply, payload, done) => {
    for (const [name, value] of securityEntries) {
      // A page that set a stricter referrer policy of its own (one with a secret in its address) keeps it.
      if (name === 'Referrer-Policy' && reply.hasHeader(name)) continue;
      reply.header(name, value);
    }
    reply.removeHeader('X-Powered-By');
    done(null, payload);
  });
}
