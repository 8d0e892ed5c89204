/**
 * Types of the on-disk calibration package format `xray-calibration-package/1`: one scan of
 * known test blocks from which a scanner's response is fitted. The prose specification is
 * docs/calibration-package.md; the reader/validator in this folder is the only code that
 * parses these packages. The images follow the scan-package rules (../scan-package).
 */
import type { RegionMeasurement } from '#services/core/physics/calibration.ts';

export {
  CALIBRATION_PACKAGE_FORMAT,
  type CalibrationMetadata,
  type CalibrationRegion,
} from '#services/core/calibration-metadata.ts';
import type { CalibrationMetadata } from '#services/core/calibration-metadata.ts';
export const CALIBRATION_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
/** The metadata file; its presence is what makes an inbox directory a calibration package. */
export const CALIBRATION_JSON = 'calibration.json';

/** Fewest pixels in a region's box; the fewest regions and the material groups a package must
 * cover come from the fit (MIN_REGIONS, LOW_Z_/METAL_CALIBRATION_MATERIALS in calibration.ts). */
export const MIN_REGION_PIXELS = 16;
export const MAX_REGIONS = 1000;
export { STD_ERROR_FLOOR } from '#services/core/physics/measure.ts';

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
