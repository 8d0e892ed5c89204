/**
 * Reader for `xray-calibration-package/1` directories (docs/calibration-package.md): validates
 * calibration.json and the images (same rules as scan packages, checked by the scan-package
 * code), then measures each declared region. The fit itself is services/core/physics/calibration.ts.
 */
import { lstat, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RegionMeasurement } from '#services/core/physics/calibration.ts';
import { measureBox } from '#services/core/physics/measure.ts';
import { ScanPackageError } from '../scan-package/errors.ts';
import { checkImage, decodeScanImage } from '../scan-package/read.ts';
import { CalibrationPackageError, fromScanPackageError } from './errors.ts';
import { CALIBRATION_JSON, type CalibrationPackage, type CalibrationRegion } from './types.ts';
import { validateCalibrationMetadata } from './validate.ts';

export { CalibrationPackageError } from './errors.ts';
export type { CalibrationPackageErrorCode } from './errors.ts';
export { validateCalibrationMetadata } from './validate.ts';

/** Largest calibration.json accepted (bytes). */
export const MAX_CALIBRATION_JSON_BYTES = 4 * 1024 * 1024;

async function viaScanPackage<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw e instanceof ScanPackageError ? fromScanPackageError(e) : e;
  }
}

function insideImage(r: CalibrationRegion, i: number, width: number, height: number): void {
  const b = r.box;
  if (b.x + b.width > width || b.y + b.height > height) {
    throw new CalibrationPackageError(
      'region_outside_image',
      `${CALIBRATION_JSON}: regions[${i}].box {x: ${b.x}, y: ${b.y}, width: ${b.width}, height: ${b.height}} does not lie inside the ${width}×${height} image`,
      `regions[${i}].box`,
    );
  }
}

/**
 * Reads, validates and measures a calibration package directory.
 * @throws CalibrationPackageError for anything wrong with the package itself; other errors
 * (e.g. EIO) are I/O trouble and propagate as they are.
 */
export async function readCalibrationPackage(dir: string): Promise<CalibrationPackage> {
  const abs = path.resolve(dir);
  try {
    if (!(await stat(abs)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new CalibrationPackageError('not_a_directory', `calibration package ${abs} is not a directory`);
  }
  const jsonPath = path.join(abs, CALIBRATION_JSON);
  let bytes: Buffer;
  try {
    const st = await lstat(jsonPath);
    // Never open a FIFO, device or link as calibration.json: reading a FIFO blocks for good.
    if (!st.isFile()) throw new CalibrationPackageError('bad_json', `${CALIBRATION_JSON} is not a regular file`);
    if (st.size > MAX_CALIBRATION_JSON_BYTES) {
      throw new CalibrationPackageError('bad_json', `${CALIBRATION_JSON} is ${st.size} bytes (limit ${MAX_CALIBRATION_JSON_BYTES})`);
    }
    bytes = await readFile(jsonPath);
  } catch (e) {
    if (e instanceof CalibrationPackageError) throw e;
    throw new CalibrationPackageError('calibration_json_missing', `calibration package ${abs} has no readable ${CALIBRATION_JSON}`);
  }
  let json: unknown;
  try {
    // Strict UTF-8: the bytes are kept with the profile as text, so they must round-trip.
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CalibrationPackageError('bad_json', `${CALIBRATION_JSON} is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  const metadata = validateCalibrationMetadata(json);
  const imagePaths: CalibrationPackage['imagePaths'] = { high: path.join(abs, metadata.images.high) };
  if (metadata.images.low !== undefined) imagePaths.low = path.join(abs, metadata.images.low);

  const high = await viaScanPackage(checkImage(imagePaths.high, 'images.high'));
  if (imagePaths.low !== undefined) {
    const low = await viaScanPackage(checkImage(imagePaths.low, 'images.low'));
    if (low.width !== high.width || low.height !== high.height) {
      throw new CalibrationPackageError(
        'image_size_mismatch',
        `images differ in size: high is ${high.width}×${high.height}, low is ${low.width}×${low.height}`,
        'images.low',
      );
    }
  }
  metadata.regions.forEach((r, i) => insideImage(r, i, high.width, high.height));

  const measurements: RegionMeasurement[] = metadata.regions.map((r) => ({
    material: r.material,
    thicknessMm: r.thicknessMm,
    ...(r.densityGcm3 !== undefined ? { densityGcm3: r.densityGcm3 } : {}),
    attenuation: { high: 0 },
    stdError: { high: 0 },
    pixels: r.box.width * r.box.height,
  }));
  for (const energy of ['high', 'low'] as const) {
    const file = imagePaths[energy];
    if (file === undefined) continue;
    // One channel decoded at a time: a 20000×4000 image is 160 MB of samples.
    const img = await viaScanPackage(decodeScanImage(file));
    metadata.regions.forEach((r, i) => {
      const m = measureBox(img.data, img.width, r.box, metadata.airValue);
      if (!m) {
        throw new CalibrationPackageError(
          'region_no_signal',
          `${CALIBRATION_JSON}: regions[${i}] (${r.material}, ${r.thicknessMm} mm) reads 0 everywhere in the ${energy} image: no signal to measure`,
          `regions[${i}]`,
        );
      }
      measurements[i]!.attenuation[energy] = m.attenuation;
      measurements[i]!.stdError[energy] = m.stdError;
    });
  }
  return { dir: abs, metadata, metadataBytes: bytes, imagePaths, width: high.width, height: high.height, measurements };
}
