/**
 * Packaging wood: real containers are full of wood no one declares — pallets under the goods,
 * crates around machinery, dunnage bracing the loads, cartons of wooden goods. A model that has
 * only seen wood as declared timber learns "wood = timber"; these objects (truth class
 * `packaging_wood`, never declared in the manifest) teach it otherwise. `timber` stays for logs and
 * sawn-wood loads. Geometry in mm, image space (y down), as in raster.ts.
 */
import type { Rng } from './prng.ts';
import type { ObjectRecord, Scene } from './raster.ts';

/** The kinds of packaging wood drawn; each object's notes start with `packaging: <kind>`. */
export const PACKAGING_WOOD_KINDS = ['pallet', 'crate', 'dunnage', 'wooden_goods'] as const;
export type PackagingWoodKind = (typeof PACKAGING_WOOD_KINDS)[number];

/** Density of packaging softwood (pine/spruce, air-dry to wet), g/cm³. */
const PACKAGING_RHO: readonly [number, number] = [0.42, 0.62];

/** Height of a EUR pallet (EN 13698-1: 1200 × 800 × 144 mm). */
export const EUR_PALLET_HEIGHT = 144;

function begin(scene: Scene, kind: PackagingWoodKind, rho: number, notes: string): ObjectRecord {
  return scene.begin({ class: 'packaging_wood', densityGcm3: Math.round(rho * 1000) / 1000, concealment: 'open', notes: `packaging: ${kind} — ${notes}` });
}

/**
 * EUR pallet(s) seen from the side, standing on yFloor from x0: one truth object. `longAlongX`:
 * the 1200 mm side along travel (else the 800 mm side). Pallets side by side across the beam fill
 * `depthCm` (at least one). Deck boards, stringer boards and blocks have their real sizes:
 * top deck 22 mm (3 × 145 + 2 × 100 mm boards), stringer boards 22 mm (3 × 145 mm), blocks 78 mm,
 * bottom deck 22 mm (2 × 100 + 145 mm). Returns the pallet's end along x and its top.
 */
export function eurPallet(scene: Scene, rng: Rng, x0: number, yFloor: number, depthCm: number, longAlongX: boolean): { x1: number; top: number; rec: ObjectRecord } {
  const rho = rng.uniform(PACKAGING_RHO[0], PACKAGING_RHO[1]);
  const across = Math.max(1, Math.floor(depthCm / (longAlongX ? 80 : 120)));
  const rec = begin(scene, 'pallet', rho, `EUR pallet ${longAlongX ? '1200' : '800'} mm along travel, ${across} across`);
  const y = (h: number): number => yFloor - h;
  if (longAlongX) {
    const L = 1200;
    scene.box('wood', rho, x0, x0 + L, y(22), yFloor, 34.5 * across); // bottom deck boards, along x
    for (const bx of [0, 527.5, 1055]) {
      scene.box('wood', rho, x0 + bx, x0 + bx + 145, y(100), y(22), 34.5 * across); // 3 blocks across the beam
      scene.box('wood', rho, x0 + bx, x0 + bx + 145, y(122), y(100), 80 * across); // stringer board, across the beam
    }
    scene.box('wood', rho, x0, x0 + L, y(144), y(122), 63.5 * across); // top deck boards, along x
    scene.end();
    return { x1: x0 + L, top: y(144), rec };
  }
  const L = 800;
  for (const [bx, w] of [
    [0, 100],
    [327.5, 145],
    [700, 100],
  ] as const) {
    scene.box('wood', rho, x0 + bx, x0 + bx + w, y(22), yFloor, 120 * across); // bottom deck board, along the beam
    scene.box('wood', rho, x0 + bx, x0 + bx + w, y(100), y(22), 43.5 * across); // 3 blocks along the beam
  }
  scene.box('wood', rho, x0, x0 + L, y(122), y(100), 43.5 * across); // stringer boards, along x
  for (const [bx, w] of [
    [0, 145],
    [186.25, 100],
    [327.5, 145],
    [513.75, 100],
    [655, 145],
  ] as const) {
    scene.box('wood', rho, x0 + bx, x0 + bx + w, y(144), y(122), 120 * across); // top deck board, along the beam
  }
  scene.end();
  return { x1: x0 + L, top: y(144), rec };
}

/**
 * A row of pallets under a load starting at x0: as many whole pallets as fit before x1 (at least
 * one, which may overhang a short load). The goods stand on their top and should span [x0, x1 of
 * the row). Returns the pallets' top (the new floor), the row's end and the records.
 */
export function palletRow(scene: Scene, rng: Rng, x0: number, x1: number, yFloor: number, depthCm: number): { top: number; x1: number; recs: ObjectRecord[] } {
  const longAlongX = x1 - x0 >= 1200 && rng.chance(0.6);
  const L = longAlongX ? 1200 : 800;
  const recs: ObjectRecord[] = [];
  let x = x0;
  let end = x0;
  do {
    const p = eurPallet(scene, rng, x, yFloor, depthCm, longAlongX);
    recs.push(p.rec);
    end = p.x1;
    x = end + rng.uniform(0, 60);
  } while (x + L <= x1);
  return { top: yFloor - EUR_PALLET_HEIGHT, x1: end, recs };
}

/**
 * Crate of thin boards (walls 12–22 mm, small crates 8–14 mm) around [x0, x1) × [yTop, yFloor),
 * `depthCm` across the beam, optionally on two skid beams. One truth object.
 */
export function crate(scene: Scene, rng: Rng, x0: number, x1: number, yTop: number, yFloor: number, depthCm: number, skids: boolean): ObjectRecord {
  const rho = rng.uniform(PACKAGING_RHO[0], PACKAGING_RHO[1]);
  const small = yFloor - yTop < 450 && x1 - x0 < 600;
  const wall = small ? rng.uniform(8, 14) : rng.uniform(12, 22);
  const rec = begin(scene, 'crate', rho, `board crate, walls ${wall.toFixed(0)} mm`);
  const skid = skids ? rng.uniform(50, 100) : 0;
  scene.hollowBox('wood', rho, x0, x1, yTop, yFloor - skid, depthCm, wall);
  if (skid > 0) {
    // two skids along x, seen end-on across the crate's depth
    scene.box('wood', rho, x0, x1, yFloor - skid, yFloor, 2 * rng.uniform(7, 10));
  }
  // battens round the middle of the long walls
  if (x1 - x0 > 600) scene.box('wood', rho, x0 + (x1 - x0) / 2 - 50, x0 + (x1 - x0) / 2 + 50, yTop + wall, yFloor - skid - wall, (2 * wall) / 10);
  scene.end();
  return rec;
}

/**
 * Dunnage in a gap between loads [x0, x1): standing bracing boards/beams, beams lying across the
 * floor, or both. One truth object; undefined when the gap is too narrow.
 */
export function dunnage(scene: Scene, rng: Rng, x0: number, x1: number, yTop: number, yFloor: number, depthCm: number): ObjectRecord | undefined {
  const gap = x1 - x0;
  if (gap < 25) return undefined;
  const rho = rng.uniform(PACKAGING_RHO[0], PACKAGING_RHO[1]);
  const style = rng.weighted([
    ['bracing', 3],
    ['floor beams', 2],
    ['bracing and floor beams', 1],
  ] as const);
  const rec = begin(scene, 'dunnage', rho, style);
  if (style !== 'floor beams') {
    // boards or beams standing between the loads, the full width (load lock) or a few posts
    const n = rng.int(1, Math.max(1, Math.min(3, Math.floor(gap / 60))));
    const height = (yFloor - yTop) * rng.uniform(0.4, 1);
    for (let k = 0; k < n; k++) {
      const t = Math.min(gap / n, rng.pick([25, 38, 50, 75, 100]));
      const xa = x0 + (k * gap) / n + rng.uniform(0, Math.max(0, gap / n - t));
      scene.box('wood', rho, xa, xa + t, yFloor - height, yFloor, depthCm * rng.uniform(0.15, 0.9));
    }
  }
  if (style !== 'bracing') {
    const s = rng.pick([75, 100, 100, 150]);
    for (let x = x0; x + Math.min(s, gap) <= x1 + 1; x += s + rng.uniform(20, 200)) {
      scene.box('wood', rho, x, x + Math.min(s, gap), yFloor - s, yFloor, depthCm * rng.uniform(0.7, 0.95));
    }
  }
  scene.end();
  return rec;
}

/** Beams under a load (logs, machinery), across the beam every ~1 m. One truth object. */
export function bearers(scene: Scene, rng: Rng, x0: number, x1: number, yFloor: number, depthCm: number, size: number): ObjectRecord {
  const rho = rng.uniform(PACKAGING_RHO[0], PACKAGING_RHO[1]);
  const rec = begin(scene, 'dunnage', rho, `bearers ${size.toFixed(0)} mm`);
  for (let x = x0 + rng.uniform(50, 200); x + size < x1; x += rng.uniform(800, 1300)) scene.box('wood', rho, x, x + size, yFloor - size, yFloor, depthCm * 0.9);
  scene.end();
  return rec;
}

/** Wooden goods packed in cartons. */
export const WOODEN_GOODS = ['furniture', 'toys'] as const;
export type WoodenGoods = (typeof WOODEN_GOODS)[number];

/**
 * Wood inside a grid of cartons (furniture parts: flat panels lying across the carton; toys: small
 * pieces): low fill fraction of the carton volume. `cells` are the cartons' interiors. One truth object.
 */
export function woodenGoods(scene: Scene, rng: Rng, goods: WoodenGoods, cells: Array<{ x0: number; x1: number; y0: number; y1: number }>, depthCm: number): ObjectRecord {
  const rho = goods === 'furniture' ? rng.uniform(0.55, 0.75) : rng.uniform(0.45, 0.8);
  const rec = begin(scene, 'wooden_goods', rho, goods === 'furniture' ? 'flat-packed furniture parts in cartons' : 'wooden toys in cartons');
  for (const c of cells) {
    const h = c.y1 - c.y0;
    if (goods === 'furniture') {
      const n = rng.int(1, 4);
      for (let k = 0; k < n; k++) {
        const t = rng.uniform(12, 25);
        const y = c.y1 - rng.uniform(0, Math.max(0, h - t)) - t;
        scene.box('wood', rho, c.x0 + rng.uniform(0, 20), c.x1 - rng.uniform(0, 20), y, y + t, depthCm * rng.uniform(0.6, 0.95));
      }
    } else {
      const n = rng.int(3, 10);
      for (let k = 0; k < n; k++) {
        const w = Math.min(c.x1 - c.x0, rng.uniform(30, 120));
        const hh = Math.min(h, rng.uniform(30, 120));
        const xa = rng.uniform(c.x0, c.x1 - w);
        const ya = rng.uniform(c.y0, c.y1 - hh);
        scene.box('wood', rho, xa, xa + w, ya, ya + hh, depthCm * rng.uniform(0.05, 0.2));
      }
    }
  }
  scene.end();
  return rec;
}
