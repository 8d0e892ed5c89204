/**
 * The analysis code path, shared by the queue worker and the evaluation harness so that what
 * is measured is what runs: images → model input → inference → detections → alert.
 * It reads only the scan's metadata and pixels, never ground truth.
 */
import type { AlertRecord, DetectionRecord, ScanMetadata, Verdict } from '../../../services/core/domain.ts';
import type { LoadedModel } from '../../../services/model-registry/card.ts';
import type { AnalysisResult } from '../../../services/store/types.ts';
import { decide, type SpeciesReference } from '../decision/decide.ts';
import type { InferencePool } from '../inference/inference-pool.ts';
import { detectionsFromOutputs } from './postprocess.ts';
import { buildModelInput, type DecodedImage } from './preprocess.ts';

export interface AnalysisDeps {
  models: LoadedModel[];
  pool: InferencePool;
  species: SpeciesReference;
}

export interface ScanAnalysis {
  results: AnalysisResult[];
  verdict: Verdict;
  skipped: Array<{ model: string; reason: string }>;
  preprocessMs: number;
  inferenceMs: number;
}

export function applicability(model: LoadedModel, meta: ScanMetadata, images: Partial<Record<'high' | 'low', DecodedImage>>): string | null {
  const card = model.card;
  if (!card.input.sourceKinds.includes(meta.source.kind)) return `trained for ${card.input.sourceKinds.join('/')} sources, scan is ${meta.source.kind}`;
  const missing = card.input.energies.filter((e) => !images[e]);
  if (missing.length) return `needs ${missing.join(', ')} energy image(s)`;
  return null;
}

export async function analyseImages(
  scan: { scanId: string; metadata: ScanMetadata; images: Partial<Record<'high' | 'low', DecodedImage>> },
  deps: AnalysisDeps,
  createdAt = new Date().toISOString(),
): Promise<ScanAnalysis> {
  const meta = scan.metadata;
  const results: AnalysisResult[] = [];
  const skipped: ScanAnalysis['skipped'] = [];
  let preprocessMs = 0;
  let inferenceMs = 0;
  const size = scan.images.high ?? scan.images.low!;
  for (const model of deps.models) {
    const why = applicability(model, meta, scan.images);
    if (why) {
      skipped.push({ model: `${model.card.id}@${model.card.version}`, reason: why });
      continue;
    }
    const t0 = performance.now();
    const input = buildModelInput(model.card, scan.images, meta.airValue, meta.pixelSpacingMm);
    preprocessMs += performance.now() - t0;
    // The pool transfers (detaches) the buffer it is given; postprocessing still reads the input
    // (box refinement), so the thread gets a copy.
    const { outputs, ms } = await deps.pool.run(model.path, { [model.card.input.name]: { data: input.data.slice(), dims: input.dims } });
    inferenceMs += ms;
    const detections: DetectionRecord[] = detectionsFromOutputs(
      { scanId: scan.scanId, model, input, scanWidth: size.width, scanHeight: size.height, spacingMm: meta.pixelSpacingMm, createdAt },
      outputs,
    );
    const alert: AlertRecord | null = decide({
      scanId: scan.scanId,
      laneId: meta.laneId,
      model,
      detections,
      declarations: meta.manifest?.declarations ?? [],
      species: deps.species,
      createdAt,
    });
    results.push({ scanId: scan.scanId, stamp: { modelId: model.card.id, modelVersion: model.card.version, modelSha256: model.card.sha256 }, detections, alert });
  }
  const verdict: Verdict = results.some((r) => r.alert) ? 'alert' : 'clear';
  return { results, verdict, skipped, preprocessMs, inferenceMs };
}
