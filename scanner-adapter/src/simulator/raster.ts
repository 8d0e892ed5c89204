/**
 * Projection of the 3-D scene into per-material areal-density maps (g/cm², Σρ·t along the beam).
 * Parallel beam along z (across the conveyance); image x = travel direction, image y = vertical (down).
 * Geometry is given in millimetres in image space; chord lengths are analytic.
 */
import type { MaterialId } from './physics.ts';
import type { Concealment, TruthClass } from '../scan-package/types.ts';

/** Bounding box of a chain of discs (centre x, y and radius r), in pixels. */
export function bbox(pts: ReadonlyArray<{ x: number; y: number; r: number }>): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of pts) {
    x0 = Math.min(x0, p.x - p.r);
    x1 = Math.max(x1, p.x + p.r);
    y0 = Math.min(y0, p.y - p.r);
    y1 = Math.max(y1, p.y + p.r);
  }
  return { x0, y0, x1, y1 };
}

export interface ObjectRecord {
  id: string;
  class: TruthClass;
  species?: string;
  densityGcm3?: number;
  concealment: Concealment;
  notes?: string;
  /** Tight pixel box (inclusive min, exclusive max); empty when minX > maxX. */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** Local masks of the primitives (only when masks are requested). */
  parts: Array<{ x0: number; y0: number; w: number; h: number; mask: Uint8Array }>;
}

const EPS = 1e-6;

export class Scene {
  readonly maps = new Map<MaterialId, Float32Array>();
  readonly objects: ObjectRecord[] = [];
  private current: ObjectRecord | null = null;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly dx: number,
    readonly dy: number,
    readonly keepMasks: boolean,
  ) {}

  map(mat: MaterialId): Float32Array {
    let m = this.maps.get(mat);
    if (!m) {
      m = new Float32Array(this.width * this.height);
      this.maps.set(mat, m);
    }
    return m;
  }

  /** Starts a truth object; primitives drawn until end() belong to it. */
  begin(o: Omit<ObjectRecord, 'minX' | 'minY' | 'maxX' | 'maxY' | 'parts' | 'id'>): ObjectRecord {
    const rec: ObjectRecord = { ...o, id: `obj-${String(this.objects.length + 1).padStart(3, '0')}`, minX: 1e9, minY: 1e9, maxX: -1, maxY: -1, parts: [] };
    this.objects.push(rec);
    this.current = rec;
    return rec;
  }
  end(): void {
    this.current = null;
  }
  /** Continues drawing into an existing object (e.g. wrapping added to a host). */
  resume(rec: ObjectRecord): void {
    this.current = rec;
  }

  /** Adds a local areal-density patch (g/cm²) to a material map; positive patches count toward the object's mask. */
  deposit(mat: MaterialId, x0: number, y0: number, w: number, h: number, vals: Float32Array, masked = true): void {
    if (w <= 0 || h <= 0) return;
    const m = this.map(mat);
    const W = this.width;
    const rec = masked ? this.current : null;
    let mask: Uint8Array | null = null;
    if (rec && this.keepMasks) mask = new Uint8Array(w * h);
    let mnx = 1e9;
    let mny = 1e9;
    let mxx = -1;
    let mxy = -1;
    for (let j = 0; j < h; j++) {
      const row = (y0 + j) * W + x0;
      const lrow = j * w;
      for (let i = 0; i < w; i++) {
        const v = vals[lrow + i]!;
        if (v === 0) continue;
        const p = row + i;
        const nv = m[p]! + v;
        m[p] = nv > 0 ? nv : 0;
        if (rec && v > EPS) {
          if (mask) mask[lrow + i] = 1;
          if (i < mnx) mnx = i;
          if (i > mxx) mxx = i;
          if (j < mny) mny = j;
          if (j > mxy) mxy = j;
        }
      }
    }
    if (rec && mxx >= 0) {
      rec.minX = Math.min(rec.minX, x0 + mnx);
      rec.minY = Math.min(rec.minY, y0 + mny);
      rec.maxX = Math.max(rec.maxX, x0 + mxx + 1);
      rec.maxY = Math.max(rec.maxY, y0 + mxy + 1);
      if (mask) rec.parts.push({ x0, y0, w, h, mask });
    }
  }

  /** Pixel range [i0, i1) covering the mm interval [a, b) along x (clipped). */
  private spanX(a: number, b: number): [number, number] {
    return [Math.max(0, Math.floor(a / this.dx)), Math.min(this.width, Math.ceil(b / this.dx))];
  }
  private spanY(a: number, b: number): [number, number] {
    return [Math.max(0, Math.floor(a / this.dy)), Math.min(this.height, Math.ceil(b / this.dy))];
  }
  private coverage(i: number, a: number, b: number, d: number): number {
    const lo = Math.max(a, i * d);
    const hi = Math.min(b, (i + 1) * d);
    return hi > lo ? (hi - lo) / d : 0;
  }

  /** Axis-aligned box [x0,x1)×[y0,y1) mm with constant path depthCm along the beam (partial-volume edges). */
  box(mat: MaterialId, rho: number, x0: number, x1: number, y0: number, y1: number, depthCm: number, masked = true): void {
    const [i0, i1] = this.spanX(x0, x1);
    const [j0, j1] = this.spanY(y0, y1);
    const w = i1 - i0;
    const h = j1 - j0;
    if (w <= 0 || h <= 0 || depthCm === 0) return;
    const vals = new Float32Array(w * h);
    const cx = new Float32Array(w);
    for (let i = 0; i < w; i++) cx[i] = this.coverage(i0 + i, x0, x1, this.dx);
    const ad = rho * depthCm;
    for (let j = 0; j < h; j++) {
      const cy = this.coverage(j0 + j, y0, y1, this.dy) * ad;
      for (let i = 0; i < w; i++) vals[j * w + i] = cx[i]! * cy;
    }
    this.deposit(mat, i0, j0, w, h, vals, masked);
  }

  /** Hollow box: steel housing, crate. Outer box minus inner cavity (walls `wallMm`). */
  hollowBox(mat: MaterialId, rho: number, x0: number, x1: number, y0: number, y1: number, depthCm: number, wallMm: number): void {
    this.box(mat, rho, x0, x1, y0, y1, depthCm);
    const innerDepth = depthCm - (2 * wallMm) / 10;
    if (innerDepth > 0 && x1 - x0 > 2 * wallMm && y1 - y0 > 2 * wallMm) {
      this.box(mat, -rho, x0 + wallMm, x1 - wallMm, y0 + wallMm, y1 - wallMm, innerDepth, false);
    }
  }

  /**
   * Cylinder with its axis along x (logs, pipes lying along the travel direction), x ∈ [x0, x1), axis at yc, radius r (mm).
   * rhoOf(radiusMm) gives a radial density profile (g/cm³), e.g. growth rings; chords integrated numerically per row.
   * `rInner` > 0 removes a coaxial bore (hollow pipe / hollowed log) over [ix0, ix1).
   */
  cylinderX(
    mat: MaterialId,
    rhoOf: number | ((rMm: number) => number),
    x0: number,
    x1: number,
    yc: number,
    r: number,
    masked = true,
  ): void {
    const [i0, i1] = this.spanX(x0, x1);
    const [j0, j1] = this.spanY(yc - r, yc + r);
    const w = i1 - i0;
    const h = j1 - j0;
    if (w <= 0 || h <= 0) return;
    const colCov = new Float32Array(w);
    for (let i = 0; i < w; i++) colCov[i] = this.coverage(i0 + i, x0, x1, this.dx);
    const rowVal = rowChords(j0, h, this.dy, yc, r, rhoOf);
    const vals = new Float32Array(w * h);
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) vals[j * w + i] = rowVal[j]! * colCov[i]!;
    this.deposit(mat, i0, j0, w, h, vals, masked);
  }

  /** Cylinder with its axis vertical (drums, barrels, rods): axis at xc, y ∈ [y0, y1), radius r mm. */
  cylinderY(mat: MaterialId, rho: number, xc: number, y0: number, y1: number, r: number, masked = true): void {
    const [i0, i1] = this.spanX(xc - r, xc + r);
    const [j0, j1] = this.spanY(y0, y1);
    const w = i1 - i0;
    const h = j1 - j0;
    if (w <= 0 || h <= 0) return;
    const colVal = rowChords(i0, w, this.dx, xc, r, rho);
    const vals = new Float32Array(w * h);
    for (let j = 0; j < h; j++) {
      const cy = this.coverage(j0 + j, y0, y1, this.dy);
      for (let i = 0; i < w; i++) vals[j * w + i] = colVal[i]! * cy;
    }
    this.deposit(mat, i0, j0, w, h, vals, masked);
  }

  /** Cylinder with its axis along the beam (z): a disc of radius r mm seen face-on, path lengthCm (3×3 supersampled edge). */
  discZ(mat: MaterialId, rho: number, xc: number, yc: number, r: number, lengthCm: number, masked = true): void {
    const [i0, i1] = this.spanX(xc - r, xc + r);
    const [j0, j1] = this.spanY(yc - r, yc + r);
    const w = i1 - i0;
    const h = j1 - j0;
    if (w <= 0 || h <= 0) return;
    const vals = new Float32Array(w * h);
    const ad = (rho * lengthCm) / 9;
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        let n = 0;
        for (let sj = 0; sj < 3; sj++) {
          const y = (j0 + j + (sj + 0.5) / 3) * this.dy - yc;
          for (let si = 0; si < 3; si++) {
            const x = (i0 + i + (si + 0.5) / 3) * this.dx - xc;
            if (x * x + y * y < r * r) n++;
          }
        }
        vals[j * w + i] = n * ad;
      }
    }
    this.deposit(mat, i0, j0, w, h, vals, masked);
  }

  /**
   * Tapered, possibly curved solid of revolution whose axis lies in the image plane (tusks, horns, pipes).
   * pts: centreline samples (mm) with outer radius r and inner (hollow) radius ri. Chord at a pixel is
   * 2√(r(s)²−d²) at the nearest centreline sample, minus the inner chord. Samples should be ≤ ½ pixel apart.
   */
  tube(mat: MaterialId, rho: number, pts: Array<{ x: number; y: number; r: number; ri: number }>): void {
    if (pts.length === 0) return;
    const { x0: ax, y0: ay, x1: bx, y1: by } = bbox(pts);
    const [i0, i1] = this.spanX(ax, bx);
    const [j0, j1] = this.spanY(ay, by);
    const w = i1 - i0;
    const h = j1 - j0;
    if (w <= 0 || h <= 0) return;
    const outer = new Float32Array(w * h);
    const inner = new Float32Array(w * h);
    const dx = this.dx;
    const dy = this.dy;
    for (const p of pts) {
      const r2 = p.r * p.r;
      const ri2 = p.ri * p.ri;
      const pi0 = Math.max(i0, Math.floor((p.x - p.r) / dx));
      const pi1 = Math.min(i1, Math.ceil((p.x + p.r) / dx));
      const pj0 = Math.max(j0, Math.floor((p.y - p.r) / dy));
      const pj1 = Math.min(j1, Math.ceil((p.y + p.r) / dy));
      for (let j = pj0; j < pj1; j++) {
        const ddy = (j + 0.5) * dy - p.y;
        const dy2 = ddy * ddy;
        if (dy2 >= r2) continue;
        const row = (j - j0) * w - i0;
        for (let i = pi0; i < pi1; i++) {
          const ddx = (i + 0.5) * dx - p.x;
          const d2 = ddx * ddx + dy2;
          if (d2 >= r2) continue;
          const c = 2 * Math.sqrt(r2 - d2);
          const k = row + i;
          if (c > outer[k]!) outer[k] = c;
          if (d2 < ri2) {
            const ci = 2 * Math.sqrt(ri2 - d2);
            if (ci > inner[k]!) inner[k] = ci;
          }
        }
      }
    }
    const f = rho / 10; // mm → cm
    for (let k = 0; k < outer.length; k++) outer[k] = Math.max(0, outer[k]! - inner[k]!) * f;
    this.deposit(mat, i0, j0, w, h, outer);
  }
}

/**
 * Per-pixel-row mean chord integral ∫ρ dz (g/cm²) through a circle of radius r (mm) centred at c,
 * for pixel rows [j0, j0+h) of pitch d; 3 sub-rows per pixel, 24-point midpoint rule along the chord.
 */
function rowChords(j0: number, h: number, d: number, c: number, r: number, rhoOf: number | ((rMm: number) => number)): Float32Array {
  const out = new Float32Array(h);
  const SUB = 3;
  const N = 24;
  for (let j = 0; j < h; j++) {
    let acc = 0;
    for (let s = 0; s < SUB; s++) {
      const y = (j0 + j + (s + 0.5) / SUB) * d - c;
      if (Math.abs(y) >= r) continue;
      const half = Math.sqrt(r * r - y * y);
      if (typeof rhoOf === 'number') {
        acc += 2 * half * rhoOf;
      } else {
        let sum = 0;
        for (let k = 0; k < N; k++) {
          const z = ((k + 0.5) / N) * half;
          sum += rhoOf(Math.sqrt(y * y + z * z));
        }
        acc += (2 * half * sum) / N;
      }
    }
    out[j] = acc / SUB / 10; // mm·g/cm³ → g/cm²
  }
  return out;
}
