/**
 * The analysis code path, shared by the queue worker and the evaluation harness so that what
 * is measured is what runs: images → model input → inference → detections → alert.
 * It reads only the scan's metadata and pixels, never ground truth.
 */
import type { AlertRecord, DetectionRecord, ScanCalibration, ScanMetadata, Verdict, VerdictReason } from '#services/core/domain.ts';
import type { LoadedModel } from '#services/model-registry/card.ts';
import { nominalResponse, type ScannerResponse } from '#services/core/physics/response.ts';
import type { AnalysisResult } from '#services/store/types.ts';
import { decide, type SpeciesReference } from '../decision/decide.ts';
import type { InferencePool } from '../inference/inference-pool.ts';
import { detectionsFromOutputs, heatmapsFromOutputs } from './postprocess.ts';
import { buildModelInput, type DecodedImage } from './preprocess.ts';

export interface AnalysisDeps {
  models: LoadedModel[];
  pool: InferencePool;
  species: SpeciesReference;
}

export interface ScanAnalysis {
  results: AnalysisResult[];
  /** `needs_review` when no active model is validated for the scan (never `clear` then). */
  verdict: Verdict;
  /** Why the verdict is what it is beyond the alerts: `outside_validated_domain` with `needs_review`. */
  verdictReasons: VerdictReason[];
  /** The calibration the scan was analysed with, as given by the caller; null when not given. */
  calibration: ScanCalibration | null;
  skipped: Array<{ model: string; reason: string }>;
  preprocessMs: number;
  inferenceMs: number;
}

type ScanImages = Partial<Record<'high' | 'low', DecodedImage>>;

const num = (v: number) => String(Number(v.toFixed(3)));

/** Source energies in MeV (tube kVp / 1000), as validated domains state them. */
function energiesMeV(source: ScanMetadata['source']): { high: number; low?: number } {
  return source.kind === 'linac'
    ? { high: source.highMeV, low: source.lowMeV }
    : { high: source.highKVp / 1000, low: source.lowKVp === undefined ? undefined : source.lowKVp / 1000 };
}

/** An energy range in the scan's own unit (kVp for tubes). */
function energyRange(r: [number, number], kind: ScanMetadata['source']['kind']): string {
  return kind === 'tube' ? `${num(r[0] * 1000)}–${num(r[1] * 1000)} kVp` : `${num(r[0])}–${num(r[1])} MeV`;
}

/**
 * What a model is validated for that this scan is not, in words ("high energy 4–7 MeV",
 * "tube sources", "pixel spacing 2–4 mm", "dual-energy scans"); empty when the model may read
 * the scan. A card without a `domain` is checked as before domains existed: its input source
 * kinds and the energy images it reads.
 */
export function domainGaps(card: LoadedModel['card'], meta: ScanMetadata, images: ScanImages): string[] {
  const kind = meta.source.kind;
  const d = card.domain;
  const gaps: string[] = [];
  if (!d) {
    if (!card.input.sourceKinds.includes(kind)) gaps.push(`${card.input.sourceKinds.join('/')} sources`);
  } else if (!d.sourceKinds.includes(kind)) {
    gaps.push(`${d.sourceKinds.join('/')} sources`);
  } else {
    const e = energiesMeV(meta.source);
    const outside = (v: number, r: [number, number]) => v < r[0] || v > r[1];
    if (outside(e.high, d.highEnergyMeV)) gaps.push(`high energy ${energyRange(d.highEnergyMeV, kind)}`);
    const dual = e.low !== undefined && images.low !== undefined;
    if (d.dualEnergy && !dual) gaps.push('dual-energy scans');
    if (d.dualEnergy && d.lowEnergyMeV && e.low !== undefined && outside(e.low, d.lowEnergyMeV)) gaps.push(`low energy ${energyRange(d.lowEnergyMeV, kind)}`);
    const s = meta.pixelSpacingMm;
    if (outside(s.x, d.pixelSpacingMm) || outside(s.y, d.pixelSpacingMm)) gaps.push(`pixel spacing ${num(d.pixelSpacingMm[0])}–${num(d.pixelSpacingMm[1])} mm`);
  }
  const missing = card.input.energies.filter((en) => !images[en]);
  if (missing.length && !gaps.includes('dual-energy scans')) gaps.push(`scans with the ${missing.join(' and ')} energy image${missing.length > 1 ? 's' : ''}`);
  return gaps;
}

/** The scan as a domain sees it: "linac 9/6 MeV", "tube 160 kVp single-energy, 0.8×0.8 mm pixels". */
export function describeScan(meta: ScanMetadata, images: ScanImages): string {
  const src = meta.source;
  const energies =
    src.kind === 'linac'
      ? `${num(src.highMeV)}${src.lowMeV !== undefined ? `/${num(src.lowMeV)}` : ''} MeV`
      : `${num(src.highKVp)}${src.lowKVp !== undefined ? `/${num(src.lowKVp)}` : ''} kVp`;
  const single = images.low === undefined || (src.kind === 'linac' ? src.lowMeV : src.lowKVp) === undefined;
  return `${src.kind} ${energies}${single ? ' single-energy' : ''}, ${num(meta.pixelSpacingMm.x)}×${num(meta.pixelSpacingMm.y)} mm pixels`;
}

/** Why a model does not read a scan, or null when it does. */
export function applicability(model: LoadedModel, meta: ScanMetadata, images: ScanImages): string | null {
  const gaps = domainGaps(model.card, meta, images);
  if (gaps.length === 0) return null;
  return `${model.card.domain ? 'validated' : 'trained'} for ${gaps.join(', ')}; scan is ${describeScan(meta, images)}`;
}

/**
 * The verdict when no active model reads the scan: what the scan is and what each active model
 * is validated for, e.g. "linac 9/6 MeV, 10×10 mm pixels: active models are validated for high
 * energy 4–7 MeV (wildlife-timber-fcn@2.0.0)".
 */
function outsideDomain(active: LoadedModel[], meta: ScanMetadata, images: ScanImages): VerdictReason {
  const message = active.length
    ? `${describeScan(meta, images)}: active models are validated for ${active
        .map((m) => `${domainGaps(m.card, meta, images).join(' and ')} (${m.card.id}@${m.card.version})`)
        .join('; ')}`
    : `${describeScan(meta, images)}: no active model is loaded`;
  return { code: 'outside_validated_domain', message };
}

export async function analyseImages(
  /**
   * `response`: the scanner's calibration profile; without one, the nominal response of the declared source.
   * `calibration`: which of the two that is (recorded on the scan; sets the decision rules' density uncertainty).
   */
  scan: { scanId: string; metadata: ScanMetadata; images: Partial<Record<'high' | 'low', DecodedImage>>; response?: ScannerResponse; calibration?: ScanCalibration },
  deps: AnalysisDeps,
  createdAt = new Date().toISOString(),
): Promise<ScanAnalysis> {
  const meta = scan.metadata;
  const results: AnalysisResult[] = [];
  const skipped: ScanAnalysis['skipped'] = [];
  let preprocessMs = 0;
  let inferenceMs = 0;
  const size = scan.images.high ?? scan.images.low!;
  // One response per scan: the model inputs and the timber density floor read the same one.
  const response = scan.response ?? nominalResponse(meta.source);
  for (const model of deps.models) {
    const why = applicability(model, meta, scan.images);
    if (why) {
      skipped.push({ model: `${model.card.id}@${model.card.version}`, reason: why });
      continue;
    }
    const t0 = performance.now();
    const input = buildModelInput(model.card, scan.images, meta.airValue, meta.pixelSpacingMm, response);
    preprocessMs += performance.now() - t0;
    // The pool transfers (detaches) the buffer it is given; postprocessing still reads the input
    // (box refinement), so the thread gets a copy.
    const { outputs, ms } = await deps.pool.run(model.path, { [model.card.input.name]: { data: input.data.slice(), dims: input.dims } });
    inferenceMs += ms;
    const ctx = {
      scanId: scan.scanId,
      model,
      input,
      scanWidth: size.width,
      scanHeight: size.height,
      spacingMm: meta.pixelSpacingMm,
      createdAt,
      response,
      conveyance: meta.conveyance?.type,
    };
    const detections: DetectionRecord[] = detectionsFromOutputs(ctx, outputs);
    // The score maps behind the boxes, kept (quantised, compressed) for the console's overlay.
    const heatmaps = heatmapsFromOutputs(ctx, outputs);
    const alert: AlertRecord | null = decide({
      scanId: scan.scanId,
      laneId: meta.laneId,
      model,
      detections,
      declarations: meta.manifest?.declarations ?? [],
      species: deps.species,
      createdAt,
      calibration: scan.calibration?.mode ?? 'nominal',
    });
    results.push({ scanId: scan.scanId, stamp: { modelId: model.card.id, modelVersion: model.card.version, modelSha256: model.card.sha256 }, detections, alert, heatmaps });
  }
  // Only an active model validated for the scan can vouch for it; shadow models never do.
  const active = deps.models.filter((m) => !m.shadow);
  const vouched = active.some((m) => applicability(m, meta, scan.images) === null);
  const verdict: Verdict = !vouched ? 'needs_review' : results.some((r) => r.alert) ? 'alert' : 'clear';
  const verdictReasons = vouched ? [] : [outsideDomain(active, meta, scan.images)];
  return { results, verdict, verdictReasons, calibration: scan.calibration ?? null, skipped, preprocessMs, inferenceMs };
}
