/** The reconciler against real Redis (BullMQ) and a real SQLite store. */
import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobName, jobId, QueueName } from '#services/core/jobs.ts';
import { JobProducer, redisOptions } from '#services/queue/queue-repository.ts';
import type { Store } from '#services/store/types.ts';
import { reconcileOnce } from '#workers/reconcile/reconciler.ts';
import { waitFor } from '../helpers/packages.ts';
import { sqliteBackend } from '../store/backends.ts';
import { makeScan } from '../store/factories.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

describe('reconciler', () => {
  const prefix = `t_rec_${randomBytes(4).toString('hex')}`;
  let store: Store;
  let cleanup: () => Promise<void>;
  let producer: JobProducer;
  let queue: Queue;
  const failed: Array<[string, string]> = [];

  beforeAll(async () => {
    ({ store, cleanup } = await sqliteBackend.open());
    producer = new JobProducer(REDIS_URL, prefix);
    queue = producer.queue(QueueName.Analysis);
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await producer.close();
    await cleanup();
  });

  const deps = () => ({
    store,
    producer,
    queue,
    failScan: async (id: string, reason: string) => {
      failed.push([id, reason]);
      await store.scans.updateStatus(id, { status: 'failed', failureReason: reason });
    },
  });

  it('re-enqueues a queued scan whose job is gone, and leaves recent scans alone', async () => {
    const old = new Date(Date.now() - 3600_000).toISOString();
    await store.scans.insert(makeScan('LOST-1', { status: 'queued', updatedAt: old, contentSha256: 'd'.repeat(64) }));
    await store.scans.insert(makeScan('FRESH-1', { status: 'queued', contentSha256: 'e'.repeat(64) }));
    const report = await reconcileOnce(deps(), 60_000);
    expect(report.requeued).toEqual(['LOST-1']);
    const job = await queue.getJob(jobId(JobName.AnalyseScan, { scanId: 'LOST-1', contentSha256: 'd'.repeat(64) }));
    expect(job?.data.scanId).toBe('LOST-1');
    // A second pass finds the job waiting and does nothing.
    expect((await reconcileOnce(deps(), 60_000)).requeued).toEqual([]);
  });

  it('marks failed a scan whose job failed for good', async () => {
    const worker = new Worker(
      QueueName.Analysis,
      async () => {
        throw new UnrecoverableError('image is corrupt');
      },
      { connection: { ...redisOptions(REDIS_URL), maxRetriesPerRequest: null }, prefix },
    );
    try {
      const id = jobId(JobName.AnalyseScan, { scanId: 'LOST-1', contentSha256: 'd'.repeat(64) });
      await waitFor(async () => (await (await queue.getJob(id))?.getState()) === 'failed');
    } finally {
      await worker.close();
    }
    const report = await reconcileOnce(deps(), 0);
    expect(report.failed).toContain('LOST-1');
    expect(failed.find(([id]) => id === 'LOST-1')?.[1]).toBe('image is corrupt');
    expect((await store.scans.get('LOST-1'))?.status).toBe('failed');
  });

  it('queues a scan left received through the scan lifecycle before adding its job', async () => {
    const old = new Date(Date.now() - 3600_000).toISOString();
    await store.scans.insert(makeScan('STUCK-1', { status: 'received', updatedAt: old, contentSha256: 'f'.repeat(64) }));
    const report = await reconcileOnce({ store, producer, queue }, 60_000);
    expect(report.requeued).toContain('STUCK-1');
    // A worker starts only a queued scan (services/core/scan-lifecycle.ts).
    expect((await store.scans.get('STUCK-1'))?.status).toBe('queued');
    expect(await queue.getJob(jobId(JobName.AnalyseScan, { scanId: 'STUCK-1', contentSha256: 'f'.repeat(64) }))).toBeDefined();
  });
});
