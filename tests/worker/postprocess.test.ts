/** Score map → detection boxes: region finding and box refinement on the attenuation image. */
import { describe, expect, it } from 'vitest';
import { keptRegions, peakRegions, refineBox } from '#workers/analysis/postprocess.ts';
import type { ModelInput } from '#workers/analysis/preprocess.ts';

const W = 64;
const H = 48;
const STRIDE = 4;

/** A cargo gradient plus a dense bar at [bx0, bx1) × [by0, by1) and a steel beam far away. */
function input(bx0: number, bx1: number, by0: number, by1: number): ModelInput {
  const data = new Float32Array(2 * W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let v = 0.2 + 0.002 * x + 0.01 * Math.sin(x * 1.7 + y * 0.9); // cargo with texture
      if (x >= bx0 && x < bx1 && y >= by0 && y < by1) v += 0.3;
      if (x >= 56) v += 1.0; // a steel beam outside the search window
      data[y * W + x] = v;
    }
  }
  return { data, dims: [1, 2, H, W], width: W, height: H, factorX: 2, factorY: 2 };
}

/** Score map cells (stride 4) covering the bar with a cell's slack, as a coarse network output. */
function scoreMap(bx0: number, bx1: number, by0: number, by1: number): Float64Array {
  const mw = W / STRIDE;
  const m = new Float64Array(mw * (H / STRIDE));
  for (let cy = Math.floor(by0 / STRIDE); cy <= Math.floor((by1 - 1) / STRIDE); cy++) {
    for (let cx = Math.floor(bx0 / STRIDE); cx <= Math.floor((bx1 - 1) / STRIDE); cx++) m[cy * mw + cx] = 0.9;
  }
  return m;
}

describe('refineBox', () => {
  it('fits the box to the object rather than to the whole cells the score map marked', () => {
    const [bx0, bx1, by0, by1] = [13, 30, 21, 26]; // a cut tusk piece: 17 × 5 model pixels
    const inp = input(bx0, bx1, by0, by1);
    const mw = W / STRIDE;
    const [r] = peakRegions(scoreMap(bx0, bx1, by0, by1), mw, mw, H / STRIDE, 0.2, 2.5);
    const cellBox = { x0: r!.x0 * STRIDE, y0: r!.y0 * STRIDE, x1: (r!.x1 + 1) * STRIDE, y1: (r!.y1 + 1) * STRIDE };
    expect(cellBox).toEqual({ x0: 12, y0: 20, x1: 32, y1: 28 });
    expect(refineBox(inp, r!, STRIDE, mw)).toEqual({ x0: bx0, y0: by0, x1: bx1, y1: by1 });
  });

  it('keeps the cell box when the image shows nothing above its surroundings there', () => {
    const inp = input(0, 0, 0, 0);
    const mw = W / STRIDE;
    const [r] = peakRegions(scoreMap(20, 28, 20, 28), mw, mw, H / STRIDE, 0.2, 2.5);
    // Only texture: the flood may find a speck, never something larger than the search window.
    const b = refineBox(inp, r!, STRIDE, mw);
    if (b) {
      expect(b.x0).toBeGreaterThanOrEqual(16);
      expect(b.x1).toBeLessThanOrEqual(32);
    }
    const flat = { ...inp, data: new Float32Array(inp.data.length).fill(0.5) };
    expect(refineBox(flat, r!, STRIDE, mw)).toBeNull();
  });
});

describe('postprocess on very large noisy maps', () => {
  it('finds 200 000 peaks inside one region without overflowing the call stack', () => {
    // One connected region at the candidate level, holding an isolated strong peak on every other
    // cell of every other row: a 12000-wide noisy scan makes maps like this (issue 10 finding 6).
    const w = 1000;
    const h = 800;
    const map = new Float32Array(w * h).fill(0.3);
    for (let y = 0; y < h; y += 2) for (let x = 0; x < w; x += 2) map[y * w + x] = 0.99;
    const found = peakRegions(map, w, w, h, 0.2, 2.5);
    expect(found).toHaveLength((w / 2) * (h / 2));
  });
});

describe('keptRegions', () => {
  it('keeps every region at or above the threshold and only the strongest below it', () => {
    // 40 isolated single-cell peaks on a 20×20 grid: scores 0.21 … 0.99 (one per cell, two rows apart)
    const mw = 20;
    const m = new Float64Array(mw * 20);
    const scores: number[] = [];
    for (let k = 0; k < 40; k++) {
      const s = 0.21 + k * 0.02;
      scores.push(s);
      m[(2 * Math.floor(k / 10)) * mw + 2 * (k % 10)] = s;
    }
    const all = peakRegions(m, mw, mw, 20, 0.2, 2.5);
    expect(all).toHaveLength(40);
    const threshold = 0.8;
    const kept = keptRegions(all, threshold, 5);
    const above = scores.filter((s) => s >= threshold).length;
    expect(kept).toHaveLength(above + 5);
    const keptPeaks = kept.map((r) => r.peak).sort((a, b) => b - a);
    const expected = [...scores].sort((a, b) => b - a).slice(0, above + 5);
    keptPeaks.forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 9));
    expect(keptRegions(all, threshold, 0)).toHaveLength(above);
  });
});

describe('regions wider than a wildlife object', () => {
  it('are split, level by level, until the part holding the peak fits the largest object of the class', () => {
    // A score that stays moderately high over a whole container (0.6), rising towards a tusk (0.93).
    const mw = 200;
    const mh = 20;
    const m = new Float64Array(mw * mh);
    for (let y = 0; y < mh; y++) {
      for (let x = 0; x < mw; x++) {
        const d = Math.hypot(x - 150, (y - 10) * 3);
        m[y * mw + x] = 0.6 + 0.33 * Math.exp(-(d * d) / 200);
      }
    }
    const [whole] = peakRegions(m, mw, mw, mh, 0.2, 2.5);
    expect(whole!.x1 - whole!.x0 + 1, 'without a size limit: one box over the container').toBe(mw);
    const parts = peakRegions(m, mw, mw, mh, 0.2, 2.5, 30);
    const top = parts.reduce((a, b) => (b.peak > a.peak ? b : a));
    expect(top.peak).toBeCloseTo(0.93, 2);
    expect(top.x1 - top.x0 + 1).toBeLessThanOrEqual(30);
    expect(top.x0).toBeLessThanOrEqual(150);
    expect(top.x1).toBeGreaterThanOrEqual(150);
    // A compact object is left as it was.
    const compact = scoreMap(13, 30, 21, 26);
    expect(peakRegions(compact, W / STRIDE, W / STRIDE, H / STRIDE, 0.2, 2.5, 30)).toEqual(peakRegions(compact, W / STRIDE, W / STRIDE, H / STRIDE, 0.2, 2.5));
  });
});
