/**
 * Reconciler: the database is the record, Redis only the work queue. Periodically finds scans
 * stuck before `analysed` and puts them right: a scan whose job is gone (Redis restarted
 * without persistence, an add that failed after the status write) is enqueued again — the
 * deterministic job id makes that idempotent — and a scan whose job failed for good (including
 * jobs failed by BullMQ's stall check, which emits no worker event) is marked failed.
 */
import type { Queue } from 'bullmq';
import { systemActor } from '#services/core/access.ts';
import { ScanTransitionError, UNFINISHED_SCAN_STATUSES } from '#services/core/scan-lifecycle.ts';
import { JobName, jobId } from '#services/core/jobs.ts';
import type { EventPublisher } from '#services/events/events.ts';
import type { JobProducer } from '#services/queue/queue-repository.ts';
import { ScanLifecycle } from '#services/scans/lifecycle.ts';
import type { Store } from '#services/store/types.ts';

export interface ReconcileDeps {
  store: Store;
  producer: JobProducer;
  queue: Queue;
  /** Records a final failure; by default the scan lifecycle's (as the worker's failScan does). */
  failScan?: (scanId: string, reason: string) => Promise<void>;
  /** Where the lifecycle announces a scan this pass moves to `queued`. */
  events?: EventPublisher;
  log?: (m: string) => void;
}

export interface ReconcileReport {
  requeued: string[];
  failed: string[];
}

/** One pass. `olderThanMs`: leave scans alone that changed more recently than this. */
export async function reconcileOnce(deps: ReconcileDeps, olderThanMs: number, now = Date.now()): Promise<ReconcileReport> {
  const report: ReconcileReport = { requeued: [], failed: [] };
  // Status changes go through the one writer of scans (services/scans/lifecycle.ts).
  const lifecycle = new ScanLifecycle({ store: deps.store, events: deps.events, actor: systemActor('worker'), log: deps.log });
  const failScan = deps.failScan ?? (async (id: string, reason: string) => void (await lifecycle.failed(id, reason)));
  for (const status of UNFINISHED_SCAN_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await deps.store.scans.list({ status, limit: 200, cursor });
      for (const scan of page.items) {
        if (now - Date.parse(scan.updatedAt) < olderThanMs) continue;
        const payload = { scanId: scan.scanId, contentSha256: scan.contentSha256 };
        const job = await deps.queue.getJob(jobId(JobName.AnalyseScan, payload));
        const state = job ? await job.getState() : 'missing';
        if (state === 'failed') {
          await failScan(scan.scanId, job?.failedReason || 'analysis job failed');
          report.failed.push(scan.scanId);
        } else if (state === 'missing' || state === 'unknown' || state === 'completed') {
          // completed but the scan is not analysed: the result never reached the store; run again.
          if (job && state === 'completed') await job.remove();
          // A scan left `received` (its queued write never happened) is queued first, as ingest does:
          // a worker starts only a queued scan.
          if (scan.status === 'received') {
            try {
              await lifecycle.queued(scan.scanId, scan.laneId);
            } catch (err) {
              if (err instanceof ScanTransitionError) continue; // moved on meanwhile (ingest queued it)
              throw err;
            }
          }
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
