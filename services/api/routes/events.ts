/**
 * /v1/events: server-sent events relaying SystemEvent from the Redis event stream. The reply is
 * hijacked, so Fastify neither serialises nor ends it; this module owns the socket until the
 * client leaves or the app closes. Every event carries its durable stream id, so a client that
 * reconnects with Last-Event-ID (the header EventSource sends, or ?lastEventId=) first gets the
 * events it missed — also across API restarts — then the live ones, without gaps or repeats.
 * When the stream no longer reaches back that far, the client gets a `reset` event: re-read the
 * REST endpoints.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { mayAccessLane, type PrincipalRole } from '../../core/access.ts';
import { compareEventIds, EVENT_ID_PATTERN, type SystemEvent } from '../../events/events.ts';
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
    case 'scan.rejected':
      return {
        type: e.type,
        rejectionId: e.rejectionId,
        packageName: e.packageName,
        laneId: e.laneId,
        scanId: e.scanId,
        code: e.code,
        message: e.message,
        at: e.at,
      };
    default:
      return undefined;
  }
}

export const eventRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; heartbeatMs: number }> = async (app, { deps, heartbeatMs }) => {
  const open = new Set<ServerResponse>();

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
        querystring: Type.Object({
          lastEventId: Type.Optional(Type.String({ pattern: EVENT_ID_PATTERN.source, description: 'Resume after this event id (same as the Last-Event-ID header)' })),
        }),
        tags: ['events'],
        summary: 'Server-sent events: `scan.status`, `alert.created`, `scan.rejected` and `calibration.profile` (plus `reset` when a resumed client must re-read), heartbeat comment every 15 s',
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
      const frame = (e: SystemEvent, id: string): string | undefined => {
        const body = publicEvent(e);
        // Lane-bound actors see events of their lanes; events without a lane (calibration) go to all.
        if (!body || (typeof body.laneId === 'string' && !mayAccessLane(actor, body.laneId))) return undefined;
        return `id: ${id}\nevent: ${e.type}\ndata: ${JSON.stringify(body)}\n\n`;
      };
      const header = request.headers['last-event-id'];
      const resumeFrom = (typeof header === 'string' && EVENT_ID_PATTERN.test(header) ? header : undefined) ?? request.query.lastEventId;

      // Live events are buffered while the missed ones are replayed, then flushed past the last replayed id.
      let replaying = resumeFrom !== undefined && typeof events.since === 'function';
      let lastSent = resumeFrom ?? '0-0';
      const buffered: { e: SystemEvent; id: string }[] = [];
      const deliver = (e: SystemEvent, id: string): void => {
        if (compareEventIds(id, lastSent) <= 0) return;
        lastSent = id;
        const chunk = frame(e, id);
        if (chunk) send(chunk);
      };
      const unsubscribe = events.on((e, id) => {
        if (replaying) buffered.push({ e, id });
        else deliver(e, id);
      });
      if (replaying && resumeFrom) {
        try {
          const missed = await events.since!(resumeFrom);
          if (!missed.complete) send(`event: reset\ndata: ${JSON.stringify({ reason: 'events since the given id are no longer all kept; re-read the REST endpoints' })}\n\n`);
          for (const m of missed.events) deliver(m.event, m.id);
        } catch (err) {
          request.log.warn({ err: (err as Error).message }, 'SSE catch-up failed');
          send(`event: reset\ndata: ${JSON.stringify({ reason: 'missed events could not be read; re-read the REST endpoints' })}\n\n`);
        }
        replaying = false;
        for (const b of buffered.splice(0)) deliver(b.e, b.id);
      }
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
