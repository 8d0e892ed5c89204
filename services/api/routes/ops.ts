/**
 * Operational endpoints: liveness, readiness and Prometheus metrics (outside /v1). Liveness and
 * readiness are public (probes); metrics need supervisor/admin unless METRICS_PUBLIC=true.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { Registry } from 'prom-client';
import { SUPERVISION } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { Check, Liveness, Readiness } from '../schemas/health.ts';

type CheckResult = Static<typeof Check>;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export const opsRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; registry: Registry; readinessTimeoutMs: number }> = async (
  app,
  { deps, registry, readinessTimeoutMs },
) => {
  app.get(
    '/healthz',
    { config: { roles: 'public' }, schema: { tags: ['ops'], summary: 'Process is alive', response: { 200: Liveness } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { roles: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Ready to serve: database, Redis and models all OK (else 503 naming what failed)',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (request, reply) => {
      // Dependency errors are logged, not returned: connection strings and paths stay inside.
      const probe = async (name: string, fn: () => Promise<void>): Promise<CheckResult> => {
        try {
          await withTimeout(fn(), readinessTimeoutMs);
          return { ok: true };
        } catch (err) {
          request.log.warn({ err, check: name }, 'readiness check failed');
          return { ok: false, message: `${name} unavailable` };
        }
      };
      const skipped: CheckResult = { ok: true, skipped: true };
      const [database, redis, models] = await Promise.all([
        probe('database', () => deps.store.ping()),
        deps.redisPing ? probe('redis', deps.redisPing) : skipped,
        deps.models
          ? (async (): Promise<CheckResult> => {
              try {
                const reg = await withTimeout(deps.models!(), readinessTimeoutMs);
                // One refused model (a corrupt file) degrades the analysis of its scans — they end
                // needs_review — but the API still serves alerts and decisions: ready, with the reason.
                const refused = reg.problems.length > 0 ? `models refused: ${reg.problems.map((p) => p.model).join(', ')}` : '';
                if (reg.active.length === 0) return { ok: false, message: `no active model${refused ? `; ${refused}` : ''}` };
                if (refused) return { ok: true, message: refused };
                return { ok: true };
              } catch (err) {
                request.log.warn({ err, check: 'models' }, 'readiness check failed');
                return { ok: false, message: 'model registry unavailable' };
              }
            })()
          : skipped,
      ]);
      const ready = database.ok && redis.ok && models.ok;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { database, redis, models } });
    },
  );

  app.get(
    '/metrics',
    {
      config: { roles: deps.config.metricsPublic ? 'public' : SUPERVISION },
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: Type.String() } } } },
      },
    },
    async (_request, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    },
  );
};
