/** Builders for domain records used by store and API tests. */
import type { AlertRecord, DetectionClass, DetectionRecord, ScanRecord } from '#services/core/domain.ts';
import { encodeHeatmap, type HeatmapRecord } from '#services/core/heatmap.ts';
import type { AnalysisResult } from '#services/store/types.ts';

export function makeScan(scanId: string, over: Partial<ScanRecord> = {}): ScanRecord {
  const laneId = over.laneId ?? 'lane-1';
  const receivedAt = over.receivedAt ?? new Date().toISOString();
  return {
    scanId,
    laneId,
    scannedAt: receivedAt,
    receivedAt,
    status: 'received',
    verdict: null,
    failureReason: null,
    contentSha256: 'c'.repeat(64),
    metadata: {
      format: 'xray-scan-package/1',
      scanId,
      laneId,
      scannedAt: receivedAt,
      source: { kind: 'linac', highMeV: 6, lowMeV: 4 },
      pixelSpacingMm: { x: 2, y: 2 },
      images: { high: 'high.tiff' },
      airValue: 65535,
      manifest: { declarations: [{ hsCode: '4407', description: 'sawn pine', species: 'Pinus sylvestris', quantity: 20, unit: 'm3' }] },
    },
    images: [{ energy: 'high', sha256: 'a'.repeat(64), width: 64, height: 32, bytes: 1000 }],
    timings: {},
    updatedAt: receivedAt,
    ...over,
  };
}

export const stamp = { modelId: 'wildlife-det', modelVersion: '1.0.0', modelSha256: 'f'.repeat(64) };

export function makeDetection(scanId: string, id: string, over: Partial<DetectionRecord> = {}): DetectionRecord {
  return {
    ...stamp,
    id,
    scanId,
    class: 'ivory',
    species: null,
    citesAppendix: 'I',
    score: 0.91,
    box: { x: 10, y: 5, width: 20, height: 8 },
    boxMm: { x: 20, y: 10, width: 40, height: 16 },
    densityGcm3: null,
    aboveThreshold: true,
    shadow: false,
    createdAt: new Date().toISOString(),
    ...over,
  };
}

export function makeAlert(scanId: string, id: string, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    ...stamp,
    id,
    scanId,
    laneId: 'lane-1',
    class: 'ivory' as DetectionClass,
    score: 0.91,
    status: 'open',
    reasons: [{ code: 'wildlife_product', message: 'ivory-like object', detectionIds: [] }],
    createdAt: new Date().toISOString(),
    ...over,
  };
}

export function makeResult(scanId: string, n: number, withAlert: boolean, tag = 'a'): AnalysisResult {
  const detections = Array.from({ length: n }, (_, i) => makeDetection(scanId, `${scanId}-${tag}-d${i}`));
  return {
    scanId,
    stamp,
    detections,
    alert: withAlert
      ? makeAlert(scanId, `${scanId}-${tag}-alert`, { reasons: [{ code: 'wildlife_product', message: 'ivory', detectionIds: detections.map((d) => d.id) }] })
      : null,
  };
}

/** ISO time `i` seconds after a fixed base, so ordering in tests is deterministic. */
export function t(i: number): string {
  return new Date(Date.UTC(2025, 0, 1, 0, 0, 0) + i * 1000).toISOString();
}

/** A small heat map of the factory stamp: one hot cell at (cx, cy) on an 8×4 grid of 8-pixel cells. */
export function makeHeatmap(scanId: string, cls: DetectionClass = 'ivory', hot = { cx: 2, cy: 1, score: 0.9 }): HeatmapRecord {
  const w = 8;
  const h = 4;
  const scores = new Float64Array(w * h);
  scores[hot.cy * w + hot.cx] = hot.score;
  const { data, maxScore } = encodeHeatmap(scores, w, w, h);
  return {
    ...stamp,
    scanId,
    class: cls,
    shadow: false,
    width: w,
    height: h,
    cellWidthPx: 8,
    cellHeightPx: 8,
    scanWidth: 64,
    scanHeight: 32,
    maxScore,
    encoding: 'u8-deflate',
    data,
    createdAt: new Date().toISOString(),
  };
}
