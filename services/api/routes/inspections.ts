/**
 * /v1/scans/:scanId/inspection(s): the physical-inspection outcome of a held scan, recorded by an
 * operator of the scan's lane (or a supervisor) — seized (species, count, weight) or
 * nothing_found. It decides the scan's referred alerts accordingly, in one transaction with the
 * audit entries (services/review). Kept apart from the scan routes because it is part of the
 * review workflow, not of the analysis.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createReviewService } from '../../review/service.ts';
import { actorOf } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { InspectionBody, InspectionList, InspectionParams, InspectionResult, ReviewErrorResponse } from '../schemas/alerts.ts';
import { ErrorResponse } from '../schemas/common.ts';
import { ALERT_READERS, reviewErrors } from './alerts.ts';

export const inspectionRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const reviews = createReviewService({ store: deps.store, claimMinutes: deps.config.alertClaimMinutes });
  reviewErrors(app);
  const refusals = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ReviewErrorResponse };

  app.post(
    '/scans/:scanId/inspection',
    {
      config: { roles: ['operator', 'supervisor'] },
      schema: {
        tags: ['scans', 'alerts'],
        summary: "Record the physical-inspection outcome of a held scan; decides the scan's referred alerts (seized / nothing_found)",
        params: InspectionParams,
        body: InspectionBody,
        response: { 201: InspectionResult, ...refusals },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await reviews.recordInspection(actorOf(request), request.params.scanId, { outcome: b.outcome, seizure: b.seizure, notes: b.notes });
      return reply.code(201).send(result);
    },
  );

  app.get(
    '/scans/:scanId/inspections',
    {
      config: { roles: ALERT_READERS },
      schema: {
        tags: ['scans', 'alerts'],
        summary: 'Physical-inspection outcomes recorded for a scan, oldest first',
        params: InspectionParams,
        response: { 200: InspectionList, ...refusals },
      },
    },
    async (request) => ({ items: await reviews.inspections(actorOf(request), request.params.scanId) }),
  );
};
