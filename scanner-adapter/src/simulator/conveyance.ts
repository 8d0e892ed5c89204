/** Conveyance structures (container, truck, pallet on a belt, parcel): geometry in mm, image space (y down). */
import type { ConveyanceType } from '../scan-package/types.ts';
import { eurPallet } from './packaging.ts';
import type { Rng } from './prng.ts';
import type { Scene } from './raster.ts';

export interface Bay {
  /** Interior cargo space, mm (image coordinates; yFloor > yTop). */
  x0: number;
  x1: number;
  yTop: number;
  yFloor: number;
  /** Interior size along the beam, cm. */
  depthCm: number;
  small: boolean;
}

export interface Layout {
  width: number;
  height: number;
  dx: number;
  dy: number;
  label: string;
}

/** Container lengths, mm (ISO 668: 20', 40', 45'), and the share of each in varied cargo. */
export const CONTAINER_LENGTHS_MM = [
  [6058, 35],
  [12192, 50],
  [13716, 15],
] as const;
/** Truck (box body) lengths drawn in varied cargo, mm. */
export const TRUCK_LENGTH_MM = [6000, 13000] as const;

export interface LayoutOptions {
  /** Pixel spacing of a virtual scanner (mm); without it the legacy per-conveyance spacing. */
  spacing?: { x: number; y: number };
  /** Varied cargo: 20/40/45 ft containers, 6–13 m trucks (else the legacy 20/40 ft and 7.2–8.5 m). */
  varied?: boolean;
}

/** Image extent of each conveyance, mm (along travel beyond the body, and height). */
const EXTENT_MM = {
  container: { extra: 200, height: 2650 },
  truck: { extra: 600, height: 4000 },
  pallet: { length: 2000, height: 1250 },
  parcel: { length: 960, height: 600 },
} as const;

export function layoutFor(type: ConveyanceType, rng: Rng, opts: LayoutOptions = {}): Layout & { lengthMm: number } {
  if (!opts.spacing && !opts.varied) return legacyLayout(type, rng);
  const varied = opts.varied ?? false;
  let lengthMm: number;
  let label: string;
  let spanMm: number;
  let heightMm: number;
  switch (type) {
    case 'container': {
      if (varied) lengthMm = rng.weighted(CONTAINER_LENGTHS_MM);
      else lengthMm = rng.chance(0.6) ? 12192 : 6058;
      label = `${lengthMm === 6058 ? 20 : lengthMm === 12192 ? 40 : 45}' ISO container`;
      spanMm = lengthMm + EXTENT_MM.container.extra;
      heightMm = EXTENT_MM.container.height;
      break;
    }
    case 'truck':
      lengthMm = Math.round(varied ? rng.uniform(TRUCK_LENGTH_MM[0], TRUCK_LENGTH_MM[1]) : rng.uniform(7200, 8500));
      label = 'box truck';
      spanMm = lengthMm + EXTENT_MM.truck.extra;
      heightMm = EXTENT_MM.truck.height;
      break;
    case 'pallet':
      lengthMm = 1200;
      label = 'EUR pallet on belt';
      spanMm = EXTENT_MM.pallet.length;
      heightMm = EXTENT_MM.pallet.height;
      break;
    case 'parcel':
      lengthMm = Math.round(rng.uniform(400, 800));
      label = 'parcel on belt';
      spanMm = EXTENT_MM.parcel.length;
      heightMm = EXTENT_MM.parcel.height;
      break;
  }
  const legacy = legacySpacing(type);
  const dx = opts.spacing?.x ?? legacy;
  const dy = opts.spacing?.y ?? legacy;
  return { width: Math.ceil(spanMm / dx - 1e-9), height: Math.ceil(heightMm / dy - 1e-9), dx, dy, label, lengthMm };
}

function legacySpacing(type: ConveyanceType): number {
  return type === 'pallet' ? 2.5 : type === 'parcel' ? 1.5 : 5;
}

/** The original layouts (kept byte-for-byte: the legacy scans depend on them). */
function legacyLayout(type: ConveyanceType, rng: Rng): Layout & { lengthMm: number } {
  switch (type) {
    case 'container': {
      const forty = rng.chance(0.6);
      const lengthMm = forty ? 12192 : 6058;
      return { width: Math.ceil((lengthMm + 200) / 5), height: 530, dx: 5, dy: 5, label: forty ? "40' ISO container" : "20' ISO container", lengthMm };
    }
    case 'truck': {
      const lengthMm = Math.round(rng.uniform(7200, 8500));
      return { width: Math.ceil((lengthMm + 600) / 5), height: 800, dx: 5, dy: 5, label: 'box truck', lengthMm };
    }
    case 'pallet':
      return { width: 800, height: 500, dx: 2.5, dy: 2.5, label: 'EUR pallet on belt', lengthMm: 1200 };
    case 'parcel':
      return { width: 640, height: 400, dx: 1.5, dy: 1.5, label: 'parcel on belt', lengthMm: Math.round(rng.uniform(400, 800)) };
  }
}

/** Trapezoidal corrugation path factor along x (flat 1.0, slopes 1/cos θ ≈ 1.46), pitch 278 mm. */
function corrugationFactor(x: number): number {
  const p = ((x % 278) + 278) % 278;
  return p < 102 || (p >= 139 && p < 241) ? 1 : 1.46;
}

/**
 * Draws the conveyance structure (not a truth object) and returns the cargo bay. With `varied`
 * cargo the EUR pallet under belt-scanned goods is a packaging-wood truth object.
 */
export function drawConveyance(scene: Scene, type: ConveyanceType, L: Layout & { lengthMm: number }, rng: Rng, varied = false): Bay {
  const S = 7.87;
  if (type === 'container') {
    const xa = 100;
    const xb = 100 + L.lengthMm;
    const top = 30;
    const bottom = 30 + 2591;
    const width = 235; // cm interior across the beam
    const sheet = rng.uniform(0.16, 0.2); // cm
    // corrugated side walls (both), per column
    const wallTop = top + 60;
    const wallBot = bottom - 160;
    const [i0, i1] = [Math.floor(xa / scene.dx), Math.ceil(xb / scene.dx)];
    for (let i = i0; i < i1; i++) {
      let f = 0;
      for (let s = 0; s < 5; s++) f += corrugationFactor((i + (s + 0.5) / 5) * scene.dx - xa);
      const path = 2 * sheet * (f / 5);
      scene.box('steel', S, i * scene.dx, (i + 1) * scene.dx, wallTop, wallBot, path);
    }
    // roof sheet (seen edge-on across the width) and top side rails (hollow 60×60×3 tubes, both sides)
    scene.box('steel', S, xa, xb, top + 40, top + 42, width);
    scene.hollowBox('steel', S, xa, xb, top, top + 60, 12, 3);
    // floor: 28 mm plywood across the width, bottom side rails (C 160 mm, web 4.5 mm, flanges 50 mm), cross-members
    const floorTop = bottom - 150;
    scene.box('wood', 0.7, xa, xb, floorTop, floorTop + 28, width);
    scene.box('steel', S, xa, xb, bottom - 160, bottom, 0.9);
    scene.box('steel', S, xa, xb, bottom - 160, bottom - 155.5, 10);
    scene.box('steel', S, xa, xb, bottom - 4.5, bottom, 10);
    for (let x = xa + 300; x < xb - 300; x += rng.uniform(290, 310)) {
      const cmTop = floorTop + 28;
      scene.box('steel', S, x, x + 4.5, cmTop, cmTop + 122, width * 0.98);
      scene.box('steel', S, x, x + 45, cmTop, cmTop + 4.5, width * 0.98);
      scene.box('steel', S, x, x + 45, cmTop + 117.5, cmTop + 122, width * 0.98);
    }
    // corner posts (front and rear pairs, hollow sections), front wall (corrugated, edge-on), doors with locking bars
    for (const [p0, p1] of [
      [xa, xa + 150],
      [xb - 150, xb],
    ] as const) {
      scene.hollowBox('steel', S, p0, p1, top, bottom, 20, 6);
    }
    scene.box('steel', S, xa + 10, xa + 46, top + 60, bottom - 150, 15.7);
    scene.box('steel', S, xb - 70, xb - 10, top + 60, bottom - 150, 13);
    for (let k = 0; k < 4; k++) scene.cylinderY('steel', S, xb - 40 + k * 6, top + 80, bottom - 40, 14);
    return { x0: xa + 60, x1: xb - 120, yTop: top + 100, yFloor: floorTop, depthCm: width, small: false };
  }
  if (type === 'truck') {
    const xa = 300;
    const xb = 300 + L.lengthMm;
    const ground = L.height * scene.dy - 50;
    const floorTop = ground - 1250;
    const top = floorTop - 2600;
    const width = 245;
    // aluminium side walls (2 × 2 mm) with posts every ~600 mm; roof edge-on; floor (wood + aluminium)
    scene.box('aluminium', 2.7, xa, xb, top, floorTop, 0.4);
    for (let x = xa; x < xb; x += 600) scene.box('aluminium', 2.7, x, x + 40, top, floorTop, 1.2);
    scene.box('aluminium', 2.7, xa, xb, top, top + 2, width);
    scene.box('wood', 0.7, xa, xb, floorTop, floorTop + 30, width);
    scene.box('aluminium', 2.7, xa, xb, floorTop + 30, floorTop + 33, width);
    scene.hollowBox('aluminium', 2.7, xa, xa + 80, top, floorTop, 8, 4);
    scene.hollowBox('steel', S, xb - 80, xb, top, floorTop, 8, 4);
    // chassis: two C rails (web 7 mm) along x, cross-members
    scene.box('steel', S, xa - 200, xb, floorTop + 60, floorTop + 310, 1.4);
    scene.box('steel', S, xa - 200, xb, floorTop + 60, floorTop + 67, 16);
    scene.box('steel', S, xa - 200, xb, floorTop + 303, floorTop + 310, 16);
    for (let x = xa + 400; x < xb - 200; x += 700) scene.box('steel', S, x, x + 8, floorTop + 67, floorTop + 303, 90);
    // wheels: tyres (rubber ≈ polyethylene proxy) and steel rims, face-on discs
    for (const wx of [xa + L.lengthMm * 0.62, xa + L.lengthMm * 0.62 + 1350]) {
      scene.discZ('polyethylene', 1.1, wx, ground - 500, 500, 2 * 2 * 25);
      scene.discZ('polyethylene', -1.1, wx, ground - 500, 300, 2 * 2 * 25, false);
      scene.discZ('steel', S, wx, ground - 500, 290, 4 * 1.2);
      scene.discZ('steel', S, wx, ground - 500, 110, 2 * 20);
    }
    return { x0: xa + 80, x1: xb - 80, yTop: top + 60, yFloor: floorTop, depthCm: width, small: false };
  }
  if (type === 'pallet') {
    const belt = 1180;
    scene.box('polyethylene', 1.1, 0, L.width * scene.dx, belt, belt + 8, 100);
    const xa = 400;
    const xb = 1600;
    if (varied) {
      // The pallet is packaging wood under the goods: a truth object (drawn in cargo.ts).
      eurPallet(scene, rng, xa, belt, 80, true);
      return { x0: xa + 5, x1: xb - 5, yTop: belt - 144 - 950, yFloor: belt - 144, depthCm: 80, small: true };
    }
    // EUR pallet: top deck 22 mm (≈75 % of 80 cm), blocks 78 mm (3 × 10 cm), bottom deck 22 mm (≈45 %)
    const rho = rng.uniform(0.45, 0.6);
    scene.box('wood', rho, xa, xb, belt - 144, belt - 122, 60);
    for (const bx of [xa, (xa + xb) / 2 - 72.5, xb - 145]) scene.box('wood', rho, bx, bx + 145, belt - 122, belt - 44, 30);
    scene.box('wood', rho, xa, xb, belt - 44, belt - 22, 36);
    scene.box('wood', rho, xa, xb, belt - 22, belt, 36);
    return { x0: xa + 5, x1: xb - 5, yTop: belt - 144 - 950, yFloor: belt - 144, depthCm: 80, small: true };
  }
  // parcel: corrugated-board box on the belt
  const belt = 570;
  scene.box('polyethylene', 1.1, 0, L.width * scene.dx, belt, belt + 6, 60);
  const len = L.lengthMm;
  const h = rng.uniform(250, 450);
  const depth = rng.uniform(30, 50);
  const xa = (L.width * scene.dx - len) / 2;
  scene.hollowBox('cellulose', 0.15, xa, xa + len, belt - h, belt, depth, 5);
  return { x0: xa + 6, x1: xa + len - 6, yTop: belt - h + 6, yFloor: belt - 6, depthCm: depth - 1.2, small: true };
}
