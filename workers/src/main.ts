/**
 * Worker role: consumes `analysis` jobs. Decoding (sharp, libuv pool) and bookkeeping run on
 * this thread; inference runs in an InferencePool thread so BullMQ can keep renewing locks.
 * Run alone with `npm run start:worker` (one per host for scale-out), or from the launcher.
 */
import os from 'node:os';
import type { AppConfig } from '#services/core/config.ts';
import { QueueName, type JobName, type JobPayloads } from '#services/core/jobs.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { createWorker } from '#services/queue/queue-repository.ts';
import { bootstrap, type RoleRuntime } from '#services/runtime/bootstrap.ts';
import { lineLog, roleLogger } from '#services/runtime/logger.ts';
import { startHealthServer } from '#services/runtime/health-server.ts';
import { runRole } from '#services/runtime/run-role.ts';
import { failScan, handleAnalyseScan, type HandlerDeps } from './handlers/analyse-scan.ts';
import { InferencePool } from './inference/inference-pool.ts';
import { startReconciler } from './reconcile/reconciler.ts';

export interface WorkerHandle {
  close(): Promise<void>;
}

/** Connection-level faults, already reported once per outage by the bootstrap. */
const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|connect/i;

/**
 * `custom` takes every plain-string line of the worker, handler and reconciler (tests collect
 * them); by default they are info lines of the worker's logger, failures warn lines.
 */
export async function startWorker(config: AppConfig, custom?: (m: string) => void): Promise<WorkerHandle> {
  const logger = roleLogger('worker', config);
  const log = custom ?? lineLog(logger);
  const warn = custom ?? ((m: string) => logger.warn(m));
  const registry = await loadModelRegistry(config.modelsDir, config.shadowModels);
  for (const p of registry.problems) warn(`model problem: ${p.model}: ${p.reason}`);
  const models = [...registry.active, ...registry.shadow];
  if (registry.active.length === 0) throw new Error(`no usable active model in ${config.modelsDir}; see the problems above`);
  // Leave one core for decoding and the event loop when there are several.
  const pool = new InferencePool(1, Math.max(1, os.availableParallelism() - 1), config.inferenceTimeoutMs);
  for (const m of models) {
    const io = await pool.load(m.path);
    if (!io.inputNames.includes(m.card.input.name)) {
      throw new Error(`${m.card.id}@${m.card.version}: card input "${m.card.input.name}" is not an input of the model (${io.inputNames.join(', ')})`);
    }
    log(`loaded ${m.card.id}@${m.card.version}${m.shadow ? ' (shadow)' : ''} sha256 ${m.card.sha256.slice(0, 12)}…`);
  }
  let runtime: RoleRuntime;
  try {
    runtime = await bootstrap('worker', config, { logger });
  } catch (err) {
    await pool.close();
    throw err;
  }
  const { store, producer } = runtime;
  const deps: HandlerDeps = {
    models,
    pool,
    species: loadSpeciesReference(),
    store,
    images: runtime.images,
    events: runtime.events,
    log,
  };
  type P = JobPayloads[typeof JobName.AnalyseScan];
  const worker = createWorker<typeof JobName.AnalyseScan>(
    QueueName.Analysis,
    config.redisUrl,
    config.queuePrefix,
    (job) => handleAnalyseScan(job, deps),
    { concurrency: config.workerConcurrency, lockDuration: config.jobLockMs, stalledInterval: Math.min(30_000, config.jobLockMs), connection: runtime.workerConnection() },
    (err) => (CONNECTION_ERROR.test(err.message) ? runtime.redisError(err, 'bullmq-worker') : logger.error({ err }, 'analysis worker error')),
  );
  worker.on('failed', (job, err) => {
    if (!job) return;
    const data = job.data as P;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    warn(`${data.scanId}: attempt ${job.attemptsMade} failed${final ? ' (final)' : ', will retry'}: ${err.message}`);
    if (final) failScan(deps, data.scanId, err.message).catch((e) => warn(`cannot record failure: ${(e as Error).message}`));
  });
  worker.on('stalled', (jobId) => warn(`job ${jobId} stalled; BullMQ re-queues it`));
  // Scans stuck before `analysed` (job lost or failed outside this worker's events) are put right.
  const stopReconciler = startReconciler(
    { store, producer, queue: producer.queue(QueueName.Analysis), failScan: (id, reason) => failScan(deps, id, reason), events: runtime.events, log },
    config.reconcileEveryMs,
    config.reconcileAfterMs,
  );
  log(`consuming queue "${QueueName.Analysis}" (concurrency ${config.workerConcurrency})`);
  // Run alone, the worker answers health, readiness and metrics on HEALTH_PORT (the launcher passes 0).
  const health = config.healthPort ? await startHealthServer(runtime, config.healthPort) : undefined;
  return {
    async close() {
      await health?.close();
      stopReconciler();
      await worker.close();
      await pool.close();
      await runtime.close();
    },
  };
}

runRole(import.meta.url, 'worker', (config) => startWorker(config));
