/**
 * Pure validation of scan.json (format `xray-scan-package/1`, see docs/scan-package.md).
 * No I/O here; read.ts adds the file and image checks.
 */
import { ScanPackageError } from './errors.ts';
import {
  DEFAULT_AIR_VALUE,
  SCAN_ID_PATTERN,
  SCAN_PACKAGE_FORMAT,
  type ConveyanceType,
  type ManifestDeclaration,
  type ScanMetadata,
  type SourceSpec,
} from './types.ts';

const CONVEYANCE_TYPES: readonly ConveyanceType[] = ['container', 'truck', 'pallet', 'parcel'];
/** ISO-8601 date-time with a mandatory offset or Z, e.g. 2026-03-01T10:15:00Z or 2026-03-01T10:15:00.123+02:00. */
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const HS_CODE = /^\d{2,4}([. ]?\d{2}){0,3}$/;
const MAX_TEXT = 1024;

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(code: 'missing_field' | 'invalid_field', field: string, msg: string): never {
  throw new ScanPackageError(code, `scan.json: ${field} ${msg}`, field);
}

export function reqObj(o: Obj, key: string, path: string): Obj {
  const v = o[key];
  if (v === undefined || v === null) fail('missing_field', path, 'is required');
  if (!isObj(v)) fail('invalid_field', path, `must be an object, got ${describe(v)}`);
  return v;
}

export function optString(o: Obj, key: string, path: string, max = MAX_TEXT): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail('invalid_field', path, `must be a string, got ${describe(v)}`);
  if (v.length > max) fail('invalid_field', path, `must be at most ${max} characters`);
  return v;
}

export function reqString(o: Obj, key: string, path: string, max = MAX_TEXT): string {
  const v = o[key];
  if (v === undefined || v === null) fail('missing_field', path, 'is required');
  if (typeof v !== 'string' || v.length === 0) fail('invalid_field', path, `must be a non-empty string, got ${describe(v)}`);
  if (v.length > max) fail('invalid_field', path, `must be at most ${max} characters`);
  return v;
}

export function num(o: Obj, key: string, path: string, min: number, max: number, required: boolean): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) fail('missing_field', path, 'is required');
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) fail('invalid_field', path, `must be a finite number, got ${describe(v)}`);
  if (v <= min || v > max) fail('invalid_field', path, `must be > ${min} and <= ${max}, got ${v}`);
  return v;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/**
 * Checks that an image reference is a plain file name inside the package:
 * no path separators, no "." / "..", not absolute, no control characters.
 */
export function checkImageName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ScanPackageError('bad_image_name', `scan.json: ${field} must be a non-empty file name, got ${describe(name)}`, field);
  }
  if (name.length > 255 || /[/\\\u0000-\u001f]/.test(name) || name === '.' || name === '..' || name.includes('..') || /^[A-Za-z]:/.test(name)) {
    throw new ScanPackageError(
      'bad_image_name',
      `scan.json: ${field} must be a plain file name inside the package (no path separators, no "..", not absolute), got ${describe(name)}`,
      field,
    );
  }
  return name;
}

export function validateSource(o: Obj): SourceSpec {
  const s = reqObj(o, 'source', 'source');
  const kind = s['kind'];
  if (kind === undefined) fail('missing_field', 'source.kind', 'is required ("linac" or "tube")');
  if (kind === 'linac') {
    const highMeV = num(s, 'highMeV', 'source.highMeV', 0, 20, true)!;
    const lowMeV = num(s, 'lowMeV', 'source.lowMeV', 0, 20, false);
    if (lowMeV !== undefined && lowMeV >= highMeV) fail('invalid_field', 'source.lowMeV', `must be below source.highMeV (${highMeV})`);
    return lowMeV === undefined ? { kind, highMeV } : { kind, highMeV, lowMeV };
  }
  if (kind === 'tube') {
    const highKVp = num(s, 'highKVp', 'source.highKVp', 0, 1000, true)!;
    const lowKVp = num(s, 'lowKVp', 'source.lowKVp', 0, 1000, false);
    if (lowKVp !== undefined && lowKVp >= highKVp) fail('invalid_field', 'source.lowKVp', `must be below source.highKVp (${highKVp})`);
    return lowKVp === undefined ? { kind, highKVp } : { kind, highKVp, lowKVp };
  }
  return fail('invalid_field', 'source.kind', `must be "linac" or "tube", got ${describe(kind)}`);
}

function validateManifest(o: Obj): { declarations: ManifestDeclaration[] } | undefined {
  const m = o['manifest'];
  if (m === undefined) return undefined;
  if (!isObj(m)) fail('invalid_field', 'manifest', `must be an object, got ${describe(m)}`);
  const decls = m['declarations'];
  if (decls === undefined) fail('missing_field', 'manifest.declarations', 'is required when manifest is present');
  if (!Array.isArray(decls)) fail('invalid_field', 'manifest.declarations', `must be an array, got ${describe(decls)}`);
  if (decls.length > 10_000) fail('invalid_field', 'manifest.declarations', 'has more than 10000 entries');
  return {
    declarations: decls.map((d, i): ManifestDeclaration => {
      const p = `manifest.declarations[${i}]`;
      if (!isObj(d)) fail('invalid_field', p, `must be an object, got ${describe(d)}`);
      const hsCode = reqString(d, 'hsCode', `${p}.hsCode`, 32);
      if (!HS_CODE.test(hsCode)) fail('invalid_field', `${p}.hsCode`, `must be an HS code like "4403.49" (digits, optional dots), got ${describe(hsCode)}`);
      const out: ManifestDeclaration = { hsCode, description: reqString(d, 'description', `${p}.description`) };
      const species = optString(d, 'species', `${p}.species`, 200);
      if (species !== undefined) out.species = species;
      const q = d['quantity'];
      if (q !== undefined) {
        if (typeof q !== 'number' || !Number.isFinite(q) || q < 0) fail('invalid_field', `${p}.quantity`, `must be a non-negative number, got ${describe(q)}`);
        out.quantity = q;
      }
      const unit = optString(d, 'unit', `${p}.unit`, 32);
      if (unit !== undefined) out.unit = unit;
      const permit = optString(d, 'citesPermit', `${p}.citesPermit`, 128);
      if (permit !== undefined) out.citesPermit = permit;
      return out;
    }),
  };
}

/**
 * Plausibility bounds: values that pass the format but that no cargo scanner produces. They are
 * refused at the door (quarantined with `implausible_value`) because the analysis cannot vouch
 * for such a scan, and some (1000 mm pixels) would make it resample to gigabytes.
 */
export const PLAUSIBLE_PIXEL_MM: readonly [number, number] = [0.1, 50];
export const MIN_AIR_VALUE = 256;
/** Smallest image side (pixels) and largest physical extent (mm) along travel and vertically. */
export const MIN_IMAGE_SIDE = 16;
export const MAX_EXTENT_MM = { x: 100_000, y: 10_000 } as const;

/**
 * Validates parsed scan.json content and returns normalised metadata (airValue defaults to 65535).
 * Unknown top-level fields are ignored (forward compatibility within version 1).
 * @throws ScanPackageError
 */
export function validateScanMetadata(json: unknown): ScanMetadata {
  if (!isObj(json)) throw new ScanPackageError('bad_json', `scan.json must contain a JSON object, got ${describe(json)}`);
  const format = json['format'];
  if (format === undefined) fail('missing_field', 'format', `is required ("${SCAN_PACKAGE_FORMAT}")`);
  if (format !== SCAN_PACKAGE_FORMAT) {
    throw new ScanPackageError('unsupported_format', `scan.json: format ${describe(format)} is not supported (expected "${SCAN_PACKAGE_FORMAT}")`, 'format');
  }
  const scanId = json['scanId'];
  if (scanId === undefined || scanId === null) fail('missing_field', 'scanId', 'is required');
  if (typeof scanId !== 'string' || !SCAN_ID_PATTERN.test(scanId)) {
    throw new ScanPackageError('bad_scan_id', `scan.json: scanId must match [A-Za-z0-9._-]{1,128}, got ${describe(scanId)}`, 'scanId');
  }
  const laneId = reqString(json, 'laneId', 'laneId', 128);
  const scannedAt = reqString(json, 'scannedAt', 'scannedAt', 64);
  if (!ISO_8601.test(scannedAt) || Number.isNaN(Date.parse(scannedAt))) {
    fail('invalid_field', 'scannedAt', `must be an ISO-8601 date-time with offset or Z (e.g. 2026-03-01T10:15:00Z), got ${describe(scannedAt)}`);
  }

  let scanner: ScanMetadata['scanner'];
  if (json['scanner'] !== undefined) {
    const s = json['scanner'];
    if (!isObj(s)) fail('invalid_field', 'scanner', `must be an object, got ${describe(s)}`);
    scanner = {};
    for (const k of ['vendor', 'model', 'serial'] as const) {
      const v = optString(s, k, `scanner.${k}`, 128);
      if (v !== undefined) scanner[k] = v;
    }
  }

  const source = validateSource(json);
  const ps = reqObj(json, 'pixelSpacingMm', 'pixelSpacingMm');
  const pixelSpacingMm = {
    x: num(ps, 'x', 'pixelSpacingMm.x', 0, 1000, true)!,
    y: num(ps, 'y', 'pixelSpacingMm.y', 0, 1000, true)!,
  };
  for (const axis of ['x', 'y'] as const) {
    const v = pixelSpacingMm[axis];
    if (v < PLAUSIBLE_PIXEL_MM[0] || v > PLAUSIBLE_PIXEL_MM[1]) {
      throw new ScanPackageError(
        'implausible_value',
        `scan.json: pixelSpacingMm.${axis} is ${v} mm; cargo scanners have pixels of ${PLAUSIBLE_PIXEL_MM[0]}–${PLAUSIBLE_PIXEL_MM[1]} mm`,
        `pixelSpacingMm.${axis}`,
      );
    }
  }

  const im = reqObj(json, 'images', 'images');
  if (im['high'] === undefined) fail('missing_field', 'images.high', 'is required');
  const images: ScanMetadata['images'] = { high: checkImageName(im['high'], 'images.high') };
  if (im['low'] !== undefined && im['low'] !== null) {
    images.low = checkImageName(im['low'], 'images.low');
    if (images.low === images.high) throw new ScanPackageError('bad_image_name', 'scan.json: images.low must differ from images.high', 'images.low');
  }
  for (const n of [images.high, images.low]) {
    if (n === 'scan.json' || n === 'truth.json') throw new ScanPackageError('bad_image_name', `scan.json: image name ${describe(n)} is reserved`, 'images');
  }

  let airValue = DEFAULT_AIR_VALUE;
  if (json['airValue'] !== undefined) {
    const a = json['airValue'];
    if (typeof a !== 'number' || !Number.isInteger(a) || a < 1 || a > 65535) {
      fail('invalid_field', 'airValue', `must be an integer in 1..65535, got ${describe(a)}`);
    }
    airValue = a;
    if (a < MIN_AIR_VALUE) {
      throw new ScanPackageError(
        'implausible_value',
        `scan.json: airValue ${a} leaves the detector under 8 bits of range between air and opaque; a 16-bit scanner reads at least ${MIN_AIR_VALUE} in air`,
        'airValue',
      );
    }
  }

  const meta: ScanMetadata = { format: SCAN_PACKAGE_FORMAT, scanId, laneId, scannedAt, source, pixelSpacingMm, images, airValue };
  if (scanner) meta.scanner = scanner;

  if (json['conveyance'] !== undefined) {
    const c = json['conveyance'];
    if (!isObj(c)) fail('invalid_field', 'conveyance', `must be an object, got ${describe(c)}`);
    const type = c['type'];
    if (type === undefined) fail('missing_field', 'conveyance.type', `is required (${CONVEYANCE_TYPES.join('|')})`);
    if (typeof type !== 'string' || !CONVEYANCE_TYPES.includes(type as ConveyanceType)) {
      fail('invalid_field', 'conveyance.type', `must be one of ${CONVEYANCE_TYPES.join('|')}, got ${describe(type)}`);
    }
    const id = optString(c, 'id', 'conveyance.id', 128);
    meta.conveyance = id === undefined ? { type: type as ConveyanceType } : { type: type as ConveyanceType, id };
  }
  const manifest = validateManifest(json);
  if (manifest) meta.manifest = manifest;
  return meta;
}
