/**
 * Scanner-adapter role: watches the hot folder and ingests scan packages.
 * Run alone with `npm run start:adapter`, or in-process from the launcher (`npm start`).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '#services/core/config.ts';
import { QueueName } from '#services/core/jobs.ts';
import { bootstrap } from '#services/runtime/bootstrap.ts';
import { lineLog, roleLogger } from '#services/runtime/logger.ts';
import { startHealthServer } from '#services/runtime/health-server.ts';
import { runRole } from '#services/runtime/run-role.ts';
import { HotFolder } from './hot-folder/hot-folder.ts';
import { recordRejection } from './ingest/rejection-recorder.ts';
import { IngestService } from './ingest/ingest-service.ts';

export interface AdapterHandle {
  hotFolder: HotFolder;
  close(): Promise<void>;
}

/** `custom` takes the ingest's and hot folder's plain-string lines (default: info lines of the adapter's logger). */
export async function startAdapter(config: AppConfig, custom?: (m: string) => void): Promise<AdapterHandle> {
  const logger = roleLogger('adapter', config);
  const log = custom ?? lineLog(logger);
  // Starts without Redis too: the outage is logged and ingest retries until Redis answers.
  const runtime = await bootstrap('adapter', config, { logger });
  const { store, images, producer, events } = runtime;
  const ingest = new IngestService({ store, images, producer, events, rejectedDir: config.rejectedDir, log });
  const hotFolder = new HotFolder(ingest, {
    inboxDir: config.inboxDir,
    rejectedDir: config.rejectedDir,
    pollMs: config.inboxPollMs,
    settleMs: config.inboxSettleMs,
    log,
    // Every quarantined package becomes a row at /v1/rejections, an event and an audit entry.
    onRejected: (to) => recordRejection({ store, events, rejectedDir: config.rejectedDir, log }, to),
    // Backpressure: while the workers are this far behind, packages wait in the inbox.
    admit: async () => {
      const waiting = await producer.queue(QueueName.Analysis).getJobCountByTypes('waiting', 'prioritized');
      return waiting >= config.maxQueuedScans ? `${waiting} scans already wait for analysis (MAX_QUEUED_SCANS ${config.maxQueuedScans})` : null;
    },
  });
  try {
    await hotFolder.start();
  } catch (err) {
    await runtime.close();
    throw err;
  }
  log(`watching ${config.inboxDir} (rejected packages go to ${config.rejectedDir})`);
  // Run alone, the adapter answers health, readiness and metrics on HEALTH_PORT (the launcher passes 0).
  const health = config.healthPort
    ? await startHealthServer(
        runtime,
        config.healthPort,
        {
          cxr_adapter_retrying_packages: { help: 'Packages left in the inbox while the infrastructure is away (retried)', value: () => hotFolder.retrying },
          cxr_adapter_inbox_entries: { help: 'Entries in the inbox at the last poll (the intake lag)', value: () => hotFolder.inboxEntries },
          cxr_adapter_intake_held: { help: '1 while intake is held by backpressure (too many scans wait for analysis)', value: () => (hotFolder.heldBecause ? 1 : 0) },
        },
        {
          // A read-only or vanished image store is not ready, whatever the database says.
          images: async () => {
            const probe = path.join(config.imageStoreDir, `.ready-probe-${process.pid}`);
            await fs.mkdir(config.imageStoreDir, { recursive: true });
            await fs.writeFile(probe, 'ok');
            await fs.rm(probe, { force: true });
          },
          // Packages waiting for the infrastructure (a full disk, a database away): say which.
          intake: () => {
            const why = hotFolder.waitingFor;
            if (why) throw new Error(`${hotFolder.retrying} package(s) waiting in the inbox: ${why}`);
            if (hotFolder.heldBecause) throw new Error(`intake held, ${hotFolder.inboxEntries} package(s) in the inbox: ${hotFolder.heldBecause}`);
          },
        },
      )
    : undefined;
  return {
    hotFolder,
    async close() {
      await health?.close();
      await hotFolder.stop();
      await runtime.close();
    },
  };
}

runRole(import.meta.url, 'adapter', (config) => startAdapter(config));
