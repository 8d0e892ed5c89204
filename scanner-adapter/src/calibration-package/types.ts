/**
 * Types of the on-disk calibration package format `xray-calibration-package/1`: one scan of
 * known test blocks from which a scanner's response is fitted. The prose specification is
 * docs/calibration-package.md; the reader/validator in this folder is the only code that
 * parses these packages. The images follow the scan-package rules (../scan-package).
 */
import type { CalibrationMaterial, RegionMeasurement } from '../../../services/core/physics/calibration.ts';
import type { BoundingBox, SourceSpec } from '../scan-package/types.ts';

export const CALIBRATION_PACKAGE_FORMAT = 'xray-calibration-package/1' as const;
export const CALIBRATION_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
/** The metadata file; its presence is what makes an inbox directory a calibration package. */
export const CALIBRATION_JSON = 'calibration.json';

/** Fewest pixels in a region's box; the fewest regions and the material groups a package must
 * cover come from the fit (MIN_REGIONS, LOW_Z_/METAL_CALIBRATION_MATERIALS in calibration.ts). */
export const MIN_REGION_PIXELS = 16;
export const MAX_REGIONS = 1000;
export { STD_ERROR_FLOOR } from '../../../services/core/physics/measure.ts';

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

/** A validated package with its regions measured (pixels are decoded, used, and dropped). */
export interface CalibrationPackage {
  dir: string;
  metadata: CalibrationMetadata;
  /** calibration.json exactly as read (valid UTF-8), for hashing and for keeping with the profile. */
  metadataBytes: Buffer;
  imagePaths: { high: string; low?: string };
  width: number;
  height: number;
  /** One per region, in the order of `metadata.regions`. */
  measurements: RegionMeasurement[];
}
