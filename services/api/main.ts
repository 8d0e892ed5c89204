/**
 * API role entry point (`npm run start:api`). `startApi` wires real dependencies (store,
 * image store, Redis events, BullMQ queue for depth, model registry) around buildApp and
 * returns a handle, so the launcher can also host the API in-process.
 */
import { Queue } from 'bullmq';
import { AuditSigner, startCheckpointer } from '../audit/audit-service.ts';
import { loadConfig, type AppConfig } from '../core/config.ts';
import { jobOptions, JobName, QueueName } from '../core/jobs.ts';
import { EventSubscriber } from '../events/events.ts';
import { loadModelRegistry, type ModelRegistry } from '../model-registry/registry.ts';
import { bootstrap } from '../runtime/bootstrap.ts';
import { runRole } from '../runtime/run-role.ts';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { BuildAppOptions } from './deps.ts';

export interface ApiHandle {
  url: string;
  close(): Promise<void>;
}

/** Re-verifying model files hashes them; readiness probes must not do that every few seconds. */
const MODEL_REGISTRY_TTL_MS = 60_000;

function cachedRegistry(config: AppConfig): () => Promise<ModelRegistry> {
  let loaded: { at: number; value: Promise<ModelRegistry> } | undefined;
  return () => {
    if (!loaded || Date.now() - loaded.at > MODEL_REGISTRY_TTL_MS) {
      const value = loadModelRegistry(config.modelsDir, config.shadowModels);
      loaded = { at: Date.now(), value };
      value.catch(() => {
        loaded = undefined; // do not cache a failure
      });
    }
    return loaded.value;
  };
}

export async function startApi(config: AppConfig = loadConfig(), opts: BuildAppOptions = {}): Promise<ApiHandle> {
  // API-side Redis fails fast while Redis is down (readiness says so) instead of queueing
  // commands in memory (BullMQ production guide); the bootstrap logs the outage.
  const runtime = await bootstrap('api', config);
  const { store, images, redis } = runtime;
  const queue = new Queue(QueueName.Analysis, { connection: redis, prefix: config.queuePrefix });
  queue.on('error', (err) => runtime.redisError(err, 'analysis-queue'));
  const events = new EventSubscriber(config.redisUrl, config.queuePrefix);
  const models = cachedRegistry(config);

  let app: FastifyInstance | undefined;
  let stopCheckpoints: (() => Promise<void>) | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      clearTimeout(retry);
      await app?.close(); // stops accepting, ends SSE streams, waits for in-flight requests
      await events.close();
      await queue.close();
      await stopCheckpoints?.();
      await runtime.close();
    })();
    return closing;
  };

  try {
    const api = await buildApp(
      {
        config,
        store,
        images,
        events,
        models,
        redisPing: async () => {
          await redis.ping();
        },
        enqueueAnalysis: async (payload) => {
          await queue.add(JobName.AnalyseScan, payload, jobOptions(JobName.AnalyseScan, payload));
        },
        queueHealth: async () => ({
          ok: true,
          counts: await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'completed'),
        }),
      },
      // Fastify logs through the role's pino logger unless the caller chose a logger.
      opts.logger === undefined && opts.loggerInstance === undefined ? { ...opts, loggerInstance: runtime.logger } : opts,
    );
    app = api;
    // The API holds the audit signing key and signs the chain's head now and then (docs/audit.md).
    stopCheckpoints = startCheckpointer(store.audit, AuditSigner.load(config.auditKeyFile), { every: config.auditCheckpointEvery, headAfterMs: config.auditCheckpointEveryMs }, (err) =>
      api.log.error({ err: err.message }, 'audit checkpoint not written'),
    );

    // The API serves stored data without Redis; live events start once Redis is reachable.
    const subscribe = (): void => {
      events.start().catch((err: Error) => {
        if (closed) return;
        runtime.redisError(err, 'event-subscriber'); // logged once per outage
        retry = setTimeout(subscribe, 5000);
        retry.unref();
      });
    };
    subscribe();

    const url = await api.listen({ host: config.host, port: config.port });
    return { url, close };
  } catch (err) {
    // e.g. the port is taken: leave no connection or timer behind.
    await close().catch(() => {});
    throw err;
  }
}

runRole(import.meta.url, 'api', async (config, logger) => {
  const handle = await startApi(config);
  logger.info({ url: handle.url }, `API listening on ${handle.url} (OpenAPI UI at ${handle.url}/docs)`);
  return handle;
});
