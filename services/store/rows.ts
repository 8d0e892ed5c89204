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
  ScanCalibration,
  ScanRecord,
  ScanStatus,
  Verdict,
  VerdictReason,
} from '../core/domain.ts';
import { INITIAL_REVIEW, type AlertDecision } from '../core/review.ts';
import type { AlertsTable, CalibrationProfilesTable, DetectionsTable, ScansTable } from './schema.ts';
import type { CalibrationProfile, CalibrationStatus } from './types.ts';

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
    verdict_reasons_json: JSON.stringify(scan.verdictReasons ?? []),
    calibration_json: scan.calibration ? JSON.stringify(scan.calibration) : null,
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
    // Absent when there are none, like a record that was never analysed.
    ...verdictFieldsOf(row),
  };
}

function verdictFieldsOf(row: Selectable<ScansTable>): Pick<ScanRecord, 'verdictReasons' | 'calibration'> {
  const reasons = JSON.parse(row.verdict_reasons_json ?? '[]') as VerdictReason[];
  return {
    ...(reasons.length ? { verdictReasons: reasons } : {}),
    ...(row.calibration_json ? { calibration: JSON.parse(row.calibration_json) as ScanCalibration } : {}),
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
    density_lo: d.densityIntervalGcm3?.[0] ?? null,
    density_hi: d.densityIntervalGcm3?.[1] ?? null,
    density_floor: d.densityFloorGcm3 ?? null,
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
    ...(row.density_lo != null && row.density_hi != null ? { densityIntervalGcm3: [Number(row.density_lo), Number(row.density_hi)] as [number, number] } : {}),
    ...(row.density_floor != null ? { densityFloorGcm3: Number(row.density_floor) } : {}),
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
    ...reviewToRow(a.review ?? INITIAL_REVIEW),
  };
}

/** The review columns of an alert row (also the set a review write updates). */
export function reviewToRow(r: NonNullable<AlertRecord['review']>) {
  return {
    review_version: r.version,
    assignee_id: r.assignee?.id ?? null,
    assignee_name: r.assignee?.name ?? null,
    claim_expires_at: r.claimExpiresAt,
    decided_at: r.decidedAt,
    decided_by_id: r.decidedBy?.id ?? null,
    decided_by_name: r.decidedBy?.name ?? null,
    decision_json: r.decision ? JSON.stringify(r.decision) : null,
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
    review: {
      version: Number(row.review_version),
      assignee: row.assignee_id !== null ? { id: row.assignee_id, name: row.assignee_name ?? row.assignee_id } : null,
      claimExpiresAt: row.claim_expires_at,
      decidedAt: row.decided_at,
      decidedBy: row.decided_by_id !== null ? { id: row.decided_by_id, name: row.decided_by_name ?? row.decided_by_id } : null,
      decision: row.decision_json ? (JSON.parse(row.decision_json) as AlertDecision) : null,
    },
  };
}

export function calibrationToRow(p: CalibrationProfile): Insertable<CalibrationProfilesTable> {
  return {
    id: p.id,
    calibration_id: p.calibrationId,
    content_sha256: p.contentSha256,
    scanner_serial: p.scanner.serial,
    scanner_vendor: p.scanner.vendor,
    scanner_model: p.scanner.model,
    source_kind: p.source.kind,
    source_json: JSON.stringify(p.source),
    acquired_at: p.acquiredAt,
    received_at: p.receivedAt,
    version: p.version,
    status: p.status,
    reason: p.reason,
    response_json: p.response === null ? null : JSON.stringify(p.response),
    residuals_json: JSON.stringify(p.residuals),
    max_residual: p.maxResidual,
    tolerance: p.tolerance,
    measurements_json: JSON.stringify(p.measurements),
    metadata_json: JSON.stringify(p.metadata),
    calibration_json: p.calibrationJson,
  };
}

export function rowToCalibration(row: Selectable<CalibrationProfilesTable>): CalibrationProfile {
  return {
    id: row.id,
    calibrationId: row.calibration_id,
    contentSha256: row.content_sha256,
    scanner: { serial: row.scanner_serial, vendor: row.scanner_vendor, model: row.scanner_model },
    source: JSON.parse(row.source_json) as CalibrationProfile['source'],
    acquiredAt: row.acquired_at,
    receivedAt: row.received_at,
    version: Number(row.version),
    status: row.status as CalibrationStatus,
    reason: row.reason,
    response: row.response_json === null ? null : (JSON.parse(row.response_json) as CalibrationProfile['response']),
    residuals: JSON.parse(row.residuals_json) as CalibrationProfile['residuals'],
    maxResidual: row.max_residual === null ? null : Number(row.max_residual),
    tolerance: row.tolerance,
    measurements: JSON.parse(row.measurements_json) as CalibrationProfile['measurements'],
    metadata: JSON.parse(row.metadata_json) as CalibrationProfile['metadata'],
    calibrationJson: row.calibration_json,
  };
}
