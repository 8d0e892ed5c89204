/**
 * POST /v1/scans/:scanId/reanalyse: a supervisor sends an analysed or failed scan back to the
 * queue (a worker killed twice in one job fails it for good; a new model version; a calibration
 * that arrived late). The scan goes through the lifecycle (analysed|failed → queued, audited as
 * scan.reanalyse_requested with the reason) and gets a job of its own, which a job of an earlier
 * run still kept in Redis cannot swallow. Decided alerts stay decided (the store keeps review
 * state across analyses).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ScanTransitionError } from '../../core/scan-lifecycle.ts';
import { ScanLifecycle } from '../../scans/lifecycle.ts';
import { actorOf } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorResponse, ScanIdPattern } from '../schemas/common.ts';

export const reanalyseRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.post(
    '/scans/:scanId/reanalyse',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['scans'],
        summary: 'Send an analysed or failed scan back for analysis (audited, with a reason)',
        params: Type.Object({ scanId: Type.String({ pattern: ScanIdPattern }) }),
        body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500 }) }),
        response: {
          202: Type.Object({ scanId: Type.String(), status: Type.Literal('queued'), run: Type.String() }),
          404: ErrorResponse,
          409: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (!deps.enqueueAnalysis) return reply.code(503).send({ error: 'unavailable', message: 'the analysis queue is not configured' });
      const scan = await deps.store.scans.get(request.params.scanId);
      if (!scan) return reply.code(404).send({ error: 'not_found', message: `scan "${request.params.scanId}" not found` });
      const lifecycle = new ScanLifecycle({ store: deps.store, actor, log: (m) => request.log.warn(m) });
      try {
        await lifecycle.queued(scan.scanId, scan.laneId, { reanalysis: { requestedBy: actor, reason: request.body.reason } });
      } catch (err) {
        if (err instanceof ScanTransitionError) return reply.code(409).send({ error: 'illegal_transition', message: err.message });
        throw err;
      }
      const run = Date.now().toString(36);
      // If the add fails the scan stays `queued` and the workers' reconciler enqueues it.
      await deps.enqueueAnalysis({ scanId: scan.scanId, contentSha256: scan.contentSha256, run });
      return reply.code(202).send({ scanId: scan.scanId, status: 'queued', run });
    },
  );
};
