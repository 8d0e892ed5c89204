/**
 * /v1/events: server-sent events relaying SystemEvent from Redis pub/sub. The reply is
 * hijacked, so Fastify neither serialises nor ends it; this module owns the socket until
 * the client leaves or the app closes. Events are notifications only: a client that
 * reconnects re-reads state from the REST endpoints.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { mayAccessLane, type PrincipalRole } from '../../core/access.ts';
import type { SystemEvent } from '../../events/events.ts';
import { REVIEWERS, actorOf } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorResponse } from '../schemas/common.ts';

/** Events carry scan and alert data: the roles that may see scans. Operators get their lanes' only. */
const EVENT_READERS = ['operator', ...REVIEWERS] as const satisfies readonly PrincipalRole[];

/** A client this far behind is cut off rather than buffering without bound. */
const MAX_BUFFERED_BYTES = 1 << 20;

/** Allow-list of event fields sent to clients (the same idea as response schemas). */
function publicEvent(e: SystemEvent): Record<string, unknown> | undefined {
  switch (e.type) {
    case 'scan.status':
      return {
        type: e.type,
        scanId: e.scanId,
        laneId: e.laneId,
        status: e.status,
        verdict: e.verdict,
        // Code and message only, as in the scan record's schema.
        verdictReasons: (e.verdictReasons ?? []).map((r) => ({ code: r.code, message: r.message })),
        failureReason: e.failureReason ?? null,
        timings: e.timings ?? {},
        at: e.at,
      };
    case 'alert.created':
      return { type: e.type, alertId: e.alertId, scanId: e.scanId, laneId: e.laneId, class: e.class, score: e.score, at: e.at };
    case 'calibration.profile':
      return {
        type: e.type,
        profileId: e.profileId,
        calibrationId: e.calibrationId,
        serial: e.serial,
        sourceKind: e.sourceKind,
        status: e.status,
        version: e.version,
        reason: e.reason,
        at: e.at,
      };
    default:
      return undefined;
  }
}

export const eventRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; heartbeatMs: number }> = async (app, { deps, heartbeatMs }) => {
  const open = new Set<ServerResponse>();
  let seq = 0;

  // End open streams before the server closes, otherwise close() waits for them forever.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
    open.clear();
  });

  app.get(
    '/events',
    {
      config: { roles: EVENT_READERS },
      schema: {
        tags: ['events'],
        summary: 'Server-sent events: `scan.status`, `alert.created` and `calibration.profile`, heartbeat comment every 15 s',
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } },
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const events = deps.events;
      if (!events) return reply.code(503).send({ error: 'unavailable', message: 'event stream is not configured' });
      const actor = actorOf(request);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // stop reverse proxies from buffering the stream
      });
      res.write('retry: 3000\n: connected\n\n');
      open.add(res);

      const send = (chunk: string): void => {
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          request.log.warn('SSE client too slow, closing its stream');
          res.destroy();
          return;
        }
        res.write(chunk);
      };
      const unsubscribe = events.on((e) => {
        const body = publicEvent(e);
        // Lane-bound actors see events of their lanes; events without a lane (calibration) go to all.
        if (body && typeof body.laneId === 'string' && !mayAccessLane(actor, body.laneId)) return;
        if (body) send(`id: ${++seq}\nevent: ${e.type}\ndata: ${JSON.stringify(body)}\n\n`);
      });
      const heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      });
    },
  );
};
