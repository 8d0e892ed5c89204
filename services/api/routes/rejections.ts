/**
 * /v1/rejections: packages the adapter quarantined, newest first, with their reason — so a lane
 * whose scanner writes bad packages does not look idle. Operators see their lanes' rejections and
 * those whose lane could not be read (a package too broken to name its lane may be theirs).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PrincipalRole } from '../../core/access.ts';
import { actorOf, REVIEWERS } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorResponse } from '../schemas/common.ts';
import { RejectionListQuery, RejectionPage } from '../schemas/rejections.ts';

const REJECTION_READERS = ['operator', ...REVIEWERS] as const satisfies readonly PrincipalRole[];

export const rejectionsRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/rejections',
    {
      config: { roles: REJECTION_READERS },
      schema: {
        tags: ['scans'],
        summary: 'Quarantined packages with their reasons, newest first',
        querystring: RejectionListQuery,
        response: { 200: RejectionPage, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const actor = actorOf(request);
      return deps.store.rejections.list({
        laneId: q.lane,
        visibleToLanes: actor.lanes ?? undefined,
        since: q.since ? new Date(q.since).toISOString() : undefined,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );
};
