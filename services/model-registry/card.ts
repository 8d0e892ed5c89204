/**
 * The model card (models/<model-id>/<version>/card.json): the contract between training,
 * the worker's pre/post-processing and the people who must decide whether to trust a model.
 */
import type { DetectionClass } from '../core/domain.ts';

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
   * Which alert rules this model's outputs may drive. `timberManifestRules: false` keeps its
   * timber detections (shown, stored, tier 1/2) but never alerts on them against the manifest:
   * for a model whose held-out density bands are too unreliable to accuse a declaration.
   * Absent means all rules apply.
   */
  rules?: { timberManifestRules: boolean };
  evaluation?: unknown;
  trainingData: string;
  limits: string[];
  retraining?: string;
}

export interface LoadedModel {
  card: ModelCard;
  /** Absolute path of the verified model file. */
  path: string;
  dir: string;
  /** Runs but never raises alerts (SHADOW_MODELS). */
  shadow: boolean;
}
