/** Domain records → API shapes. Explicit mappings, so the API shape is chosen, not inherited. */
import type { Static } from '@sinclair/typebox';
import type { AlertRecord, DetectionRecord, ScanRecord } from '../core/domain.ts';
import type { LoadedModel } from '../model-registry/card.ts';
import { DEFAULT_AIR_VALUE } from '../core/scan-metadata.ts';
import type { Model } from './schemas/models.ts';
import type { ScanDetail, ScanSummary } from './schemas/scans.ts';

export function scanSummary(s: ScanRecord): Static<typeof ScanSummary> {
  return {
    scanId: s.scanId,
    laneId: s.laneId,
    scannedAt: s.scannedAt,
    receivedAt: s.receivedAt,
    status: s.status,
    verdict: s.verdict,
    failureReason: s.failureReason,
    updatedAt: s.updatedAt,
  };
}

export function scanDetail(s: ScanRecord, detections: DetectionRecord[], alerts: AlertRecord[]): ScanDetail {
  const m = s.metadata;
  return {
    ...scanSummary(s),
    verdictReasons: s.verdictReasons ?? [],
    calibration: s.calibration ?? null,
    contentSha256: s.contentSha256,
    source: m.source,
    pixelSpacingMm: m.pixelSpacingMm,
    airValue: m.airValue ?? DEFAULT_AIR_VALUE,
    ...(m.scanner ? { scanner: m.scanner } : {}),
    ...(m.conveyance ? { conveyance: m.conveyance } : {}),
    manifest: { declarations: m.manifest?.declarations ?? [] },
    images: s.images,
    timings: s.timings,
    detections: detections.map((d) => ({ ...d, densityIntervalGcm3: d.densityIntervalGcm3 ?? null, densityFloorGcm3: d.densityFloorGcm3 ?? null })),
    alerts,
  };
}

export function modelView(m: LoadedModel): Static<typeof Model> {
  const c = m.card;
  return {
    id: c.id,
    version: c.version,
    sha256: c.sha256,
    createdAt: c.createdAt,
    classes: c.classes,
    thresholds: c.thresholds,
    candidateScore: c.candidateScore,
    shadow: m.shadow,
    intendedUse: c.intendedUse,
    limits: c.limits ?? [],
  };
}
