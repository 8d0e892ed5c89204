/**
 * The calibration-package reader/validator on real files: a valid package is measured as the
 * physics says, and every kind of bad package is refused with its code.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalibrationPackageError, readCalibrationPackage } from '#adapter/calibration-package/read.ts';
import { measureBox } from '#services/core/physics/measure.ts';
import type { CalibrationMetadata } from '#adapter/calibration-package/types.ts';
import { encodeScanImage } from '#adapter/scan-package/write.ts';
import { calibrationMaterial, regionAreaDensity } from '#services/core/physics/calibration.ts';
import { nominalResponse, transmission } from '#services/core/physics/response.ts';
import { synthesiseCalibration, writeCalibrationJson, writeCalibrationPackage } from '../helpers/calibration-package.ts';
import { tiff8 } from '../helpers/packages.ts';

describe('calibration package reader', () => {
  let root: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-calread-'));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('reads a dual-energy package and measures each region as the physics says', async () => {
    const dir = path.join(root, 'ok-linac');
    const meta = await writeCalibrationPackage(dir, { noise: 0.003 });
    const pkg = await readCalibrationPackage(dir);
    expect(pkg.metadata).toEqual(meta);
    expect(pkg.metadataBytes.equals(await fs.readFile(path.join(dir, 'calibration.json')))).toBe(true);
    expect(pkg.measurements).toHaveLength(meta.regions.length);
    const response = nominalResponse(meta.source);
    meta.regions.forEach((r, i) => {
      const m = pkg.measurements[i]!;
      expect(m).toMatchObject({ material: r.material, thicknessMm: r.thicknessMm, pixels: r.box.width * r.box.height });
      for (const ch of ['high', 'low'] as const) {
        const mat = calibrationMaterial(r.material);
        const expected = mat ? -Math.log(transmission(response, ch, mat, regionAreaDensity(r))) : 0;
        // 0.3 % noise over 256 pixels: the mean is good to ~2e-4; quantisation adds up to ~1/(2·value).
        expect(Math.abs(m.attenuation[ch]! - expected)).toBeLessThan(2e-3 + 1 / (2 * 60000 * Math.exp(-expected)));
        expect(m.stdError[ch]).toBeGreaterThanOrEqual(1e-4);
        expect(m.stdError[ch]).toBeLessThan(1e-3);
      }
    });
  });

  it('reads a single-energy tube package (no low image, no low measurement)', async () => {
    const dir = path.join(root, 'ok-tube');
    await writeCalibrationPackage(dir, { source: { kind: 'tube', highKVp: 160 } });
    const pkg = await readCalibrationPackage(dir);
    expect(pkg.imagePaths.low).toBeUndefined();
    expect(pkg.measurements.every((m) => m.attenuation.low === undefined && m.stdError.low === undefined)).toBe(true);
  });

  it('measures a box as −ln of the mean reading, with the standard error of the per-pixel attenuations', () => {
    const width = 4;
    const data = new Uint16Array([1000, 3000, 9, 9, 1000, 3000, 9, 9]);
    const m = measureBox(data, width, { x: 0, y: 0, width: 2, height: 2 }, 4000)!;
    expect(m.pixels).toBe(4);
    expect(m.attenuation).toBeCloseTo(-Math.log(2000 / 4000), 12);
    const a = [1000, 3000, 1000, 3000].map((v) => -Math.log(v / 4000));
    const mean = a.reduce((s, x) => s + x, 0) / 4;
    const sd = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / 3);
    expect(m.stdError).toBeCloseTo(sd / 2, 12);
    // A flat box gets the floor, a dead one no measurement.
    expect(measureBox(new Uint16Array(16).fill(500), 4, { x: 0, y: 0, width: 4, height: 4 }, 1000)?.stdError).toBe(1e-4);
    expect(measureBox(new Uint16Array(16), 4, { x: 0, y: 0, width: 4, height: 4 }, 1000)).toBeUndefined();
  });

  /** Writes the synthetic images and a calibration.json changed by `edit` (which may return raw text). */
  async function variant(name: string, edit: (m: CalibrationMetadata & Record<string, unknown>) => unknown, opts: { noLow?: boolean } = {}) {
    const dir = path.join(root, name);
    const s = synthesiseCalibration();
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'high.tiff'), await encodeScanImage({ width: s.width, height: s.height, data: s.high }));
    if (!opts.noLow) await fs.writeFile(path.join(dir, 'low.tiff'), await encodeScanImage({ width: s.width, height: s.height, data: s.low! }));
    const m = structuredClone(s.metadata) as CalibrationMetadata & Record<string, unknown>;
    const out = edit(m);
    await writeCalibrationJson(dir, typeof out === 'string' ? out : out === undefined ? m : (out as object));
    return { dir, s };
  }

  async function codeOf(dir: string): Promise<{ code: string; field?: string; message: string }> {
    try {
      await readCalibrationPackage(dir);
    } catch (e) {
      if (e instanceof CalibrationPackageError) return { code: e.code, field: e.field, message: e.message };
      throw e;
    }
    throw new Error(`${dir} was accepted`);
  }

  const drop = <T>(arr: T[], pred: (x: T) => boolean) => arr.filter((x) => !pred(x));
  /** A region as plain JSON, to break it in ways its type forbids. */
  const loose = (r: object) => r as Record<string, unknown>;

  const cases: Array<[string, string, string | undefined, (m: CalibrationMetadata & Record<string, unknown>) => unknown]> = [
    ['not-json', 'bad_json', undefined, () => '{"format": "xray-calibration-package/1", '],
    ['json-array', 'bad_json', undefined, () => '[1, 2]'],
    ['old-format', 'unsupported_format', 'format', (m) => void (m.format = 'xray-calibration-package/0' as never)],
    ['no-id', 'missing_field', 'calibrationId', (m) => void delete (m as Record<string, unknown>).calibrationId],
    ['bad-id', 'bad_calibration_id', 'calibrationId', (m) => void (m.calibrationId = 'has space/slash')],
    ['no-acquired', 'missing_field', 'acquiredAt', (m) => void delete (m as Record<string, unknown>).acquiredAt],
    ['acquired-no-offset', 'invalid_field', 'acquiredAt', (m) => void (m.acquiredAt = '2026-10-01T06:00:00')],
    ['no-scanner', 'missing_field', 'scanner', (m) => void delete (m as Record<string, unknown>).scanner],
    ['no-serial', 'missing_field', 'scanner.serial', (m) => void delete (m.scanner as Record<string, unknown>).serial],
    ['serial-number', 'invalid_field', 'scanner.serial', (m) => void ((m.scanner as Record<string, unknown>).serial = 4411)],
    ['no-source', 'missing_field', 'source', (m) => void delete (m as Record<string, unknown>).source],
    ['source-kind', 'invalid_field', 'source.kind', (m) => void (m.source = { kind: 'gamma' } as never)],
    ['low-above-high', 'invalid_field', 'source.lowMeV', (m) => void (m.source = { kind: 'linac', highMeV: 4, lowMeV: 6 })],
    ['no-spacing', 'missing_field', 'pixelSpacingMm', (m) => void delete (m as Record<string, unknown>).pixelSpacingMm],
    ['no-air-value', 'missing_field', 'airValue', (m) => void delete (m as Record<string, unknown>).airValue],
    ['air-value-range', 'invalid_field', 'airValue', (m) => void (m.airValue = 70000)],
    ['image-path', 'bad_image_name', 'images.high', (m) => void (m.images.high = '../high.tiff')],
    ['image-reserved', 'bad_image_name', 'images', (m) => void (m.images.high = 'calibration.json')],
    ['low-without-energy', 'invalid_field', 'images.low', (m) => void (m.source = { kind: 'linac', highMeV: 6 })],
    ['energy-without-low', 'missing_field', 'images.low', (m) => void delete (m.images as Record<string, unknown>).low],
    ['no-regions', 'missing_field', 'regions', (m) => void delete (m as Record<string, unknown>).regions],
    ['regions-object', 'invalid_field', 'regions', (m) => void ((m as Record<string, unknown>).regions = {})],
    ['five-regions', 'too_few_regions', 'regions', (m) => void (m.regions = m.regions.slice(0, 5))],
    ['no-air', 'missing_material', 'regions', (m) => void (m.regions = drop(m.regions, (r) => r.material === 'air'))],
    ['no-metal', 'missing_material', 'regions', (m) => void m.regions.forEach((r) => ['aluminium', 'iron', 'copper', 'lead'].includes(r.material) && (r.material = 'water'))],
    ['no-low-z', 'missing_material', 'regions', (m) => void (m.regions = drop(m.regions, (r) => ['polyethylene', 'pmma', 'water', 'graphite'].includes(r.material)))],
    ['gold', 'invalid_field', 'regions[1].material', (m) => void (loose(m.regions[1]!).material = 'gold')],
    ['no-thickness', 'missing_field', 'regions[1].thicknessMm', (m) => void delete loose(m.regions[1]!).thicknessMm],
    ['thick-air', 'invalid_field', 'regions[0].thicknessMm', (m) => void (m.regions[0]!.thicknessMm = 5)],
    ['zero-iron', 'invalid_field', 'regions[7].thicknessMm', (m) => void (m.regions[7]!.thicknessMm = 0)],
    ['negative-density', 'invalid_field', 'regions[7].densityGcm3', (m) => void (m.regions[7]!.densityGcm3 = -7.8)],
    ['air-density', 'invalid_field', 'regions[0].densityGcm3', (m) => void (m.regions[0]!.densityGcm3 = 0.0012)],
    ['no-box', 'missing_field', 'regions[2].box', (m) => void delete loose(m.regions[2]!).box],
    ['fractional-box', 'invalid_field', 'regions[2].box.x', (m) => void (m.regions[2]!.box.x = 10.5)],
    ['tiny-box', 'region_too_small', 'regions[2].box', (m) => void (m.regions[2]!.box = { x: 10, y: 10, width: 3, height: 5 })],
    ['box-outside', 'region_outside_image', 'regions[3].box', (m) => void (m.regions[3]!.box.x = 10_000)],
  ];

  it.each(cases)('rejects %s with %s', async (name, code, field, edit) => {
    const { dir } = await variant(name, edit);
    const err = await codeOf(dir);
    expect(err.code).toBe(code);
    if (field !== undefined) expect(err.field).toBe(field);
    // Messages from the validators shared with scan.json still name the right file.
    expect(err.message).not.toContain('scan.json:');
  });

  it('rejects package-level and image problems with the scan-package codes', async () => {
    const file = path.join(root, 'plain-file');
    await fs.writeFile(file, 'x');
    expect((await codeOf(file)).code).toBe('not_a_directory');

    const empty = path.join(root, 'no-json');
    await fs.mkdir(empty);
    expect((await codeOf(empty)).code).toBe('calibration_json_missing');

    const latin1 = await variant('latin1', () => undefined);
    await fs.writeFile(path.join(latin1.dir, 'calibration.json'), Buffer.concat([Buffer.from('{"format": "caf'), Buffer.from([0xe9]), Buffer.from('"}')]));
    expect((await codeOf(latin1.dir)).code).toBe('bad_json');

    const noLow = await variant('low-missing', () => undefined, { noLow: true });
    expect(await codeOf(noLow.dir)).toMatchObject({ code: 'image_missing', field: 'images.low' });

    const eight = await variant('eight-bit', () => undefined);
    await fs.writeFile(path.join(eight.dir, 'high.tiff'), await tiff8(eight.s.width, eight.s.height));
    expect((await codeOf(eight.dir)).code).toBe('image_not_16bit');

    const png = await variant('png', () => undefined);
    await fs.writeFile(path.join(png.dir, 'low.tiff'), Buffer.from('not an image at all'));
    expect((await codeOf(png.dir)).code).toBe('not_tiff');

    const sizes = await variant('size-mismatch', () => undefined);
    const s = sizes.s;
    await fs.writeFile(
      path.join(sizes.dir, 'low.tiff'),
      await encodeScanImage({ width: s.width + 1, height: s.height, data: new Uint16Array((s.width + 1) * s.height).fill(100) }),
    );
    expect(await codeOf(sizes.dir)).toMatchObject({ code: 'image_size_mismatch', field: 'images.low' });

    const dead = await variant('no-signal', () => undefined);
    const low = Uint16Array.from(dead.s.low!);
    const b = dead.s.metadata.regions[10]!.box; // the lead block
    for (let y = b.y; y < b.y + b.height; y++) low.fill(0, y * dead.s.width + b.x, y * dead.s.width + b.x + b.width);
    await fs.writeFile(path.join(dead.dir, 'low.tiff'), await encodeScanImage({ width: dead.s.width, height: dead.s.height, data: low }));
    expect(await codeOf(dead.dir)).toMatchObject({ code: 'region_no_signal', field: 'regions[10]' });
  });
});
