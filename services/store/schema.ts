/**
 * Row shapes of the database tables as Kysely sees them. Times are ISO-8601 text, JSON is
 * text and booleans are integers 0/1, so the same SQL and the same values work on SQLite
 * and PostgreSQL. Mapping to domain records lives in ./rows.ts.
 */

export interface ScansTable {
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
  above_threshold: number;
  shadow: number;
  created_at: string;
}

export interface AlertsTable {
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

export interface Database {
  scans: ScansTable;
  detections: DetectionsTable;
  alerts: AlertsTable;
}
