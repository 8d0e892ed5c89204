/**
 * Domain record ⇄ table row mapping: the one place that knows JSON is text and booleans
 * are 0/1 integers.
 */
import type { Insertable, Selectable } from 'kysely';
import type {
  AlertRecord,
  AlertStatus,
  DetectionClass,
  DetectionRecord,
  ScanRecord,
  ScanStatus,
  Verdict,
} from '../core/domain.ts';
import type { AlertsTable, DetectionsTable, ScansTable } from './schema.ts';

export function scanToRow(scan: ScanRecord): Insertable<ScansTable> {
  return {
    scan_id: scan.scanId,
    lane_id: scan.laneId,
    scanned_at: scan.scannedAt,
    received_at: scan.receivedAt,
    status: scan.status,
    verdict: scan.verdict,
    failure_reason: scan.failureReason,
    content_sha256: scan.contentSha256,
    metadata_json: JSON.stringify(scan.metadata),
    images_json: JSON.stringify(scan.images),
    timings_json: JSON.stringify(scan.timings ?? {}),
    updated_at: scan.updatedAt,
  };
}

export function rowToScan(row: Selectable<ScansTable>): ScanRecord {
  return {
    scanId: row.scan_id,
    laneId: row.lane_id,
    scannedAt: row.scanned_at,
    receivedAt: row.received_at,
    status: row.status as ScanStatus,
    verdict: row.verdict as Verdict | null,
    failureReason: row.failure_reason,
    contentSha256: row.content_sha256,
    metadata: JSON.parse(row.metadata_json) as ScanRecord['metadata'],
    images: JSON.parse(row.images_json) as ScanRecord['images'],
    timings: JSON.parse(row.timings_json) as ScanRecord['timings'],
    updatedAt: row.updated_at,
  };
}

export function detectionToRow(d: DetectionRecord): Insertable<DetectionsTable> {
  return {
    id: d.id,
    scan_id: d.scanId,
    model_id: d.modelId,
    model_version: d.modelVersion,
    model_sha256: d.modelSha256,
    class: d.class,
    species: d.species,
    cites_appendix: d.citesAppendix,
    score: d.score,
    box_json: JSON.stringify(d.box),
    box_mm_json: JSON.stringify(d.boxMm),
    density: d.densityGcm3,
    above_threshold: d.aboveThreshold ? 1 : 0,
    shadow: d.shadow ? 1 : 0,
    created_at: d.createdAt,
  };
}

export function rowToDetection(row: Selectable<DetectionsTable>): DetectionRecord {
  return {
    id: row.id,
    scanId: row.scan_id,
    modelId: row.model_id,
    modelVersion: row.model_version,
    modelSha256: row.model_sha256,
    class: row.class as DetectionClass,
    species: row.species,
    citesAppendix: row.cites_appendix as DetectionRecord['citesAppendix'],
    score: Number(row.score),
    box: JSON.parse(row.box_json) as DetectionRecord['box'],
    boxMm: JSON.parse(row.box_mm_json) as DetectionRecord['boxMm'],
    densityGcm3: row.density === null ? null : Number(row.density),
    // pg returns integers as numbers, SQLite too; Number() also tolerates "1" from drivers
    // configured to return strings.
    aboveThreshold: Number(row.above_threshold) === 1,
    shadow: Number(row.shadow) === 1,
    createdAt: row.created_at,
  };
}

export function alertToRow(a: AlertRecord): Insertable<AlertsTable> {
  return {
    id: a.id,
    scan_id: a.scanId,
    lane_id: a.laneId,
    model_id: a.modelId,
    model_version: a.modelVersion,
    model_sha256: a.modelSha256,
    class: a.class,
    score: a.score,
    status: a.status,
    reasons_json: JSON.stringify(a.reasons),
    created_at: a.createdAt,
  };
}

export function rowToAlert(row: Selectable<AlertsTable>): AlertRecord {
  return {
    id: row.id,
    scanId: row.scan_id,
    laneId: row.lane_id,
    modelId: row.model_id,
    modelVersion: row.model_version,
    modelSha256: row.model_sha256,
    class: row.class as DetectionClass,
    score: Number(row.score),
    status: row.status as AlertStatus,
    reasons: JSON.parse(row.reasons_json) as AlertRecord['reasons'],
    createdAt: row.created_at,
  };
}
