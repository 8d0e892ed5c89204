/** Request and response schemas of /v1/scans. */
import { Type, type Static } from '@sinclair/typebox';
import { CALIBRATION_MODES, CITES_APPENDICES, VERDICT_REASON_CODES, VERDICTS } from '../../core/domain.ts';
import { HEATMAP_ENCODINGS } from '../../core/heatmap.ts';
import { Alert } from './alerts.ts';
import { Box, Cursor, DetectionClass, LaneId, Limit, literals, ModelSpec, Nullable, ScanIdPattern, ScanStatus, Sha256, Since } from './common.ts';

/** From the domain vocabulary, so `needs_review` is accepted wherever a verdict is (filters, responses). */
export const Verdict = literals(VERDICTS);

export const VerdictReason = Type.Object({
  code: literals(VERDICT_REASON_CODES),
  message: Type.String(),
});

export const ScanCalibration = Type.Object({
  mode: literals(CALIBRATION_MODES),
  profileId: Nullable(Type.String()),
  version: Nullable(Type.Integer()),
});

export const ScanListQuery = Type.Object({
  lane: Type.Optional(LaneId),
  status: Type.Optional(ScanStatus),
  verdict: Type.Optional(Verdict),
  since: Type.Optional(Since),
  limit: Limit,
  cursor: Type.Optional(Cursor),
});
export type ScanListQuery = Static<typeof ScanListQuery>;

export const ScanParams = Type.Object({ scanId: Type.String({ pattern: ScanIdPattern }) });
export type ScanParams = Static<typeof ScanParams>;

export const Timings = Type.Object({
  queuedAt: Type.Optional(Type.String()),
  startedAt: Type.Optional(Type.String()),
  finishedAt: Type.Optional(Type.String()),
  decodeMs: Type.Optional(Type.Number()),
  inferenceMs: Type.Optional(Type.Number()),
  totalMs: Type.Optional(Type.Number()),
});

export const ScanSummary = Type.Object({
  scanId: Type.String(),
  laneId: Type.String(),
  scannedAt: Type.String(),
  receivedAt: Type.String(),
  status: ScanStatus,
  verdict: Nullable(Verdict),
  failureReason: Nullable(Type.String()),
  updatedAt: Type.String(),
});

export const ScanPage = Type.Object({ items: Type.Array(ScanSummary), nextCursor: Nullable(Type.String()) });

export const Detection = Type.Object({
  id: Type.String(),
  modelId: Type.String(),
  modelVersion: Type.String(),
  modelSha256: Type.String(),
  class: DetectionClass,
  species: Nullable(Type.String()),
  citesAppendix: Nullable(literals(CITES_APPENDICES)),
  score: Type.Number(),
  box: Box,
  boxMm: Box,
  densityGcm3: Nullable(Type.Number()),
  densityIntervalGcm3: Nullable(
    Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: 'Timber: [lo, hi] g/cm³ holding ≥ 90 % of the density-group probability' }),
  ),
  densityFloorGcm3: Nullable(
    Type.Number({ description: 'Timber in a container or truck: the lowest density the wood can have: its area density divided by the widest load space across the beam (g/cm³)' }),
  ),
  aboveThreshold: Type.Boolean(),
  shadow: Type.Boolean(),
  createdAt: Type.String(),
});

export const ManifestDeclaration = Type.Object({
  hsCode: Type.String(),
  description: Type.String(),
  species: Type.Optional(Type.String()),
  quantity: Type.Optional(Type.Number()),
  unit: Type.Optional(Type.String()),
  citesPermit: Type.Optional(Type.String()),
});

export const Source = Type.Union([
  Type.Object({ kind: Type.Literal('linac'), highMeV: Type.Number(), lowMeV: Type.Optional(Type.Number()) }),
  Type.Object({ kind: Type.Literal('tube'), highKVp: Type.Number(), lowKVp: Type.Optional(Type.Number()) }),
]);

export const ScanImage = Type.Object({
  energy: Type.Union([Type.Literal('high'), Type.Literal('low')]),
  sha256: Sha256,
  width: Type.Integer(),
  height: Type.Integer(),
  bytes: Type.Integer(),
});

export const ScanDetail = Type.Object({
  scanId: Type.String(),
  laneId: Type.String(),
  scannedAt: Type.String(),
  receivedAt: Type.String(),
  updatedAt: Type.String(),
  status: ScanStatus,
  verdict: Nullable(Verdict),
  /** Why the verdict is what it is beyond the alerts (e.g. `outside_validated_domain` with `needs_review`). */
  verdictReasons: Type.Array(VerdictReason),
  failureReason: Nullable(Type.String()),
  /** Calibration the analysis used; null when not recorded. */
  calibration: Nullable(ScanCalibration),
  contentSha256: Sha256,
  source: Source,
  pixelSpacingMm: Type.Object({ x: Type.Number(), y: Type.Number() }),
  airValue: Type.Number(),
  scanner: Type.Optional(
    Type.Object({ vendor: Type.Optional(Type.String()), model: Type.Optional(Type.String()), serial: Type.Optional(Type.String()) }),
  ),
  conveyance: Type.Optional(
    Type.Object({
      type: Type.Union([Type.Literal('container'), Type.Literal('truck'), Type.Literal('pallet'), Type.Literal('parcel')]),
      id: Type.Optional(Type.String()),
    }),
  ),
  manifest: Type.Object({ declarations: Type.Array(ManifestDeclaration) }),
  images: Type.Array(ScanImage),
  timings: Timings,
  detections: Type.Array(Detection),
  alerts: Type.Array(Alert),
});
export type ScanDetail = Static<typeof ScanDetail>;

export const ImageQuery = Type.Object({
  energy: Type.Union([Type.Literal('high'), Type.Literal('low')], { default: 'high' }),
  window: Type.String({
    default: 'auto',
    pattern: '^(auto|-?[0-9]+(\\.[0-9]+)?,-?[0-9]+(\\.[0-9]+)?)$',
    description: '"auto" (1st–99th percentile of attenuation) or "lo,hi" in attenuation units (−ln T)',
  }),
  format: Type.Union([Type.Literal('png'), Type.Literal('tiff')], {
    default: 'png',
    description: 'png: 8-bit display rendering; tiff: the stored 16-bit file, unchanged',
  }),
  maxWidth: Type.Optional(Type.Integer({ minimum: 16, maximum: 16384, description: 'PNG only: downscale to at most this width' })),
});
export type ImageQuery = Static<typeof ImageQuery>;

export const HeatmapQuery = Type.Object({
  class: DetectionClass,
  model: Type.Optional(ModelSpec('<modelId>@<version>; default: the newest non-shadow model version that analysed the scan')),
});
export type HeatmapQuery = Static<typeof HeatmapQuery>;

export const Heatmap = Type.Object({
  scanId: Type.String(),
  modelId: Type.String(),
  modelVersion: Type.String(),
  modelSha256: Sha256,
  class: DetectionClass,
  shadow: Type.Boolean(),
  width: Type.Integer({ description: 'cells per row of the model output grid (unpadded)' }),
  height: Type.Integer({ description: 'rows of cells' }),
  cellWidthPx: Type.Number({ description: 'scan pixels per cell along x: cell cx covers x ∈ [cx·cellWidthPx, (cx+1)·cellWidthPx)' }),
  cellHeightPx: Type.Number({ description: 'scan pixels per cell along y' }),
  cellWidthMm: Type.Number(),
  cellHeightMm: Type.Number(),
  scanWidth: Type.Integer(),
  scanHeight: Type.Integer(),
  maxScore: Type.Number({ description: 'highest cell score, 0..1' }),
  candidateScore: Nullable(Type.Number({ description: "the model's candidate score (a detection needs at least this), when the model is loaded" })),
  threshold: Nullable(Type.Number({ description: "the class's tier-1 threshold, when the model is loaded" })),
  encoding: literals(HEATMAP_ENCODINGS, { description: 'u8-deflate: width·height bytes, row-major, 0..255 = score 0..1, zlib (deflate) compressed' }),
  data: Type.String({ contentEncoding: 'base64', description: 'the encoded cells, base64' }),
  createdAt: Type.String(),
});
export type Heatmap = Static<typeof Heatmap>;
