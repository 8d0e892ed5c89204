/**
 * The store contract: every process (adapter, worker, API) talks to the database only
 * through this interface. Implemented once with Kysely over SQLite (better-sqlite3) and
 * PostgreSQL (pg); see ./database.ts.
 */
import type {
  AlertRecord,
  AlertStatus,
  DetectionClass,
  DetectionRecord,
  ModelStamp,
  ScanRecord,
  ScanStatus,
  Verdict,
  VerdictReasonCode,
} from '../core/domain.ts';
import type { CalibrationMetadata } from '../core/calibration-metadata.ts';
import type { HeatmapRecord } from '../core/heatmap.ts';
import type { SourceSpec } from '../core/scan-metadata.ts';
import type { RegionMeasurement, RegionResidual } from '../core/physics/calibration.ts';
import type { ScannerResponse } from '../core/physics/response.ts';
import type { AuditInput } from '../core/audit.ts';
import type { AuditStore } from './repositories/audit.ts';
import type { RejectionStore } from './repositories/rejections.ts';
import type { ReviewStore } from './repositories/reviews.ts';
import type { StatsStore } from './repositories/stats.ts';
import type { RetentionStore } from './repositories/retention.ts';
import type { UserStore } from './repositories/users.ts';

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; null when there is none. */
  nextCursor: string | null;
}

export interface ScanFilter {
  laneId?: string;
  /** Only these lanes (an operator's); an empty list matches nothing. */
  laneIds?: string[];
  status?: ScanStatus;
  verdict?: Verdict;
  /** ISO time: scans received at or after it. */
  since?: string;
  limit: number;
  cursor?: string;
}

export interface AlertFilter {
  status?: AlertStatus;
  laneId?: string;
  class?: DetectionClass;
  since?: string;
  limit: number;
  cursor?: string;
}

export type ScanInsertOutcome = 'inserted' | 'duplicate' | 'conflict';

export interface ScanStatusPatch {
  status: ScanStatus;
  verdict?: ScanRecord['verdict'];
  failureReason?: string | null;
  /**
   * Written with the verdict: when `verdict` is given and this is not, the stored reasons are
   * cleared, so reasons always belong to the verdict they stand beside.
   */
  verdictReasons?: NonNullable<ScanRecord['verdictReasons']>;
  /** The calibration the analysis used (null: not recorded). Left as stored when absent. */
  calibration?: ScanRecord['calibration'];
  /** Merged into the stored timings object (keys given here overwrite). */
  timings?: ScanRecord['timings'];
  /**
   * Only change a scan whose current status is one of these (services/scans/lifecycle.ts passes
   * allowedFrom(status) of services/core/scan-lifecycle.ts); otherwise nothing is written and
   * ScanTransitionError is thrown. Absent: unconditional (store tests and fixtures only).
   */
  from?: readonly ScanStatus[];
  /** Audit entries appended in the same transaction as the change. */
  audit?: AuditInput[];
}

/** Everything one model run produced for one scan; written in one transaction. */
export interface AnalysisResult {
  scanId: string;
  stamp: ModelStamp;
  /** Replaces any detections stored earlier for (scanId, modelId, modelVersion). */
  detections: DetectionRecord[];
  /** Upserted on (scanId, modelId, modelVersion); null deletes a stale alert for that key. */
  alert: AlertRecord | null;
  /**
   * The model's per-class heat maps; replace any stored for (scanId, modelId, modelVersion).
   * Absent: the stored ones are left alone (callers that predate heat maps).
   */
  heatmaps?: HeatmapRecord[];
}

export interface ScanStore {
  /**
   * Insert unless the scanId exists: same contentSha256 → 'duplicate', different → 'conflict'.
   * `audit` entries are appended in the same transaction, only when the scan is inserted.
   */
  insert(scan: ScanRecord, audit?: AuditInput[]): Promise<ScanInsertOutcome>;
  get(scanId: string): Promise<ScanRecord | undefined>;
  updateStatus(scanId: string, patch: ScanStatusPatch): Promise<void>;
  list(filter: ScanFilter): Promise<Page<ScanRecord>>;
  countByStatus(): Promise<Partial<Record<ScanStatus, number>>>;
  /** Scans with a verdict, by verdict. */
  countByVerdict(): Promise<Partial<Record<Verdict, number>>>;
  /** Scans whose verdict carries a reason, by reason code. */
  countByVerdictReason(): Promise<Partial<Record<VerdictReasonCode, number>>>;
}

export interface DetectionStore {
  listByScan(scanId: string): Promise<DetectionRecord[]>;
}

export interface HeatmapKey {
  modelId: string;
  modelVersion: string;
}

export interface HeatmapStore {
  /**
   * One class's heat map of a scan: of the given model version, else of the newest non-shadow
   * model version stored for the scan (ties: highest model id, version).
   */
  get(scanId: string, cls: DetectionClass, model?: HeatmapKey): Promise<HeatmapRecord | undefined>;
  /** Which heat maps a scan has, without their data. */
  listByScan(scanId: string): Promise<Array<Omit<HeatmapRecord, 'data'>>>;
}

export interface AlertStore {
  get(id: string): Promise<AlertRecord | undefined>;
  list(filter: AlertFilter): Promise<Page<AlertRecord>>;
  listByScan(scanId: string): Promise<AlertRecord[]>;
  countByClass(): Promise<Partial<Record<DetectionClass, number>>>;
}

export type CalibrationStatus = 'active' | 'refused';

/** A scanner calibration profile: the measurements of one calibration package and their fit. */
export interface CalibrationProfile {
  /** Store id, derived from the content (`cal-` + first 32 hex of contentSha256). */
  id: string;
  calibrationId: string;
  /** sha-256 over calibration.json bytes + image hashes: identifies "same package". */
  contentSha256: string;
  scanner: { serial: string; vendor: string | null; model: string | null };
  source: SourceSpec;
  /** UTC ISO time (normalised from calibration.json's acquiredAt). */
  acquiredAt: string;
  receivedAt: string;
  /** 1, 2, … per (scanner serial, source kind), in the order profiles were stored; refused ones count. */
  version: number;
  status: CalibrationStatus;
  /** Why the fit was refused; null when active. */
  reason: string | null;
  /** The fitted response; null when refused. */
  response: ScannerResponse | null;
  residuals: RegionResidual[];
  /** Largest |fitted − measured| attenuation over regions and channels; null with no residuals. */
  maxResidual: number | null;
  /** The fit's tolerance rule; null when refused. */
  tolerance: string | null;
  measurements: RegionMeasurement[];
  metadata: CalibrationMetadata;
  /** calibration.json exactly as received. */
  calibrationJson: string;
}

/** A profile to store; the store assigns the version. */
export type NewCalibrationProfile = Omit<CalibrationProfile, 'version'>;

export type CalibrationInsertOutcome =
  /** Stored as a new version. */
  | { outcome: 'inserted'; profile: CalibrationProfile }
  /** The same package (calibrationId and content) was stored before: nothing written. */
  | { outcome: 'duplicate'; profile: CalibrationProfile }
  /** An active profile with this calibrationId has different content: nothing written. */
  | { outcome: 'conflict'; profile: CalibrationProfile };

export interface CalibrationFilter {
  serial?: string;
  limit: number;
  cursor?: string;
}

export interface CalibrationStore {
  /**
   * Idempotent on (calibrationId, content). A calibrationId whose earlier profiles were all
   * refused may be stored again with corrected content (a new version); one with an active
   * profile may not ('conflict'). `audit` gives the entry appended in the same transaction when
   * the profile is inserted (it sees the stored version).
   */
  insert(profile: NewCalibrationProfile, audit?: (stored: CalibrationProfile) => AuditInput): Promise<CalibrationInsertOutcome>;
  get(id: string): Promise<CalibrationProfile | undefined>;
  /** Newest received first. */
  list(filter: CalibrationFilter): Promise<Page<CalibrationProfile>>;
  /**
   * The profile in force for a scan: the `active` profile of this scanner serial and source
   * kind with the latest acquiredAt ≤ scannedAt (ties: highest version); undefined if none.
   * scannedAt is any ISO-8601 time with offset (e.g. scan.json's scannedAt).
   */
  findCalibrationProfile(serial: string, sourceKind: SourceSpec['kind'], scannedAt: string): Promise<CalibrationProfile | undefined>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  users: UserStore;
  audit: AuditStore;
  reviews: ReviewStore;
  rejections: RejectionStore;
  stats: StatsStore;
  retention: RetentionStore;
  scans: ScanStore;
  detections: DetectionStore;
  heatmaps: HeatmapStore;
  alerts: AlertStore;
  calibrations: CalibrationStore;
  /**
   * Idempotent: detections, heat maps and alert for (scanId, modelId, modelVersion) are replaced and
   * the scan's status/verdict/timings patched, all in one transaction. Running it twice with
   * the same input leaves exactly one set of rows.
   */
  recordAnalysis(results: AnalysisResult[], scanPatch: ScanStatusPatch): Promise<void>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
