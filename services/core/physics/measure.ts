/**
 * Measures the regions of a calibration scan: per region and energy, the mean attenuation
 * a = −ln(mean value / airValue) over the region's box and its standard error. One
 * implementation for the calibration-package reader (hot-folder ingest) and for the training and
 * evaluation tools that calibrate simulated scanners in memory, so both fit from the same numbers.
 */
import type { CalibrationMaterial, RegionMeasurement } from './calibration.ts';
import { attenuation } from '../imaging.ts';

/** Standard errors below this are not believed (quantisation, a perfectly flat region). */
export const STD_ERROR_FLOOR = 1e-4;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RegionSpec {
  material: CalibrationMaterial;
  thicknessMm: number;
  densityGcm3?: number;
  box: Box;
}

export interface RawImage {
  width: number;
  height: number;
  data: Uint16Array;
}

/** Mean attenuation, its standard error and the pixel count of one box in one image. */
export interface BoxAttenuation {
  attenuation: number;
  stdError: number;
  pixels: number;
}

/**
 * a = −ln(mean(value) / airValue) over the box (mean of the readings, then the log, so noise
 * does not bias it); standard error = sample std of the per-pixel attenuations / √n, at least
 * STD_ERROR_FLOOR. Per-pixel attenuations treat a 0 reading as 1 (no signal, finite).
 * Returns undefined when the box has no signal at all (every reading 0).
 */
export function measureBox(data: Uint16Array, width: number, box: Box, airValue: number): BoxAttenuation | undefined {
  let sum = 0;
  let sumA = 0;
  let sumA2 = 0;
  const n = box.width * box.height;
  for (let y = box.y; y < box.y + box.height; y++) {
    const row = y * width;
    for (let x = box.x; x < box.x + box.width; x++) {
      const v = data[row + x]!;
      sum += v;
      const a = attenuation(v, airValue);
      sumA += a;
      sumA2 += a * a;
    }
  }
  if (sum <= 0) return undefined;
  const meanA = sumA / n;
  const variance = n > 1 ? Math.max(0, (sumA2 - n * meanA * meanA) / (n - 1)) : 0;
  return {
    attenuation: -Math.log(sum / n / airValue),
    stdError: Math.max(Math.sqrt(variance / n), STD_ERROR_FLOOR),
    pixels: n,
  };
}

/** Measures every region in both images; throws when a region has no signal. */
export function measureRegions(regions: RegionSpec[], images: { high: RawImage; low?: RawImage }, airValue: number): RegionMeasurement[] {
  return regions.map((r, i) => {
    const m = (img: RawImage) => {
      const v = measureBox(img.data, img.width, r.box, airValue);
      if (!v) throw new Error(`regions[${i}] (${r.material}, ${r.thicknessMm} mm) has no signal`);
      return v;
    };
    const h = m(images.high);
    const l = images.low ? m(images.low) : undefined;
    return {
      material: r.material,
      thicknessMm: r.thicknessMm,
      ...(r.densityGcm3 !== undefined ? { densityGcm3: r.densityGcm3 } : {}),
      attenuation: { high: h.attenuation, ...(l ? { low: l.attenuation } : {}) },
      stdError: { high: h.stdError, ...(l ? { low: l.stdError } : {}) },
      pixels: h.pixels,
    };
  });
}
