/**
 * A scanner calibration as the domain knows it: which blocks of which material and thickness were
 * scanned where, by which scanner. The on-disk package (scanner-adapter/src/calibration-package,
 * docs/calibration-package.md) reads into this shape; the store keeps it with the fitted profile.
 */
import type { CalibrationMaterial } from './physics/calibration.ts';
import type { SourceSpec } from './scan-metadata.ts';

export const CALIBRATION_PACKAGE_FORMAT = 'xray-calibration-package/1' as const;

/** A box in image pixels (x along travel). */
export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CalibrationRegion {
  material: CalibrationMaterial;
  /** Thickness along the beam, mm: 0 for air, > 0 for every block. */
  thicknessMm: number;
  /** Pixels, inside the image, over a uniform part of the block. */
  box: BoundingBox;
  /** Overrides the material's nominal density, g/cm³. */
  densityGcm3?: number;
}

export interface CalibrationMetadata {
  format: typeof CALIBRATION_PACKAGE_FORMAT;
  calibrationId: string;
  /** ISO-8601 timestamp with offset or Z. */
  acquiredAt: string;
  scanner: { vendor?: string; model?: string; serial: string };
  source: SourceSpec;
  pixelSpacingMm: { x: number; y: number };
  /** Detector reading with nothing in the beam; transmission T = value / airValue. */
  airValue: number;
  images: { high: string; low?: string };
  regions: CalibrationRegion[];
}

