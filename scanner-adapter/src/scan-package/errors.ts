/** Error thrown by the scan-package reader/validator/writer. `code` is stable and machine-readable. */
export type ScanPackageErrorCode =
  | 'not_a_directory'
  | 'scan_json_missing'
  | 'bad_json'
  | 'unsupported_format'
  | 'missing_field'
  | 'invalid_field'
  | 'bad_scan_id'
  | 'bad_image_name'
  | 'image_missing'
  | 'not_tiff'
  | 'image_not_16bit'
  | 'image_not_single_channel'
  | 'image_multipage'
  | 'image_size_mismatch'
  | 'image_too_large'
  | 'image_data_mismatch'
  /** Valid in form but not a scan any real scanner makes (1×1 image, air value 3, 1000 mm pixels). */
  | 'implausible_value';

export class ScanPackageError extends Error {
  readonly code: ScanPackageErrorCode;
  readonly field?: string;
  constructor(code: ScanPackageErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ScanPackageError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}
