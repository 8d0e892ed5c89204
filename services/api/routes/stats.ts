/**
 * /v1/stats and /v1/exports/alerts: supervisors' figures per lane, class, model version, day or
 * inspector, and the decided alerts of a period as CSV or JSON. Every export is audited.
 * /v1/stats/shadow: how a shadow model version agrees with the active one on the same scans.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf, SUPERVISION } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorResponse, modelKeyOf } from '../schemas/common.ts';
import { ExportQuery, ShadowQuery, ShadowReport, StatsQuery, StatsReport } from '../schemas/stats.ts';
import { ALERT_EXPORT_COLUMNS, StatsService, toCsv } from '../../stats/stats-service.ts';

const DAY_MS = 86_400_000;
/** Longest period one request may cover. */
const MAX_RANGE_DAYS = 366;

class BadRangeError extends Error {
  readonly statusCode = 400;
}

function range(from: string | undefined, to: string | undefined): { from: string; to: string } {
  const end = to ? Date.parse(to) : Date.now();
  const start = from ? Date.parse(from) : end - 30 * DAY_MS;
  if (!(start < end)) throw new BadRangeError('`from` must be before `to`');
  if (end - start > MAX_RANGE_DAYS * DAY_MS) throw new BadRangeError(`a period may cover at most ${MAX_RANGE_DAYS} days`);
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
}

export const statsRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const service = new StatsService(deps.store.stats, deps.config.modelsDir);

  app.get(
    '/stats',
    {
      config: { roles: SUPERVISION },
      schema: {
        tags: ['stats'],
        summary: 'Scans, alerts, outcomes, confirmed rate, false-alarm reasons and time to decision, grouped',
        querystring: StatsQuery,
        response: { 200: StatsReport, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      return service.report(range(q.from, q.to), q.groupBy);
    },
  );

  app.get(
    '/stats/shadow',
    {
      config: { roles: SUPERVISION },
      schema: {
        tags: ['stats'],
        summary: 'Shadow comparison: per class, scans where the shadow and the active version both found it, only one did, or neither',
        description:
          'Over scans received in the period that both versions analysed (each keeps a heat map per class, since migration 009). "Found" = a detection of the class at or above that version\'s own threshold, what raises an alert for an active model.',
        querystring: ShadowQuery,
        response: { 200: ShadowReport, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const r = range(q.from, q.to);
      const reg = deps.models ? await deps.models() : null;
      const activeOf = (modelId: string) => reg?.active.find((m) => m.card.id === modelId)?.card.version;
      const shadows = q.shadow ? [modelKeyOf(q.shadow)] : (reg?.shadow ?? []).map((m) => ({ modelId: m.card.id, modelVersion: m.card.version }));
      const comparisons = [];
      for (const shadow of shadows) {
        const active = q.active ? modelKeyOf(q.active) : activeOf(shadow.modelId) ? { modelId: shadow.modelId, modelVersion: activeOf(shadow.modelId)! } : null;
        if (!active) throw new BadRangeError(`no active version of ${shadow.modelId} to compare ${shadow.modelId}@${shadow.modelVersion} with: give \`active\``);
        const rows = await deps.store.stats.shadowAgreement(r, active, shadow);
        comparisons.push({ active, shadow, classes: rows.map((c) => ({ ...c, scans: c.both + c.activeOnly + c.shadowOnly + c.neither })) });
      }
      return { from: r.from, to: r.to, comparisons };
    },
  );

  app.get(
    '/exports/alerts',
    {
      config: { roles: SUPERVISION },
      schema: {
        tags: ['stats'],
        summary: 'Alerts raised in a period with their review outcome, as CSV or JSON (audited)',
        querystring: ExportQuery,
      },
    },
    async (request, reply) => {
      const q = request.query;
      const r = range(q.from, q.to);
      const { rows, truncated } = await service.alertExport(r);
      await deps.store.audit.append({
        actor: actorOf(request),
        action: 'export.created',
        object: { type: 'export', id: `alerts:${r.from}/${r.to}` },
        after: { kind: 'alerts', from: r.from, to: r.to, format: q.format, rows: rows.length, truncated },
      });
      const name = `alerts_${r.from.slice(0, 10)}_${r.to.slice(0, 10)}.${q.format}`;
      reply.header('content-disposition', `attachment; filename="${name}"`);
      if (truncated) reply.header('x-export-truncated', 'true');
      if (q.format === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify({ from: r.from, to: r.to, truncated, alerts: rows }));
      return reply.type('text/csv; charset=utf-8').send(toCsv(rows, ALERT_EXPORT_COLUMNS));
    },
  );
};
