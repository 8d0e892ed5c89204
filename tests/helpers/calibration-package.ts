/**
 * Synthesises calibration packages (docs/calibration-package.md) for tests from the physics the
 * fit uses: each block is imaged as round(airValue·T) with a little noise, T from the nominal
 * response of the declared source. The simulator writes realistic packages of virtual scanners
 * (`simulateCalibration` + `writeCalibrationPackage` in scanner-adapter/src/simulator; used by
 * tests/e2e/calibrated-scan.test.ts); this helper stays for tests that need exact control in a
 * few pixels: chosen ids, serials, times, blocks and sources, and a region imaged at a thickness
 * other than the one it declares (`imagedThicknessMm`), which is how tests make a package the fit
 * must refuse.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { calibrationMaterial, regionAreaDensity, type CalibrationMaterial } from '#services/core/physics/calibration.ts';
import { nominalResponse, transmission } from '#services/core/physics/response.ts';
import { Rng } from '#adapter/simulator/prng.ts';
import type { CalibrationMetadata } from '#adapter/calibration-package/types.ts';
import { encodeScanImage } from '#adapter/scan-package/write.ts';
import type { SourceSpec } from '#adapter/scan-package/types.ts';

export interface BlockSpec {
  material: CalibrationMaterial;
  thicknessMm: number;
  densityGcm3?: number;
  /** Thickness actually imaged, when it should differ from the declared one. */
  imagedThicknessMm?: number;
}

/** A phantom that a linac fit accepts: open beam, low-Z steps and metal steps. */
export const LINAC_BLOCKS: BlockSpec[] = [
  { material: 'air', thicknessMm: 0 },
  { material: 'polyethylene', thicknessMm: 100 },
  { material: 'polyethylene', thicknessMm: 300 },
  { material: 'water', thicknessMm: 200 },
  { material: 'graphite', thicknessMm: 100 },
  { material: 'aluminium', thicknessMm: 50 },
  { material: 'aluminium', thicknessMm: 150 },
  { material: 'iron', thicknessMm: 20 },
  { material: 'iron', thicknessMm: 80 },
  { material: 'copper', thicknessMm: 40 },
  { material: 'lead', thicknessMm: 20 },
];

/** The same idea at X-ray tube energies (thinner metals, or nothing gets through). */
export const TUBE_BLOCKS: BlockSpec[] = [
  { material: 'air', thicknessMm: 0 },
  { material: 'polyethylene', thicknessMm: 20 },
  { material: 'polyethylene', thicknessMm: 80 },
  { material: 'pmma', thicknessMm: 40 },
  { material: 'water', thicknessMm: 50 },
  { material: 'aluminium', thicknessMm: 5 },
  { material: 'aluminium', thicknessMm: 20 },
  { material: 'iron', thicknessMm: 2 },
  { material: 'copper', thicknessMm: 1 },
];

export interface SyntheticOptions {
  calibrationId?: string;
  serial?: string;
  acquiredAt?: string;
  source?: SourceSpec;
  blocks?: BlockSpec[];
  airValue?: number;
  /** Relative noise (standard deviation) of each reading; default 0.3 %. */
  noise?: number;
  seed?: number;
}

/** Block side and the uniform box declared inside it, pixels. */
const BLOCK = 24;
const MARGIN = 4;
const GAP = 8;
const COLS = 4;

/** Builds calibration.json and the images of a phantom imaged through the nominal response. */
export function synthesiseCalibration(opts: SyntheticOptions = {}): {
  metadata: CalibrationMetadata;
  width: number;
  height: number;
  high: Uint16Array;
  low?: Uint16Array;
} {
  const source = opts.source ?? { kind: 'linac', highMeV: 6, lowMeV: 4 };
  const blocks = opts.blocks ?? (source.kind === 'linac' ? LINAC_BLOCKS : TUBE_BLOCKS);
  const airValue = opts.airValue ?? 60000;
  const noise = opts.noise ?? 0.003;
  const rng = new Rng(opts.seed ?? 1);
  const rows = Math.ceil(blocks.length / COLS);
  const width = GAP + COLS * (BLOCK + GAP);
  const height = GAP + rows * (BLOCK + GAP);
  const response = nominalResponse(source);
  const dual = source.kind === 'linac' ? source.lowMeV !== undefined : source.lowKVp !== undefined;
  const channels = dual ? (['high', 'low'] as const) : (['high'] as const);

  const images: Record<'high' | 'low', Uint16Array> = { high: new Uint16Array(width * height), low: new Uint16Array(width * height) };
  const level: Record<'high' | 'low', Float64Array> = { high: new Float64Array(width * height).fill(1), low: new Float64Array(width * height).fill(1) };
  const regions: CalibrationMetadata['regions'] = blocks.map((b, i) => {
    const x0 = GAP + (i % COLS) * (BLOCK + GAP);
    const y0 = GAP + Math.floor(i / COLS) * (BLOCK + GAP);
    const mat = calibrationMaterial(b.material);
    const gcm2 = regionAreaDensity({ material: b.material, thicknessMm: b.imagedThicknessMm ?? b.thicknessMm, densityGcm3: b.densityGcm3 });
    for (const ch of channels) {
      const T = mat ? transmission(response, ch, mat, gcm2) : 1;
      for (let y = y0; y < y0 + BLOCK; y++) for (let x = x0; x < x0 + BLOCK; x++) level[ch][y * width + x] = T;
    }
    return {
      material: b.material,
      thicknessMm: b.thicknessMm,
      box: { x: x0 + MARGIN, y: y0 + MARGIN, width: BLOCK - 2 * MARGIN, height: BLOCK - 2 * MARGIN },
      ...(b.densityGcm3 !== undefined ? { densityGcm3: b.densityGcm3 } : {}),
    };
  });
  for (const ch of channels) {
    const img = images[ch];
    const lv = level[ch];
    for (let i = 0; i < img.length; i++) {
      const v = airValue * lv[i]! * (1 + noise * rng.normal());
      img[i] = Math.min(65535, Math.max(1, Math.round(v)));
    }
  }
  const metadata: CalibrationMetadata = {
    format: 'xray-calibration-package/1',
    calibrationId: opts.calibrationId ?? 'CAL-TEST-1',
    acquiredAt: opts.acquiredAt ?? '2026-10-01T06:00:00Z',
    scanner: { vendor: 'test', model: 'phantom', serial: opts.serial ?? 'SN-TEST-1' },
    source,
    pixelSpacingMm: { x: 5, y: 5 },
    airValue,
    images: dual ? { high: 'high.tiff', low: 'low.tiff' } : { high: 'high.tiff' },
    regions,
  };
  return { metadata, width, height, high: images.high, ...(dual ? { low: images.low } : {}) };
}

/** Writes a synthetic package: images first, calibration.json last (temp file + rename). */
export async function writeCalibrationPackage(dir: string, opts: SyntheticOptions = {}): Promise<CalibrationMetadata> {
  const s = synthesiseCalibration(opts);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, s.metadata.images.high), await encodeScanImage({ width: s.width, height: s.height, data: s.high }));
  if (s.low && s.metadata.images.low) {
    await fs.writeFile(path.join(dir, s.metadata.images.low), await encodeScanImage({ width: s.width, height: s.height, data: s.low }));
  }
  await writeCalibrationJson(dir, s.metadata);
  return s.metadata;
}

/** Writes calibration.json as given (even invalid), last, via a temp file + rename. */
export async function writeCalibrationJson(dir: string, json: string | object): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, '.calibration.json.tmp');
  await fs.writeFile(tmp, typeof json === 'string' ? json : JSON.stringify(json, null, 2) + '\n');
  await fs.rename(tmp, path.join(dir, 'calibration.json'));
}
