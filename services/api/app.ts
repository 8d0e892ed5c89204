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
      await v1.register(eventRoutes, { deps, heartbeatMs: opts.sseHeartbeatMs ?? 15_000 });
    },
    { prefix: '/v1' },
  );

  await app.ready();
  return app;
}
