/**
 * Threat image projection (TIP): labelled training scans for a scanner the models never saw, made
 * from that scanner's own BENIGN scans and threat signatures cut out of labelled scans of another
 * scanner (Rogers, Jaccard, Griffin et al., ICCST 2016; summary in
 * ../shared/reference/calibration.md). CLI: ./cli.ts (`npm run tip`); docs/models.md, last section.
 *
 * Why projection goes through basis space. Cargo transmission is near-multiplicative
 * (Beer–Lambert), so a threat's signature is its attenuation over the local background. But the
 * signature's attenuation belongs to its scanner (another energy, another detector, beam
 * hardening), so adding it to another scanner's −ln T would be wrong. The two-basis decomposition
 * (services/core/physics/decompose.ts) turns a pixel into polyethylene- and iron-equivalent area
 * densities, which are (nearly) scanner independent and add along the ray. So:
 *   extract   s = decompose_src(a) − decompose_src(background)          (source scanner's response)
 *   project   a_new = forward_tgt(b + s), b = decompose_tgt(a_target)   (target scanner's response)
 *
 * Choices, and why:
 * - Background under an object (extraction): a HARMONIC (Laplace) fill of the object's box plus a
 *   margin (8 px), from the box's border, on the attenuation of each channel (cascadic multigrid +
 *   SOR). It is the smoothest surface that matches the whole border: exact for linear, bilinear
 *   and any other harmonic background (cargo whose thickness changes steadily across the box), it
 *   weighs all four sides at every pixel, and each interior value is a weighted average of many
 *   border pixels, so border noise is averaged rather than drawn as straight streaks across the
 *   box (which is what a bilinear/Coons fill does with it). Like any fill from the border it
 *   cannot know structure that is under the object but does not reach the border (the crate a
 *   tusk lies in, a drum behind it, a stack of planks): see the checks below.
 * - Neighbours: item objects (ivory, horn, bone, replicas…) whose boxes + margin touch are cut out
 *   together, one signature with several labelled members, so that no neighbour sits unlabelled
 *   in a signature or on its background's border; a group with a member of a class not chosen
 *   (e.g. a cattle horn beside a rhino horn) is rejected.
 * - Noise of the signature: the source image is noisy, and a noisy signature projected into a
 *   noisy target would double-count noise. The source attenuation is smoothed with a small
 *   Gaussian (σ = 0.7 px, ~1/6 of the white-noise variance left) before decomposition, and the
 *   signature is zeroed outside a mask: area density (organic + metal) above 3 × its photon noise
 *   (from adjacent-pixel differences in the margin ring) inside the truth boxes, opened with a
 *   ~15 mm element (drops board and sheet edges, keeps tusks and horns), dilated by a pixel (the
 *   detector's blurred edge).
 * - Checks that reject a cut-out (reasons counted by the CLI): much negative area density in the
 *   boxes (an object only adds mass; negative means the background had structure the fill could
 *   not know), structure in the margin ring, a plateau under the object (a round object's chord
 *   goes to zero at its tight box's edges), and a mass or mean area density impossible for the
 *   class (ρ·d with d the box's smaller side; ivory ≤ 100 kg, rhino horn ≤ 10 kg). On the
 *   simulator's cluttered scenes they keep a quarter to two fifths of the ivory cut-outs and about
 *   one rhino horn in nine, and still pass some polluted ones: look at the CLI's --sheet first.
 * - Projected quantity: for a class with a known material (MATERIAL_OF_CLASS: ivory, horn, bone,
 *   PVC) the signature also carries the area density t of that material over the background, per
 *   channel from the source's own response (one unknown per channel, well conditioned at any
 *   energy; the background as its polyethylene equivalent), averaged over the channels; projection
 *   then adds t of the material through the TARGET's response: Δa = a_tgt(b + t·material) − a_tgt(b).
 *   The basis split s is not projected for such classes: at 4/2.5 and 6/3.5 MeV the two channels
 *   are so alike that 0.001 of attenuation moves the split by 1–1.5 g/cm² (and the fitted
 *   profiles' decomposition does not even invert its own forward model near air: (0, 0) comes back
 *   as (−47, +55) g/cm² on one), so the source's split of an ivory tusk had metal fractions from
 *   −2.7 to +2.3, where a 9/6 MeV target measures ~0.4 for ivory: projected as that split it was
 *   another material in the target (docs/evaluation/tip-finetune/masks/README.md, "Why projected
 *   ivory is not seen as ivory"). The mask and the checks still use the basis total.
 * - Projection increment: the target pixel's basis b is decomposed from its 3×3 local mean
 *   attenuation, and the increment Δa = forward(b + s) − forward(b) is added to the pixel's own
 *   attenuation, i.e. v_new = v · exp(−Δa). With a noise-free target this is exactly
 *   a_new = forward(decompose(a) + s); with a real (noisy) one it keeps the target's noise as it
 *   is, only scaled by T_sig = exp(−Δa) — which is what the noise step below assumes. Decomposing
 *   each noisy pixel and going forward again passes the noise through an ill-conditioned inversion
 *   and back: measured on flat regions it changes the attenuation noise by +30 % (6/4 MeV, low
 *   channel) and −46 % (160/80 kVp, low channel) and biases it by 0.005 at MeV.
 * - Noise: the target already has photon noise at its own level; after projection the expected
 *   count is dose·T_bg·T_sig but the variance is only dose·T_bg·T_sig², so Gaussian noise of
 *   variance dose·T_bg·T_sig·(1 − T_sig) photons is added, converted to detector values with
 *   v = airValue·n/dose. The dose (photons per pixel in air) is estimated per channel from the
 *   image: for Poisson counts var(v) = airValue·mean(v)/dose, measured on horizontally adjacent
 *   pixel pairs (var = (v₁ − v₂)²/2, which cancels slow background changes): in open beam
 *   (T ≈ 1: dose ≈ airValue²/var(v_air)) by the mean without gross outliers, else over the whole
 *   image by the median (robust to edges). Assumes white, purely Poisson noise (the simulator's
 *   model); a real detector's correlated or electronic noise biases the estimate.
 * - Variations (seeded): flips along x and y, rotation by a multiple of 90° plus a small angle
 *   (±15°), magnification 0.8–1.25 (geometric magnification of the footprint; the area density,
 *   i.e. the path length through the object, is unchanged), density/volume scale 0.85–1.15 (on the
 *   basis area densities), translation to a plausible place, obscuration by whatever cargo is
 *   already at that place. "Illumination" is the target's own (its dose and noise are kept).
 * - Plausible place: inside the cargo, i.e. where the target's area density is above that of the
 *   empty conveyance (per image row: a low percentile of the non-air pixels of that row, which is
 *   the container walls / belt where the row has any empty stretch), never touching open beam;
 *   at least 75 % of the object on such pixels and on unsaturated ones (≥ ~30 photons behind the
 *   cargo), and projected objects of one scan do not overlap. Behind or among dense cargo is
 *   allowed (obscuration).
 * - Resampling to the target's pixel spacing (x and y may differ): inverse mapping in millimetres
 *   with n×n supersampling of bilinear samples per target pixel (area averaging when the target
 *   pixel is coarser, interpolation when finer), so the object's mass is kept.
 * - Only signatures of the same source kind as the target are projected (linac into linac, tube
 *   into tube): the basis split measured at MeV is too uncertain to predict keV attenuation.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { decomposerFor, type Decomposer } from '#services/core/physics/decompose.ts';
import type { ChannelResponse, ScannerResponse } from '#services/core/physics/response.ts';
import type { MaterialId } from '#services/core/physics/attenuation.ts';
import { polyChannel, type PolyChannel } from '#services/core/physics/channel.ts';
import { BASIS_MATERIALS } from '#services/core/physics/decompose.ts';
import type { SourceKind } from '#services/core/physics/spectrum.ts';
import { readScanPackage, decodeScanImage } from '#adapter/scan-package/read.ts';
import { writeScanPackage, type ScanImage } from '#adapter/scan-package/write.ts';
import type { Concealment, ScanMetadata, ScanTruth, TruthClass, TruthObject, BoundingBox } from '#adapter/scan-package/types.ts';
import { SCAN_ID_PATTERN } from '#adapter/scan-package/types.ts';
import { Rng } from '#adapter/simulator/prng.ts';
import { profileFromCalibrationScan, type CalibrationScan } from '../evaluation/labelled-scans.ts';
import { attenuation } from '#services/core/imaging.ts';

/** Classes a TIP target must not already contain (a target is a benign scan). */
export const CONTRABAND_CLASSES: readonly TruthClass[] = ['ivory', 'rhino_horn'];
export const DEFAULT_TIP_CLASSES: readonly TruthClass[] = ['ivory', 'rhino_horn'];
/** Concealment recorded for projected objects. */
export const TIP_CONCEALMENT: Concealment = 'tip';

export interface ScanImages {
  high: ScanImage;
  low?: ScanImage;
}

/** A scan as TIP reads it: metadata, decoded images, the response of its scanner, truth if any. */
export interface TipScan {
  metadata: ScanMetadata;
  images: ScanImages;
  response: ScannerResponse;
  truth?: ScanTruth;
}

/** One labelled object inside a signature (a signature may hold several touching objects). */
export interface SignatureMember {
  objectId: string;
  class: TruthClass;
  concealment: string;
  densityGcm3?: number;
  species?: string;
  /** The member's pixels in the signature frame (signature mask ∩ its tight truth box). */
  mask: Uint8Array;
}

/** A threat cut out of a labelled scan, in basis space (g/cm²), at the source's pixel spacing. */
export interface Signature {
  id: string;
  /** Class of most members (what class-balanced picking uses). */
  class: TruthClass;
  members: SignatureMember[];
  sourceScanId: string;
  sourceKind: SourceKind;
  /** Physical size of a signature pixel (the source scan's spacing), mm. */
  pixelSpacingMm: { x: number; y: number };
  width: number;
  height: number;
  /** Polyethylene-equivalent area density over the background, g/cm²; 0 outside the mask. */
  organic: Float32Array;
  /** Iron-equivalent area density over the background, g/cm²; 0 outside the mask. */
  metal: Float32Array;
  mask: Uint8Array;
  /** Photon noise of the area density (organic + metal), from adjacent-pixel differences in the margin ring, g/cm² (1 σ). */
  noiseGcm2: number;
  /** Σ (organic + metal) × pixel area over the mask, g. */
  massG: number;
  /** Negative over positive area density inside the boxes, beyond noise (background structure). */
  negativeRatio: number;
  /** Spread (robust σ) of the area density in the margin ring: noise plus background structure, g/cm². */
  ringSpreadGcm2: number;
  /** Top-left of the signature frame in the source image, pixels. */
  sourceOrigin: { x: number; y: number };
  /** Mean area density on the members' box edges over the mean under the mask (see extraction). */
  edgeRatio: number;
  /**
   * The signature's material (MATERIAL_OF_CLASS of its class), when known. Then `thicknessGcm2` is
   * what is projected (forward_tgt(b + t·material) − forward_tgt(b)), not the basis split: see the header.
   */
  material?: MaterialId;
  /** Area density of `material` over the background, g/cm², from the source's own channels; 0 outside the mask. */
  thicknessGcm2?: Float32Array;
}

// ————————————————————————————————————————————————————————————— small image helpers

/** Half a count as the floor: projection works on sub-count expected values. */
const attenuationOf = (v: number, airValue: number): number => attenuation(v, airValue, 0.5);

function cropAttenuation(img: ScanImage, airValue: number, x0: number, y0: number, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) out[j * w + i] = attenuationOf(img.data[(y0 + j) * img.width + x0 + i]!, airValue);
  return out;
}

// ————————————————————————————————————————————————————————————— material thickness

/**
 * Material of each item class (the simulator's materials: scanner-adapter/src/simulator/cargo.ts).
 * A signature of one of these classes is projected as a thickness of its material, not as its
 * basis split (see the header, "Projected quantity").
 */
export const MATERIAL_OF_CLASS: Partial<Record<TruthClass, MaterialId>> = {
  ivory: 'ivory',
  rhino_horn: 'horn_keratin',
  cattle_horn: 'horn_keratin',
  bone: 'bone',
  pvc_pipe: 'pvc',
};

/** A channel seen through the two basis materials and one more (polyethylene, iron, material). */
const materialChannel = (c: ChannelResponse, material: MaterialId): PolyChannel => polyChannel(c, [BASIS_MATERIALS.organic, BASIS_MATERIALS.metal, material]);
/** Scratch for the one-unknown inversions below (single-threaded, not re-entrant). */
const tv = new Float64Array(3);
const grad = new Float64Array(3);

/** Attenuation of o g/cm² polyethylene, m iron and t of the channel's material. */
function channelAttenuation(c: PolyChannel, o: number, m: number, t: number): number {
  tv[0] = o;
  tv[1] = m;
  tv[2] = t;
  return c.attenuation(tv, grad);
}

/** Polyethylene-equivalent area density of attenuation `a` through one channel (one unknown, well conditioned). */
function polyethyleneEquivalent(c: PolyChannel, a: number): number {
  let x = 0;
  for (let it = 0; it < 30; it++) {
    const step = (channelAttenuation(c, x, 0, 0) - a) / grad[0]!;
    x = Math.min(600, Math.max(-60, x - step));
    if (Math.abs(step) < 1e-5) break;
  }
  return x;
}

/** Area density t of the material that raises the attenuation over a polyethylene-equivalent background x to `a`. */
function materialOver(c: PolyChannel, x: number, a: number): number {
  let t = 0;
  for (let it = 0; it < 30; it++) {
    const step = (channelAttenuation(c, x, 0, t) - a) / grad[2]!;
    t = Math.min(600, Math.max(-200, t - step));
    if (Math.abs(step) < 1e-5) break;
  }
  return t;
}

/** Separable Gaussian blur with clamped edges (σ in pixels; σ ≤ 0 returns a copy). */
export function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return src.slice();
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / sum;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * src[y * w + Math.min(w - 1, Math.max(0, x + i))]!;
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x]!;
      out[y * w + x] = s;
    }
  }
  return out;
}

/**
 * Harmonic (Laplace) fill of the interior of a w×h grid from its one-pixel border: the border is
 * kept, the interior solves ∇²f = 0 (5-point stencil), to a max SOR update below `tol` (relative
 * to the largest |value|, at least 1). Started from the solution on a grid half the size
 * (cascadic multigrid, so a 600×300 box costs tens of ms instead of a second), the smallest grid
 * from the bilinear Coons patch of the four sides; then red–black SOR.
 */
export function harmonicFill(src: Float32Array, w: number, h: number, tol = 1e-5, maxIter = 5000): Float32Array {
  if (w < 3 || h < 3) return src.slice();
  const at = (x: number, y: number): number => src[y * w + x]!;
  const f = new Float64Array(w * h);
  const cw = Math.ceil(w / 2) + 1;
  const ch = Math.ceil(h / 2) + 1;
  if (w > 32 && h > 32) {
    // Coarse problem: the border sampled at evenly spaced positions, solved recursively.
    const xs = Array.from({ length: cw }, (_, i) => (i * (w - 1)) / (cw - 1));
    const ys = Array.from({ length: ch }, (_, j) => (j * (h - 1)) / (ch - 1));
    const lin = (x: number, y: number): number => {
      // Linear interpolation along the border (x or y is integral there).
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const x1 = Math.min(w - 1, x0 + 1);
      const y1 = Math.min(h - 1, y0 + 1);
      const fx = x - x0;
      const fy = y - y0;
      return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
    };
    const csrc = new Float32Array(cw * ch);
    for (let j = 0; j < ch; j++) for (let i = 0; i < cw; i++) if (i === 0 || j === 0 || i === cw - 1 || j === ch - 1) csrc[j * cw + i] = lin(xs[i]!, ys[j]!);
    const c = harmonicFill(csrc, cw, ch, tol * 4, maxIter);
    for (let y = 0; y < h; y++) {
      const gy = (y * (ch - 1)) / (h - 1);
      const j0 = Math.min(ch - 2, Math.floor(gy));
      const fy = gy - j0;
      for (let x = 0; x < w; x++) {
        if (x === 0 || y === 0 || x === w - 1 || y === h - 1) {
          f[y * w + x] = at(x, y);
          continue;
        }
        const gx = (x * (cw - 1)) / (w - 1);
        const i0 = Math.min(cw - 2, Math.floor(gx));
        const fx = gx - i0;
        const k = j0 * cw + i0;
        f[y * w + x] = (c[k]! * (1 - fx) + c[k + 1]! * fx) * (1 - fy) + (c[k + cw]! * (1 - fx) + c[k + cw + 1]! * fx) * fy;
      }
    }
  } else {
    const c00 = at(0, 0);
    const c10 = at(w - 1, 0);
    const c01 = at(0, h - 1);
    const c11 = at(w - 1, h - 1);
    for (let y = 0; y < h; y++) {
      const v = y / (h - 1);
      for (let x = 0; x < w; x++) {
        const u = x / (w - 1);
        if (x === 0 || y === 0 || x === w - 1 || y === h - 1) {
          f[y * w + x] = at(x, y);
          continue;
        }
        f[y * w + x] =
          (1 - u) * at(0, y) + u * at(w - 1, y) + (1 - v) * at(x, 0) + v * at(x, h - 1) -
          ((1 - u) * (1 - v) * c00 + u * (1 - v) * c10 + (1 - u) * v * c01 + u * v * c11);
      }
    }
  }
  // Optimal SOR factor for the Laplacian on a rectangle.
  const rho = (Math.cos(Math.PI / (w - 1)) + Math.cos(Math.PI / (h - 1))) / 2;
  const omega = 2 / (1 + Math.sqrt(Math.max(0, 1 - rho * rho)));
  let scale = 0;
  for (let p = 0; p < src.length; p++) scale = Math.max(scale, Math.abs(src[p]!));
  const limit = tol * Math.max(1, scale);
  for (let it = 0; it < maxIter; it++) {
    let maxDelta = 0;
    for (let colour = 0; colour < 2; colour++) {
      for (let y = 1; y < h - 1; y++) {
        for (let x = 1 + ((y + colour) & 1); x < w - 1; x += 2) {
          const p = y * w + x;
          const g = (f[p - 1]! + f[p + 1]! + f[p - w]! + f[p + w]!) / 4;
          const d = omega * (g - f[p]!);
          f[p] = f[p]! + d;
          if (Math.abs(d) > maxDelta) maxDelta = Math.abs(d);
        }
      }
    }
    if (maxDelta < limit) break;
  }
  return new Float32Array(f);
}

function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function dilate(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  let cur = mask;
  for (let k = 0; k < r; k++) {
    const next = cur.slice();
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (cur[y * w + x]) continue;
        if ((x > 0 && cur[y * w + x - 1]) || (x < w - 1 && cur[y * w + x + 1]) || (y > 0 && cur[(y - 1) * w + x]) || (y < h - 1 && cur[(y + 1) * w + x])) next[y * w + x] = 1;
      }
    }
    cur = next;
  }
  return cur;
}

/** Morphological opening (erosion then dilation, 4-neighbour, radius r): removes lines thinner than ~2r + 1 px. */
function morphOpen(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const inv = (m: Uint8Array): Uint8Array => m.map((v) => (v ? 0 : 1));
  return dilate(inv(dilate(inv(mask), w, h, r)), w, h, r);
}

/** Connected components (4-neighbour) of a mask; keeps those of at least `minFrac` of the largest (and ≥ minPx). */
function keepMainComponents(mask: Uint8Array, w: number, h: number, minFrac: number, minPx: number): Uint8Array {
  const label = new Int32Array(w * h);
  const sizes: number[] = [0];
  const stack: number[] = [];
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p] || label[p]) continue;
    const id = sizes.length;
    let n = 0;
    label[p] = id;
    stack.push(p);
    while (stack.length) {
      const q = stack.pop()!;
      n++;
      const x = q % w;
      const y = (q - x) / w;
      const nb = [x > 0 ? q - 1 : -1, x < w - 1 ? q + 1 : -1, y > 0 ? q - w : -1, y < h - 1 ? q + w : -1];
      for (const r of nb) {
        if (r >= 0 && mask[r] && !label[r]) {
          label[r] = id;
          stack.push(r);
        }
      }
    }
    sizes.push(n);
  }
  const largest = Math.max(0, ...sizes);
  const out = new Uint8Array(w * h);
  for (let p = 0; p < mask.length; p++) if (label[p] && sizes[label[p]!]! >= Math.max(minPx, minFrac * largest)) out[p] = 1;
  return out;
}

const boxesIntersect = (a: BoundingBox, b: BoundingBox): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const grow = (b: BoundingBox, m: number): BoundingBox => ({ x: b.x - m, y: b.y - m, width: b.width + 2 * m, height: b.height + 2 * m });

// ————————————————————————————————————————————————————————————— extraction

/**
 * Discrete objects a signature may contain; objects of these classes whose boxes (plus margin)
 * touch are cut out together, so that no neighbour sits unlabelled in another's signature or
 * on its background's border. Hosts (timber, machinery, cargo) are background.
 */
export const ITEM_CLASSES: readonly TruthClass[] = ['ivory', 'rhino_horn', 'cattle_horn', 'bone', 'resin_replica', 'plastic_replica', 'pvc_pipe', 'dense_hardwood'];

export interface ExtractOptions {
  /** Truth classes to cut out (default ivory, rhino horn). */
  classes?: readonly TruthClass[];
  /** Pixels added around the truth box; the fill's border is the outer edge (default 8). */
  marginPx?: number;
  /** Gaussian σ (pixels) on the source attenuation before decomposition (default 0.7). */
  smoothSigmaPx?: number;
  /** Mask threshold in units of the ring noise (default 3). */
  thresholdSigma?: number;
  /**
   * Largest accepted ratio of negative to positive area density inside the boxes, beyond noise
   * (default 0.15). An object only adds mass: much negative signature means the background under
   * it had structure the border fill could not know (log piles, machinery edges).
   */
  maxNegativeRatio?: number;
  /** Largest accepted ring spread over the mean signature (structure around the object; default 0.3). */
  maxRingStructure?: number;
  /** Largest accepted edge ratio (background plateau under the object; default 0.8). */
  maxEdgeRatio?: number;
}

/**
 * Upper ends of the densities of the item classes (g/cm³; the simulator's values, several
 * UNVERIFIED — docs/scan-package.md), for the plausibility check when truth gives no density.
 */
export const CLASS_DENSITY_MAX: Partial<Record<TruthClass, number>> = {
  ivory: 1.95,
  rhino_horn: 1.1,
  cattle_horn: 1.35,
  bone: 2.0,
  resin_replica: 1.9,
  plastic_replica: 1.25,
  pvc_pipe: 1.4,
  dense_hardwood: 1.4,
};

/**
 * Largest plausible mass of one item (kg), generous: the heaviest elephant tusks on record are
 * around 100 kg, a rhino horn rarely exceeds a few kg (bounds not from a checked source).
 */
export const CLASS_MASS_MAX_KG: Partial<Record<TruthClass, number>> = { ivory: 100, rhino_horn: 10 };

/**
 * Whether a member's cut-out mass is physically possible for an object in its box: assuming its
 * depth along the beam is at most its smaller in-plane extent d (true for tusks, pieces and horns
 * lying in the image plane), its mean area density is ≤ ρ·d and its mass ≤ ρ·d·(box area).
 * Background that leaked into the signature (a log pile, machinery under the object) breaks it.
 */
function implausibleMember(mean: number, massG: number, box: BoundingBox, spacing: { x: number; y: number }, rho: number, maxKg?: number): string | null {
  if (maxKg !== undefined && massG > maxKg * 1000) return `mass ${(massG / 1000).toFixed(1)} kg > ${maxKg} kg`;
  const wCm = (box.width * spacing.x) / 10;
  const hCm = (box.height * spacing.y) / 10;
  const d = Math.min(wCm, hCm);
  if (mean > 1.5 * rho * d) return `mean area density ${mean.toFixed(1)} g/cm² > 1.5 × ρ·d = ${(1.5 * rho * d).toFixed(1)}`;
  if (massG > rho * d * wCm * hCm) return `mass ${(massG / 1000).toFixed(1)} kg > ρ·d·box area = ${((rho * d * wCm * hCm) / 1000).toFixed(1)} kg`;
  return null;
}

export interface ExtractResult {
  signatures: Signature[];
  skipped: Array<{ scanId: string; objectId: string; reason: string }>;
}

/** Groups of item objects whose boxes grown by `margin` touch (transitively). */
function itemGroups(objects: TruthObject[], margin: number): TruthObject[][] {
  const items = objects.filter((o) => ITEM_CLASSES.includes(o.class) && o.boundingBox.width > 0 && o.boundingBox.height > 0);
  const parent = items.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (boxesIntersect(grow(items[i]!.boundingBox, margin), grow(items[j]!.boundingBox, margin))) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, TruthObject[]>();
  items.forEach((o, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), o]));
  return [...groups.values()];
}

function unionBox(boxes: BoundingBox[]): BoundingBox {
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.width));
  const y1 = Math.max(...boxes.map((b) => b.y + b.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Cuts the objects of the chosen classes out of a labelled scan (source scanner's response).
 * Touching item objects come out as one signature with several members; a group with a member
 * of a class not chosen is skipped.
 */
export function extractSignatures(scan: TipScan, opts: ExtractOptions = {}): ExtractResult {
  const classes = opts.classes ?? DEFAULT_TIP_CLASSES;
  const margin = opts.marginPx ?? 8;
  const sigmaPx = opts.smoothSigmaPx ?? 0.7;
  const kSigma = opts.thresholdSigma ?? 3;
  const maxNeg = opts.maxNegativeRatio ?? 0.15;
  const maxStructure = opts.maxRingStructure ?? 0.3;
  const maxEdge = opts.maxEdgeRatio ?? 0.8;
  const out: ExtractResult = { signatures: [], skipped: [] };
  const truth = scan.truth;
  if (!truth) return out;
  const { high, low } = scan.images;
  const W = high.width;
  const H = high.height;
  const airValue = scan.metadata.airValue;
  const dec = decomposerFor(scan.response);
  const scanId = scan.metadata.scanId;
  for (const group of itemGroups(truth.objects, margin)) {
    if (!group.some((o) => classes.includes(o.class))) continue;
    const ids = group.map((o) => o.id).join('+');
    const skip = (reason: string): void => void out.skipped.push({ scanId, objectId: ids, reason });
    const foreign = group.find((o) => !classes.includes(o.class));
    if (foreign) {
      skip(`touches a ${foreign.class}, a class not projected`);
      continue;
    }
    if (group.length > 31) {
      skip(`${group.length} touching objects (at most 31 per signature)`);
      continue;
    }
    if (group.some((o) => o.boundingBox.width < 2 || o.boundingBox.height < 2)) {
      skip('object smaller than 2 px');
      continue;
    }
    const U = unionBox(group.map((o) => o.boundingBox));
    const E = grow(U, margin);
    if (E.x < 0 || E.y < 0 || E.x + E.width > W || E.y + E.height > H) {
      skip('box plus margin leaves the image');
      continue;
    }
    const w = E.width;
    const h = E.height;
    const aH = gaussianBlur(cropAttenuation(high, airValue, E.x, E.y, w, h), w, h, sigmaPx);
    const aL = low ? gaussianBlur(cropAttenuation(low, airValue, E.x, E.y, w, h), w, h, sigmaPx) : undefined;
    const fillH = harmonicFill(aH, w, h);
    const fillL = aL ? harmonicFill(aL, w, h) : undefined;
    const obj = dec.decompose(aH, aL);
    const bg = dec.decompose(fillH, fillL);
    const organic = new Float32Array(w * h);
    const metal = new Float32Array(w * h);
    const total = new Float32Array(w * h);
    for (let p = 0; p < w * h; p++) {
      organic[p] = obj.organic[p]! - bg.organic[p]!;
      metal[p] = obj.metal[p]! - bg.metal[p]!;
      total[p] = organic[p]! + metal[p]!;
    }
    // Member boxes in the crop frame: tight (+1 px for the detector blur) and grown by 2 (ring).
    const local = group.map((o) => ({ x: o.boundingBox.x - E.x, y: o.boundingBox.y - E.y, width: o.boundingBox.width, height: o.boundingBox.height }));
    const inside = (b: BoundingBox, x: number, y: number): boolean => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;
    const box1 = new Uint8Array(w * h);
    const ring: number[] = [];
    let peak = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        const border = x === 0 || y === 0 || x === w - 1 || y === h - 1;
        if (!border && !local.some((b) => inside(grow(b, 2), x, y))) ring.push(total[p]!);
        if (local.some((b) => inside(grow(b, 1), x, y))) {
          box1[p] = 1;
          if (total[p]! > peak) peak = total[p]!;
        }
      }
    }
    // Photon noise of the area density: from differences of horizontally adjacent ring pixels
    // (insensitive to smooth background), corrected for the smoothing's pixel correlation.
    const diffs: number[] = [];
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 2; x++) {
        if (local.some((b) => inside(grow(b, 2), x, y) || inside(grow(b, 2), x + 1, y))) continue;
        diffs.push(total[y * w + x + 1]! - total[y * w + x]!);
      }
    }
    const rho = sigmaPx > 0 ? Math.exp(-1 / (4 * sigmaPx * sigmaPx)) : 0;
    const dMed = median(diffs);
    const noise = diffs.length >= 8 ? (1.4826 * median(diffs.map((v) => Math.abs(v - dMed)))) / Math.sqrt(2 * (1 - rho)) : 0;
    const med = median(ring);
    const spread = ring.length >= 8 ? 1.4826 * median(ring.map((v) => Math.abs(v - med))) : 0;
    const thr = Math.max(kSigma * noise, 0.05 * peak, 0.05);
    if (!(peak > thr)) {
      skip(`no signal above noise (peak ${peak.toFixed(2)} g/cm², threshold ${thr.toFixed(2)})`);
      continue;
    }
    // Background structure: negative area density inside the boxes beyond what noise gives (E|x|/2 = 0.4σ).
    let pos = 0;
    let neg = 0;
    let nBox = 0;
    for (let p = 0; p < w * h; p++) {
      if (!box1[p]) continue;
      nBox++;
      if (total[p]! > 0) pos += total[p]!;
      else neg -= total[p]!;
    }
    const negativeRatio = pos > 0 ? Math.max(0, neg - 0.4 * noise * nBox) / pos : Infinity;
    if (negativeRatio > maxNeg) {
      skip(`background structure under the object (negative/positive area density ${negativeRatio.toFixed(2)} > ${maxNeg})`);
      continue;
    }
    const core = new Uint8Array(w * h);
    for (let p = 0; p < w * h; p++) if (box1[p] && total[p]! > thr) core[p] = 1;
    // Opening removes thin straight structure the fill could not know (board and sheet edges,
    // ≲ 15 mm thick), which tusks and horns are not.
    const r = Math.max(1, Math.floor(7.5 / Math.min(scan.metadata.pixelSpacingMm.x, scan.metadata.pixelSpacingMm.y)));
    const grown = dilate(keepMainComponents(morphOpen(core, w, h, r), w, h, 0.05, 3), w, h, 1);
    for (let p = 0; p < w * h; p++) grown[p] = grown[p]! & box1[p]!;
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!grown[y * w + x]) continue;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
    if (x1 < 0) {
      skip('empty mask');
      continue;
    }
    const sw = x1 - x0 + 1;
    const sh = y1 - y0 + 1;
    const members: SignatureMember[] = group.map((o) => ({
      objectId: o.id,
      class: o.class,
      concealment: o.concealment,
      ...(o.densityGcm3 !== undefined ? { densityGcm3: o.densityGcm3 } : {}),
      ...(o.species !== undefined ? { species: o.species } : {}),
      mask: new Uint8Array(sw * sh),
    }));
    const count = new Map<TruthClass, number>();
    for (const o of group) count.set(o.class, (count.get(o.class) ?? 0) + 1);
    const sig: Signature = {
      id: `${scanId}/${ids}`,
      class: [...count].sort((a, b) => b[1] - a[1])[0]![0],
      members,
      sourceScanId: scanId,
      sourceKind: scan.metadata.source.kind,
      pixelSpacingMm: { ...scan.metadata.pixelSpacingMm },
      width: sw,
      height: sh,
      organic: new Float32Array(sw * sh),
      metal: new Float32Array(sw * sh),
      mask: new Uint8Array(sw * sh),
      noiseGcm2: noise,
      massG: 0,
      negativeRatio,
      ringSpreadGcm2: spread,
      sourceOrigin: { x: E.x + x0, y: E.y + y0 },
      edgeRatio: 0,
    };
    const pixelCm2 = (scan.metadata.pixelSpacingMm.x / 10) * (scan.metadata.pixelSpacingMm.y / 10);
    let mass = 0;
    for (let y = 0; y < sh; y++) {
      for (let x = 0; x < sw; x++) {
        const p = (y + y0) * w + x + x0;
        if (!grown[p]) continue;
        const q = y * sw + x;
        sig.mask[q] = 1;
        sig.organic[q] = organic[p]!;
        sig.metal[q] = metal[p]!;
        mass += total[p]! * pixelCm2;
        local.forEach((b, m) => {
          if (inside(b, x + x0, y + y0)) members[m]!.mask[q] = 1;
        });
      }
    }
    sig.massG = mass;
    if (members.some((m) => !m.mask.some((v) => v))) {
      skip('a member has no pixel above noise');
      continue;
    }
    let nMask = 0;
    for (let q = 0; q < sw * sh; q++) nMask += sig.mask[q]!;
    const meanD = mass / pixelCm2 / nMask;
    // Edge ratio: mean area density on each member box's outermost pixels over the mean under the
    // mask. A round object's chord goes to zero where it touches its tight box (a cut face keeps
    // two sides high); a background plateau (a crate or drum the object lies in) stays high.
    let edgeSum = 0;
    let edgeN = 0;
    for (const b of local) {
      for (let y = b.y; y < b.y + b.height; y++) {
        for (let x = b.x; x < b.x + b.width; x++) {
          if (y !== b.y && y !== b.y + b.height - 1 && x !== b.x && x !== b.x + b.width - 1) continue;
          edgeSum += Math.max(0, total[y * w + x]!);
          edgeN++;
        }
      }
    }
    sig.edgeRatio = edgeN ? edgeSum / edgeN / meanD : 0;
    if (sig.edgeRatio > maxEdge) {
      skip(`background plateau under the object (edge/mean area density ${sig.edgeRatio.toFixed(2)} > ${maxEdge})`);
      continue;
    }
    if (spread > maxStructure * meanD) {
      skip(`background around the object not smooth (ring spread ${spread.toFixed(2)} g/cm² > ${maxStructure} × mean signature ${meanD.toFixed(2)})`);
      continue;
    }
    const bad = members
      .map((m, i) => {
        let sum = 0;
        let n = 0;
        for (let q = 0; q < sw * sh; q++) {
          if (!m.mask[q]) continue;
          sum += sig.organic[q]! + sig.metal[q]!;
          n++;
        }
        const rho = Math.max(m.densityGcm3 ?? 0, CLASS_DENSITY_MAX[m.class] ?? 1.5);
        const why = implausibleMember(sum / n, sum * pixelCm2, group[i]!.boundingBox, scan.metadata.pixelSpacingMm, rho, CLASS_MASS_MAX_KG[m.class]);
        return why ? `${m.objectId}: ${why}` : null;
      })
      .find((x) => x);
    if (bad) {
      skip(`implausible signature, background leaked in (${bad})`);
      continue;
    }
    // Material thickness over the background, per channel from the source's own response (one
    // unknown per channel, well conditioned at any energy), averaged over the channels.
    const material = MATERIAL_OF_CLASS[sig.class];
    if (material) {
      const chans = [{ c: materialChannel(scan.response.high, material), a: aH, fill: fillH }];
      if (aL && fillL && scan.response.low) chans.push({ c: materialChannel(scan.response.low, material), a: aL, fill: fillL });
      const t = new Float32Array(sw * sh);
      for (let y = 0; y < sh; y++) {
        for (let x = 0; x < sw; x++) {
          const q = y * sw + x;
          if (!sig.mask[q]) continue;
          const p = (y + y0) * w + x + x0;
          let sum = 0;
          for (const ch of chans) sum += materialOver(ch.c, polyethyleneEquivalent(ch.c, ch.fill[p]!), ch.a[p]!);
          t[q] = sum / chans.length;
        }
      }
      sig.material = material;
      sig.thicknessGcm2 = t;
    }
    out.signatures.push(sig);
  }
  return out;
}

// ————————————————————————————————————————————————————————————— variations and resampling

export interface Variation {
  flipX: boolean;
  flipY: boolean;
  /** Total rotation, degrees (a multiple of 90 plus a small angle). */
  rotationDeg: number;
  magnification: number;
  densityScale: number;
}

export const IDENTITY_VARIATION: Variation = { flipX: false, flipY: false, rotationDeg: 0, magnification: 1, densityScale: 1 };

/** Random variation: flips, k·90° ± 15°, magnification 0.8–1.25 (log-uniform), density 0.85–1.15. */
export function drawVariation(rng: Rng): Variation {
  return {
    flipX: rng.chance(0.5),
    flipY: rng.chance(0.5),
    rotationDeg: rng.int(0, 3) * 90 + rng.uniform(-15, 15),
    magnification: Math.exp(rng.uniform(Math.log(0.8), Math.log(1.25))),
    densityScale: rng.uniform(0.85, 1.15),
  };
}

/** A signature resampled onto the target's pixel grid (footprint-local coordinates). */
export interface Footprint {
  width: number;
  height: number;
  organic: Float32Array;
  metal: Float32Array;
  /** Area density of the signature's material (Signature.thicknessGcm2), when it has one. */
  material?: MaterialId;
  thicknessGcm2?: Float32Array;
  /** Fraction of each pixel covered by the signature's mask (0..1). */
  coverage: Float32Array;
  /** The same for each member's mask (its truth box is where this is ≥ 0.5). */
  members: Float32Array[];
}

/**
 * Applies a variation and resamples the signature to the target spacing: inverse mapping in
 * millimetres, n×n bilinear samples per target pixel (n from the ratio of pixel sizes).
 */
export function transformSignature(sig: Signature, v: Variation, target: { x: number; y: number }): Footprint {
  const sdx = sig.pixelSpacingMm.x;
  const sdy = sig.pixelSpacingMm.y;
  const Ws = sig.width * sdx;
  const Hs = sig.height * sdy;
  const th = (v.rotationDeg * Math.PI) / 180;
  const c = Math.cos(th);
  const s = Math.sin(th);
  const M = v.magnification;
  const fx = v.flipX ? -1 : 1;
  const fy = v.flipY ? -1 : 1;
  // Forward: q = M·R·F·p, p centred on the signature.
  let qx0 = Infinity;
  let qx1 = -Infinity;
  let qy0 = Infinity;
  let qy1 = -Infinity;
  for (const [px, py] of [[-Ws / 2, -Hs / 2], [Ws / 2, -Hs / 2], [-Ws / 2, Hs / 2], [Ws / 2, Hs / 2]] as const) {
    const x = fx * px;
    const y = fy * py;
    const qx = M * (c * x - s * y);
    const qy = M * (s * x + c * y);
    qx0 = Math.min(qx0, qx);
    qx1 = Math.max(qx1, qx);
    qy0 = Math.min(qy0, qy);
    qy1 = Math.max(qy1, qy);
  }
  const tdx = target.x;
  const tdy = target.y;
  const fw = Math.ceil((qx1 - qx0) / tdx) + 2;
  const fh = Math.ceil((qy1 - qy0) / tdy) + 2;
  // Centre the footprint grid on the transformed signature.
  const ox = -(fw * tdx) / 2;
  const oy = -(fh * tdy) / 2;
  const n = Math.min(8, Math.max(1, Math.ceil(Math.max(tdx, tdy) / (M * Math.min(sdx, sdy)))));
  const fp: Footprint = {
    width: fw,
    height: fh,
    organic: new Float32Array(fw * fh),
    metal: new Float32Array(fw * fh),
    coverage: new Float32Array(fw * fh),
    members: sig.members.map(() => new Float32Array(fw * fh)),
    ...(sig.material && sig.thicknessGcm2 ? { material: sig.material, thicknessGcm2: new Float32Array(fw * fh) } : {}),
  };
  // Zero-padded copies (one pixel all round), so bilinear samples need no bounds checks; the
  // members as bits (≤ 31 members, checked at extraction).
  const pw = sig.width + 2;
  const ph = sig.height + 2;
  const O = new Float32Array(pw * ph);
  const Mt = new Float32Array(pw * ph);
  const Tk = new Float32Array(pw * ph);
  const C = new Float32Array(pw * ph);
  const B = new Int32Array(pw * ph);
  for (let y = 0; y < sig.height; y++) {
    for (let x = 0; x < sig.width; x++) {
      const q = y * sig.width + x;
      const r = (y + 1) * pw + x + 1;
      O[r] = sig.organic[q]!;
      Mt[r] = sig.metal[q]!;
      if (sig.thicknessGcm2) Tk[r] = sig.thicknessGcm2[q]!;
      C[r] = sig.mask[q]!;
      let bits = 0;
      sig.members.forEach((m, i) => {
        if (m.mask[q]) bits |= 1 << i;
      });
      B[r] = bits;
    }
  }
  const sMember = new Float64Array(sig.members.length);
  const addBits = (bits: number, weight: number): void => {
    while (bits) {
      const low = bits & -bits;
      sMember[31 - Math.clz32(low)] += weight;
      bits ^= low;
    }
  };
  const k = v.densityScale / (n * n);
  for (let j = 0; j < fh; j++) {
    for (let i = 0; i < fw; i++) {
      let so = 0;
      let sm = 0;
      let st = 0;
      let sc = 0;
      let anyMember = false;
      for (let b = 0; b < n; b++) {
        const qy = oy + (j + (b + 0.5) / n) * tdy;
        for (let a = 0; a < n; a++) {
          const qx = ox + (i + (a + 0.5) / n) * tdx;
          // Inverse: p = F·R⁻¹·q / M, then padded pixel-centre coordinates.
          const px = (fx * (c * qx + s * qy)) / M;
          const py = (fy * (-s * qx + c * qy)) / M;
          const u = (px + Ws / 2) / sdx + 0.5;
          const w = (py + Hs / 2) / sdy + 0.5;
          if (!(u >= 0 && w >= 0 && u < pw - 1 && w < ph - 1)) continue;
          const iu = Math.floor(u);
          const jw = Math.floor(w);
          const ax = u - iu;
          const ay = w - jw;
          const r = jw * pw + iu;
          const w00 = (1 - ax) * (1 - ay);
          const w10 = ax * (1 - ay);
          const w01 = (1 - ax) * ay;
          const w11 = ax * ay;
          const cov = C[r]! * w00 + C[r + 1]! * w10 + C[r + pw]! * w01 + C[r + pw + 1]! * w11;
          if (!(cov > 0)) continue; // signature values are 0 wherever the mask is
          so += O[r]! * w00 + O[r + 1]! * w10 + O[r + pw]! * w01 + O[r + pw + 1]! * w11;
          sm += Mt[r]! * w00 + Mt[r + 1]! * w10 + Mt[r + pw]! * w01 + Mt[r + pw + 1]! * w11;
          st += Tk[r]! * w00 + Tk[r + 1]! * w10 + Tk[r + pw]! * w01 + Tk[r + pw + 1]! * w11;
          sc += cov;
          if (B[r]! | B[r + 1]! | B[r + pw]! | B[r + pw + 1]!) {
            if (!anyMember) sMember.fill(0);
            anyMember = true;
            addBits(B[r]!, w00);
            addBits(B[r + 1]!, w10);
            addBits(B[r + pw]!, w01);
            addBits(B[r + pw + 1]!, w11);
          }
        }
      }
      const p = j * fw + i;
      fp.organic[p] = so * k;
      fp.metal[p] = sm * k;
      if (fp.thicknessGcm2) fp.thicknessGcm2[p] = st * k;
      fp.coverage[p] = sc / (n * n);
      if (anyMember) for (let m = 0; m < sMember.length; m++) fp.members[m]![p] = sMember[m]! / (n * n);
    }
  }
  return fp;
}

// ————————————————————————————————————————————————————————————— target analysis

/** Photons per pixel in air, per channel, estimated from the image (see the header). */
export interface DoseEstimate {
  high: number | null;
  low: number | null;
  from: { high: 'air' | 'image' | 'none'; low: 'air' | 'image' | 'none' };
}

/** Median of χ²₁ (the squared difference of two equal-variance normals, over 2σ², has it). */
const MEDIAN_CHI2_1 = 0.45494;

/** Dose of one channel from adjacent-pixel pairs; null when the image has no usable pairs. */
export function estimateDose(img: ScanImage, airValue: number): { dose: number; from: 'air' | 'image'; pairs: number } | null {
  const airQ: number[] = [];
  const allQ: number[] = [];
  const { width: W, height: H, data } = img;
  const airMin = airValue * Math.exp(-0.05);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x + 1 < W; x += 2) {
      const v1 = data[y * W + x]!;
      const v2 = data[y * W + x + 1]!;
      if (v1 < 2 || v2 < 2 || v1 >= 65535 || v2 >= 65535) continue;
      const m = (v1 + v2) / 2;
      // q = (Δv)² / (2·airValue·mean): its expectation is 1/dose for Poisson counts.
      const q = ((v1 - v2) * (v1 - v2)) / (2 * airValue * m);
      if (v1 >= airMin && v2 >= airMin) airQ.push(q);
      else if (m > airValue * 0.02) allQ.push(q);
    }
  }
  const pick = airQ.length >= 500 ? { q: airQ, from: 'air' as const } : allQ.length + airQ.length >= 500 ? { q: allQ.concat(airQ), from: 'image' as const } : null;
  if (!pick) return null;
  // Open beam: the mean, without gross outliers (dead pixels; > 50 × the median is beyond 4.7 σ),
  // since detector values are quantised (airValue/dose units per photon) and a median of
  // quantised squares is biased. Whole image: the median (edges are a minority of pairs).
  const med = median(pick.q);
  let invDose = med / MEDIAN_CHI2_1;
  if (pick.from === 'air') {
    let sum = 0;
    let n = 0;
    for (const q of pick.q) {
      if (q > 50 * med) continue;
      sum += q;
      n++;
    }
    invDose = sum / n;
  }
  if (!(invDose > 0)) return null;
  return { dose: 1 / invDose, from: pick.from, pairs: pick.q.length };
}

export function estimateDoses(images: ScanImages, airValue: number): DoseEstimate {
  const h = estimateDose(images.high, airValue);
  const l = images.low ? estimateDose(images.low, airValue) : null;
  return { high: h?.dose ?? null, low: l?.dose ?? null, from: { high: h?.from ?? 'none', low: l?.from ?? 'none' } };
}

/**
 * Where a projected object may go (see the header), on a grid of `block`×`block` pixel blocks
 * (the block mean attenuation is decomposed: a whole container scan at full resolution would cost
 * a second, and a few pixels do not matter for a plausible place).
 */
export interface PlacementMap {
  width: number;
  height: number;
  block: number;
  /** Grid size (blocks). */
  gw: number;
  gh: number;
  /** Organic + metal area density of each block, g/cm². */
  areaDensity: Float32Array;
  /** 1 where the block is cargo (above the empty conveyance, not air). */
  cargo: Uint8Array;
  /** 1 where the block is usable under an object (not saturated). */
  usable: Uint8Array;
  /** 1 where the block is open beam (no object may touch it). */
  air: Uint8Array;
  /** Empty-conveyance area density per block row (Infinity: a row of air). */
  baseline: Float32Array;
  /** Indices of cargo blocks (candidates for an object's centre). */
  cargoBlocks: Int32Array;
}

/** Block index of an image pixel. */
const blockOf = (m: PlacementMap, x: number, y: number): number => Math.min(m.gh - 1, Math.floor(y / m.block)) * m.gw + Math.min(m.gw - 1, Math.floor(x / m.block));

/** −ln(v/airValue) for every 16-bit value (one log per value instead of one per pixel). */
function attenuationLut(airValue: number): Float32Array {
  const lut = new Float32Array(65536);
  for (let v = 0; v < 65536; v++) lut[v] = attenuationOf(v, airValue);
  return lut;
}

/** 3×3 box mean of the attenuation at one pixel (clamped at the image edges). */
function localMeanA(img: ScanImage, lut: Float32Array, x: number, y: number): number {
  let s = 0;
  let n = 0;
  for (let j = Math.max(0, y - 1); j <= Math.min(img.height - 1, y + 1); j++) {
    for (let i = Math.max(0, x - 1); i <= Math.min(img.width - 1, x + 1); i++) {
      s += lut[img.data[j * img.width + i]!]!;
      n++;
    }
  }
  return s / n;
}

export function placementMap(scan: TipScan, dec: Decomposer, dose: DoseEstimate): PlacementMap {
  const { high, low } = scan.images;
  const W = high.width;
  const H = high.height;
  const air = scan.metadata.airValue;
  const block = Math.max(1, Math.ceil(Math.sqrt((W * H) / 150_000)));
  const gw = Math.ceil(W / block);
  const gh = Math.ceil(H / block);
  const lut = attenuationLut(air);
  const blockMean = (img: ScanImage): Float32Array => {
    const sum = new Float32Array(gw * gh);
    const n = new Float32Array(gw * gh);
    for (let y = 0; y < H; y++) {
      const row = Math.floor(y / block) * gw;
      for (let x = 0; x < W; x++) {
        const g = row + Math.floor(x / block);
        sum[g] = sum[g]! + lut[img.data[y * W + x]!]!;
        n[g] = n[g]! + 1;
      }
    }
    for (let g = 0; g < sum.length; g++) sum[g] = sum[g]! / n[g]!;
    return sum;
  };
  const aH = blockMean(high);
  const aL = low ? blockMean(low) : undefined;
  const basis = dec.decompose(aH, aL);
  const D = new Float32Array(gw * gh);
  for (let g = 0; g < D.length; g++) D[g] = basis.organic[g]! + basis.metal[g]!;
  // Not saturated: at least ~30 photons expected behind the background in the high channel.
  const minA = -Math.log(dose.high ? Math.min(0.5, 30 / dose.high) : 1e-3);
  const isAir = (g: number): boolean => aH[g]! < 0.04;
  const baseline = new Float32Array(gh);
  const cargo = new Uint8Array(gw * gh);
  const usable = new Uint8Array(gw * gh);
  const airMask = new Uint8Array(gw * gh);
  for (let g = 0; g < gw * gh; g++) if (isAir(g)) airMask[g] = 1;
  const cargoList: number[] = [];
  for (let y = 0; y < gh; y++) {
    const row: number[] = [];
    for (let x = 0; x < gw; x++) if (!isAir(y * gw + x)) row.push(D[y * gw + x]!);
    if (row.length < Math.max(4, 0.05 * gw)) {
      baseline[y] = Infinity; // a row of air (or almost): nothing to hide an object in
      continue;
    }
    row.sort((a, b) => a - b);
    const base = row[Math.floor(0.1 * (row.length - 1))]!;
    baseline[y] = base;
    const delta = Math.max(0.5, 0.3 * Math.abs(base));
    for (let x = 0; x < gw; x++) {
      const g = y * gw + x;
      if (aH[g]! < minA) usable[g] = 1;
      if (!isAir(g) && D[g]! > base + delta) {
        cargo[g] = 1;
        cargoList.push(g);
      }
    }
  }
  return { width: W, height: H, block, gw, gh, areaDensity: D, cargo, usable, air: airMask, baseline, cargoBlocks: Int32Array.from(cargoList) };
}

// ————————————————————————————————————————————————————————————— projection

export interface Projected {
  /** Tight box of the whole signature (pixels covered ≥ 50 % by its mask), clipped to the image. */
  box: BoundingBox;
  /** Tight box of each member (its truth box in the target), clipped to the image; width 0 if none. */
  memberBoxes: BoundingBox[];
  /**
   * Each member's pixels (image indices, ascending): those the projection altered where the
   * member's mask covers ≥ 50 % of the pixel (the rule of its box, so the box is their tight box).
   */
  memberPixels: Int32Array[];
  /** Pixels (image indices) covered ≥ 50 % by the signature's mask. */
  pixels: number;
  /** Mean area density of the target behind the object, g/cm². */
  backgroundGcm2: number;
  /** Pixels where the signature would brighten the image (no noise could be added there). */
  brighter: number;
}

/**
 * Projects a footprint into the working images at (x0, y0) (footprint's top-left in target
 * pixels). `images` are modified in place; `original` is the untouched target (for the local
 * background). Noise is added when a dose is given for the channel.
 */
export function projectFootprint(
  images: ScanImages,
  original: ScanImages,
  airValue: number,
  dec: Decomposer,
  fp: Footprint,
  x0: number,
  y0: number,
  dose: DoseEstimate,
  rng: Rng,
  noise = true,
): Projected {
  const W = images.high.width;
  const H = images.high.height;
  let bx0 = Infinity;
  let by0 = Infinity;
  let bx1 = -Infinity;
  let by1 = -Infinity;
  let pixels = 0;
  let bgSum = 0;
  let brighter = 0;
  const chans: Array<{ out: ScanImage; dose: number | null; key: 'high' | 'low' }> = [{ out: images.high, dose: dose.high, key: 'high' }];
  if (images.low && original.low) chans.push({ out: images.low, dose: dose.low, key: 'low' });
  const mb = fp.members.map(() => [Infinity, Infinity, -Infinity, -Infinity]);
  const mp: number[][] = fp.members.map(() => []);
  const lut = attenuationLut(airValue);
  // Material signature: its attenuation through the TARGET's channels over the target's background.
  const matH = fp.material && fp.thicknessGcm2 ? materialChannel(dec.response.high, fp.material) : null;
  const matL = matH && dec.response.low ? materialChannel(dec.response.low, fp.material!) : null;
  for (let j = 0; j < fp.height; j++) {
    const y = y0 + j;
    if (y < 0 || y >= H) continue;
    for (let i = 0; i < fp.width; i++) {
      const x = x0 + i;
      if (x < 0 || x >= W) continue;
      const q = j * fp.width + i;
      const so = fp.organic[q]!;
      const sm = fp.metal[q]!;
      const st = matH ? fp.thicknessGcm2![q]! : 0;
      if (so === 0 && sm === 0 && st === 0) continue;
      const p = y * W + x;
      const mH = localMeanA(original.high, lut, x, y);
      const mL = original.low ? localMeanA(original.low, lut, x, y) : undefined;
      const b = dec.pixel(mH, mL);
      let daH: number;
      let daL: number | undefined;
      if (matH) {
        daH = channelAttenuation(matH, b.organic, b.metal, st) - channelAttenuation(matH, b.organic, b.metal, 0);
        daL = matL ? channelAttenuation(matL, b.organic, b.metal, st) - channelAttenuation(matL, b.organic, b.metal, 0) : undefined;
      } else {
        const f0 = dec.forward(b.organic, b.metal);
        const f1 = dec.forward(b.organic + so, b.metal + sm);
        daH = f1.high - f0.high;
        daL = f1.low !== undefined && f0.low !== undefined ? f1.low - f0.low : undefined;
      }
      if (fp.coverage[q]! >= 0.5) {
        pixels++;
        bgSum += b.organic + b.metal;
        bx0 = Math.min(bx0, x);
        by0 = Math.min(by0, y);
        bx1 = Math.max(bx1, x + 1);
        by1 = Math.max(by1, y + 1);
      }
      for (let m = 0; m < mb.length; m++) {
        if (fp.members[m]![q]! < 0.5) continue;
        const r = mb[m]!;
        mp[m]!.push(p);
        r[0] = Math.min(r[0]!, x);
        r[1] = Math.min(r[1]!, y);
        r[2] = Math.max(r[2]!, x + 1);
        r[3] = Math.max(r[3]!, y + 1);
      }
      for (const ch of chans) {
        const v = ch.out.data[p]!;
        if (v === 0) continue; // "no signal" stays no signal
        const da = ch.key === 'high' ? daH : daL!;
        const tSig = Math.exp(-da);
        let vn = v * tSig;
        if (tSig > 1) brighter++;
        else if (noise && ch.dose) {
          const tBg = Math.exp(-(ch.key === 'high' ? mH : mL!));
          // Missing variance dose·T_bg·T_sig·(1 − T_sig) photons, in values: × (airValue/dose)².
          const varV = (airValue * airValue * tBg * tSig * (1 - tSig)) / ch.dose;
          vn += Math.sqrt(varV) * rng.normal();
        }
        ch.out.data[p] = Math.min(65535, Math.max(1, Math.round(vn)));
      }
    }
  }
  const box: BoundingBox = bx1 > bx0 ? { x: bx0, y: by0, width: bx1 - bx0, height: by1 - by0 } : { x: x0, y: y0, width: 0, height: 0 };
  const memberBoxes = mb.map(([a, b, c, d]): BoundingBox => (c! > a! ? { x: a!, y: b!, width: c! - a!, height: d! - b! } : { x: x0, y: y0, width: 0, height: 0 }));
  const memberPixels = mp.map((a) => Int32Array.from(a).sort());
  return { box, memberBoxes, memberPixels, pixels, backgroundGcm2: pixels ? bgSum / pixels : 0, brighter };
}

/**
 * Finds a plausible top-left position for a footprint: no part of it in open beam, at least
 * `minCargo` of the object on cargo and on unsaturated pixels, not overlapping objects already
 * projected; null when none is found in `tries`.
 */
export function findPlacement(map: PlacementMap, fp: Footprint, taken: BoundingBox[], rng: Rng, tries = 80, minCargo = 0.75): { x0: number; y0: number } | null {
  if (!map.cargoBlocks.length) return null;
  const obj: number[] = [];
  const touched: number[] = [];
  for (let q = 0; q < fp.coverage.length; q++) {
    if (fp.coverage[q]! >= 0.5) obj.push(q);
    if (fp.coverage[q]! > 0) touched.push(q);
  }
  if (!obj.length) return null;
  for (let t = 0; t < tries; t++) {
    // A random cargo block, a random pixel in it: the object's centre.
    const g = map.cargoBlocks[rng.int(0, map.cargoBlocks.length - 1)]!;
    const cx = (g % map.gw) * map.block + rng.int(0, map.block - 1);
    const cy = Math.floor(g / map.gw) * map.block + rng.int(0, map.block - 1);
    const x0 = cx - Math.floor(fp.width / 2);
    const y0 = cy - Math.floor(fp.height / 2);
    if (x0 < 0 || y0 < 0 || x0 + fp.width > map.width || y0 + fp.height > map.height) continue;
    const box = { x: x0, y: y0, width: fp.width, height: fp.height };
    if (taken.some((b) => boxesIntersect(grow(b, 2), box))) continue;
    if (touched.some((q) => map.air[blockOf(map, x0 + (q % fp.width), y0 + Math.floor(q / fp.width))])) continue;
    let inCargo = 0;
    let ok = 0;
    for (const q of obj) {
      const b = blockOf(map, x0 + (q % fp.width), y0 + Math.floor(q / fp.width));
      if (map.cargo[b]) inCargo++;
      if (map.usable[b]) ok++;
    }
    if (inCargo >= minCargo * obj.length && ok >= minCargo * obj.length) return { x0, y0 };
  }
  return null;
}

// ————————————————————————————————————————————————————————————— one TIP scan

export interface TipOptions {
  /** Objects to project into this scan. */
  count: number;
  /** Output index (scanId tip-<target>-<k>). */
  k: number;
  seed: number;
  /** Fixed variation (tests); default: drawn per object. */
  variation?: Variation;
  /** Fixed top-left position of the first object (tests); default: found by findPlacement. */
  at?: { x0: number; y0: number };
  noise?: boolean;
}

export interface TipResult {
  metadata: ScanMetadata;
  images: ScanImages;
  truth: ScanTruth;
  projected: Array<Projected & { signature: Signature; variation: Variation }>;
  dose: DoseEstimate;
  /** Objects that found no plausible place. */
  unplaced: number;
  /**
   * Each projected truth object's mask by object id, full image frame (width × height of the
   * target, row-major, 1 = object): the pixels its projection altered (Projected.memberPixels).
   * Training needs them: without a mask a box is trained as filled (models/training/targets.ts).
   */
  masks: Map<string, Uint8Array>;
}

/** A new scan id `tip-<target>-<k>` that stays within the scan id pattern. */
export function tipScanId(targetId: string, k: number): string {
  const tail = `-${k}`;
  const room = 128 - 'tip-'.length - tail.length;
  const id = `tip-${targetId.slice(0, room)}${tail}`;
  if (!SCAN_ID_PATTERN.test(id)) throw new Error(`cannot form a scan id from ${targetId}`);
  return id;
}

/** Whether a scan can be a TIP target: it must carry no contraband in its truth. */
export function isBenign(truth: ScanTruth | undefined): boolean {
  return !truth || !truth.objects.some((o) => CONTRABAND_CLASSES.includes(o.class));
}

/** Picks `count` signatures class-balanced: a class uniformly, then a signature of it. */
function pickSignatures(sigs: Signature[], count: number, rng: Rng): Signature[] {
  const byClass = new Map<string, Signature[]>();
  for (const s of sigs) byClass.set(s.class, [...(byClass.get(s.class) ?? []), s]);
  const classes = [...byClass.keys()].sort();
  return Array.from({ length: count }, () => rng.pick(byClass.get(rng.pick(classes))!));
}

/**
 * Projects `opts.count` signatures (same source kind as the target) into one benign target scan and
 * returns the new labelled scan (not written).
 */
export function projectIntoScan(target: TipScan, signatures: Signature[], opts: TipOptions): TipResult {
  if (!isBenign(target.truth)) throw new Error(`target ${target.metadata.scanId} already contains contraband`);
  const kind = target.metadata.source.kind;
  const eligible = signatures.filter((s) => s.sourceKind === kind);
  if (!eligible.length) throw new Error(`no signature of source kind ${kind} for target ${target.metadata.scanId}`);
  const rng = new Rng(opts.seed, opts.k, 0x7195);
  const dec = decomposerFor(target.response);
  const air = target.metadata.airValue;
  const dose = estimateDoses(target.images, air);
  const images: ScanImages = {
    high: { ...target.images.high, data: target.images.high.data.slice() },
    ...(target.images.low ? { low: { ...target.images.low, data: target.images.low.data.slice() } } : {}),
  };
  const map = opts.at ? null : placementMap(target, dec, dose);
  const taken: BoundingBox[] = [];
  const projected: TipResult['projected'] = [];
  let unplaced = 0;
  for (const first of pickSignatures(eligible, opts.count, rng)) {
    let placed = false;
    // A few re-draws (variation, then another signature) before giving up on this object.
    for (let attempt = 0; attempt < 6 && !placed; attempt++) {
      const sig = attempt < 3 ? first : pickSignatures(eligible, 1, rng)[0]!;
      const variation = opts.variation ?? drawVariation(rng);
      const fp = transformSignature(sig, variation, target.metadata.pixelSpacingMm);
      const at = opts.at && projected.length === 0 ? opts.at : map ? findPlacement(map, fp, taken, rng) : null;
      if (!at) continue;
      const pr = projectFootprint(images, target.images, air, dec, fp, at.x0, at.y0, dose, rng, opts.noise ?? true);
      if (!pr.pixels) continue;
      taken.push(pr.box);
      projected.push({ ...pr, signature: sig, variation });
      placed = true;
    }
    if (!placed) unplaced++;
  }
  const scanId = tipScanId(target.metadata.scanId, opts.k);
  const metadata: ScanMetadata = { ...target.metadata, scanId };
  const base = target.truth;
  const objects: TruthObject[] = base ? base.objects.map((o) => ({ ...o })) : [];
  let n = 0;
  const counts = new Map<string, number>();
  const masks = new Map<string, Uint8Array>();
  const npx = target.images.high.width * target.images.high.height;
  for (const p of projected) {
    const s = p.signature;
    const v = p.variation;
    const how =
      `flip ${v.flipX ? 'x' : ''}${v.flipY ? 'y' : ''}${!v.flipX && !v.flipY ? 'none' : ''}, rotation ${v.rotationDeg.toFixed(1)}°, ` +
      `magnification ${v.magnification.toFixed(3)}, density ×${v.densityScale.toFixed(3)}; background ${p.backgroundGcm2.toFixed(1)} g/cm²`;
    s.members.forEach((m, i) => {
      const box = p.memberBoxes[i]!;
      if (!(box.width > 0 && box.height > 0)) return; // rotated/clipped out of the image
      const o: TruthObject = {
        id: `tip-${String(++n).padStart(3, '0')}`,
        class: m.class,
        boundingBox: box,
        concealment: TIP_CONCEALMENT,
        notes: `threat image projection of ${m.objectId} from scan ${s.sourceScanId} (${m.concealment}); ${how}`,
      };
      if (m.species) o.species = m.species;
      if (m.densityGcm3 !== undefined) o.densityGcm3 = +(m.densityGcm3 * v.densityScale).toFixed(3);
      const mask = new Uint8Array(npx);
      for (const q of p.memberPixels[i]!) mask[q] = 1;
      masks.set(o.id, mask);
      objects.push(o);
      counts.set(m.class, (counts.get(m.class) ?? 0) + 1);
    });
  }
  const tipNotes = [...counts].map(([c, k]) => `${k} ${c.replace('_', ' ')} item(s) projected by TIP, not declared`);
  const truth: ScanTruth = {
    format: 'xray-scan-truth/1',
    scanId,
    scenario: base ? `tip:${base.scenario}` : 'tip',
    seed: opts.seed,
    dose: base?.dose ?? Math.round(dose.high ?? 0),
    objects,
    manifestTruth: {
      honest: (base?.manifestTruth.honest ?? true) && projected.length === 0,
      notes: [...(base?.manifestTruth.notes ?? []), ...tipNotes],
    },
  };
  return { metadata, images, truth, projected, dose, unplaced, masks };
}

/**
 * Writes a TIP result as a labelled scan package: each projected object's mask as an 8-bit
 * one-channel PNG `masks/<objectId>.png` in the image frame (255 = object, 0 = not), referenced
 * from its truth object as `"mask": "masks/<objectId>.png"` (docs/scan-package.md, truth.json),
 * written before truth.json and scan.json, so a package that is complete has its masks.
 */
export async function writeTipPackage(dir: string, res: Pick<TipResult, 'metadata' | 'images' | 'truth' | 'masks'>): Promise<void> {
  const { width, height } = res.images.high;
  const objects: TruthObject[] = res.truth.objects.map((o) => ({ ...o }));
  if (res.masks.size) await fs.mkdir(path.join(dir, 'masks'), { recursive: true });
  for (const o of objects) {
    const mask = res.masks.get(o.id);
    if (!mask) continue;
    if (mask.length !== width * height) throw new Error(`mask of ${o.id} has ${mask.length} pixels, the image ${width}×${height}`);
    const px = Buffer.alloc(mask.length);
    for (let q = 0; q < mask.length; q++) if (mask[q]) px[q] = 255;
    o.mask = `masks/${o.id}.png`;
    await fs.writeFile(path.join(dir, o.mask), await sharp(px, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 9 }).toBuffer());
  }
  await writeScanPackage(dir, res.metadata, res.images.high, res.images.low, { ...res.truth, objects });
}

// ————————————————————————————————————————————————————————————— folders

/**
 * Calibration profiles of a folder (calibration packages, docs/calibration-package.md), with the
 * same rule as packageScans: a scan uses the newest profile of its serial and source kind
 * acquired before it, else the nominal response.
 */
export interface FolderProfile {
  dir: string;
  serial: string;
  kind: string;
  acquiredAt: string;
  response: ScannerResponse;
}

export async function folderProfiles(dir: string): Promise<FolderProfile[]> {
  const profiles: FolderProfile[] = [];
  for (const name of (await fs.readdir(dir)).sort()) {
    const pkg = path.join(dir, name);
    let cal: CalibrationScan['calibration'] & { scanner?: { serial?: string }; acquiredAt?: string; images?: { high: string; low?: string } };
    try {
      cal = JSON.parse(await fs.readFile(path.join(pkg, 'calibration.json'), 'utf8'));
    } catch {
      continue;
    }
    const high = await decodeScanImage(path.join(pkg, cal.images?.high ?? 'high.tiff'));
    const low = cal.images?.low ? await decodeScanImage(path.join(pkg, cal.images.low)) : undefined;
    const response = profileFromCalibrationScan({ calibration: cal, high: high.data, ...(low ? { low: low.data } : {}), width: high.width, height: high.height }, name);
    if (response && cal.scanner?.serial) profiles.push({ dir: pkg, serial: cal.scanner.serial, kind: cal.source.kind, acquiredAt: cal.acquiredAt ?? '', response });
  }
  return profiles.sort((a, b) => b.acquiredAt.localeCompare(a.acquiredAt));
}

export function profileFor(profiles: FolderProfile[], m: ScanMetadata): FolderProfile | undefined {
  return profiles.find((p) => p.serial === m.scanner?.serial && p.kind === m.source.kind && p.acquiredAt <= m.scannedAt);
}

/** Target candidates of a folder: packages with scan.json whose truth (if any) has no contraband. */
export interface TargetEntry {
  dir: string;
  scanId: string;
  kind: SourceKind;
}

export async function listTargets(dir: string): Promise<{ targets: TargetEntry[]; notBenign: number; unreadable: number }> {
  const targets: TargetEntry[] = [];
  let notBenign = 0;
  let unreadable = 0;
  for (const name of (await fs.readdir(dir)).sort()) {
    const pkg = path.join(dir, name);
    let meta: ScanMetadata;
    try {
      meta = JSON.parse(await fs.readFile(path.join(pkg, 'scan.json'), 'utf8')) as ScanMetadata;
    } catch {
      try {
        await fs.access(path.join(pkg, 'calibration.json'));
      } catch {
        if ((await fs.stat(pkg)).isDirectory()) unreadable++;
      }
      continue;
    }
    let truth: ScanTruth | undefined;
    try {
      truth = JSON.parse(await fs.readFile(path.join(pkg, 'truth.json'), 'utf8')) as ScanTruth;
    } catch {
      truth = undefined;
    }
    if (!isBenign(truth)) {
      notBenign++;
      continue;
    }
    targets.push({ dir: pkg, scanId: meta.scanId, kind: meta.source?.kind });
  }
  return { targets, notBenign, unreadable };
}

/** Reads one target package (validated by readScanPackage) with its scanner's response. */
export async function loadTarget(dir: string, profiles: FolderProfile[], nominal: (m: ScanMetadata) => ScannerResponse): Promise<TipScan> {
  const pkg = await readScanPackage(dir);
  const high = await decodeScanImage(pkg.imagePaths.high);
  const low = pkg.imagePaths.low ? await decodeScanImage(pkg.imagePaths.low) : undefined;
  let truth: ScanTruth | undefined;
  try {
    truth = JSON.parse(await fs.readFile(path.join(dir, 'truth.json'), 'utf8')) as ScanTruth;
  } catch {
    truth = undefined;
  }
  const m = pkg.metadata;
  return {
    metadata: m,
    images: { high, ...(low ? { low } : {}) },
    response: profileFor(profiles, m)?.response ?? nominal(m),
    ...(truth ? { truth } : {}),
  };
}
