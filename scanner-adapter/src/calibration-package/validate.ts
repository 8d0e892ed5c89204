/**
 * Pure validation of calibration.json (format `xray-calibration-package/1`, see
 * docs/calibration-package.md). No I/O here; read.ts adds the file, image and box checks.
 * Fields shared with scan.json (source, pixel spacing, image names) go through the
 * scan-package validators, so both formats accept exactly the same values.
 */
import {
  CALIBRATION_MATERIALS,
  LOW_Z_CALIBRATION_MATERIALS,
  METAL_CALIBRATION_MATERIALS,
  MIN_REGIONS,
  type CalibrationMaterial,
} from '#services/core/physics/calibration.ts';
import { ScanPackageError } from '../scan-package/errors.ts';
import { checkImageName, describe, isObj, ISO_8601, num, optString, reqObj, reqString, validateSource, type Obj } from '../scan-package/validate.ts';
import { CalibrationPackageError, fromScanPackageError, type CalibrationPackageErrorCode } from './errors.ts';
import {
  CALIBRATION_ID_PATTERN,
  CALIBRATION_JSON,
  CALIBRATION_PACKAGE_FORMAT,
  MAX_REGIONS,
  MIN_REGION_PIXELS,
  type CalibrationMetadata,
  type CalibrationRegion,
} from './types.ts';

/** Thickest block accepted, mm (a 2 m steel block is already far beyond any scanner's range). */
const MAX_THICKNESS_MM = 2000;
/** Densest override accepted, g/cm³ (osmium is 22.6). */
const MAX_DENSITY = 25;
const MAX_BOX_SIDE = 20_000;

function fail(code: CalibrationPackageErrorCode, field: string, msg: string): never {
  throw new CalibrationPackageError(code, `${CALIBRATION_JSON}: ${field} ${msg}`, field);
}

/** Runs a scan-package field validator, reporting its error as a calibration.json one. */
function shared<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof ScanPackageError ? fromScanPackageError(e) : e;
  }
}

function integer(o: Obj, key: string, path: string, min: number, max: number): number {
  const v = o[key];
  if (v === undefined || v === null) fail('missing_field', path, 'is required');
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail('invalid_field', path, `must be an integer in ${min}..${max}, got ${describe(v)}`);
  }
  return v;
}

function validateRegion(r: unknown, i: number): CalibrationRegion {
  const p = `regions[${i}]`;
  if (!isObj(r)) fail('invalid_field', p, `must be an object, got ${describe(r)}`);
  const m = r['material'];
  if (m === undefined || m === null) fail('missing_field', `${p}.material`, `is required (${CALIBRATION_MATERIALS.join('|')})`);
  if (typeof m !== 'string' || !(CALIBRATION_MATERIALS as readonly string[]).includes(m)) {
    fail('invalid_field', `${p}.material`, `must be one of ${CALIBRATION_MATERIALS.join('|')}, got ${describe(m)}`);
  }
  const material = m as CalibrationMaterial;

  const t = r['thicknessMm'];
  if (t === undefined || t === null) fail('missing_field', `${p}.thicknessMm`, 'is required');
  if (typeof t !== 'number' || !Number.isFinite(t)) fail('invalid_field', `${p}.thicknessMm`, `must be a finite number, got ${describe(t)}`);
  if (material === 'air' && t !== 0) fail('invalid_field', `${p}.thicknessMm`, `must be 0 for an air region, got ${t}`);
  if (material !== 'air' && (t <= 0 || t > MAX_THICKNESS_MM)) {
    fail('invalid_field', `${p}.thicknessMm`, `must be > 0 and <= ${MAX_THICKNESS_MM} mm for a ${material} block, got ${t}`);
  }

  const b = shared(() => reqObj(r, 'box', `${p}.box`));
  const box = {
    x: integer(b, 'x', `${p}.box.x`, 0, MAX_BOX_SIDE),
    y: integer(b, 'y', `${p}.box.y`, 0, MAX_BOX_SIDE),
    width: integer(b, 'width', `${p}.box.width`, 1, MAX_BOX_SIDE),
    height: integer(b, 'height', `${p}.box.height`, 1, MAX_BOX_SIDE),
  };
  if (box.width * box.height < MIN_REGION_PIXELS) {
    fail('region_too_small', `${p}.box`, `covers ${box.width * box.height} pixels; at least ${MIN_REGION_PIXELS} are needed`);
  }

  const region: CalibrationRegion = { material, thicknessMm: t, box };
  const density = shared(() => num(r, 'densityGcm3', `${p}.densityGcm3`, 0, MAX_DENSITY, false));
  if (density !== undefined) {
    if (material === 'air') fail('invalid_field', `${p}.densityGcm3`, 'cannot be given for an air region');
    region.densityGcm3 = density;
  }
  return region;
}

function validateRegions(json: Obj): CalibrationRegion[] {
  const rs = json['regions'];
  if (rs === undefined || rs === null) fail('missing_field', 'regions', 'is required');
  if (!Array.isArray(rs)) fail('invalid_field', 'regions', `must be an array, got ${describe(rs)}`);
  if (rs.length > MAX_REGIONS) fail('invalid_field', 'regions', `has more than ${MAX_REGIONS} entries`);
  const regions = rs.map(validateRegion);
  if (regions.length < MIN_REGIONS) fail('too_few_regions', 'regions', `has ${regions.length} regions; at least ${MIN_REGIONS} are needed`);
  const has = (group: readonly CalibrationMaterial[]) => regions.some((r) => group.includes(r.material));
  if (!has(['air'])) fail('missing_material', 'regions', 'needs at least one air region (open beam)');
  if (!has(LOW_Z_CALIBRATION_MATERIALS)) fail('missing_material', 'regions', `needs at least one low-Z block (${LOW_Z_CALIBRATION_MATERIALS.join('|')})`);
  if (!has(METAL_CALIBRATION_MATERIALS)) fail('missing_material', 'regions', `needs at least one metal block (${METAL_CALIBRATION_MATERIALS.join('|')})`);
  return regions;
}

/**
 * Validates parsed calibration.json content and returns normalised metadata.
 * Unknown top-level fields are ignored (forward compatibility within version 1).
 * @throws CalibrationPackageError
 */
export function validateCalibrationMetadata(json: unknown): CalibrationMetadata {
  if (!isObj(json)) throw new CalibrationPackageError('bad_json', `${CALIBRATION_JSON} must contain a JSON object, got ${describe(json)}`);
  const format = json['format'];
  if (format === undefined) fail('missing_field', 'format', `is required ("${CALIBRATION_PACKAGE_FORMAT}")`);
  if (format !== CALIBRATION_PACKAGE_FORMAT) {
    throw new CalibrationPackageError(
      'unsupported_format',
      `${CALIBRATION_JSON}: format ${describe(format)} is not supported (expected "${CALIBRATION_PACKAGE_FORMAT}")`,
      'format',
    );
  }
  const calibrationId = json['calibrationId'];
  if (calibrationId === undefined || calibrationId === null) fail('missing_field', 'calibrationId', 'is required');
  if (typeof calibrationId !== 'string' || !CALIBRATION_ID_PATTERN.test(calibrationId)) {
    fail('bad_calibration_id', 'calibrationId', `must match [A-Za-z0-9._-]{1,128}, got ${describe(calibrationId)}`);
  }
  const acquiredAt = shared(() => reqString(json, 'acquiredAt', 'acquiredAt', 64));
  if (!ISO_8601.test(acquiredAt) || Number.isNaN(Date.parse(acquiredAt))) {
    fail('invalid_field', 'acquiredAt', `must be an ISO-8601 date-time with offset or Z (e.g. 2026-03-01T10:15:00Z), got ${describe(acquiredAt)}`);
  }

  const s = shared(() => reqObj(json, 'scanner', 'scanner'));
  const scanner: CalibrationMetadata['scanner'] = { serial: shared(() => reqString(s, 'serial', 'scanner.serial', 128)) };
  for (const k of ['vendor', 'model'] as const) {
    const v = shared(() => optString(s, k, `scanner.${k}`, 128));
    if (v !== undefined) scanner[k] = v;
  }

  const source = shared(() => validateSource(json));
  const ps = shared(() => reqObj(json, 'pixelSpacingMm', 'pixelSpacingMm'));
  const pixelSpacingMm = {
    x: shared(() => num(ps, 'x', 'pixelSpacingMm.x', 0, 1000, true))!,
    y: shared(() => num(ps, 'y', 'pixelSpacingMm.y', 0, 1000, true))!,
  };
  const airValue = integer(json, 'airValue', 'airValue', 1, 65535);

  const im = shared(() => reqObj(json, 'images', 'images'));
  if (im['high'] === undefined || im['high'] === null) fail('missing_field', 'images.high', 'is required');
  const images: CalibrationMetadata['images'] = { high: shared(() => checkImageName(im['high'], 'images.high')) };
  if (im['low'] !== undefined && im['low'] !== null) {
    images.low = shared(() => checkImageName(im['low'], 'images.low'));
    if (images.low === images.high) fail('bad_image_name', 'images.low', 'must differ from images.high');
  }
  for (const n of [images.high, images.low]) {
    if (n === CALIBRATION_JSON || n === 'scan.json' || n === 'truth.json') fail('bad_image_name', 'images', `name ${describe(n)} is reserved`);
  }
  // A low image needs a low energy to be fitted against, and a declared low energy needs its image.
  const declaredLow = source.kind === 'linac' ? source.lowMeV : source.lowKVp;
  if (images.low !== undefined && declaredLow === undefined) {
    fail('invalid_field', 'images.low', `is given but the source declares no low energy (${source.kind === 'linac' ? 'lowMeV' : 'lowKVp'})`);
  }
  if (images.low === undefined && declaredLow !== undefined) {
    fail('missing_field', 'images.low', 'is required when the source declares a low energy');
  }

  const regions = validateRegions(json);
  return { format: CALIBRATION_PACKAGE_FORMAT, calibrationId, acquiredAt, scanner, source, pixelSpacingMm, airValue, images, regions };
}
