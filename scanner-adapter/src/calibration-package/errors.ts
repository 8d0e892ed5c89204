/**
 * Error thrown by the calibration-package reader/validator. `code` is stable and
 * machine-readable; codes shared with the scan-package format mean the same thing there.
 */
import type { ScanPackageError, ScanPackageErrorCode } from '../scan-package/errors.ts';

export type CalibrationPackageErrorCode =
  | Exclude<ScanPackageErrorCode, 'scan_json_missing' | 'bad_scan_id'>
  | 'calibration_json_missing'
  | 'bad_calibration_id'
  | 'too_few_regions'
  | 'missing_material'
  | 'region_too_small'
  | 'region_outside_image'
  | 'region_no_signal';

export class CalibrationPackageError extends Error {
  readonly code: CalibrationPackageErrorCode;
  readonly field?: string;
  constructor(code: CalibrationPackageErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'CalibrationPackageError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

/**
 * Re-labels an error from a shared scan-package check (field validators, image checks) as a
 * calibration-package one: same code and field, the message naming calibration.json.
 */
export function fromScanPackageError(e: ScanPackageError): CalibrationPackageError {
  const message = e.message.replace(/^scan\.json:/, 'calibration.json:');
  return new CalibrationPackageError(e.code as CalibrationPackageErrorCode, message, e.field);
}
