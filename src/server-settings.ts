/**
 * Bounds on what one client can hold open: live streams, slow requests, idle connections, and
 * how long a shutdown may take. Read from BYLINE_* in the environment; every value has a default
 * that suits a single small server.
 */
export interface StreamSettings {
  /** Live streams open at once from one address prefix (an IPv4 address or an IPv6 /64). */
  perPrefix: number;
  /** Live streams open at once on this node. */
  total: number;
  /** Most events replayed to a reconnecting reader; past this the reader is told to reload. */
  replayMax: number;
  /** Most bytes of events replayed to a reconnecting reader; past this, too, the reader is told to reload. */
  replayMaxBytes: number;
  /** Unsent bytes a stream may hold before its reader is dropped as too slow. */
  bufferMaxBytes: number;
  /** How long a replay waits for a reader to take what was sent before dropping it. */
  drainTimeoutMs: number;
}

export interface ServerSettings {
  /** Time allowed for a request's headers to arrive. */
  headersTimeoutMs: number;
  /** Time allowed for a whole request (headers and body) to arrive; the response is not bounded by it. */
  requestTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed (live streams send a heartbeat well inside it). */
  idleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Open connections from one address; 0 turns the cap off. Not applied behind a trusted proxy, where every connection comes from the proxy. */
  connectionsPerAddress: number;
  /** Time a shutdown waits for requests in flight before it closes what is left and exits. */
  shutdownGraceMs: number;
}

export const defaultStreamSettings: StreamSettings = {
  perPrefix: 8,
  total: 2000,
  replayMax: 200,
  replayMaxBytes: 1024 * 1024,
  bufferMaxBytes: 256 * 1024,
  drainTimeoutMs: 10_000,
};

export const defaultServerSettings: ServerSettings = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 10_000,
  connectionsPerAddress: 128,
  shutdownGraceMs: 10_000,
};

function reader(env: NodeJS.ProcessEnv) {
  return (name: string, fallback: number, min: number): number => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} '${value}' must be a number of at least ${min}.`);
    return n;
  };
}

export function streamSettingsFromEnv(env: NodeJS.ProcessEnv): StreamSettings {
  const read = reader(env);
  return {
    perPrefix: Math.floor(read('BYLINE_STREAMS_PER_PREFIX', defaultStreamSettings.perPrefix, 1)),
    total: Math.floor(read('BYLINE_STREAMS_TOTAL', defaultStreamSettings.total, 1)),
    replayMax: Math.floor(read('BYLINE_STREAM_REPLAY_MAX', defaultStreamSettings.replayMax, 0)),
    replayMaxBytes: Math.floor(read('BYLINE_STREAM_REPLAY_KB', defaultStreamSettings.replayMaxBytes / 1024, 1) * 1024),
    bufferMaxBytes: Math.floor(read('BYLINE_STREAM_BUFFER_KB', defaultStreamSettings.bufferMaxBytes / 1024, 1) * 1024),
    drainTimeoutMs: Math.round(read('BYLINE_STREAM_DRAIN_SECONDS', defaultStreamSettings.drainTimeoutMs / 1000, 0.1) * 1000),
  };
}

export function serverSettingsFromEnv(env: NodeJS.ProcessEnv): ServerSettings {
  const read = reader(env);
  const seconds = (name: string, fallbackMs: number) => Math.round(read(name, fallbackMs / 1000, 0.1) * 1000);
  const settings: ServerSettings = {
    headersTimeoutMs: seconds('BYLINE_HEADERS_TIMEOUT_SECONDS', defaultServerSettings.headersTimeoutMs),
    requestTimeoutMs: seconds('BYLINE_REQUEST_TIMEOUT_SECONDS', defaultServerSettings.requestTimeoutMs),
    idleTimeoutMs: seconds('BYLINE_IDLE_TIMEOUT_SECONDS', defaultServerSettings.idleTimeoutMs),
    keepAliveTimeoutMs: seconds('BYLINE_KEEPALIVE_TIMEOUT_SECONDS', defaultServerSettings.keepAliveTimeoutMs),
    connectionsPerAddress: Math.floor(read('BYLINE_CONNECTIONS_PER_ADDRESS', defaultServerSettings.connectionsPerAddress, 0)),
    shutdownGraceMs: seconds('BYLINE_SHUTDOWN_GRACE_SECONDS', defaultServerSettings.shutdownGraceMs),
  };
  // Node requires the headers to be due no later than the whole request.
  if (settings.headersTimeoutMs > settings.requestTimeoutMs) {
    throw new Error('BYLINE_HEADERS_TIMEOUT_SECONDS must not be longer than BYLINE_REQUEST_TIMEOUT_SECONDS.');
  }
  return settings;
}
