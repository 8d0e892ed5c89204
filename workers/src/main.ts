/**
 * Worker role: consumes `analysis` jobs. Decoding (sharp, libuv pool) and bookkeeping run on
 * this thread; inference runs in an InferencePool thread so BullMQ can keep renewing locks.
 * Run alone with `npm run start:worker` (one per host for scale-out), or from the launcher.
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import { storeOptions, type AppConfig } from '#services/core/config.ts';
import { runRole } from '#services/core/is-main.ts';
import { QueueName, type JobName, type JobPayloads } from '#services/core/jobs.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { EventPublisher } from '#services/events/events.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { createWorker, JobProducer } from '#services/queue/queue-repository.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { openStore } from '#services/store/database.ts';
import { failScan, handleAnalyseScan, type HandlerDeps } from './handlers/analyse-scan.ts';
import { InferencePool } from './inference/inference-pool.ts';
import { startReconciler } from './reconcile/reconciler.ts';

export interface WorkerHandle {
  close(): Promise<void>;
}

export async function startWorker(config: AppConfig, log: (m: string) => void = (m) => console.log(`[worker] ${m}`)): Promise<WorkerHandle> {
  const registry = await loadModelRegistry(config.modelsDir, config.shadowModels);
  for (const p of registry.problems) log(`model problem: ${p.model}: ${p.reason}`);
  const models = [...registry.active, ...registry.shadow];
  if (registry.active.length === 0) throw new Error(`no usable active model in ${config.modelsDir}; see the problems above`);
  // Leave one core for decoding and the event loop when there are several.
  const pool = new InferencePool(1, Math.max(1, os.availableParallelism() - 1));
  for (const m of models) {
    const io = await pool.load(m.path);
    if (!io.inputNames.includes(m.card.input.name)) {
      throw new Error(`${m.card.id}@${m.card.version}: card input "${m.card.input.name}" is not an input of the model (${io.inputNames.join(', ')})`);
    }
    log(`loaded ${m.card.id}@${m.card.version}${m.shadow ? ' (shadow)' : ''} sha256 ${m.card.sha256.slice(0, 12)}…`);
  }
  const store = await openStore(storeOptions(config));
  const pub = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  pub.on('error', () => {});
  const deps: HandlerDeps = {
    models,
    pool,
    species: loadSpeciesReference(),
    store,
    images: new ImageStore(config.imageStoreDir),
    events: new EventPublisher(pub, config.queuePrefix),
    log,
  };
  type P = JobPayloads[typeof JobName.AnalyseScan];
  const worker = createWorker<typeof JobName.AnalyseScan>(QueueName.Analysis, config.redisUrl, config.queuePrefix, (job) => handleAnalyseScan(job, deps), {
    concurrency: config.workerConcurrency,
    lockDuration: 60_000,
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const data = job.data as P;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    log(`${data.scanId}: attempt ${job.attemptsMade} failed${final ? ' (final)' : ', will retry'}: ${err.message}`);
    if (final) failScan(deps, data.scanId, err.message).catch((e) => log(`cannot record failure: ${(e as Error).message}`));
  });
  worker.on('stalled', (jobId) => log(`job ${jobId} stalled; BullMQ re-queues it`));
  // Scans stuck before `analysed` (job lost or failed outside this worker's events) are put right.
  const producer = new JobProducer(config.redisUrl, config.queuePrefix);
  const stopReconciler = startReconciler(
    { store, producer, queue: producer.queue(QueueName.Analysis), failScan: (id, reason) => failScan(deps, id, reason), log },
    config.reconcileEveryMs,
    config.reconcileAfterMs,
  );
  log(`consuming queue "${QueueName.Analysis}" (concurrency ${config.workerConcurrency})`);
  return {
    async close() {
      stopReconciler();
      await worker.close();
      await producer.close();
      await pool.close();
      pub.disconnect();
      await store.close();
    },
  };
}

runRole(import.meta.url, 'worker', (config) => startWorker(config));
