/**
 * Domain records shared by the adapter, workers, store and API.
 * Times are ISO-8601 UTC strings (`new Date().toISOString()`), so both databases store and
 * sort them the same way. Ids are opaque strings that later access control can authorise.
 */
import type { ManifestDeclaration, ScanMetadata } from './scan-metadata.ts';

/**
 * A scan's statuses; which may follow which is written in services/core/scan-lifecycle.ts
 * (services/scans/lifecycle.ts is their one writer).
 */
export const SCAN_STATUSES = ['received', 'queued', 'analysing', 'analysed', 'failed'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];
/**
 * `needs_review`: the scan was analysed, but no active model is validated for it (its card's
 * domain does not cover the scan), so the analysis cannot vouch for it. Never `clear`.
 */
export const VERDICTS = ['clear', 'alert', 'needs_review'] as const;
export type Verdict = (typeof VERDICTS)[number];
/** Why a scan's verdict is what it is, beyond its alerts (those carry their own reasons). */
export const VERDICT_REASON_CODES = ['outside_validated_domain'] as const;
export type VerdictReasonCode = (typeof VERDICT_REASON_CODES)[number];
export interface VerdictReason {
  code: VerdictReasonCode;
  /** Says exactly why, e.g. "linac 9/6 MeV: active models are validated for high energy 4–7 MeV (…)". */
  message: string;
}
/** `profile`: the scanner's own calibration profile was applied; `nominal`: the declared source's nominal response. */
export const CALIBRATION_MODES = ['profile', 'nominal'] as const;
export type CalibrationMode = (typeof CALIBRATION_MODES)[number];
/** Which calibration the analysis of a scan used. */
export interface ScanCalibration {
  mode: CalibrationMode;
  /** Store id of the calibration profile (null with nominal calibration). */
  profileId: string | null;
  /** The profile's version per (scanner serial, source kind) (null with nominal calibration). */
  version: number | null;
}
/** What the models detect, in alert priority order (an alert's class is the first one present). */
export const DETECTION_CLASSES = ['ivory', 'rhino_horn', 'timber'] as const;
export type DetectionClass = (typeof DETECTION_CLASSES)[number];
/** Wildlife products: above threshold always an alert, whatever the manifest says. */
export const WILDLIFE_CLASSES = ['ivory', 'rhino_horn'] as const satisfies readonly DetectionClass[];
/** CITES appendices a detected species group can be listed in. */
export const CITES_APPENDICES = ['I', 'II', 'III'] as const;
export type CitesAppendix = (typeof CITES_APPENDICES)[number];
export type { AlertStatus } from './review.ts';
import type { AlertReview, AlertStatus } from './review.ts';

export interface ScanImageRef {
  energy: 'high' | 'low';
  /** sha-256 of the stored file bytes; the content-addressed store key. */
  sha256: string;
  width: number;
  height: number;
  bytes: number;
}

export interface ScanRecord {
  scanId: string;
  laneId: string;
  scannedAt: string;
  receivedAt: string;
  status: ScanStatus;
  verdict: Verdict | null;
  /** Machine-readable reason for `failed`. */
  failureReason: string | null;
  /**
   * Reasons for the verdict (e.g. why `needs_review`); written with the verdict, absent when
   * there are none (a record not yet analysed, or a verdict its alerts explain).
   */
  verdictReasons?: VerdictReason[];
  /** Calibration the analysis used; absent (null on the API) until an analysis records it. */
  calibration?: ScanCalibration | null;
  /** sha-256 over scan.json bytes + image hashes: identifies "same content" for duplicates. */
  contentSha256: string;
  metadata: ScanMetadata;
  images: ScanImageRef[];
  /** Milliseconds: receivedAt → analysis finished; filled when analysed. */
  timings: { queuedAt?: string; startedAt?: string; finishedAt?: string; decodeMs?: number; inferenceMs?: number; totalMs?: number };
  updatedAt: string;
}

export interface ModelStamp {
  modelId: string;
  modelVersion: string;
  modelSha256: string;
}

export interface DetectionRecord extends ModelStamp {
  id: string;
  scanId: string;
  class: DetectionClass;
  /** Species group / genus for timber, e.g. "Dalbergia" or "dense-hardwood"; null otherwise. */
  species: string | null;
  citesAppendix: CitesAppendix | null;
  score: number;
  box: { x: number; y: number; width: number; height: number };
  boxMm: { x: number; y: number; width: number; height: number };
  /** Estimated density in g/cm³ where the model gives one (timber). */
  densityGcm3: number | null;
  /**
   * Timber: the density band [lo, hi] g/cm³ the model's group probabilities support — the
   * smallest run of adjacent density groups holding ≥ 90 % of the probability. Absent or null
   * for other classes and for detections stored before it existed.
   */
  densityIntervalGcm3?: [number, number] | null;
  /**
   * Timber in a container or truck: the lowest density (g/cm³) the wood can have, from physics
   * alone — the median wood area density over the region divided by the widest load space across
   * the beam (services/core/physics/density-floor.ts). The decision rules raise the interval's low
   * end to it only where the model's card opts in (rules.timberDensityFloor). Absent or null where
   * the conveyance does not bound the path, for other classes, for models without basis inputs
   * and for detections stored before it existed.
   */
  densityFloorGcm3?: number | null;
  /** True when the detection passed its class threshold (tier 1); false = tier 2, kept for review/statistics. */
  aboveThreshold: boolean;
  /** Shadow-mode models store detections but never raise alerts. */
  shadow: boolean;
  createdAt: string;
}

export const ALERT_REASON_CODES = [
  'wildlife_product',
  'cites_timber_without_permit',
  'declared_species_mismatch',
  'declared_hs_mismatch',
  'undeclared_timber',
] as const;
export type AlertReasonCode = (typeof ALERT_REASON_CODES)[number];

export interface AlertReason {
  code: AlertReasonCode;
  message: string;
  detectionIds: string[];
}

export interface AlertRecord extends ModelStamp {
  id: string;
  scanId: string;
  laneId: string;
  /** Highest-priority class among the detections that raised it. */
  class: DetectionClass;
  score: number;
  status: AlertStatus;
  reasons: AlertReason[];
  createdAt: string;
  /** Review state (services/core/review.ts); always present on records read from the store, absent on a freshly raised alert. */
  review?: AlertReview;
}

export type { ManifestDeclaration, ScanMetadata };
