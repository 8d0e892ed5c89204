/**
 * Domain records shared by the adapter, workers, store and API.
 * Times are ISO-8601 UTC strings (`new Date().toISOString()`), so both databases store and
 * sort them the same way. Ids are opaque strings that later access control can authorise.
 */
import type { ManifestDeclaration, ScanMetadata } from '../../scanner-adapter/src/scan-package/types.ts';

export type ScanStatus = 'received' | 'queued' | 'analysing' | 'analysed' | 'failed';
export type Verdict = 'clear' | 'alert';
export type DetectionClass = 'ivory' | 'rhino_horn' | 'timber';
export type AlertStatus = 'open' | 'reviewed';

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
  citesAppendix: 'I' | 'II' | 'III' | null;
  score: number;
  box: { x: number; y: number; width: number; height: number };
  boxMm: { x: number; y: number; width: number; height: number };
  /** Estimated density in g/cm³ where the model gives one (timber). */
  densityGcm3: number | null;
  /** True when the detection passed its class threshold (tier 1); false = tier 2, kept for review/statistics. */
  aboveThreshold: boolean;
  /** Shadow-mode models store detections but never raise alerts. */
  shadow: boolean;
  createdAt: string;
}

export interface AlertReason {
  code:
    | 'wildlife_product'
    | 'cites_timber_without_permit'
    | 'declared_species_mismatch'
    | 'declared_hs_mismatch'
    | 'undeclared_timber';
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
}

export type { ManifestDeclaration, ScanMetadata };
