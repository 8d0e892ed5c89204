/**
 * Runs the worker's analysis code path over labelled scans and keeps, per scan, the truth
 * and what the analysis said. Calibration and evaluation both start from this.
 */
import type { ScanTruth } from '#adapter/scan-package/types.ts';
import type { DetectionClass, DetectionRecord, ScanMetadata, Verdict } from '#services/core/domain.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import type { LoadedModel } from '#services/model-registry/card.ts';
import { analyseImages } from '#workers/analysis/analyse.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import type { AlertRecord } from '#services/core/domain.ts';
import type { LabelledScan } from './labelled-scans.ts';

export interface AnalysedScan {
  scanId: string;
  metadata: ScanMetadata;
  truth: ScanTruth;
  detections: DetectionRecord[];
  alert: AlertRecord | null;
  verdict: Verdict;
  /** Which scanner response the analysis used: the scanner's calibration profile or nominal. */
  calibration: 'profile' | 'nominal';
  /** Highest detection score per class (0 when none), whatever the threshold. */
  maxScore: Record<DetectionClass, number>;
  inferenceMs: number;
  totalMs: number;
}

export async function analyseLabelled(scans: AsyncIterable<LabelledScan>, model: LoadedModel, opts: { progressLabel?: string; expected?: number } = {}): Promise<AnalysedScan[]> {
  const pool = new InferencePool(1, 2);
  await pool.load(model.path);
  const species = loadSpeciesReference();
  const out: AnalysedScan[] = [];
  const t0 = Date.now();
  try {
    for await (const s of scans) {
      const t = performance.now();
      // The calibration mode sets the decision rules' density uncertainty, as the worker's scan record does.
      const calibration = { mode: s.calibration, profileId: null, version: null };
      const a = await analyseImages({ scanId: s.metadata.scanId, metadata: s.metadata, images: s.images, response: s.response, calibration }, { models: [model], pool, species });
      const r = a.results[0];
      const detections = r?.detections ?? [];
      const maxScore = { ivory: 0, rhino_horn: 0, timber: 0 } as Record<DetectionClass, number>;
      for (const d of detections) maxScore[d.class] = Math.max(maxScore[d.class], d.score);
      out.push({
        scanId: s.metadata.scanId,
        metadata: s.metadata,
        truth: s.truth,
        detections,
        alert: r?.alert ?? null,
        verdict: a.verdict,
        calibration: s.calibration,
        maxScore,
        inferenceMs: a.inferenceMs,
        totalMs: performance.now() - t,
      });
      if (out.length % 25 === 0) {
        const el = (Date.now() - t0) / 1000;
        const eta = opts.expected ? ` eta ${((el / out.length) * (opts.expected - out.length)).toFixed(0)} s` : '';
        process.stderr.write(`[${opts.progressLabel ?? 'analyse'}] ${out.length}${opts.expected ? `/${opts.expected}` : ''} scans, ${el.toFixed(0)} s${eta}\n`);
      }
    }
  } finally {
    await pool.close();
  }
  return out;
}

/** Classes present in a scan's truth (wildlife classes and timber). */
export function truthClasses(t: ScanTruth): Set<DetectionClass> {
  const s = new Set<DetectionClass>();
  for (const o of t.objects) {
    if (o.class === 'ivory' || o.class === 'rhino_horn' || o.class === 'timber') s.add(o.class);
    if (o.class === 'dense_hardwood') s.add('timber');
  }
  return s;
}
