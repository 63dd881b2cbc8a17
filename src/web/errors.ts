// How errors are answered. Every error carries the security headers and one shape: JSON
// {"error":{"code","message"}} under /api/, a page in the site's style elsewhere. Messages are
// ours; nothing the client sent (its URL, its headers, its body) is echoed back.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StoreUnavailableError } from '../store/driver.ts';
import { RecordMissingError } from '../discussion/records.ts';
import { apiError } from './api-error.ts';
import type { AppContext } from './context.ts';
import { messagePage } from './pages/account.tsx';
import { notFoundPage, serverErrorPage, unavailablePage } from './pages/errors.tsx';
import { securityHeaders } from './security.ts';

const isApi = (url: string) => url.startsWith('/api/');

interface ClientErrorText {
  code: string;
  title: string;
  message: string;
}

/** Our own words for a 4xx: the framework's messages quote the request, so they are never shown. */
function clientErrorText(err: FastifyError, status: number): ClientErrorText {
  const fromFramework = typeof err.code === 'string' && err.code.startsWith('FST_');
  switch (status) {
    case 408:
      return { code: 'timeout', title: 'Too slow', message: 'The request took too long to arrive.' };
    case 413:
      return { code: 'too_large', title: 'Too large', message: 'That request is too large.' };
    case 414:
      return { code: 'too_long', title: 'Address too long', message: 'This address is too long.' };
    case 415:
      return {
        code: 'unsupported_media_type',
        title: 'Not understood',
        message: 'Send JSON (Content-Type: application/json) or an HTML form.',
      };
    case 429:
      return {
        code: 'rate_limited',
        title: 'Slow down a little',
        message: fromFramework ? 'Too many requests. Please wait a moment.' : err.message,
      };
  }
  // A request part that does not fit its route's schema: the message is ours (see validation.ts).
  if (err.validation) return { code: 'bad_request', title: 'Not understood', message: err.message };
  if (err.code === 'FST_ERR_BAD_URL') {
    return {
      code: 'bad_request',
      title: 'Address not valid',
      message: 'This address is not valid: part of it is not correctly percent-encoded.',
    };
  }
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
    return { code: 'bad_request', title: 'Not understood', message: 'The request body is not valid JSON.' };
  }
  if (fromFramework || !err.message)
    return { code: 'bad_request', title: 'Not understood', message: 'This request could not be understood.' };
  return { code: 'bad_request', title: 'Not understood', message: err.message };
}

/** A 4xx page in the site's style; if even that cannot be rendered, a plain one. */
function clientErrorPage(ctx: AppContext, text: ClientErrorText): string {
  try {
    return messagePage({ ctx, viewer: null, title: text.title, message: text.message, back: '/', backLabel: 'Go to the home page' });
  } catch {
    return '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not understood</title></head><body><main><h1>Not understood</h1><p><a href="/">Go to the home page</a></p></main></body></html>';
  }
}

export function registerErrorHandling(app: FastifyInstance, ctx: AppContext): void {
  app.setNotFoundHandler(async (req, reply) => {
    if (isApi(req.url)) return reply.code(404).send(apiError('not_found', 'There is nothing at this address.'));
    return reply.code(404).type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(notFoundPage(ctx));
  });

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    // A statement cancelled by the database's timeout (PostgreSQL 57014) means the database is
    // overloaded right now: the reader should retry, as when it is down.
    if (err instanceof StoreUnavailableError || (err as { code?: unknown }).code === '57014') {
      reply.code(503).header('Retry-After', '5');
      if (isApi(req.url))
        return reply.send(apiError('unavailable', 'The site cannot reach its database right now. Try again in a moment.'));
      return reply.type('text/html; charset=utf-8').send(unavailablePage(ctx));
    }
    if (err instanceof RecordMissingError) {
      if (isApi(req.url)) return reply.code(404).send(apiError('not_found', err.message));
      return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage(ctx));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const text = clientErrorText(err, status);
      reply.code(status).header('Cache-Control', 'no-store');
      if (isApi(req.url)) return reply.send(apiError(text.code, text.message));
      return reply.type('text/html; charset=utf-8').send(clientErrorPage(ctx, text));
    }
    console.error(`Error serving ${req.method} ${req.url}:`, err);
    if (isApi(req.url)) return reply.code(500).send(apiError('internal', 'Something went wrong on our side.'));
    return reply.code(500).type('text/html; charset=utf-8').send(serverErrorPage(ctx));
  });
}

/**
 * Errors Fastify meets before any route runs (a URL that is not valid percent-encoding, a path
 * segment over the length limit). No hook runs for these, so the headers are set here.
 */
export function onFrameworkError(ctx: AppContext, err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  reply.code(status).headers({ ...securityHeaders, 'Cache-Control': 'no-store' });
  if (status === 500) console.error(`Error routing ${req.method} ${req.url}:`, err);
  const text =
    status === 500 ? { code: 'internal', title: '', message: 'Something went wrong on our side.' } : clientErrorText(err, status);
  if (isApi(req.url)) return reply.type('application/json; charset=utf-8').send(JSON.stringify(apiError(text.code, text.message)));
  return reply.type('text/html; charset=utf-8').send(status === 500 ? serverErrorPage(ctx) : clientErrorPage(ctx, text));
}

/**
 * Requests too malformed for Node's HTTP parser never reach Fastify: they are answered here,
 * straight on the socket, still with the security headers and the JSON error shape.
 */
export function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'timeout', 'The request took too long to arrive.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request headers are too large.']
        : [400, 'bad_request', 'The request is not valid HTTP.'];
  // As Node itself does: while a response on this connection is part-way out, bytes written now
  // would corrupt it for the peer, so such a connection is only closed.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(apiError(code, message));
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    Connection: 'close',
    ...securityHeaders,
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`, () => socket.destroy());
}
