/**
 * BullMQ handler for `analyse-scan`. Idempotent: results are replaced per (scan, model,
 * version) in one transaction, so a retry or a stalled-job re-run leaves one set of rows.
 * A scan no active model is validated for is not a failure: it ends `analysed` with verdict
 * `needs_review` and the reason. Unrecoverable inputs (corrupt image, model/input mismatch,
 * no active model loaded) fail at once (the worker's `failed` listener records the reason on
 * the scan); anything else is thrown for a retry.
 */
import fs from 'node:fs/promises';
import { UnrecoverableError, type Job } from 'bullmq';
import type { JobName, JobPayloads } from '#services/core/jobs.ts';
import type { EventPublisher, SystemEvent } from '#services/events/events.ts';
import { sha256File, type ImageStore } from '#services/storage/image-store.ts';
import type { ScanStatusPatch, Store } from '#services/store/types.ts';
import { decodeGrey16 } from '#services/core/imaging.ts';
import { analyseImages, type AnalysisDeps } from '../analysis/analyse.ts';
import { ModelInputError, type DecodedImage } from '../analysis/preprocess.ts';
import { scannerResponseFor } from '../analysis/scanner-response.ts';

export interface HandlerDeps extends AnalysisDeps {
  store: Store;
  images: ImageStore;
  events?: EventPublisher;
  log?: (m: string) => void;
}

type Payload = JobPayloads[typeof JobName.AnalyseScan];

/** Events are notifications, not the record: a Redis blip must not fail (and re-run) a finished analysis. */
async function notify(deps: HandlerDeps, event: Extract<SystemEvent, { scanId: string }>): Promise<void> {
  try {
    await deps.events?.publish(event);
  } catch (err) {
    deps.log?.(`event ${event.type} for ${event.scanId} not published: ${(err as Error).message}`);
  }
}

export async function failScan(deps: HandlerDeps, scanId: string, reason: string): Promise<void> {
  const scan = await deps.store.scans.get(scanId);
  // Never turn a finished analysis into a failure (e.g. a late `failed` event for an old attempt).
  if (!scan || scan.status === 'analysed') return;
  const at = new Date().toISOString();
  await deps.store.scans.updateStatus(scanId, { status: 'failed', verdict: null, failureReason: reason, timings: { finishedAt: at } });
  await notify(deps, { type: 'scan.status', scanId, laneId: scan.laneId, status: 'failed', verdict: null, failureReason: reason, at });
}

export async function handleAnalyseScan(job: Job<Payload>, deps: HandlerDeps): Promise<{ verdict: string; detections: number }> {
  const { scanId, contentSha256 } = job.data;
  const scan = await deps.store.scans.get(scanId);
  if (!scan) throw new UnrecoverableError(`scan ${scanId} is not in the store`);
  if (scan.contentSha256 !== contentSha256) throw new UnrecoverableError(`scan ${scanId} content changed since it was queued`);
  // A deployment fault, not a property of the scan (the worker refuses to start without one).
  if (!deps.models.some((m) => !m.shadow)) throw new UnrecoverableError('no active model loaded');

  const startedAt = new Date().toISOString();
  await deps.store.scans.updateStatus(scanId, { status: 'analysing', timings: { startedAt } });
  await notify(deps, { type: 'scan.status', scanId, laneId: scan.laneId, status: 'analysing', verdict: null, at: startedAt });

  const t0 = performance.now();
  const images: Partial<Record<'high' | 'low', DecodedImage>> = {};
  for (const ref of scan.images) {
    const file = deps.images.pathOf(ref.sha256);
    // A missing file is a storage fault (a share not mounted yet, a restore in progress): retry.
    await fs.access(file);
    // Evidence integrity: analyse only the bytes that were received (content-addressed store).
    const { sha256 } = await sha256File(file);
    if (sha256 !== ref.sha256) throw new UnrecoverableError(`stored ${ref.energy} image does not match its sha-256 (corrupt or altered since ingest)`);
    try {
      images[ref.energy] = await decodeGrey16(file, `${ref.energy} image of ${scanId}`);
    } catch (err) {
      throw new UnrecoverableError(`cannot decode ${ref.energy} image: ${(err as Error).message}`);
    }
  }
  const decodeMs = performance.now() - t0;

  // The scanner's calibration profile turns its values into scanner-independent area densities.
  const { response, calibration } = await scannerResponseFor(deps.store, scan.metadata);
  let analysis;
  try {
    analysis = await analyseImages({ scanId, metadata: scan.metadata, images, response, calibration }, deps);
  } catch (err) {
    if (err instanceof ModelInputError) throw new UnrecoverableError(err.message);
    throw err;
  }
  const finishedAt = new Date().toISOString();
  const totalMs = Date.parse(finishedAt) - Date.parse(scan.receivedAt);
  const timings = {
    finishedAt,
    decodeMs: Math.round(decodeMs),
    inferenceMs: Math.round(analysis.inferenceMs),
    totalMs,
  };
  const patch: ScanStatusPatch = {
    status: 'analysed',
    verdict: analysis.verdict,
    verdictReasons: analysis.verdictReasons,
    // Belongs to this analysis: null when the caller of analyseImages gave none.
    calibration: analysis.calibration,
    failureReason: null,
    timings,
  };
  // Both write the scan through the store's one status writer; a scan no model read
  // (`needs_review` with only skipped models) has no results to record beside it.
  if (analysis.results.length > 0) await deps.store.recordAnalysis(analysis.results, patch);
  else await deps.store.scans.updateStatus(scanId, patch);
  await notify(deps, {
    type: 'scan.status',
    scanId,
    laneId: scan.laneId,
    status: 'analysed',
    verdict: analysis.verdict,
    verdictReasons: analysis.verdictReasons,
    timings,
    at: finishedAt,
  });
  for (const r of analysis.results) {
    if (!r.alert) continue;
    await notify(deps, {
      type: 'alert.created',
      alertId: r.alert.id,
      scanId,
      laneId: scan.laneId,
      class: r.alert.class,
      score: r.alert.score,
      at: finishedAt,
    });
  }
  const n = analysis.results.reduce((s, r) => s + r.detections.length, 0);
  const why = analysis.verdictReasons.map((r) => `; ${r.code}: ${r.message}`).join('');
  deps.log?.(`${scanId}: ${analysis.verdict} (${n} detections, decode ${timings.decodeMs} ms, inference ${timings.inferenceMs} ms)${why}`);
  return { verdict: analysis.verdict, detections: n };
}
