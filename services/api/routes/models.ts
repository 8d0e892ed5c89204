/**
 * /v1/models: the active and shadow models as the registry loaded them; /v1/models/versions: every
 * version on disk with its card summary and active flag (administrators; read-only — activation is
 * a change to models/registry.json, docs/models.md).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listModelVersions } from '../../model-registry/registry.ts';
import { STAFF } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorResponse } from '../schemas/common.ts';
import { ModelList, ModelVersionList } from '../schemas/models.ts';
import { modelView } from '../views.ts';

export const modelRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/models',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['models'],
        summary: 'Active and shadow models (id, version, sha-256, classes, thresholds, intended use)',
        response: { 200: ModelList, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!deps.models) return reply.code(503).send({ error: 'unavailable', message: 'model registry is not configured' });
      const reg = await deps.models();
      for (const p of reg.problems) request.log.warn({ model: p.model, reason: p.reason }, 'model refused by registry');
      return {
        active: reg.active.map(modelView),
        shadow: reg.shadow.map(modelView),
        refused: reg.problems.map((p) => p.model),
      };
    },
  );

  app.get(
    '/models/versions',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['models'],
        summary: 'Every model version on disk: card summary, active and shadow flags (read-only)',
        response: { 200: ModelVersionList },
      },
    },
    async () => {
      const items = await listModelVersions(deps.config.modelsDir, deps.config.shadowModels);
      return {
        items: items.map((m) => ({
          id: m.id,
          version: m.version,
          active: m.active,
          shadow: m.shadow,
          problem: m.problem,
          card: m.card
            ? {
                createdAt: String(m.card.createdAt ?? ''),
                intendedUse: String(m.card.intendedUse ?? ''),
                classes: m.card.classes ?? [],
                sourceKinds: m.card.input?.sourceKinds ?? [],
                pixelSpacingMm: Number(m.card.input?.pixelSpacingMm ?? 0),
                representation: m.card.input?.representation?.kind ?? 'attenuation',
                candidateScore: Number(m.card.candidateScore ?? 0),
                thresholds: m.card.thresholds ?? {},
                limits: m.card.limits ?? [],
              }
            : null,
        })),
      };
    },
  );
};
