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
 * Inversion: damped Newton on f_k(t) = −ln Σ_b w_kb exp(−μ_pe(E_b)·t_pe − μ_fe(E_b)·t_fe), solved
 * once per response on a grid, then bilinear lookup per pixel. The grid is NOT over (a_high,
 * a_low): on close energy pairs (4/2.5, 6/3.5 MeV) the two attenuations of all materials lie in a
 * narrow band, one 0.05 step of a_low crossed tens of g/cm² of split, most of the square had no
 * solution, and the looked-up values near air were wrong by that much (measured on 4/2.5 MeV
 * fitted profiles: (0, 0) g/cm² came back as (−137, +149)). Instead the grid is over
 * u = a_high and r = (a_low − L_pe(u)) / g(u): where a pixel lies between the polyethylene line
 * (r = 0, the a_low of pure polyethylene with that a_high) and the iron line (r = 1), g(u) being
 * the (signed) gap between them: iron lies above polyethylene at tube energies and below it at
 * MeV (pair production), and on a 4/2.5 MeV response the two lines cross. Every material lies at
 * −1 ≲ r ≲ 2; the grid spans R_RANGE and pixels beyond it are clamped to it. The solution is
 * smooth in (u, r), so bilinear lookup is accurate (tests/physics/decompose.test.ts measures it
 * on fitted profiles of every family).
 *
 * Where |g| is below GAP_FLOOR (near air, and where the lines cross) a pixel's deviation from the
 * polyethylene line is divided by GAP_FLOOR²/g instead of g: r shrinks smoothly to 0 (organic)
 * as the gap closes. There the two energies carry no material information — 0.01 of attenuation
 * noise was ±40 g/cm² of either basis at 4/2.5 MeV — and the split is read as organic instead
 * of as huge opposite basis values.
 */
import type { MaterialId } from './attenuation.ts';
import { polyChannel, type PolyChannel } from './channel.ts';
import type { ScannerResponse } from './response.ts';

export const BASIS_MATERIALS = { organic: 'polyethylene', metal: 'steel' } as const;
/**
 * Changes whenever the same attenuations decompose differently (training caches record it and are
 * rebuilt on a change). 2: (u, r) grid, gap floor (session 8); 1: (a_high, a_low) grid.
 */
export const DECOMPOSER_VERSION = 2;
const BASIS: readonly MaterialId[] = [BASIS_MATERIALS.organic, BASIS_MATERIALS.metal];

export interface BasisMaps {
  /** Polyethylene-equivalent area density, g/cm². */
  organic: Float32Array;
  /** Iron-equivalent area density, g/cm². */
  metal: Float32Array;
}

/** High-channel attenuation range of the grid; pixel values outside are clamped to it (saturated or noise). */
const A_MIN = -0.4;
const A_MAX = 10.4;
const STEP = 0.05;
const N = Math.round((A_MAX - A_MIN) / STEP) + 1;
/** Range and step of r (0 = polyethylene line, 1 = iron line). */
const R_RANGE = [-3, 4] as const;
const R_STEP = 0.025;
const M = Math.round((R_RANGE[1] - R_RANGE[0]) / R_STEP) + 1;
/**
 * Smallest gap between the polyethylene and iron lines (attenuation units) read at face value:
 * about the low-channel noise at the models' pixel size (0.002–0.005). At MeV the gap is 1–3 %
 * of a_high, so this reaches up to a_high ≈ 0.1–0.3 (a few g/cm²), and the 4/2.5 MeV crossing.
 */
export const GAP_FLOOR = 0.003;
/** Output clamp (g/cm²): beyond these the inputs are noise or saturated detector values. */
const T_RANGE = { organic: [-60, 600], metal: [-80, 300] } as const;
/** Bounds while solving. */
const SOLVE_RANGE = { organic: [-3000, 6000], metal: [-2000, 3000] } as const;
/** Residual (|Δa_high| + |Δa_low|) at which a solution is exact enough. */
const TOLERANCE = 1e-9;

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** t with c(t) = a for a one-material channel (well conditioned: one unknown). */
function invert1(c: PolyChannel, a: number, lo: number, hi: number): number {
  const t = new Float64Array(1);
  const g = new Float64Array(1);
  for (let it = 0; it < 60; it++) {
    const f = c.attenuation(t, g);
    const step = (f - a) / g[0]!;
    t[0] = clamp(t[0]! - step, lo, hi);
    if (Math.abs(step) < 1e-9) break;
  }
  return t[0]!;
}

export class Decomposer {
  private readonly h: PolyChannel;
  private readonly l: PolyChannel | null;
  /** Per u grid point: a_low of the polyethylene line and the signed gap to the iron line. */
  private readonly lpe: Float64Array;
  private readonly gap: Float64Array;
  /** Grid of solutions, [i_u * M + i_r] → organic, metal (unclamped). */
  private readonly g1: Float64Array;
  private readonly g2: Float64Array;
  /** Single-energy: organic-equivalent t as a function of a_high. */
  private readonly single: Float32Array;
  /** Scratch for Newton. */
  private readonly t = new Float64Array(2);
  private readonly gh = new Float64Array(2);
  private readonly gl = new Float64Array(2);
  private fh = 0;
  private fl = 0;
  /** Largest residual left at a reachable grid point (attenuation units; a diagnostic). */
  readonly gridResidualMax: number;

  constructor(readonly response: ScannerResponse) {
    this.h = polyChannel(response.high, BASIS);
    this.l = response.low ? polyChannel(response.low, BASIS) : null;
    const hPe = polyChannel(response.high, [BASIS_MATERIALS.organic]);
    this.single = new Float32Array(N);
    for (let i = 0; i < N; i++) this.single[i] = invert1(hPe, A_MIN + i * STEP, T_RANGE.organic[0], T_RANGE.organic[1]);
    this.lpe = new Float64Array(this.l ? N : 0);
    this.gap = new Float64Array(this.l ? N : 0);
    this.g1 = new Float64Array(this.l ? N * M : 0);
    this.g2 = new Float64Array(this.l ? N * M : 0);
    this.gridResidualMax = response.low ? this.solveGrid(hPe, polyChannel(response.high, [BASIS_MATERIALS.metal]), polyChannel(response.low, [BASIS_MATERIALS.organic]), polyChannel(response.low, [BASIS_MATERIALS.metal])) : 0;
  }

  /** Evaluates both channels at this.t; returns the residual to (ah, al). */
  private residual(ah: number, al: number): number {
    this.fh = this.h.attenuation(this.t, this.gh);
    this.fl = this.l!.attenuation(this.t, this.gl);
    return Math.abs(this.fh - ah) + Math.abs(this.fl - al);
  }

  /** Damped Newton from (t1, t2) towards f(t) = (ah, al); leaves the solution in this.t, returns its residual. */
  private newton(ah: number, al: number, t1: number, t2: number, maxIt: number): number {
    const t = this.t;
    t[0] = t1;
    t[1] = t2;
    let r = this.residual(ah, al);
    for (let it = 0; it < maxIt && r > TOLERANCE; it++) {
      const r1 = this.fh - ah;
      const r2 = this.fl - al;
      const gh = this.gh;
      const gl = this.gl;
      const det = gh[0]! * gl[1]! - gh[1]! * gl[0]!;
      if (!(Math.abs(det) > 1e-300)) break;
      const d1 = (gl[1]! * r1 - gh[1]! * r2) / det;
      const d2 = (-gl[0]! * r1 + gh[0]! * r2) / det;
      const o1 = t[0]!;
      const o2 = t[1]!;
      let moved = false;
      for (let k = 0, s = 1; k < 16; k++, s /= 2) {
        t[0] = clamp(o1 - s * d1, SOLVE_RANGE.organic[0], SOLVE_RANGE.organic[1]);
        t[1] = clamp(o2 - s * d2, SOLVE_RANGE.metal[0], SOLVE_RANGE.metal[1]);
        const nr = this.residual(ah, al);
        if (nr < r) {
          r = nr;
          moved = true;
          break;
        }
      }
      if (!moved) {
        t[0] = o1;
        t[1] = o2;
        r = this.residual(ah, al);
        break;
      }
    }
    return r;
  }

  /**
   * The two material lines, then every grid point. Start: the mixture ((1 − r)·pe(u), r·fe(u)) of
   * the two lines' solutions (exact at r = 0 and r = 1), else the neighbour's solution. Where the
   * response folds (4/2.5 MeV: the low channel's iron/polyethylene ratio crosses the high
   * channel's, so two stacks give the same pair) this picks the solution nearest linear mixing.
   * Returns the largest residual left at reachable points (points no stack reaches keep about their closest one).
   */
  private solveGrid(hPe: PolyChannel, hFe: PolyChannel, lPe: PolyChannel, lFe: PolyChannel): number {
    const lines = (u: number) => {
      const pe = invert1(hPe, u, SOLVE_RANGE.organic[0], SOLVE_RANGE.organic[1]);
      const fe = invert1(hFe, u, SOLVE_RANGE.metal[0], SOLVE_RANGE.metal[1]);
      return { pe, fe, lpe: lPe.attenuation([pe]), gap: lFe.attenuation([fe]) - lPe.attenuation([pe]) };
    };
    const j0 = Math.round(-R_RANGE[0] / R_STEP);
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const u = A_MIN + i * STEP;
      const L = lines(u);
      this.lpe[i] = L.lpe;
      this.gap[i] = L.gap;
      for (const dir of [1, -1]) {
        let s1 = L.pe;
        let s2 = 0;
        // Once a node is out of reach (no stack gives that pair), the ones beyond it are too: they
        // only get a few steps towards the closest reachable pair (they matter for clamping only).
        let reachable = true;
        for (let j = dir > 0 ? j0 : j0 - 1; j >= 0 && j < M; j += dir) {
          const r = R_RANGE[0] + j * R_STEP;
          const al = L.lpe + r * L.gap;
          let best = Infinity;
          let b1 = 0;
          let b2 = 0;
          const starts = reachable ? ([[(1 - r) * L.pe, r * L.fe], [s1, s2]] as const) : ([[s1, s2]] as const);
          for (const [t1, t2] of starts) {
            const res = this.newton(u, al, t1, t2, reachable ? 25 : 4);
            if (res < best) {
              best = res;
              b1 = this.t[0]!;
              b2 = this.t[1]!;
            }
            if (best <= TOLERANCE) break;
          }
          this.g1[i * M + j] = b1;
          this.g2[i * M + j] = b2;
          s1 = b1;
          s2 = b2;
          if (best > 1e-4) reachable = false;
          else worst = Math.max(worst, best);
        }
      }
    }
    return worst;
  }

  /** The signed gap between the iron and polyethylene lines at a_high (attenuation units; NaN single-energy). */
  gapAt(aHigh: number): number {
    if (!this.l) return NaN;
    const x = (clamp(aHigh, A_MIN, A_MAX) - A_MIN) / STEP;
    const i = Math.min(Math.floor(x), N - 2);
    return this.gap[i]! * (1 - (x - i)) + this.gap[i + 1]! * (x - i);
  }

  get dualEnergy(): boolean {
    return this.l !== null;
  }

  /** Basis area densities of one pixel. */
  pixel(aHigh: number, aLow?: number): { organic: number; metal: number } {
    const x = (clamp(aHigh, A_MIN, A_MAX) - A_MIN) / STEP;
    const i = Math.min(Math.floor(x), N - 2);
    const fx = x - i;
    if (!this.l || aLow === undefined) return { organic: this.single[i]! * (1 - fx) + this.single[i + 1]! * fx, metal: 0 };
    const lpe = this.lpe[i]! * (1 - fx) + this.lpe[i + 1]! * fx;
    const gap = this.gap[i]! * (1 - fx) + this.gap[i + 1]! * fx;
    const r = ((aLow - lpe) * gap) / Math.max(gap * gap, GAP_FLOOR * GAP_FLOOR);
    const y = (clamp(r, R_RANGE[0], R_RANGE[1]) - R_RANGE[0]) / R_STEP;
    const j = Math.min(Math.floor(y), M - 2);
    const fy = y - j;
    const k = i * M + j;
    const g1 = this.g1;
    const g2 = this.g2;
    const organic = (g1[k]! * (1 - fy) + g1[k + 1]! * fy) * (1 - fx) + (g1[k + M]! * (1 - fy) + g1[k + M + 1]! * fy) * fx;
    const metal = (g2[k]! * (1 - fy) + g2[k + 1]! * fy) * (1 - fx) + (g2[k + M]! * (1 - fy) + g2[k + M + 1]! * fy) * fx;
    return { organic: clamp(organic, T_RANGE.organic[0], T_RANGE.organic[1]), metal: clamp(metal, T_RANGE.metal[0], T_RANGE.metal[1]) };
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
    const t = [organic, metal];
    const high = this.h.attenuation(t);
    if (!this.l) return { high };
    return { high, low: this.l.attenuation(t) };
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
