/**
 * One energy channel of a scanner response seen through a fixed list of materials: the detector
 * attenuation a(t) = −ln Σ_b w_b·exp(−Σ_k μ_k(E_b)·t_k) of area densities t_k (g/cm²), with its
 * gradient. The two-basis decomposition (decompose.ts) and threat image projection
 * (models/tip) both invert this function, so it lives once, here.
 *
 * Evaluated with log-sum-exp: the inversions try negative area densities (noise, or points outside
 * the physical region on the way to a solution), where exp(+μt) overflows at tube energies.
 */
import { massAttenuation, type MaterialId } from './attenuation.ts';
import type { ChannelResponse } from './response.ts';

export class PolyChannel {
  /** Bin weights (may sum to ≠ 1: a fitted response absorbs a gain mismatch). */
  readonly w: Float64Array;
  /** μ_k(E_b), cm²/g, row k = material. */
  readonly mu: Float64Array[];
  private readonly x: Float64Array;

  constructor(
    readonly response: ChannelResponse,
    readonly materials: readonly MaterialId[],
  ) {
    this.w = Float64Array.from(response.weights);
    this.mu = materials.map((m) => Float64Array.from(response.energiesMeV, (e) => massAttenuation(m, e)));
    this.x = new Float64Array(this.w.length);
  }

  /**
   * Attenuation at area densities t (one per material). When `grad` is given, grad[k] = ∂a/∂t_k
   * (the spectrum-weighted mean μ_k after the stack).
   */
  attenuation(t: ArrayLike<number>, grad?: Float64Array): number {
    const B = this.w.length;
    const K = this.mu.length;
    let xmax = -Infinity;
    for (let b = 0; b < B; b++) {
      let x = 0;
      for (let k = 0; k < K; k++) x -= this.mu[k]![b]! * t[k]!;
      this.x[b] = x;
      if (this.w[b]! > 0 && x > xmax) xmax = x;
    }
    if (xmax === -Infinity) xmax = 0;
    let s = 0;
    if (grad) grad.fill(0, 0, K);
    for (let b = 0; b < B; b++) {
      const e = this.w[b]! * Math.exp(this.x[b]! - xmax);
      s += e;
      if (grad) for (let k = 0; k < K; k++) grad[k] = grad[k]! + e * this.mu[k]![b]!;
    }
    s = Math.max(s, 1e-300);
    if (grad) for (let k = 0; k < K; k++) grad[k] = grad[k]! / s;
    return -(xmax + Math.log(s));
  }
}

const cache = new WeakMap<ChannelResponse, Map<string, PolyChannel>>();

/** The channel of `response` through `materials`, built once per response object and material list. */
export function polyChannel(response: ChannelResponse, materials: readonly MaterialId[]): PolyChannel {
  let byKey = cache.get(response);
  if (!byKey) cache.set(response, (byKey = new Map()));
  const key = materials.join('+');
  let c = byKey.get(key);
  if (!c) byKey.set(key, (c = new PolyChannel(response, materials)));
  return c;
}
