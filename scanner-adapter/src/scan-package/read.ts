/**
 * Reader for `xray-scan-package/1` directories (docs/scan-package.md).
 * This folder is the single place that knows the on-disk format.
 */
import { lstat, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { decodeGrey16, ImageDecodeError, type Grey16Image } from '#services/core/imaging.ts';
import { ScanPackageError } from './errors.ts';
import { MAX_EXTENT_MM, MIN_IMAGE_SIDE, validateScanMetadata } from './validate.ts';
import type { ScanPackage } from './types.ts';

export { ScanPackageError } from './errors.ts';
export type { ScanPackageErrorCode } from './errors.ts';
export { validateScanMetadata, checkImageName } from './validate.ts';

/** Sanity limits on image size (pixels). 20000 columns ≈ 100 m at 5 mm; 4000 rows ≈ 20 m or 4 m at 1 mm. */
export const MAX_IMAGE_WIDTH = 20_000;
export const MAX_IMAGE_HEIGHT = 4_000;
/** Largest scan.json accepted (bytes). */
export const MAX_SCAN_JSON_BYTES = 4 * 1024 * 1024;

const SHARP_INPUT = { failOn: 'error', limitInputPixels: 100_000_000 } as const;

export interface ImageHeader {
  width: number;
  height: number;
}

export async function checkImage(file: string, field: string): Promise<ImageHeader> {
  let st;
  try {
    // lstat: a symbolic link is not followed out of the package.
    st = await lstat(file);
  } catch {
    throw new ScanPackageError('image_missing', `image file ${path.basename(file)} named in ${field} does not exist in the package`, field);
  }
  if (!st.isFile()) throw new ScanPackageError('image_missing', `image ${path.basename(file)} named in ${field} is not a regular file`, field);
  let md;
  try {
    md = await sharp(file, SHARP_INPUT).metadata();
  } catch (e) {
    throw new ScanPackageError('not_tiff', `image ${path.basename(file)} (${field}) cannot be decoded as an image: ${(e as Error).message}`, field);
  }
  if (md.format !== 'tiff') {
    throw new ScanPackageError('not_tiff', `image ${path.basename(file)} (${field}) is ${md.format ?? 'unknown'}, expected TIFF`, field);
  }
  if (md.channels !== 1) {
    throw new ScanPackageError(
      'image_not_single_channel',
      `image ${path.basename(file)} (${field}) has ${md.channels} channels, expected 1 (greyscale)`,
      field,
    );
  }
  if (md.depth !== 'ushort') {
    throw new ScanPackageError('image_not_16bit', `image ${path.basename(file)} (${field}) has sample format ${md.depth}, expected unsigned 16-bit`, field);
  }
  if ((md.pages ?? 1) > 1) {
    throw new ScanPackageError('image_multipage', `image ${path.basename(file)} (${field}) has ${md.pages} pages, expected a single page`, field);
  }
  const width = md.width ?? 0;
  const height = md.height ?? 0;
  if (width < 1 || height < 1 || width > MAX_IMAGE_WIDTH || height > MAX_IMAGE_HEIGHT) {
    throw new ScanPackageError(
      'image_too_large',
      `image ${path.basename(file)} (${field}) is ${width}×${height}; allowed 1..${MAX_IMAGE_WIDTH} × 1..${MAX_IMAGE_HEIGHT}`,
      field,
    );
  }
  return { width, height };
}

/**
 * Reads and validates a scan package directory: scan.json (fields, airValue default 65535),
 * image names, image existence and TIFF headers (1 channel, unsigned 16-bit, equal sizes).
 * Pixels are not decoded (use decodeScanImage).
 * @throws ScanPackageError
 */
export async function readScanPackage(dir: string): Promise<ScanPackage> {
  const abs = path.resolve(dir);
  try {
    if (!(await stat(abs)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new ScanPackageError('not_a_directory', `scan package ${abs} is not a directory`);
  }
  const jsonPath = path.join(abs, 'scan.json');
  let text: string;
  let bytes: Buffer;
  try {
    const st = await lstat(jsonPath);
    // Never open a FIFO, device or link as scan.json: reading a FIFO blocks for good.
    if (!st.isFile()) throw new ScanPackageError('bad_json', 'scan.json is not a regular file');
    if (st.size > MAX_SCAN_JSON_BYTES) throw new ScanPackageError('bad_json', `scan.json is ${st.size} bytes (limit ${MAX_SCAN_JSON_BYTES})`);
    bytes = await readFile(jsonPath);
    text = bytes.toString('utf8');
  } catch (e) {
    if (e instanceof ScanPackageError) throw e;
    throw new ScanPackageError('scan_json_missing', `scan package ${abs} has no readable scan.json`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScanPackageError('bad_json', `scan.json is not valid JSON: ${(e as Error).message}`);
  }
  const metadata = validateScanMetadata(json);
  const imagePaths: ScanPackage['imagePaths'] = { high: path.join(abs, metadata.images.high) };
  if (metadata.images.low !== undefined) imagePaths.low = path.join(abs, metadata.images.low);

  const high = await checkImage(imagePaths.high, 'images.high');
  if (imagePaths.low !== undefined) {
    const low = await checkImage(imagePaths.low, 'images.low');
    if (low.width !== high.width || low.height !== high.height) {
      throw new ScanPackageError(
        'image_size_mismatch',
        `images differ in size: high is ${high.width}×${high.height}, low is ${low.width}×${low.height}`,
        'images.low',
      );
    }
  }
  if (high.width < MIN_IMAGE_SIDE || high.height < MIN_IMAGE_SIDE) {
    throw new ScanPackageError('implausible_value', `images are ${high.width}×${high.height} pixels; a scan has at least ${MIN_IMAGE_SIDE} on each side`, 'images.high');
  }
  const extent = { x: high.width * metadata.pixelSpacingMm.x, y: high.height * metadata.pixelSpacingMm.y };
  if (extent.x > MAX_EXTENT_MM.x || extent.y > MAX_EXTENT_MM.y) {
    throw new ScanPackageError(
      'implausible_value',
      `the scan would be ${(extent.x / 1000).toFixed(1)} m long and ${(extent.y / 1000).toFixed(1)} m high (${high.width}×${high.height} px at ${metadata.pixelSpacingMm.x}×${metadata.pixelSpacingMm.y} mm); the limits are ${MAX_EXTENT_MM.x / 1000} m × ${MAX_EXTENT_MM.y / 1000} m`,
      'pixelSpacingMm',
    );
  }
  return { dir: abs, metadata, metadataBytes: bytes, imagePaths, width: high.width, height: high.height };
}

/**
 * Decodes a one-channel 16-bit TIFF to raw pixels (row-major, width along travel).
 * @throws ScanPackageError if the file is not a one-channel 16-bit image.
 */
export async function decodeScanImage(file: string): Promise<Grey16Image> {
  try {
    return await decodeGrey16(file, path.basename(file));
  } catch (e) {
    if (e instanceof ImageDecodeError) throw new ScanPackageError(e.code, e.message);
    throw e;
  }
}
