/**
 * `npm start`: the whole system on one machine with embedded defaults — API, scanner adapter
 * (hot folder) and analysis worker in one process (inference on its own thread), SQLite in
 * DATA_DIR, and Redis at REDIS_URL (a private one is started if none answers).
 * For deployments across hosts, run the roles alone: start:api, start:adapter, start:worker.
 */
import fs from 'node:fs/promises';
import { startAdapter } from '#adapter/main.ts';
import { startWorker } from '#workers/main.ts';
import { startApi } from '../api/main.ts';
import { loadConfig } from '../core/config.ts';
import { checkRedisPolicy } from '../queue/queue-repository.ts';
import { ensureRedis } from './redis.ts';

const log = (m: string) => console.log(`[launcher] ${m}`);

async function main(): Promise<void> {
  const config = loadConfig();
  await fs.mkdir(config.dataDir, { recursive: true });
  const redis = await ensureRedis(config.redisUrl, config.dataDir, log);
  const policy = await checkRedisPolicy(config.redisUrl);
  if (policy !== 'noeviction') {
    log(`WARNING: Redis maxmemory-policy is "${policy}"; BullMQ needs "noeviction" or jobs can be lost (redis-cli config set maxmemory-policy noeviction)`);
  }
  let worker, adapter, api;
  try {
    worker = await startWorker(config);
    adapter = await startAdapter(config);
    api = await startApi(config);
  } catch (err) {
    await adapter?.close().catch(() => {});
    await worker?.close().catch(() => {});
    await redis.stop(); // do not leave a private Redis behind
    throw err;
  }
  log(`database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : config.sqlitePath}`);
  log(`drop scan packages into ${config.inboxDir}  (try: npm run simulate -- --out ${config.inboxDir} --count 5 --seed 1)`);
  log(`API ${api.url}/v1/scans   alerts ${api.url}/v1/alerts   docs ${api.url}/docs`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log(`${signal}: shutting down`);
    // Stop intake first, then the API, then let the worker finish its job.
    await adapter!.close().catch((e) => log(`adapter: ${(e as Error).message}`));
    await api!.close().catch((e) => log(`api: ${(e as Error).message}`));
    await worker!.close().catch((e) => log(`worker: ${(e as Error).message}`));
    await redis.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(`[launcher] ${(err as Error).message}`);
  process.exit(1);
});
