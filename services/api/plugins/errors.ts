/**
 * Error and not-found handling. 4xx answers say what was wrong; 5xx answers say only
 * "internal" and the request id, and the details go to the log, so database messages,
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

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
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
