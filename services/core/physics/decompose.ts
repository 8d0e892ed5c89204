/**
 * Scanner-independent inputs: per pixel, the two detector attenuations a_high, a_low (−ln T) are
 * turned into area densities of two basis materials — polyethylene (organic-equivalent) and iron
 * (metal-equivalent), in g/cm² — by inverting the scanner's response (fitted profile or nominal).
 *
 * Why a two-basis decomposition: the same object gives different a_high/a_low on a 6/4 MeV and a
 * 9/6 MeV scanner, or with another detector, but (nearly) the same basis area densities; and
 * basis area densities add along the ray like attenuation does, so an object's signature is still
 * its local contrast over the cargo behind it. Their sum is the area density (mass per area) and
 * their ratio is the material estimate. Single-energy scans get the organic-equivalent area
 * density only (metal = 0).
 *
 * Inversion: Newton on f_k(t) = −ln Σ_b w_kb exp(−μ_pe(E_b)·t_pe − μ_fe(E_b)·t_fe) over a grid of
 * (a_high, a_low) once per response, then bilinear lookup per pixel (fast enough for every scan).
 */
import { massAttenuation } from './attenuation.ts';
import type { ChannelResponse, ScannerResponse } from './response.ts';

export const BASIS_MATERIALS = { organic: 'polyethylene', metal: 'steel' } as const;

export interface BasisMaps {
  /** Polyethylene-equivalent area density, g/cm². */
  organic: Float32Array;
  /** Iron-equivalent area density, g/cm². */
  metal: Float32Array;
}

const A_MIN = -0.4;
const A_MAX = 10.4;
const STEP = 0.05;
const N = Math.round((A_MAX - A_MIN) / STEP) + 1;
/** Output clamp (g/cm²): beyond these the inputs are noise or saturated detector values. */
const T_RANGE = { organic: [-60, 600], metal: [-80, 300] } as const;

interface Chan {
  w: Float64Array;
  m1: Float64Array;
  m2: Float64Array;
}

function chan(c: ChannelResponse): Chan {
  return {
    w: Float64Array.from(c.weights),
    m1: Float64Array.from(c.energiesMeV, (e) => massAttenuation(BASIS_MATERIALS.organic, e)),
    m2: Float64Array.from(c.energiesMeV, (e) => massAttenuation(BASIS_MATERIALS.metal, e)),
  };
}

/** f(t) and its gradient for one channel. */
function evalChan(c: Chan, t1: number, t2: number, out: Float64Array): void {
  let s = 0;
  let d1 = 0;
  let d2 = 0;
  for (let b = 0; b < c.w.length; b++) {
    const e = c.w[b]! * Math.exp(-c.m1[b]! * t1 - c.m2[b]! * t2);
    s += e;
    d1 += e * c.m1[b]!;
    d2 += e * c.m2[b]!;
  }
  s = Math.max(s, 1e-300);
  out[0] = -Math.log(s);
  out[1] = d1 / s;
  out[2] = d2 / s;
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

export class Decomposer {
  private readonly h: Chan;
  private readonly l: Chan | null;
  /** Grid of solutions, [i_high * N + i_low] → organic, metal. */
  private readonly g1: Float32Array;
  private readonly g2: Float32Array;
  /** Single-energy: organic-equivalent t as a function of a_high. */
  private readonly single: Float32Array;

  constructor(readonly response: ScannerResponse) {
    this.h = chan(response.high);
    this.l = response.low ? chan(response.low) : null;
    this.single = new Float32Array(N);
    const fh = new Float64Array(3);
    let t = 0;
    for (let i = 0; i < N; i++) {
      const a = A_MIN + i * STEP;
      for (let it = 0; it < 30; it++) {
        evalChan({ ...this.h, m2: this.h.m1 }, t / 2, t / 2, fh);
        const step = (fh[0]! - a) / fh[1]!;
        t = clamp(t - step, T_RANGE.organic[0], T_RANGE.organic[1]);
        if (Math.abs(step) < 1e-6) break;
      }
      this.single[i] = t;
    }
    this.g1 = new Float32Array(this.l ? N * N : 0);
    this.g2 = new Float32Array(this.l ? N * N : 0);
    if (this.l) this.solveGrid(this.l);
  }

  private solveGrid(l: Chan): void {
    const fh = new Float64Array(3);
    const fl = new Float64Array(3);
    // Linear model at t = 0 for a first guess where no neighbour's solution helps.
    evalChan(this.h, 0, 0, fh);
    evalChan(l, 0, 0, fl);
    const J0 = [fh[1]!, fh[2]!, fl[1]!, fl[2]!];
    const det0 = J0[0]! * J0[3]! - J0[1]! * J0[2]!;
    const resid = (t1: number, t2: number, ah: number, al: number): number => {
      evalChan(this.h, t1, t2, fh);
      evalChan(l, t1, t2, fl);
      return Math.abs(fh[0]! - ah) + Math.abs(fl[0]! - al);
    };
    let p1 = 0;
    let p2 = 0;
    for (let i = 0; i < N; i++) {
      const ah = A_MIN + i * STEP;
      // Start each row from the solution below it (continuation), then walk along a_low.
      let t1 = i > 0 ? this.g1[(i - 1) * N]! : 0;
      let t2 = i > 0 ? this.g2[(i - 1) * N]! : 0;
      for (let j = 0; j < N; j++) {
        const al = A_MIN + j * STEP;
        if (j > 0) {
          t1 = p1;
          t2 = p2;
        }
        const lin1 = (J0[3]! * ah - J0[1]! * al) / det0;
        const lin2 = (-J0[2]! * ah + J0[0]! * al) / det0;
        if (j === 0 && i === 0) {
          t1 = lin1;
          t2 = lin2;
        }
        let r = resid(t1, t2, ah, al);
        for (let it = 0; it < 30 && r > 1e-7; it++) {
          const r1 = fh[0]! - ah;
          const r2 = fl[0]! - al;
          const det = fh[1]! * fl[2]! - fh[2]! * fl[1]!;
          if (!(Math.abs(det) > 1e-30)) break;
          const d1 = (fl[2]! * r1 - fh[2]! * r2) / det;
          const d2 = (-fl[1]! * r1 + fh[1]! * r2) / det;
          // Backtracking line search on the residual: the problem is ill-conditioned at MeV.
          let s = 1;
          let moved = false;
          for (let k = 0; k < 12; k++, s /= 2) {
            const n1 = clamp(t1 - s * d1, T_RANGE.organic[0], T_RANGE.organic[1]);
            const n2 = clamp(t2 - s * d2, T_RANGE.metal[0], T_RANGE.metal[1]);
            const nr = resid(n1, n2, ah, al);
            if (nr < r) {
              t1 = n1;
              t2 = n2;
              r = nr;
              moved = true;
              break;
            }
          }
          if (!moved) break;
          resid(t1, t2, ah, al); // leave fh/fl at the accepted point
        }
        this.g1[i * N + j] = t1;
        this.g2[i * N + j] = t2;
        p1 = t1;
        p2 = t2;
      }
    }
  }

  get dualEnergy(): boolean {
    return this.l !== null;
  }

  /** Basis area densities of one pixel. */
  pixel(aHigh: number, aLow?: number): { organic: number; metal: number } {
    const x = clamp((aHigh - A_MIN) / STEP, 0, N - 1.000001);
    if (!this.l || aLow === undefined) {
      const i = Math.floor(x);
      const f = x - i;
      return { organic: this.single[i]! * (1 - f) + this.single[i + 1]! * f, metal: 0 };
    }
    const y = clamp((aLow - A_MIN) / STEP, 0, N - 1.000001);
    const i = Math.floor(x);
    const j = Math.floor(y);
    const fx = x - i;
    const fy = y - j;
    const k = i * N + j;
    const lerp = (g: Float32Array): number =>
      (g[k]! * (1 - fy) + g[k + 1]! * fy) * (1 - fx) + (g[k + N]! * (1 - fy) + g[k + N + 1]! * fy) * fx;
    return { organic: lerp(this.g1), metal: lerp(this.g2) };
  }

  /** Basis maps from attenuation maps (same size). */
  decompose(aHigh: Float32Array, aLow?: Float32Array): BasisMaps {
    const organic = new Float32Array(aHigh.length);
    const metal = new Float32Array(aHigh.length);
    for (let p = 0; p < aHigh.length; p++) {
      const v = this.pixel(aHigh[p]!, aLow?.[p]);
      organic[p] = v.organic;
      metal[p] = v.metal;
    }
    return { organic, metal };
  }

  /** Forward model: attenuations a_high, a_low of given basis area densities (for TIP and tests). */
  forward(organic: number, metal: number): { high: number; low?: number } {
    const f = new Float64Array(3);
    evalChan(this.h, organic, metal, f);
    const high = f[0]!;
    if (!this.l) return { high };
    evalChan(this.l, organic, metal, f);
    return { high, low: f[0]! };
  }
}

const cache = new Map<string, Decomposer>();

/** One decomposer per distinct response (the grid costs ~0.1–0.5 s to build). */
export function decomposerFor(response: ScannerResponse): Decomposer {
  const key = JSON.stringify(response);
  let d = cache.get(key);
  if (!d) {
    if (cache.size > 64) cache.delete(cache.keys().next().value!);
    d = new Decomposer(response);
    cache.set(key, d);
  }
  return d;
}
