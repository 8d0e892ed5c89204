/** Request and response schemas of /v1/calibrations and /v1/scanners/:serial/calibrations. */
import { Type, type Static } from '@sinclair/typebox';
import { Box, Cursor, Limit, Nullable, Sha256 } from './common.ts';
import { Source } from './scans.ts';

const Channel = Type.Union([Type.Literal('high'), Type.Literal('low')]);
const PerChannel = Type.Object({ high: Type.Number(), low: Type.Optional(Type.Number()) });

export const CalibrationStatus = Type.Union([Type.Literal('active'), Type.Literal('refused')]);
export const Serial = Type.String({ minLength: 1, maxLength: 128, description: 'Scanner serial number as in calibration.json / scan.json' });

export const RegionResidual = Type.Object({
  material: Type.String(),
  thicknessMm: Type.Number(),
  channel: Channel,
  measured: Type.Number({ description: 'Measured attenuation −ln(mean value / airValue)' }),
  fitted: Type.Number({ description: 'Attenuation the fitted response predicts' }),
  residual: Type.Number({ description: 'fitted − measured' }),
  tolerance: Type.Number({ description: 'Largest |residual| accepted for this region and channel' }),
  withinTolerance: Type.Boolean(),
});

export const CalibrationSummary = Type.Object({
  id: Type.String(),
  calibrationId: Type.String(),
  version: Type.Integer({ description: '1, 2, … per scanner serial and source kind, refused profiles included' }),
  status: CalibrationStatus,
  reason: Nullable(Type.String({ description: 'Why the fit was refused' })),
  scanner: Type.Object({ serial: Type.String(), vendor: Nullable(Type.String()), model: Nullable(Type.String()) }),
  source: Source,
  acquiredAt: Type.String(),
  receivedAt: Type.String(),
  maxResidual: Nullable(Type.Number({ description: 'Largest |fitted − measured| attenuation over regions and channels' })),
  tolerance: Nullable(Type.String({ description: 'The tolerance rule the fit was held to' })),
  residuals: Type.Array(RegionResidual),
});

export const RegionMeasurement = Type.Object({
  material: Type.String(),
  thicknessMm: Type.Number(),
  densityGcm3: Nullable(Type.Number({ description: 'Declared density override; null = the material’s nominal density' })),
  box: Box,
  pixels: Type.Integer(),
  attenuation: PerChannel,
  stdError: PerChannel,
});

const ChannelResponse = Type.Object({ energiesMeV: Type.Array(Type.Number()), weights: Type.Array(Type.Number()) });

export const CalibrationDetail = Type.Composite([
  CalibrationSummary,
  Type.Object({
    contentSha256: Sha256,
    pixelSpacingMm: Type.Object({ x: Type.Number(), y: Type.Number() }),
    airValue: Type.Integer(),
    regions: Type.Array(RegionMeasurement),
    response: Nullable(
      Type.Object(
        { high: ChannelResponse, low: Type.Optional(ChannelResponse) },
        { description: 'Fitted effective spectrum per channel (weights on energy bins); null when refused' },
      ),
    ),
  }),
]);
export type CalibrationDetail = Static<typeof CalibrationDetail>;

export const CalibrationPage = Type.Object({ items: Type.Array(CalibrationSummary), nextCursor: Nullable(Type.String()) });

export const CalibrationListQuery = Type.Object({
  serial: Type.Optional(Serial),
  limit: Limit,
  cursor: Type.Optional(Cursor),
});
export type CalibrationListQuery = Static<typeof CalibrationListQuery>;

export const ScannerCalibrationQuery = Type.Object({ limit: Limit, cursor: Type.Optional(Cursor) });

export const CalibrationParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }) });
export const ScannerParams = Type.Object({ serial: Serial });
