/**
 * `npm start`: the whole system on one machine with embedded defaults — API, scanner adapter
 * (hot folder) and analysis worker in one process (inference on its own thread), SQLite in
 * DATA_DIR, and Redis at REDIS_URL (a private one is started if none answers).
 * For deployments across hosts, run the roles alone: start:api, start:adapter, start:worker.
 * Logs are JSON lines (pino, LOG_LEVEL), one `role` per line: launcher, api, adapter, worker.
 */
import fs from 'node:fs/promises';
import { startAdapter, type AdapterHandle } from '#adapter/main.ts';
import { startWorker, type WorkerHandle } from '#workers/main.ts';
import { startApi, type ApiHandle } from '../api/main.ts';
import { loadConfig, type AppConfig } from '../core/config.ts';
import { lineLog, roleLogger, type Logger } from '../runtime/logger.ts';
import { exitOnSignal } from '../runtime/run-role.ts';
import { ensureRedis, type RedisHandle } from './redis.ts';

async function main(config: AppConfig, logger: Logger): Promise<void> {
  await fs.mkdir(config.dataDir, { recursive: true });
  let redis: RedisHandle | undefined;
  let worker: WorkerHandle | undefined;
  let adapter: AdapterHandle | undefined;
  let api: ApiHandle | undefined;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Stop intake first, then the API, then let the worker finish its job; Redis last.
      const parts: [string, { close(): Promise<void> } | undefined][] = [
        ['adapter', adapter],
        ['api', api],
        ['worker', worker],
        ['redis', redis && { close: () => redis!.stop() }],
      ];
      for (const [name, part] of parts) {
        await part?.close().catch((err: unknown) => logger.error({ err }, `${name}: close failed`));
      }
    })());

  // Handlers go in before anything starts: a signal during start-up (loading models takes a
  // while) waits for it, then closes what started, and never leaves a private Redis behind.
  let started: Promise<void> = Promise.resolve();
  exitOnSignal(
    logger,
    async () => {
      await started.catch(() => {});
      await stop();
    },
    () => redis?.kill(),
  );

  started = (async () => {
    redis = await ensureRedis(config.redisUrl, config.dataDir, lineLog(logger));
    worker = await startWorker({ ...config, healthPort: 0 });
    adapter = await startAdapter({ ...config, healthPort: 0 });
    api = await startApi(config);
  })();
  try {
    await started;
  } catch (err) {
    await stop(); // do not leave a private Redis behind
    throw err;
  }
  logger.info({ database: config.databaseUrl ? 'postgresql' : config.sqlitePath }, `database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : config.sqlitePath}`);
  logger.info({ inbox: config.inboxDir }, `drop scan packages into ${config.inboxDir}  (try: npm run simulate -- --out ${config.inboxDir} --count 5 --seed 1)`);
  logger.info({ url: api!.url }, `API ${api!.url}/v1/scans   alerts ${api!.url}/v1/alerts   docs ${api!.url}/docs`);
}

let config: AppConfig;
let logger: Logger;
try {
  config = loadConfig();
  logger = roleLogger('launcher', config);
} catch (err) {
  // No logger to be had (LOG_LEVEL itself may be what is wrong): plain stderr.
  console.error(`[launcher] bad configuration: ${(err as Error).message}`);
  process.exit(1);
}
main(config, logger).catch((err: unknown) => {
  logger.fatal({ err }, `failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
