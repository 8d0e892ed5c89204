/**
 * Reconciler: the database is the record, Redis only the work queue. Periodically finds scans
 * stuck before `analysed` and puts them right: a scan whose job is gone (Redis restarted
 * without persistence, an add that failed after the status write) is enqueued again — the
 * deterministic job id makes that idempotent — and a scan whose job failed for good (including
 * jobs failed by BullMQ's stall check, which emits no worker event) is marked failed.
 */
import type { Queue } from 'bullmq';
import type { ScanStatus } from '#services/core/domain.ts';
import { JobName, jobId } from '#services/core/jobs.ts';
import type { JobProducer } from '#services/queue/queue-repository.ts';
import type { Store } from '#services/store/types.ts';

export interface ReconcileDeps {
  store: Store;
  producer: JobProducer;
  queue: Queue;
  failScan: (scanId: string, reason: string) => Promise<void>;
  log?: (m: string) => void;
}

export interface ReconcileReport {
  requeued: string[];
  failed: string[];
}

/** One pass. `olderThanMs`: leave scans alone that changed more recently than this. */
export async function reconcileOnce(deps: ReconcileDeps, olderThanMs: number, now = Date.now()): Promise<ReconcileReport> {
  const report: ReconcileReport = { requeued: [], failed: [] };
  for (const status of ['received', 'queued', 'analysing'] as ScanStatus[]) {
    let cursor: string | undefined;
    do {
      const page = await deps.store.scans.list({ status, limit: 200, cursor });
      for (const scan of page.items) {
        if (now - Date.parse(scan.updatedAt) < olderThanMs) continue;
        const payload = { scanId: scan.scanId, contentSha256: scan.contentSha256 };
        const job = await deps.queue.getJob(jobId(JobName.AnalyseScan, payload));
        const state = job ? await job.getState() : 'missing';
        if (state === 'failed') {
          await deps.failScan(scan.scanId, job?.failedReason || 'analysis job failed');
          report.failed.push(scan.scanId);
        } else if (state === 'missing' || state === 'unknown' || state === 'completed') {
          // completed but the scan is not analysed: the result never reached the store; run again.
          if (job && state === 'completed') await job.remove();
          await deps.producer.add(JobName.AnalyseScan, payload);
          report.requeued.push(scan.scanId);
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  if (report.requeued.length || report.failed.length) {
    deps.log?.(`reconciler: re-enqueued ${report.requeued.length} scan(s), marked ${report.failed.length} failed`);
  }
  return report;
}

export function startReconciler(deps: ReconcileDeps, everyMs: number, olderThanMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    reconcileOnce(deps, olderThanMs)
      .catch((err) => deps.log?.(`reconciler: ${(err as Error).message}`))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
