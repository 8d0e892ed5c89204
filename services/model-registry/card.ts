/**
 * The model card (models/<model-id>/<version>/card.json): the contract between training,
 * the worker's pre/post-processing and the people who must decide whether to trust a model.
 */
import type { DetectionClass } from '../core/domain.ts';
import { DECOMPOSER_VERSION } from '../core/physics/decompose.ts';

export interface ClassThreshold {
  /** Score at or above which a detection is tier 1 (raises an alert when it is a wildlife class). */
  score: number;
  /** Scan-level false-alarm rate on the calibration split this threshold was chosen for. */
  calibratedFalseAlarmRate: number;
  /** Probability of detection measured at this threshold on the calibration split. */
  calibratedDetectionRate?: number;
}

export interface TimberGroup {
  /** Stable id, e.g. "very-dense-hardwood". */
  id: string;
  label: string;
  /** Air-dry density band in g/cm³ this group stands for. */
  densityGcm3: [number, number];
  /** Genera whose reference density lies in the band (from the species table). */
  genera: string[];
  /** True when the group holds CITES-listed genera (an alert without permit). */
  citesListed: boolean;
}

/** Index of the timber group whose density band holds `density`, else the nearest band. */
export function nearestTimberGroup(density: number, groups: TimberGroup[]): number {
  let best = 0;
  let bestDist = Infinity;
  groups.forEach((g, i) => {
    const d = density < g.densityGcm3[0] ? g.densityGcm3[0] - density : density > g.densityGcm3[1] ? density - g.densityGcm3[1] : 0;
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
  });
  return best;
}

/** Smallest timber region (box in the side view) that a timber rule considers. */
export interface TimberRegionSize {
  /** Projected box area, m². */
  minAreaM2: number;
  /** Both box extents (length along travel, height), m. */
  minExtentM: number;
}

/**
 * The timber region sizes the manifest rules speak about: a cargo load of logs or sawn wood
 * (undeclared timber, CITES timber without permit), and optionally a smaller size for checking
 * a declared species or genus (`declaredSpecies`; absent: the load size). Only the declaration
 * check may go smaller: the manifest says the goods are wood of that species, so a region the
 * size of goods on a pallet or in a parcel can contradict it; the rules that accuse a manifest
 * of what it does not say keep the load size.
 */
export interface TimberLoadRule extends TimberRegionSize {
  declaredSpecies?: TimberRegionSize;
}

/**
 * What a model is validated for. Energies in MeV; tube kVp compare as MeV = kVp / 1000.
 * Ranges are inclusive [min, max].
 */
export interface ValidatedDomain {
  sourceKinds: Array<'linac' | 'tube'>;
  highEnergyMeV: [number, number];
  /** When given, a dual-energy scan's low energy must lie inside it. */
  lowEnergyMeV?: [number, number];
  /** Per axis: both the x and the y spacing must lie inside. */
  pixelSpacingMm: [number, number];
  /** True: validated on dual-energy scans only (the scan must carry a low energy and image). */
  dualEnergy: boolean;
}

export interface ModelCard {
  schema: 'model-card/1';
  id: string;
  version: string;
  /** sha-256 of model.onnx; the registry refuses to load when the file disagrees. */
  sha256: string;
  file: string;
  createdAt: string;
  intendedUse: string;
  classes: DetectionClass[];
  input: {
    /** ONNX input name; shape [1, energies.length, H, W], float32. */
    name: string;
    energies: Array<'high' | 'low'>;
    /** Pixel spacing the model was trained at; scans are resampled (area average of −ln T) to it. */
    pixelSpacingMm: number;
    resampling: string;
    /** x_model = attenuation (−ln T) * scale; T clamped to [minTransmission, 1]. */
    normalisation: { attenuationScale: number; minTransmission: number };
    /** Source kinds the model was trained for; others are skipped with a reason. */
    sourceKinds: Array<'linac' | 'tube'>;
    /** Model input height/width must be multiples of this (inputs are zero-padded to it). */
    sizeMultiple: number;
    /**
     * What the channels hold. `attenuation` (default, models before 2.0): −ln T per energy, as the
     * scanner measured it. `basis`: scanner-independent area densities from the scanner's
     * calibration profile (or the nominal response of the declared source) —
     * channel 0 = total area density (polyethylene + iron equivalent, g/cm²) × massScale,
     * channel 1 = iron-equivalent area density (g/cm²) × metalScale (services/core/physics/decompose.ts).
     * `decomposer`: the DECOMPOSER_VERSION the training inputs were made with (absent: 1). The
     * registry refuses a basis model whose version differs from this build's: its inputs would not
     * be the ones it learned and was measured on.
     */
    representation?: { kind: 'attenuation' } | { kind: 'basis'; massScale: number; metalScale: number; decomposer?: number };
  };
  output: {
    /**
     * Score maps [1, classes.length, H/stride, W/stride], one channel per class in `classes` order.
     * With `logits`, the map holds logits and the score is sigmoid(logit / temperature), computed
     * in double precision; otherwise the map already holds scores in [0, 1].
     */
    heatmap: {
      name: string;
      stride: number;
      logits?: boolean;
      temperature?: number;
      /** A region is split at this many logits below its peak (one box per packed object); default 2.5. */
      peakDropLogits?: number;
    };
    /** Softmax logits over timber groups [1, groups.length, H/stride, W/stride]. */
    timberGroups?: { name: string; groups: TimberGroup[] };
  };
  /** Per-class thresholds chosen on the calibration split. */
  thresholds: Record<DetectionClass, ClassThreshold>;
  /** Score above which a connected region becomes a (tier-2) detection at all. */
  candidateScore: number;
  /**
   * At most this many below-threshold (tier-2) candidates are kept per class, the highest-scoring
   * first; every region at or above the class threshold is always kept. A container scan holds
   * hundreds of weak local maxima: storing them all buries the tier-2 list an inspector reads.
   * Absent: DEFAULT_MAX_CANDIDATES_PER_CLASS (workers/src/analysis/postprocess.ts).
   */
  maxCandidatesPerClass?: number;
  /**
   * Which alert rules this model's outputs may drive. `timberManifestRules: false` keeps its
   * timber detections (shown, stored, tier 1/2) but never alerts on them against the manifest:
   * for a model whose held-out density bands are too unreliable to accuse a declaration.
   * Absent means all rules apply. `timberLoad`: the smallest timber region the manifest rules
   * treat as a cargo load (defaults in workers/src/decision/decide.ts, DEFAULT_TIMBER_LOAD).
   * `timberDensityFloor: true` lets the physical lower bound on a timber load's density
   * (services/core/physics/density-floor.ts; measured and stored either way) raise the low end of
   * its density interval. Off by default: it bounds the density of the wood as loaded, and green
   * logs or fresh-sawn wood weigh up to about twice their air-dry density (the species table's).
   */
  rules?: { timberManifestRules?: boolean; timberLoad?: TimberLoadRule; timberDensityFloor?: boolean };
  /**
   * The scans this model was validated on. A scan outside it is not read by this model; when no
   * active model's domain covers a scan, its verdict is `needs_review`. Absent (cards before
   * domains existed): the model reads any scan of its input source kinds with its energies.
   */
  domain?: ValidatedDomain;
  evaluation?: unknown;
  trainingData: string;
  limits: string[];
  retraining?: string;
  /**
   * Set when the wildlife thresholds were re-fitted on a site's own benign scans (npm run
   * thresholds): the same network, its thresholds raised so that the site's scanners keep the
   * false-alarm budget. `fromVersion` is the card they were raised from.
   */
  siteThresholds?: {
    fromVersion: string;
    fittedAt: string;
    benignScans: number;
    scanners: string[];
    perClassFalseAlarmRate: number;
    classes: Record<string, { from: number; to: number; benignAlarmsBefore: number; benignAlarmsAfter: number }>;
  };
}

export interface LoadedModel {
  card: ModelCard;
  /** Absolute path of the verified model file. */
  path: string;
  dir: string;
  /** Runs but never raises alerts (SHADOW_MODELS). */
  shadow: boolean;
}

/** Why a basis card's inputs are not what this build computes (the registry refuses such a model), or null. */
export function representationProblem(card: ModelCard): string | null {
  const rep = card.input.representation;
  if (rep?.kind !== 'basis') return null;
  const made = rep.decomposer ?? 1;
  if (made === DECOMPOSER_VERSION) return null;
  return `trained on area densities from decomposer version ${made}, but this build decomposes with version ${DECOMPOSER_VERSION} (docs/models.md, "The decomposition on close energy pairs"): retrain it (npm run train) or keep the release it came with`;
}

/** Why a card's validated domain is unusable (the registry refuses such a model), or null. */
export function domainProblem(card: ModelCard): string | null {
  const d = card.domain;
  if (d === undefined) return null;
  const range = (r: unknown): r is [number, number] =>
    Array.isArray(r) && r.length === 2 && r.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) && r[0] <= r[1];
  if (!Array.isArray(d.sourceKinds) || d.sourceKinds.length === 0 || !d.sourceKinds.every((k) => k === 'linac' || k === 'tube')) {
    return 'domain.sourceKinds must list linac and/or tube';
  }
  const untrained = d.sourceKinds.filter((k) => !card.input.sourceKinds.includes(k));
  if (untrained.length) return `domain.sourceKinds lists ${untrained.join(', ')}, which input.sourceKinds does not`;
  if (!range(d.highEnergyMeV)) return 'domain.highEnergyMeV must be [min, max] in MeV';
  if (d.lowEnergyMeV !== undefined && !range(d.lowEnergyMeV)) return 'domain.lowEnergyMeV must be [min, max] in MeV';
  if (!range(d.pixelSpacingMm) || d.pixelSpacingMm[0] <= 0) return 'domain.pixelSpacingMm must be [min, max] in mm, above 0';
  if (typeof d.dualEnergy !== 'boolean') return 'domain.dualEnergy must be true or false';
  if (!d.dualEnergy && card.input.energies.includes('low')) return 'domain.dualEnergy is false but the model reads the low energy';
  return null;
}
