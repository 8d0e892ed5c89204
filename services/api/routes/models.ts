/** /v1/models: the active and shadow models as the registry loaded them. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { STAFF } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorResponse } from '../schemas/common.ts';
import { ModelList } from '../schemas/models.ts';
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
};
