/**
 * Error and not-found handling. 4xx answers say what was wrong; 5xx answers say only
 * "internal" (or "unavailable", 503 with Retry-After, while the database or Redis is away) and the request id, and the details go to the log, so database messages,
 * paths or stack traces never reach a client.
 */
import type { FastifyError, FastifyInstance } from 'fastify';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  409: 'conflict',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** Network errors and PostgreSQL/SQLite states that mean "a dependency is away", not "a bug". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'SQLITE_BUSY', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const UNAVAILABLE_MESSAGE = /Connection terminated|connection (is )?closed|Client has encountered a connection error|MaxRetriesPerRequest|the database system is (starting up|shutting down)|timeout exceeded when trying to connect/i;

/**
 * True when the error (or one it wraps) says the database or Redis cannot be reached right now:
 * the client gets 503 with Retry-After — try again — instead of 500.
 */
export function isDependencyUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
    // AggregateError (a connection attempt to several addresses) keeps its reasons in `errors`.
    if (Array.isArray(e.errors) && e.errors.some((x) => isDependencyUnavailable(x))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status === 500 && isDependencyUnavailable(err)) {
      status = 503;
      void reply.header('retry-after', '5');
    }
    if (status >= 500) {
      request.log.error({ err, request: { method: request.method, url: request.url } }, 'request failed');
      return reply.code(status).send({ error: status === 503 ? 'unavailable' : 'internal', requestId: request.id });
    }
    request.log.info({ err: { message: err.message, code: err.code }, url: request.url }, 'client error');
    return reply.code(status).send({ error: CODES[status] ?? 'client_error', message: err.message, requestId: request.id });
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}`, requestId: request.id });
  });
}
