/** /v1/alerts: list and detail. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../deps.ts';
import { Alert, AlertListQuery, AlertPage, AlertParams } from '../schemas/alerts.ts';
import { ErrorResponse } from '../schemas/common.ts';

export const alertRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { store } = deps;

  app.get(
    '/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'List alerts, newest first',
        querystring: AlertListQuery,
        response: { 200: AlertPage, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      return store.alerts.list({
        status: q.status,
        laneId: q.lane,
        class: q.class,
        since: q.since ? new Date(q.since).toISOString() : undefined,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    '/alerts/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'One alert',
        params: AlertParams,
        response: { 200: Alert, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const alert = await store.alerts.get(request.params.id);
      if (!alert) return reply.code(404).send({ error: 'not_found', message: `alert "${request.params.id}" not found` });
      return alert;
    },
  );
};
