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
} from '../core/domain.ts';

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; null when there is none. */
  nextCursor: string | null;
}

export interface ScanFilter {
  laneId?: string;
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
  /** Merged into the stored timings object (keys given here overwrite). */
  timings?: ScanRecord['timings'];
}

/** Everything one model run produced for one scan; written in one transaction. */
export interface AnalysisResult {
  scanId: string;
  stamp: ModelStamp;
  /** Replaces any detections stored earlier for (scanId, modelId, modelVersion). */
  detections: DetectionRecord[];
  /** Upserted on (scanId, modelId, modelVersion); null deletes a stale alert for that key. */
  alert: AlertRecord | null;
}

export interface ScanStore {
  /** Insert unless the scanId exists: same contentSha256 → 'duplicate', different → 'conflict'. */
  insert(scan: ScanRecord): Promise<ScanInsertOutcome>;
  get(scanId: string): Promise<ScanRecord | undefined>;
  updateStatus(scanId: string, patch: ScanStatusPatch): Promise<void>;
  list(filter: ScanFilter): Promise<Page<ScanRecord>>;
  countByStatus(): Promise<Partial<Record<ScanStatus, number>>>;
}

export interface DetectionStore {
  listByScan(scanId: string): Promise<DetectionRecord[]>;
}

export interface AlertStore {
  get(id: string): Promise<AlertRecord | undefined>;
  list(filter: AlertFilter): Promise<Page<AlertRecord>>;
  listByScan(scanId: string): Promise<AlertRecord[]>;
  countByClass(): Promise<Partial<Record<DetectionClass, number>>>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  scans: ScanStore;
  detections: DetectionStore;
  alerts: AlertStore;
  /**
   * Idempotent: detections and alert for (scanId, modelId, modelVersion) are replaced and
   * the scan's status/verdict/timings patched, all in one transaction. Running it twice with
   * the same input leaves exactly one set of rows.
   */
  recordAnalysis(results: AnalysisResult[], scanPatch: ScanStatusPatch): Promise<void>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
