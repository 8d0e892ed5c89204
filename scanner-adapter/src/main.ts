/**
 * Scanner-adapter role: watches the hot folder and ingests scan packages.
 * Run alone with `npm run start:adapter`, or in-process from the launcher (`npm start`).
 */
import { Redis } from 'ioredis';
import { storeOptions, type AppConfig } from '#services/core/config.ts';
import { runRole } from '#services/core/is-main.ts';
import { EventPublisher } from '#services/events/events.ts';
import { JobProducer } from '#services/queue/queue-repository.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { openStore } from '#services/store/database.ts';
import { HotFolder } from './hot-folder/hot-folder.ts';
import { recordRejection } from './ingest/rejection-recorder.ts';
import { IngestService } from './ingest/ingest-service.ts';

export interface AdapterHandle {
  hotFolder: HotFolder;
  close(): Promise<void>;
}

export async function startAdapter(config: AppConfig, log: (m: string) => void = (m) => console.log(`[adapter] ${m}`)): Promise<AdapterHandle> {
  const store = await openStore(storeOptions(config));
  const images = new ImageStore(config.imageStoreDir);
  const producer = new JobProducer(config.redisUrl, config.queuePrefix);
  const pub = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  pub.on('error', () => {});
  const events = new EventPublisher(pub, config.queuePrefix);
  const ingest = new IngestService({ store, images, producer, events, rejectedDir: config.rejectedDir, log });
  const hotFolder = new HotFolder(ingest, {
    inboxDir: config.inboxDir,
    rejectedDir: config.rejectedDir,
    pollMs: config.inboxPollMs,
    settleMs: config.inboxSettleMs,
    log,
    // Every quarantined package becomes a row at /v1/rejections, an event and an audit entry.
    onRejected: (to) => recordRejection({ store, events, rejectedDir: config.rejectedDir, log }, to),
  });
  await hotFolder.start();
  log(`watching ${config.inboxDir} (rejected packages go to ${config.rejectedDir})`);
  return {
    hotFolder,
    async close() {
      await hotFolder.stop();
      await producer.close();
      pub.disconnect();
      await store.close();
    },
  };
}

runRole(import.meta.url, 'adapter', (config) => startAdapter(config));
