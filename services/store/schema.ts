/**
 * Row shapes of the database tables as Kysely sees them — every table and column of
 * migrations 001–003 here; later areas keep theirs beside their migration in ./migrations/. Times are ISO-8601 text, JSON is text and booleans
 * are integers 0/1, so the same SQL and the same values work on SQLite and PostgreSQL. Mapping
 * to domain records lives in ./rows.ts.
 */
import type { IdentityTables } from './migrations/004-identity.ts';
import type { AuditTables } from './migrations/005-audit.ts';
import type { AlertReviewColumns, ReviewTables } from './migrations/006-review.ts';
import type { RejectionTables } from './migrations/007-rejections.ts';
import type { ScanRetentionColumns } from './migrations/008-retention.ts';
import type { HeatmapTables } from './migrations/009-heatmaps.ts';

export interface ScansTable extends ScanRetentionColumns {
  scan_id: string;
  lane_id: string;
  scanned_at: string;
  received_at: string;
  status: string;
  verdict: string | null;
  failure_reason: string | null;
  content_sha256: string;
  metadata_json: string;
  images_json: string;
  timings_json: string;
  updated_at: string;
  /** Migration 003: JSON array of VerdictReason, '[]' when none. */
  verdict_reasons_json: string;
  /** Migration 003: JSON ScanCalibration; null when not recorded. */
  calibration_json: string | null;
}

export interface DetectionsTable {
  id: string;
  scan_id: string;
  model_id: string;
  model_version: string;
  model_sha256: string;
  class: string;
  species: string | null;
  cites_appendix: string | null;
  score: number;
  box_json: string;
  box_mm_json: string;
  density: number | null;
  /** Migration 003: density interval, g/cm³; null when the detection has none. */
  density_lo: number | null;
  density_hi: number | null;
  /** Migration 010: physical lower bound on a timber load's density, g/cm³; null when none was measured. */
  density_floor: number | null;
  above_threshold: number;
  shadow: number;
  created_at: string;
}

/** Migration 006 adds the review columns (AlertReviewColumns). */
export interface AlertsTable extends AlertReviewColumns {
  id: string;
  scan_id: string;
  lane_id: string;
  model_id: string;
  model_version: string;
  model_sha256: string;
  class: string;
  score: number;
  status: string;
  reasons_json: string;
  created_at: string;
}

/** Migration 002: one row per stored calibration profile (active or refused). */
export interface CalibrationProfilesTable {
  id: string;
  calibration_id: string;
  content_sha256: string;
  scanner_serial: string;
  scanner_vendor: string | null;
  scanner_model: string | null;
  source_kind: string;
  source_json: string;
  acquired_at: string;
  received_at: string;
  version: number;
  status: string;
  reason: string | null;
  response_json: string | null;
  residuals_json: string;
  max_residual: number | null;
  tolerance: string | null;
  measurements_json: string;
  metadata_json: string;
  calibration_json: string;
}

export interface Database extends IdentityTables, AuditTables, ReviewTables, RejectionTables, HeatmapTables {
  scans: ScansTable;
  detections: DetectionsTable;
  alerts: AlertsTable;
  calibration_profiles: CalibrationProfilesTable;
}
