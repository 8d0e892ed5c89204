/** Model input preparation: attenuation, area resampling, padding. */
import { describe, expect, it } from 'vitest';
import { attenuation, resampleArea } from '#workers/analysis/preprocess.ts';

describe('preprocess', () => {
  it('turns detector values into −ln T with clamping', () => {
    const att = attenuation({ width: 4, height: 1, data: Uint16Array.from([60000, 30000, 0, 65535]) }, 60000, 1e-4);
    expect(att[0]).toBeCloseTo(0, 6);
    expect(att[1]).toBeCloseTo(Math.log(2), 5);
    expect(att[2]).toBeCloseTo(-Math.log(1e-4), 4);
    expect(att[3]).toBeCloseTo(0, 6); // brighter than air: T clamped to 1
  });

  it('area-averages: an integer factor preserves the mean exactly; a non-integer one keeps order', () => {
    const w = 10;
    const h = 6;
    const src = new Float32Array(w * h).map((_, i) => (i % w) + Math.floor(i / w) * 0.5);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const half = resampleArea(src, w, h, 5, 3);
    expect(half.length).toBe(15);
    expect(mean(half)).toBeCloseTo(mean(src), 5);
    expect(half[0]).toBeCloseTo((0 + 1 + 0.5 + 1.5) / 4, 5);
    const odd = resampleArea(src, w, h, 4, 3);
    expect(odd.length).toBe(12);
    expect(odd[0]!).toBeLessThan(odd[1]!);
    expect(odd[1]!).toBeLessThan(odd[3]!);
  });

  it('enlarges without NaN or shift when the scan is coarser than the model', () => {
    const out = resampleArea(Float32Array.from([1, 2, 3]), 3, 1, 4, 1);
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
    expect(out[0]).toBe(1);
    expect(out[3]).toBe(3);
  });
});
