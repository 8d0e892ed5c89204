/**
 * API role entry point (`npm run start:api`). `startApi` wires real dependencies (store,
 * image store, Redis events, BullMQ queue for depth, model registry) around buildApp and
 * returns a handle, so the launcher can also host the API in-process.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AuditSigner, startCheckpointer } from '../audit/audit-service.ts';
import { loadConfig, storeOptions, type AppConfig } from '../core/config.ts';
import { runRole } from '../core/is-main.ts';
import { QueueName } from '../core/jobs.ts';
import { EventSubscriber } from '../events/events.ts';
import { loadModelRegistry, type ModelRegistry } from '../model-registry/registry.ts';
import { ImageStore } from '../storage/image-store.ts';
import { openStore } from '../store/database.ts';
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
  const store = await openStore(storeOptions(config));
  const images = new ImageStore(config.imageStoreDir);

  // API-side Redis: fail fast while Redis is down (readiness says so) instead of queueing
  // commands in memory (BullMQ production guide).
  const redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const queue = new Queue(QueueName.Analysis, { connection: redis, prefix: config.queuePrefix });
  const events = new EventSubscriber(config.redisUrl, config.queuePrefix);
  const models = cachedRegistry(config);

  const app = await buildApp(
    {
      config,
      store,
      images,
      events,
      models,
      redisPing: async () => {
        await redis.ping();
      },
      queueHealth: async () => ({
        ok: true,
        counts: await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'completed'),
      }),
    },
    opts,
  );
  redis.on('error', (err) => app.log.warn({ err: err.message }, 'redis connection error'));
  // The API holds the audit signing key and signs the chain's head now and then (docs/audit.md).
  const stopCheckpoints = startCheckpointer(store.audit, AuditSigner.load(config.auditKeyFile), config.auditCheckpointEveryMs, (err) =>
    app.log.warn({ err: err.message }, 'audit checkpoint failed'),
  );
  queue.on('error', (err) => app.log.warn({ err: err.message }, 'analysis queue error'));

  // The API serves stored data without Redis; live events start once Redis is reachable.
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const subscribe = (): void => {
    events.start().catch((err: Error) => {
      if (closed) return;
      app.log.warn({ err: err.message }, 'event subscription failed, retrying in 5 s');
      retry = setTimeout(subscribe, 5000);
      retry.unref();
    });
  };
  subscribe();

  const url = await app.listen({ host: config.host, port: config.port });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      clearTimeout(retry);
      await app.close(); // stops accepting, ends SSE streams, waits for in-flight requests
      await events.close();
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
      await stopCheckpoints();
      await store.close();
    })();
    return closing;
  };
  return { url, close };
}

runRole(import.meta.url, 'api', async (config) => {
  const handle = await startApi(config);
  console.log(`API listening on ${handle.url} (OpenAPI UI at ${handle.url}/docs)`);
  return handle;
});
