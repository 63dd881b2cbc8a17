import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TrustProxy } from '../config.ts';
import type { ServerSettings } from '../server-settings.ts';
import { addressPrefix } from './client.ts';

/**
 * The HTTP server's own timeouts. A request's headers and then its whole body must arrive in
 * bounded time, so a client that trickles bytes cannot hold a connection for ever. They bound
 * receiving the request only: a live stream's response goes on as long as the reader stays.
 */
export function serverTimeouts(settings: ServerSettings) {
  return {
    requestTimeout: settings.requestTimeoutMs,
    connectionTimeout: settings.idleTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    http: {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      // Node looks for overdue requests on this interval (30 s by default), so a short timeout
      // needs a short interval to mean anything.
      connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(settings.headersTimeoutMs / 4))),
    },
  };
}

/** The keep-alive comment of a live stream comes well inside the idle timeout, so quiet streams live. */
export function heartbeatInterval(settings: ServerSettings): number {
  return Math.max(500, Math.min(25_000, Math.floor(settings.idleTimeoutMs / 2)));
}

/**
 * Closes a new connection at once when its address (IPv4, or IPv6 /64) already holds the
 * allowed number. Behind a trusted proxy every connection comes from the proxy, so there the
 * cap is the proxy's job.
 */
export function capConnectionsPerAddress(server: Server, settings: ServerSettings, trustProxy: TrustProxy): void {
  if (settings.connectionsPerAddress <= 0 || trustProxy !== false) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const key = addressPrefix(socket.remoteAddress ?? '');
    const held = open.get(key) ?? 0;
    if (held >= settings.connectionsPerAddress) {
      socket.destroy();
      return;
    }
    open.set(key, held + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}
