/** Shape generators for contraband and look-alikes (centreline samples for Scene.tube) and timber. */
import type { Rng } from './prng.ts';
import { bbox, type Scene } from './raster.ts';

export { bbox };

export interface Pt {
  x: number;
  y: number;
  r: number;
  ri: number;
}

export interface CurvedCone {
  /** Full (virtual) length, mm. */
  length: number;
  rBase: number;
  rTip: number;
  /** Taper exponent: r = rTip + (rBase−rTip)(1−s/L)^p. */
  taper: number;
  /** Curvature 1/mm (signed). */
  kappa: number;
  angle: number;
  /** Hollow cavity from the base over [0, cavityLen) with wall `wall` mm at the base (conical, closing at cavityLen). */
  cavityLen: number;
  wall: number;
  /** Portion drawn [sa, sb) mm (cut pieces). */
  sa: number;
  sb: number;
}

/** Centreline samples, origin at s = 0; step in mm. */
export function conePoints(c: CurvedCone, step: number): Pt[] {
  const pts: Pt[] = [];
  let x = 0;
  let y = 0;
  let th = c.angle;
  const riBase = Math.max(0, c.rBase - c.wall);
  for (let s = 0; s <= c.sb; s += step) {
    if (s >= c.sa) {
      const u = Math.min(1, s / c.length);
      const r = c.rTip + (c.rBase - c.rTip) * Math.pow(1 - u, c.taper);
      let ri = 0;
      if (s < c.cavityLen) ri = Math.min(r - 3, riBase * (1 - s / c.cavityLen));
      pts.push({ x, y, r, ri: Math.max(0, ri) });
    }
    x += Math.cos(th) * step;
    y += Math.sin(th) * step;
    th += c.kappa * step;
  }
  return pts;
}

/** Moves points so the bounding box centre is at (cx, cy); optionally clamps the box into [ax0,ax1]×[ay0,ay1]. */
export function placeAt(pts: Pt[], cx: number, cy: number, clamp?: { x0: number; x1: number; y0: number; y1: number }): Pt[] {
  const b = bbox(pts);
  let ox = cx - (b.x0 + b.x1) / 2;
  let oy = cy - (b.y0 + b.y1) / 2;
  if (clamp) {
    if (b.x1 + ox > clamp.x1) ox = clamp.x1 - b.x1;
    if (b.x0 + ox < clamp.x0) ox = clamp.x0 - b.x0;
    if (b.y1 + oy > clamp.y1) oy = clamp.y1 - b.y1;
    if (b.y0 + oy < clamp.y0) oy = clamp.y0 - b.y0;
  }
  return pts.map((p) => ({ x: p.x + ox, y: p.y + oy, r: p.r, ri: p.ri }));
}

export type TuskForm = 'whole' | 'cut';

/** Elephant tusk geometry: whole (1–2.5 m, limited by maxLen) or a cut piece 15–60 cm; pulp cavity over the basal ~1/3. */
export function tuskCone(rng: Rng, form: TuskForm, maxLen: number, horizontal: boolean): { cone: CurvedCone; notes: string } {
  const full = form === 'whole' ? Math.min(rng.uniform(1000, 2500), Math.max(600, maxLen)) : rng.uniform(1200, 2200);
  const rBase = (25 + 18 * (full / 1000)) * rng.uniform(0.85, 1.15);
  const cavityLen = full * rng.uniform(0.28, 0.4);
  const angle = horizontal ? rng.uniform(-0.25, 0.25) + (rng.chance(0.5) ? Math.PI : 0) : rng.uniform(-Math.PI, Math.PI);
  const kappa = (rng.chance(0.5) ? 1 : -1) / rng.uniform(1500, 4000);
  let sa = 0;
  let sb = full;
  let notes = `whole tusk ${(full / 10).toFixed(0)} cm, hollow conical pulp cavity over basal ${((cavityLen / full) * 100).toFixed(0)} %`;
  if (form === 'cut') {
    const len = Math.min(rng.uniform(150, 600), Math.max(120, maxLen));
    sa = rng.uniform(0, full - len);
    sb = sa + len;
    notes = `cut piece ${(len / 10).toFixed(0)} cm${sa < cavityLen ? ', includes hollow pulp cavity' : ', solid dentine'}`;
  }
  return {
    cone: { length: full, rBase, rTip: rng.uniform(8, 14), taper: 0.8, kappa, angle, cavityLen, wall: rng.uniform(8, 16), sa, sb },
    notes,
  };
}

/** Rhino horn: solid keratin cone 20–60 cm with a broad base. */
export function rhinoHornCone(rng: Rng, maxLen: number): CurvedCone {
  const L = Math.min(rng.uniform(200, 600), Math.max(150, maxLen));
  return {
    length: L,
    rBase: (40 + 0.08 * L) * rng.uniform(0.85, 1.15),
    rTip: rng.uniform(5, 10),
    taper: 1.3,
    kappa: (rng.chance(0.5) ? 1 : -1) / rng.uniform(400, 1000),
    angle: rng.uniform(-Math.PI, Math.PI),
    cavityLen: 0,
    wall: 0,
    sa: 0,
    sb: L,
  };
}

/** Cattle horn: curved keratin sheath (hollow over the basal part, where the bony core sits). */
export function cattleHornCone(rng: Rng, maxLen: number): CurvedCone {
  const L = Math.min(rng.uniform(250, 600), Math.max(150, maxLen));
  const rBase = rng.uniform(25, 45);
  return {
    length: L,
    rBase,
    rTip: rng.uniform(4, 7),
    taper: 1.0,
    kappa: (rng.chance(0.5) ? 1 : -1) / rng.uniform(200, 500),
    angle: rng.uniform(-Math.PI, Math.PI),
    cavityLen: L * rng.uniform(0.45, 0.6),
    wall: rng.uniform(4, 7),
    sa: 0,
    sb: L,
  };
}

/** Long bone: shaft with a medullary cavity and bulbous ends (straight). */
export function bonePoints(rng: Rng, step: number, maxLen: number): Pt[] {
  const L = Math.min(rng.uniform(200, 450), Math.max(120, maxLen));
  const r0 = rng.uniform(14, 30);
  const ang = rng.uniform(-Math.PI, Math.PI);
  const pts: Pt[] = [];
  for (let s = 0; s <= L; s += step) {
    const bulb = 0.7 * Math.exp(-((s / (0.09 * L)) ** 2)) + 0.7 * Math.exp(-(((L - s) / (0.09 * L)) ** 2));
    const r = r0 * (1 + bulb);
    const ri = Math.min(s, L - s) > 0.15 * L ? 0.55 * r0 : 0;
    pts.push({ x: Math.cos(ang) * s, y: Math.sin(ang) * s, r, ri });
  }
  return pts;
}

/**
 * Log along x with growth rings, heartwood/sapwood contrast and bark. Optionally hollowed (bore radius, range).
 * Draws into the scene's current object.
 */
export function drawLog(
  scene: Scene,
  rng: Rng,
  x0: number,
  x1: number,
  yc: number,
  R: number,
  rho: number,
  bore?: { r: number; x0: number; x1: number },
): void {
  const bark = Math.min(rng.uniform(8, 22), R * 0.15);
  const ring = rng.uniform(3, 9);
  const amp = rng.uniform(0.05, 0.12);
  const heart = rng.uniform(1.0, 1.1);
  const Rw = R - bark;
  scene.cylinderX('wood', (r) => rho * (r < 0.6 * Rw ? heart : 1) * (1 + amp * Math.cos((2 * Math.PI * r) / ring)), x0, x1, yc, Rw);
  // bark shell: outer cylinder minus the wood radius
  const barkRho = rng.uniform(0.35, 0.5);
  scene.cylinderX('wood', (r) => (r >= Rw ? barkRho : 0), x0, x1, yc, R);
  if (bore) scene.cylinderX('wood', (r) => -rho * (r < 0.6 * Rw ? heart : 1), bore.x0, bore.x1, yc, bore.r, false);
}
