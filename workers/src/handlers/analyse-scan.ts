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
import type { EventPublisher } from '#services/events/events.ts';
import { systemActor } from '#services/core/access.ts';
import { ScanTransitionError } from '#services/core/scan-lifecycle.ts';
import { ScanLifecycle } from '#services/scans/lifecycle.ts';
import { sha256File, type ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
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

function lifecycleOf(deps: HandlerDeps): ScanLifecycle {
  return new ScanLifecycle({ store: deps.store, events: deps.events, actor: systemActor('worker'), log: deps.log });
}

/** Records a final failure through the lifecycle (never over a finished analysis). */
export async function failScan(deps: HandlerDeps, scanId: string, reason: string): Promise<void> {
  await lifecycleOf(deps).failed(scanId, reason);
}

export async function handleAnalyseScan(job: Job<Payload>, deps: HandlerDeps): Promise<{ verdict: string; detections: number }> {
  const { scanId, contentSha256 } = job.data;
  const scan = await deps.store.scans.get(scanId);
  if (!scan) throw new UnrecoverableError(`scan ${scanId} is not in the store`);
  if (scan.contentSha256 !== contentSha256) throw new UnrecoverableError(`scan ${scanId} content changed since it was queued`);
  // A deployment fault, not a property of the scan (the worker refuses to start without one).
  if (!deps.models.some((m) => !m.shadow)) throw new UnrecoverableError('no active model loaded');

  // A job for a scan already analysed is a stale duplicate (a stalled lock re-run after the result
  // was recorded): the result stands. A re-analysis is always queued first (lifecycle).
  if (scan.status === 'analysed') {
    deps.log?.(`${scanId}: already analysed (${scan.verdict}); stale job ignored`);
    return { verdict: String(scan.verdict), detections: (await deps.store.detections.listByScan(scanId)).length };
  }
  const lifecycle = lifecycleOf(deps);
  try {
    await lifecycle.analysing(scan);
  } catch (err) {
    // E.g. a job of a scan that failed for good: the lifecycle only lets a re-analysis restart it.
    if (err instanceof ScanTransitionError) throw new UnrecoverableError(err.message);
    throw err;
  }

  const t0 = performance.now();
  const images: Partial<Record<'high' | 'low', DecodedImage>> = {};
  for (const ref of scan.images) {
    const file = deps.images.pathOf(ref.sha256);
    // A missing file is a storage fault (a share not mounted yet, a restore in progress): retry.
    // The message may end on the scan (failureReason): it names the image, never the server path.
    try {
      await fs.access(file);
    } catch (err) {
      throw new Error(`stored ${ref.energy} image ${ref.sha256} is not readable in the image store (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
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
  // Results, status, verdict and audit in one transaction, then the events (the lifecycle is the one writer).
  await lifecycle.analysed(scan, analysis.results, {
    verdict: analysis.verdict,
    verdictReasons: analysis.verdictReasons,
    // Belongs to this analysis: null when the caller of analyseImages gave none.
    calibration: analysis.calibration,
    failureReason: null,
    timings,
  });
  const n = analysis.results.reduce((s, r) => s + r.detections.length, 0);
  const why = analysis.verdictReasons.map((r) => `; ${r.code}: ${r.message}`).join('');
  deps.log?.(`${scanId}: ${analysis.verdict} (${n} detections, decode ${timings.decodeMs} ms, inference ${timings.inferenceMs} ms)${why}`);
  return { verdict: analysis.verdict, detections: n };
}
