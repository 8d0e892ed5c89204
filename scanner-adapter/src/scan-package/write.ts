/**
 * Writer for `xray-scan-package/1` directories: images first, then truth.json (simulator only),
 * then scan.json last via a temp file + rename so a watcher never sees a half-written package.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ScanPackageError } from './errors.ts';
import { validateScanMetadata } from './validate.ts';
import type { ScanMetadata, ScanTruth } from './types.ts';

export interface ScanImage {
  width: number;
  height: number;
  /** Row-major unsigned 16-bit samples, length width*height. */
  data: Uint16Array;
}

/** Encodes one-channel 16-bit deflate TIFF bytes (deterministic). */
export async function encodeScanImage(img: ScanImage): Promise<Buffer> {
  if (img.data.length !== img.width * img.height) {
    throw new ScanPackageError('image_data_mismatch', `image data has ${img.data.length} samples, expected ${img.width}×${img.height}`);
  }
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .toColourspace('grey16')
    .tiff({ compression: 'deflate' })
    .toBuffer();
}

export async function writeScanPackage(
  dir: string,
  metadata: ScanMetadata,
  high: ScanImage,
  low?: ScanImage,
  truth?: ScanTruth,
): Promise<void> {
  const meta = validateScanMetadata(metadata);
  if (low && (low.width !== high.width || low.height !== high.height)) {
    throw new ScanPackageError('image_size_mismatch', `low image ${low.width}×${low.height} differs from high ${high.width}×${high.height}`, 'images.low');
  }
  if (low && !meta.images.low) throw new ScanPackageError('missing_field', 'a low image was given but metadata.images.low is not set', 'images.low');
  if (!low && meta.images.low) throw new ScanPackageError('image_missing', 'metadata.images.low is set but no low image was given', 'images.low');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, meta.images.high), await encodeScanImage(high));
  if (low && meta.images.low) await writeFile(path.join(dir, meta.images.low), await encodeScanImage(low));
  if (truth) await writeFile(path.join(dir, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
  const tmp = path.join(dir, '.scan.json.tmp');
  await writeFile(tmp, JSON.stringify(metadata, null, 2) + '\n');
  await rename(tmp, path.join(dir, 'scan.json'));
}
