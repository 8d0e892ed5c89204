/**
 * Polychromatic transmission and detector model.
 * T_k = Σ_b w_kb · exp(−Σ_m (μ/ρ)_m(E_b) · A_m), A_m = areal density map (g/cm²) of material m.
 * Legacy scanner: optional scatter fog (a fraction of the block-averaged signal added back; crude
 * build-up stand-in), separable 3-tap detector blur, Poisson photon noise at `dose` photons per pixel
 * in air, 16-bit quantisation. Virtual scanners (scanners.ts, `scannerImages`): scatter fog over a
 * moving window, Gaussian blur, afterglow along travel, per-row gains and stripes, Poisson noise at
 * the scanner's dose, residual dark offset, quantisation against the scanner's airValue.
 */
import { channelSpectrum, massAttenuation, type MaterialId, type Spectrum } from './physics.ts';
import type { Rng } from './prng.ts';
import { rowGains, type VirtualScanner } from './scanners.ts';

/**
 * Computes T for several spectra at once from the areal-density maps. With the image `width`, a
 * pixel whose material vector equals the one above it reuses that result too (exact).
 */
export function transmissions(maps: Map<MaterialId, Float32Array>, n: number, spectra: Spectrum[], width = 0): Float32Array[] {
  const mats = [...maps.keys()];
  const A = mats.map((m) => maps.get(m)!);
  const M = mats.length;
  // mu[s][b*M + m]
  const mu = spectra.map((s) => {
    const t = new Float64Array(s.energiesMeV.length * M);
    s.energiesMeV.forEach((e, b) => mats.forEach((m, k) => (t[b * M + k] = massAttenuation(m, e))));
    return t;
  });
  const w = spectra.map((s) => Float64Array.from(s.weights));
  const out = spectra.map(() => new Float32Array(n));
  const idx = new Int32Array(M);
  const a = new Float64Array(M);
  const S = spectra.length;
  for (let p = 0; p < n; p++) {
    // Most pixels repeat their left neighbour's material vector (boxes, cylinders along x):
    // reuse its result. Exact: the same inputs give the same numbers.
    if (p > 0) {
      let same = true;
      for (let m = 0; m < M; m++) {
        const col = A[m]!;
        if (col[p] !== col[p - 1]) {
          same = false;
          break;
        }
      }
      if (same) {
        for (let s = 0; s < S; s++) out[s]![p] = out[s]![p - 1]!;
        continue;
      }
      if (width > 0 && p >= width) {
        const q = p - width;
        same = true;
        for (let m = 0; m < M; m++) {
          const col = A[m]!;
          if (col[p] !== col[q]) {
            same = false;
            break;
          }
        }
        if (same) {
          for (let s = 0; s < S; s++) out[s]![p] = out[s]![q]!;
          continue;
        }
      }
    }
    let k = 0;
    for (let m = 0; m < M; m++) {
      const v = A[m]![p]!;
      if (v > 0) {
        idx[k] = m;
        a[k] = v;
        k++;
      }
    }
    for (let s = 0; s < S; s++) {
      const o = out[s]!;
      if (k === 0) {
        o[p] = 1;
        continue;
      }
      const ws = w[s]!;
      const ms = mu[s]!;
      let T = 0;
      for (let b = 0; b < ws.length; b++) {
        const base = b * M;
        let L = 0;
        for (let q = 0; q < k; q++) L += ms[base + idx[q]!]! * a[q]!;
        T += ws[b]! * Math.exp(-L);
      }
      o[p] = T;
    }
  }
  return out;
}

/** Separable [1/4, 1/2, 1/4] blur (detector cross-talk / focal spot), edges replicated. In place. */
export function blur3(img: Float32Array, W: number, H: number): void {
  const row = new Float32Array(W);
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let x = 0; x < W; x++) row[x] = img[o + x]!;
    for (let x = 0; x < W; x++) img[o + x] = 0.25 * row[x > 0 ? x - 1 : 0]! + 0.5 * row[x]! + 0.25 * row[x < W - 1 ? x + 1 : W - 1]!;
  }
  const col = new Float32Array(H);
  for (let x = 0; x < W; x++) {
    for (let y = 0; y < H; y++) col[y] = img[y * W + x]!;
    for (let y = 0; y < H; y++) img[y * W + x] = 0.25 * col[y > 0 ? y - 1 : 0]! + 0.5 * col[y]! + 0.25 * col[y < H - 1 ? y + 1 : H - 1]!;
  }
}

/** Adds fraction `f` of a broad (block-averaged) copy of the transmitted signal: a crude scatter fog. */
export function addFog(img: Float32Array, W: number, H: number, f: number): void {
  if (f <= 0) return;
  const B = 32;
  const bw = Math.ceil(W / B);
  const bh = Math.ceil(H / B);
  const sums = new Float64Array(bw * bh);
  const cnt = new Float64Array(bw * bh);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const k = ((y / B) | 0) * bw + ((x / B) | 0);
    sums[k]! += img[y * W + x]!;
    cnt[k]! += 1;
  }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const k = ((y / B) | 0) * bw + ((x / B) | 0);
    const p = y * W + x;
    img[p] = img[p]! * (1 - f) + f * (sums[k]! / cnt[k]!);
  }
}

/**
 * Poisson noise at `dose` photons/pixel in air, then value = round(airValue · N / dose + dark) clamped
 * to [1, 65535] (`dark`: residual dark offset in counts, 0 for the legacy scanner).
 */
export function quantise(T: Float32Array, dose: number, airValue: number, rng: Rng, dark = 0): Uint16Array {
  const out = new Uint16Array(T.length);
  const scale = airValue / dose;
  for (let p = 0; p < T.length; p++) {
    const mean = dose * T[p]!;
    let n: number;
    if (mean > 30) n = mean + Math.sqrt(mean) * rng.normal();
    else n = rng.poisson(mean);
    let v = Math.round(n * scale + dark);
    if (v < 1) v = 1;
    else if (v > 65535) v = 65535;
    out[p] = v;
  }
  return out;
}

/**
 * Scatter fog of a virtual scanner: T ← (1 − f)·T + f·(moving average of T over a wx × wy pixel
 * window, edges replicated). Scatter reaching a collimated line detector comes mostly from the
 * neighbourhood of the ray; a box window is the crude stand-in. In place.
 */
export function addScatter(img: Float32Array, W: number, H: number, f: number, wx: number, wy: number): void {
  if (f <= 0) return;
  const avg = Float32Array.from(img);
  boxFilterX(avg, W, H, Math.max(0, Math.floor(wx / 2)));
  boxFilterY(avg, W, H, Math.max(0, Math.floor(wy / 2)));
  for (let p = 0; p < img.length; p++) img[p] = (1 - f) * img[p]! + f * avg[p]!;
}

function boxFilterX(img: Float32Array, W: number, H: number, r: number): void {
  if (r <= 0) return;
  const pre = new Float64Array(W + 1);
  const n = 2 * r + 1;
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let x = 0; x < W; x++) pre[x + 1] = pre[x]! + img[o + x]!;
    for (let x = 0; x < W; x++) {
      const a = x - r;
      const b = x + r;
      // replicated edges: clipped part of the window counts the edge pixel
      let s = pre[Math.min(W, b + 1)]! - pre[Math.max(0, a)]!;
      if (a < 0) s += -a * img[o]!;
      if (b >= W) s += (b - W + 1) * img[o + W - 1]!;
      img[o + x] = s / n;
    }
  }
}

function boxFilterY(img: Float32Array, W: number, H: number, r: number): void {
  if (r <= 0) return;
  const n = 2 * r + 1;
  const src = Float32Array.from(img);
  const acc = new Float64Array(W);
  const rowAt = (y: number): number => Math.min(H - 1, Math.max(0, y)) * W;
  for (let k = -r; k <= r; k++) {
    const o = rowAt(k);
    for (let x = 0; x < W; x++) acc[x]! += src[o + x]!;
  }
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let x = 0; x < W; x++) img[o + x] = acc[x]! / n;
    if (y + 1 < H) {
      const add = rowAt(y + 1 + r);
      const sub = rowAt(y - r);
      for (let x = 0; x < W; x++) acc[x]! += src[add + x]! - src[sub + x]!;
    }
  }
}

/**
 * Separable convolution with odd-length symmetric kernels kx (along x) and ky (along y), edges
 * replicated. In place.
 */
export function convolveSeparable(img: Float32Array, W: number, H: number, kx: readonly number[], ky: readonly number[]): void {
  for (const k of [kx, ky]) {
    if (k.length % 2 !== 1 || k.some((v, i) => v !== k[k.length - 1 - i])) throw new Error('blur kernels must be odd-length and symmetric');
  }
  const rx = (kx.length - 1) >> 1;
  if (rx > 0) {
    const kk = Float64Array.from(kx.slice(rx));
    const row = new Float32Array(W + 2 * rx);
    for (let y = 0; y < H; y++) {
      const o = y * W;
      row.fill(img[o]!, 0, rx);
      row.fill(img[o + W - 1]!, rx + W);
      row.set(img.subarray(o, o + W), rx);
      for (let x = 0; x < W; x++) {
        const c = x + rx;
        let s = kk[0]! * row[c]!;
        for (let j = 1; j <= rx; j++) s += kk[j]! * (row[c - j]! + row[c + j]!);
        img[o + x] = s;
      }
    }
  }
  const ry = (ky.length - 1) >> 1;
  if (ry > 0) {
    // row-wise accumulation keeps memory access sequential
    const src = Float32Array.from(img);
    const acc = new Float64Array(W);
    const k0 = ky[ry]!;
    for (let y = 0; y < H; y++) {
      const o = y * W;
      for (let x = 0; x < W; x++) acc[x] = k0 * src[o + x]!;
      for (let j = 1; j <= ry; j++) {
        const a = Math.max(0, y - j) * W;
        const b = Math.min(H - 1, y + j) * W;
        const w = ky[ry + j]!;
        for (let x = 0; x < W; x++) acc[x]! += w * (src[a + x]! + src[b + x]!);
      }
      for (let x = 0; x < W; x++) img[o + x] = acc[x]!;
    }
  }
}

/**
 * Standard normal quantiles of 2^16 equiprobable cells (Acklam's inverse-normal approximation,
 * relative error < 1.2e-9): a noise draw is one 32-bit random number and a lookup, tails cut at
 * ±4.3σ. Used by the virtual scanners' photon noise (the legacy scanner keeps Box–Muller).
 */
const NORMAL_TABLE = (() => {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const inv = (p: number): number => {
    if (p < 0.02425) {
      const q = Math.sqrt(-2 * Math.log(p));
      return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    }
    if (p > 1 - 0.02425) return -inv(1 - p);
    const q = p - 0.5;
    const r = q * q;
    return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  };
  const t = new Float64Array(65536);
  for (let i = 0; i < t.length; i++) t[i] = inv((i + 0.5) / t.length);
  return t;
})();

/**
 * Photon noise and digitisation of a virtual scanner: N ~ Poisson(dose·T) (Gaussian above 30
 * photons, from NORMAL_TABLE), value = round(airValue·N/dose + dark) clamped to [1, 65535].
 */
export function quantiseFast(T: Float32Array, dose: number, airValue: number, rng: Rng, dark: number): Uint16Array {
  const out = new Uint16Array(T.length);
  const scale = airValue / dose;
  const off = dark + 0.5; // x|0 of (value + 0.5) = round(value) for value ≥ 0; below 0.5 the clamp gives 1
  const n = T.length;
  let spare = -1; // unused low 16 bits of the last 32-bit draw
  for (let p = 0; p < n; p++) {
    const mean = dose * T[p]!;
    let x: number;
    if (mean > 30) {
      let z: number;
      if (spare >= 0) {
        z = NORMAL_TABLE[spare]!;
        spare = -1;
      } else {
        const u = rng.nextU32();
        z = NORMAL_TABLE[u >>> 16]!;
        spare = u & 0xffff;
      }
      x = (mean + Math.sqrt(mean) * z) * scale + off;
    } else {
      x = rng.poisson(mean) * scale + off;
    }
    out[p] = x < 1 ? 1 : x >= 65535 ? 65535 : x | 0;
  }
  return out;
}

/**
 * Afterglow along travel: each column gets fraction `a` of the previous column's signal (column
 * x − 1 is read before x), normalised so open beam stays open beam. In place.
 */
export function addAfterglow(img: Float32Array, W: number, H: number, a: number): void {
  if (a <= 0) return;
  const norm = 1 / (1 + a);
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let x = W - 1; x > 0; x--) img[o + x] = (img[o + x]! + a * img[o + x - 1]!) * norm;
  }
}

/** Multiplies each row by its gain. In place. */
export function applyRowGains(img: Float32Array, W: number, H: number, gains: Float64Array): void {
  for (let y = 0; y < H; y++) {
    const g = gains[y]!;
    if (g === 1) continue;
    const o = y * W;
    for (let x = 0; x < W; x++) img[o + x]! *= g;
  }
}

/** Mirrors an image along x (rows reversed). In place. */
export function flipX(img: { [i: number]: number; length: number }, W: number, H: number): void {
  for (let y = 0; y < H; y++) {
    let a = y * W;
    let b = a + W - 1;
    while (a < b) {
      const t = img[a]!;
      img[a] = img[b]!;
      img[b] = t;
      a++;
      b--;
    }
  }
}

/** Scatter window of a scanner kind, mm (see addScatter). */
export const SCATTER_WINDOW_MM = { linac: 120, tube: 40 } as const;

/**
 * Images the areal-density maps through a virtual scanner: transmissions with its true spectra,
 * scatter fog, blur, afterglow, row gains and stripes, Poisson noise at its dose (or `doseHigh`,
 * the low channel keeping the scanner's low/high ratio), dark offset, quantisation against its
 * airValue, then the mirror along x when it is flipped. Noise draws: high channel first.
 */
export function scannerImages(
  maps: Map<MaterialId, Float32Array>,
  W: number,
  H: number,
  s: VirtualScanner,
  noise: Rng,
  doseHigh?: number,
): { high: Uint16Array; low: Uint16Array } {
  if (!s.physics.low) throw new Error(`scanner ${s.serial} has no low channel`);
  const spectra = [channelSpectrum(s.kind, s.physics.high), channelSpectrum(s.kind, s.physics.low)];
  const Ts = transmissions(maps, W * H, spectra, W);
  const dh = doseHigh ?? s.dose.high;
  const doses = [dh, (dh * s.dose.low) / s.dose.high];
  const win = SCATTER_WINDOW_MM[s.kind];
  const out = Ts.map((T, c) => {
    addScatter(T, W, H, s.fog, Math.round(win / s.pixelSpacingMm.x), Math.round(win / s.pixelSpacingMm.y));
    convolveSeparable(T, W, H, s.blur.kernel.x, s.blur.kernel.y);
    addAfterglow(T, W, H, s.afterglow);
    applyRowGains(T, W, H, rowGains(s, c === 0 ? 'high' : 'low', H));
    const q = quantiseFast(T, doses[c]!, s.airValue, noise, s.darkOffset);
    if (s.flipTravel) flipX(q, W, H);
    return q;
  });
  return { high: out[0]!, low: out[1]! };
}
