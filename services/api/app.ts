/**
 * Builds the API as a Fastify instance from injected dependencies (no listening, no
 * process handlers), so tests and the launcher can host it. Boot order follows
 * fastify/demo: external plugins → the app's own plugins → routes.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps, BuildAppOptions } from './deps.ts';
import './access.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerConsole } from './plugins/console.ts';
import { registerErrorHandlers } from './plugins/errors.ts';
import { createMetrics } from './plugins/metrics.ts';
import { registerSwagger } from './plugins/swagger.ts';
import { alertRoutes } from './routes/alerts.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { calibrationRoutes } from './routes/calibrations.ts';
import { eventRoutes } from './routes/events.ts';
import { inspectionRoutes } from './routes/inspections.ts';
import { modelRoutes } from './routes/models.ts';
import { opsRoutes } from './routes/ops.ts';
import { reanalyseRoutes } from './routes/reanalyse.ts';
import { rejectionsRoutes } from './routes/rejections.ts';
import { scanRoutes } from './routes/scans.ts';
import { statsRoutes } from './routes/stats.ts';
import { usersRoutes } from './routes/users.ts';

export type { ApiDeps, BuildAppOptions } from './deps.ts';

export async function buildApp(deps: ApiDeps, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? { level: deps.config.logLevel } }),
    bodyLimit: 1024 * 1024,
    // Slow-loris protection; SSE streams stay below connectionTimeout thanks to heartbeats.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 10_000,
    return503OnClosing: true,
    ajv: {
      customOptions: {
        // Unknown query/body properties are dropped rather than passed on to handlers.
        removeAdditional: 'all',
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // 1. External plugins.
  await registerSwagger(app);

  // 2. The app's own cross-cutting pieces.
  registerErrorHandlers(app);
  // Ajv's type coercion turns "1e309" or "Infinity" into ±Infinity and then skips minimum and
  // maximum (found by tests/fuzz): refuse non-finite numbers anywhere in a request before validation.
  app.addHook('preValidation', async (request, reply) => {
    const where = nonFinite(request.query, 'querystring') ?? nonFinite(request.params, 'params') ?? nonFinite(request.body, 'body');
    if (where) return reply.code(400).send({ error: 'bad_request', message: `${where} must be a finite number`, requestId: request.id });
  });
  await registerAuth(app, deps);
  const metrics = createMetrics(deps, app.log, opts.processMetrics ?? true);
  app.addHook('onClose', async () => metrics.dispose());

  // 3. Routes.
  await app.register(opsRoutes, { deps, registry: metrics.registry, readinessTimeoutMs: opts.readinessTimeoutMs ?? 2000 });
  await app.register(
    async (v1) => {
      await v1.register(scanRoutes, { deps });
      await v1.register(alertRoutes, { deps });
      await v1.register(inspectionRoutes, { deps });
      await v1.register(modelRoutes, { deps });
      await v1.register(calibrationRoutes, { deps });
      await v1.register(authRoutes, { deps });
      await v1.register(usersRoutes, { deps });
      await v1.register(auditRoutes, { deps });
      await v1.register(rejectionsRoutes, { deps });
      await v1.register(statsRoutes, { deps });
      await v1.register(reanalyseRoutes, { deps });
      await v1.register(eventRoutes, { deps, heartbeatMs: opts.sseHeartbeatMs ?? 15_000 });
    },
    { prefix: '/v1' },
  );
  await registerConsole(app); // the web console at / (services/console/dist)

  await app.ready();
  return app;
}

const NUMERIC = /^\s*[+-]?(?:\d|\.\d|Infinity)/;

/** Path of the first value that is, or would be coerced to, ±Infinity or NaN-free non-finite number; else undefined. */
function nonFinite(value: unknown, at: string, depth = 0): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : at;
  if (typeof value === 'string') return NUMERIC.test(value) && !Number.isFinite(Number(value)) && !Number.isNaN(Number(value)) ? at : undefined;
  if (value === null || typeof value !== 'object' || depth > 8) return undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const found = nonFinite(v, `${at}/${k}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}
