/**
 * Polychromatic transmission and detector model.
 * T_k = Σ_b w_kb · exp(−Σ_m (μ/ρ)_m(E_b) · A_m), A_m = areal density map (g/cm²) of material m.
 * Then: optional scatter fog (a fraction of the locally averaged signal added back; crude build-up stand-in),
 * separable 3-tap detector blur, Poisson photon noise at `dose` photons per pixel in air, 16-bit quantisation.
 */
import { massAttenuation, type MaterialId, type Spectrum } from './physics.ts';
import type { Rng } from './prng.ts';

/** Computes T for several spectra at once from the areal-density maps. */
export function transmissions(maps: Map<MaterialId, Float32Array>, n: number, spectra: Spectrum[]): Float32Array[] {
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
  for (let p = 0; p < n; p++) {
    let k = 0;
    for (let m = 0; m < M; m++) {
      const v = A[m]![p]!;
      if (v > 0) {
        idx[k] = m;
        a[k] = v;
        k++;
      }
    }
    for (let s = 0; s < spectra.length; s++) {
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

/** Poisson noise at `dose` photons/pixel in air, then value = round(airValue · N / dose) clamped to [1, 65535]. */
export function quantise(T: Float32Array, dose: number, airValue: number, rng: Rng): Uint16Array {
  const out = new Uint16Array(T.length);
  const scale = airValue / dose;
  for (let p = 0; p < T.length; p++) {
    const mean = dose * T[p]!;
    let n: number;
    if (mean > 30) n = mean + Math.sqrt(mean) * rng.normal();
    else n = rng.poisson(mean);
    let v = Math.round(n * scale);
    if (v < 1) v = 1;
    else if (v > 65535) v = 65535;
    out[p] = v;
  }
  return out;
}
