/**
 * Pure image arithmetic of the viewer, kept free of the DOM so it is fast and testable:
 * attenuation μ = −ln(v / airValue) of the stored 16-bit readings, window/level/gamma/invert as a
 * 65 536-entry grey table (one entry per possible reading, so a repaint is one table look-up
 * per pixel), and dual-energy material classes from R = μ_low / μ_high.
 *
 * Material rule (same thresholds as the project's simulator preview,
 * scanner-adapter/src/simulator/render-preview.ts, documented in docs/console.md):
 *   pixels with 0.4 < μ_high < 0.85·μmax are classed (μmax = 9.5 linac, 7 tube); others stay grey.
 *   linac (MeV, pair production raises μ_high for high Z):  R > 1.178 organic, R < 1.155 metal, else mixed.
 *   X-ray tube (kV, photo-effect raises μ_low for high Z):   R < 1.5 organic,   R > 2.3 metal,   else mixed.
 * Colours: orange organic, green mixed, blue metal (tints of the grey value, so density still shows).
 *
 * Histogram of the displayed channel (the high energy's μ) for the window/level panel: built once
 * per decoded image from the per-reading counts that the auto window needs anyway (one pass over
 * the pixels, shared), then folded into bins of μ by walking the 65 536 readings — a window change
 * only moves the marker.
 *
 * Heat-map overlay: a model's 8-bit score cells (0..255 = score 0..1) coloured on a blue → yellow →
 * red ramp, transparent below a floor (the model's candidate score, else 0.1) and more opaque the
 * higher the score, drawn over the image scaled to cellWidthPx × cellHeightPx scan pixels per cell.
 */

export type SourceKind = 'linac' | 'tube';

/** μ for every possible 16-bit reading; readings of 0 are floored to 1 (as the server does). */
export function attenuationTable(airValue: number): Float32Array {
  const lut = new Float32Array(65536);
  for (let v = 0; v < 65536; v++) lut[v] = -Math.log(Math.max(v, 1) / airValue);
  return lut;
}

/** Pixels per 16-bit reading: the one pass over the image that the auto window and the histogram share. */
export function readingCounts(data: Uint16Array): Uint32Array {
  const hist = new Uint32Array(65536);
  for (let i = 0; i < data.length; i++) hist[data[i]!]++;
  return hist;
}

/** 1st and 99th percentile of μ over the image (the server's `window=auto`), via a histogram of readings. */
export function autoWindow(data: Uint16Array, mu: Float32Array, counts = readingCounts(data)): { lo: number; hi: number } {
  const hist = counts;
  // μ falls as the reading rises: walk readings from high (low μ) to low (high μ).
  const n = data.length;
  const loCount = n * 0.01;
  const hiCount = n * 0.99;
  let acc = 0;
  let lo = 0;
  let hi = 1;
  let loSet = false;
  for (let v = 65535; v >= 0; v--) {
    acc += hist[v]!;
    if (!loSet && acc >= loCount) {
      lo = mu[v]!;
      loSet = true;
    }
    if (acc >= hiCount) {
      hi = mu[v]!;
      break;
    }
  }
  if (!(hi > lo)) hi = lo + 1;
  return { lo, hi };
}

export interface MuHistogram {
  /** Pixels per bin; bin b holds μ in [b·binWidth, (b+1)·binWidth); μ below 0 in bin 0, at or above muMax in the last. */
  counts: Uint32Array;
  binWidth: number;
  muMax: number;
  /** The fullest bin (for scaling the drawing). */
  peak: number;
}

/** Pixel counts per μ bin over [0, muMax), from the per-reading counts (65 536 steps, not one per pixel). */
export function muHistogram(counts: Uint32Array, mu: Float32Array, muMax: number, bins = 128): MuHistogram {
  const out = new Uint32Array(bins);
  const binWidth = muMax / bins;
  for (let v = 0; v < 65536; v++) {
    const c = counts[v]!;
    if (c === 0) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(mu[v]! / binWidth)));
    out[b] += c;
  }
  let peak = 0;
  for (let b = 0; b < bins; b++) if (out[b]! > peak) peak = out[b]!;
  return { counts: out, binWidth, muMax, peak };
}

export interface Display {
  /** Window centre and width, in attenuation units (−ln T). */
  level: number;
  width: number;
  /** Exponent on the windowed value (1 = linear). */
  gamma: number;
  /** false: dense = dark (the usual X-ray rendering); true: dense = bright. */
  invert: boolean;
}

/** Grey level (0–255) for every possible reading under a display setting. */
export function greyTable(mu: Float32Array, d: Display, out = new Uint8Array(65536)): Uint8Array {
  const lo = d.level - d.width / 2;
  const span = Math.max(1e-6, d.width);
  const g = Math.max(0.05, d.gamma);
  for (let v = 0; v < 65536; v++) {
    let t = (mu[v]! - lo) / span;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    t = g === 1 ? t : Math.pow(t, g);
    out[v] = Math.round(255 * (d.invert ? t : 1 - t));
  }
  return out;
}

export const MATERIAL_NONE = 0;
export const MATERIAL_ORGANIC = 1;
export const MATERIAL_MIXED = 2;
export const MATERIAL_METAL = 3;
/** Names of the material classes (index = class) for the pixel readout; NONE: too thin or too dense to class. */
export const MATERIAL_NAMES = ['not classed (too thin or too dense)', 'organic', 'mixed', 'metal'] as const;

export const MATERIAL_RULES: Record<SourceKind, { muMax: number; organic: (r: number) => boolean; metal: (r: number) => boolean; text: string }> = {
  linac: { muMax: 9.5, organic: (r) => r > 1.178, metal: (r) => r < 1.155, text: 'R > 1.178 organic · R < 1.155 metal' },
  tube: { muMax: 7, organic: (r) => r < 1.5, metal: (r) => r > 2.3, text: 'R < 1.5 organic · R > 2.3 metal' },
};

/** Material class per pixel from the two energies (same size images). */
export function materialClasses(high: Uint16Array, low: Uint16Array, mu: Float32Array, kind: SourceKind): Uint8Array {
  const rule = MATERIAL_RULES[kind];
  const out = new Uint8Array(high.length);
  const top = rule.muMax * 0.85;
  for (let i = 0; i < high.length; i++) {
    const h = mu[high[i]!]!;
    if (!(h > 0.4 && h < top)) continue;
    const r = mu[low[i]!]! / h;
    out[i] = rule.organic(r) ? MATERIAL_ORGANIC : rule.metal(r) ? MATERIAL_METAL : MATERIAL_MIXED;
  }
  return out;
}

/** RGB multipliers per material class (index = class): tints that keep the grey level's density. */
const TINT: ReadonlyArray<readonly [number, number, number]> = [
  [1, 1, 1],
  [1, 0.72, 0.4], // organic: orange
  [0.55, 1, 0.55], // mixed: green
  [0.45, 0.7, 1], // metal: blue
];

/** Paints RGBA pixels from the grey table, tinted by material class when given. */
export function paint(high: Uint16Array, grey: Uint8Array, rgba: Uint8ClampedArray, materials?: Uint8Array): void {
  const n = high.length;
  if (!materials) {
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      const g = grey[high[i]!]!;
      rgba[j] = g;
      rgba[j + 1] = g;
      rgba[j + 2] = g;
      rgba[j + 3] = 255;
    }
    return;
  }
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const g = grey[high[i]!]!;
    const t = TINT[materials[i]!]!;
    // A tint on black stays black: lift dark pixels a little so dense organic still reads orange.
    const base = materials[i] ? 40 + g * 0.85 : g;
    rgba[j] = base * t[0];
    rgba[j + 1] = base * t[1];
    rgba[j + 2] = base * t[2];
    rgba[j + 3] = 255;
  }
}

/** Distance in mm between two image points (pixels), from the scan's pixel spacing. */
export function distanceMm(a: { x: number; y: number }, b: { x: number; y: number }, spacing: { x: number; y: number }): number {
  return Math.hypot((b.x - a.x) * spacing.x, (b.y - a.y) * spacing.y);
}

/** RGBA (premultiplied-free, 0..255) per quantised score: transparent below `floor` (0..1). */
export function heatLut(floor: number, maxAlpha = 0.6): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let v = 0; v < 256; v++) {
    const s = v / 255;
    if (s < floor) continue;
    // blue (0) → cyan → yellow → red (1)
    const t = Math.min(1, Math.max(0, (s - floor) / Math.max(1e-6, 1 - floor)));
    const r = t < 0.5 ? t * 2 * 255 : 255;
    const g = t < 0.5 ? 128 + t * 254 : 255 * (1 - (t - 0.5) * 2);
    const b = t < 0.5 ? 255 * (1 - t * 2) : 0;
    lut.set([r, g, b, 255 * (0.06 + (maxAlpha - 0.06) * t)], v * 4);
  }
  return lut;
}

/** Colours quantised heat-map cells through a heatLut into RGBA pixels (one per cell). */
export function heatRgba(cells: Uint8Array, lut: Uint8ClampedArray, out = new Uint8ClampedArray(cells.length * 4)): Uint8ClampedArray {
  for (let i = 0; i < cells.length; i++) {
    const k = cells[i]! * 4;
    out[i * 4] = lut[k]!;
    out[i * 4 + 1] = lut[k + 1]!;
    out[i * 4 + 2] = lut[k + 2]!;
    out[i * 4 + 3] = lut[k + 3]!;
  }
  return out;
}

/** Inflates a u8-deflate heat map (base64 of zlib data) in the browser, with DecompressionStream. */
export async function inflateCells(base64: string, expected: number): Promise<Uint8Array> {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  const cells = new Uint8Array(await new Response(stream).arrayBuffer());
  if (cells.length !== expected) throw new Error(`heat map holds ${cells.length} cells, expected ${expected}`);
  return cells;
}
