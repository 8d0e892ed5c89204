/**
 * Measures the regions of a calibration scan: per region and energy, the mean attenuation
 * a = −ln(mean value / airValue) over the region's box and its standard error. Shared by the
 * calibration-package ingest and by the training/evaluation tools that calibrate simulated
 * scanners in memory, so both fit from the same numbers.
 */
import type { CalibrationMaterial, RegionMeasurement } from './calibration.ts';

export interface RegionSpec {
  material: CalibrationMaterial;
  thicknessMm: number;
  densityGcm3?: number;
  box: { x: number; y: number; width: number; height: number };
}

export interface RawImage {
  width: number;
  height: number;
  data: Uint16Array;
}

function measure(img: RawImage, box: RegionSpec['box'], airValue: number): { a: number; se: number; n: number } {
  let sum = 0;
  let sumA = 0;
  let sumA2 = 0;
  let n = 0;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const v = img.data[y * img.width + x]!;
      sum += v;
      const a = -Math.log(Math.max(v, 0.5) / airValue);
      sumA += a;
      sumA2 += a * a;
      n++;
    }
  }
  const meanA = sumA / n;
  const variance = Math.max(0, sumA2 / n - meanA * meanA);
  return { a: -Math.log(Math.max(sum / n, 0.5) / airValue), se: Math.max(1e-4, Math.sqrt(variance / n)), n };
}

export function measureRegions(regions: RegionSpec[], images: { high: RawImage; low?: RawImage }, airValue: number): RegionMeasurement[] {
  return regions.map((r) => {
    const h = measure(images.high, r.box, airValue);
    const l = images.low ? measure(images.low, r.box, airValue) : undefined;
    return {
      material: r.material,
      thicknessMm: r.thicknessMm,
      ...(r.densityGcm3 !== undefined ? { densityGcm3: r.densityGcm3 } : {}),
      attenuation: { high: h.a, ...(l ? { low: l.a } : {}) },
      stdError: { high: h.se, ...(l ? { low: l.se } : {}) },
      pixels: h.n,
    };
  });
}
