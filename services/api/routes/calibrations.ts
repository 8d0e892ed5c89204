/**
 * /v1/calibrations and /v1/scanners/:serial/calibrations: the scanner calibration profiles the
 * adapter stored from calibration packages (docs/calibration-package.md), active and refused,
 * so operators can see which calibration is in force and why one was refused.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { CalibrationProfile, Page } from '../../store/types.ts';
import { STAFF } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import {
  CalibrationDetail,
  CalibrationListQuery,
  CalibrationPage,
  CalibrationParams,
  CalibrationSummary,
  ScannerCalibrationQuery,
  ScannerParams,
} from '../schemas/calibrations.ts';
import { ErrorResponse } from '../schemas/common.ts';

/** Explicit mapping, so the API shape is chosen, not inherited from the stored record. */
function summary(p: CalibrationProfile): Static<typeof CalibrationSummary> {
  return {
    id: p.id,
    calibrationId: p.calibrationId,
    version: p.version,
    status: p.status,
    reason: p.reason,
    scanner: p.scanner,
    source: p.source,
    acquiredAt: p.acquiredAt,
    receivedAt: p.receivedAt,
    maxResidual: p.maxResidual,
    tolerance: p.tolerance,
    residuals: p.residuals.map((r) => ({ ...r, withinTolerance: Math.abs(r.residual) <= r.tolerance })),
  };
}

function detail(p: CalibrationProfile): CalibrationDetail {
  const m = p.metadata;
  return {
    ...summary(p),
    contentSha256: p.contentSha256,
    pixelSpacingMm: m.pixelSpacingMm,
    airValue: m.airValue,
    regions: p.measurements.map((r, i) => ({
      material: r.material,
      thicknessMm: r.thicknessMm,
      densityGcm3: r.densityGcm3 ?? null,
      box: m.regions[i]!.box,
      pixels: r.pixels,
      attenuation: r.attenuation,
      stdError: r.stdError,
    })),
    response: p.response,
  };
}

function page(p: Page<CalibrationProfile>): Static<typeof CalibrationPage> {
  return { items: p.items.map(summary), nextCursor: p.nextCursor };
}

export const calibrationRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { store } = deps;

  app.get(
    '/calibrations',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['calibrations'],
        summary: 'List scanner calibration profiles (active and refused), newest received first',
        querystring: CalibrationListQuery,
        response: { 200: CalibrationPage, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      return page(await store.calibrations.list({ serial: q.serial, limit: q.limit, cursor: q.cursor }));
    },
  );

  app.get(
    '/calibrations/:id',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['calibrations'],
        summary: 'One calibration profile with its region measurements, residuals and fitted response',
        params: CalibrationParams,
        response: { 200: CalibrationDetail, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const profile = await store.calibrations.get(request.params.id);
      if (!profile) return reply.code(404).send({ error: 'not_found', message: `calibration profile "${request.params.id}" not found` });
      return detail(profile);
    },
  );

  app.get(
    '/scanners/:serial/calibrations',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['calibrations'],
        summary: "One scanner's calibration profiles (active and refused), newest received first",
        params: ScannerParams,
        querystring: ScannerCalibrationQuery,
        response: { 200: CalibrationPage, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      return page(await store.calibrations.list({ serial: request.params.serial, limit: q.limit, cursor: q.cursor }));
    },
  );
};
