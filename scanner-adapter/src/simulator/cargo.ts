/**
 * Cargo, contraband and look-alike placement inside a bay. Everything drawn here is a truth object.
 * With `Ctx.varied` (virtual scanners) the loads also carry undeclared packaging wood
 * (packaging.ts): pallets under cartons, drums and bales, crates round machinery, bearers under
 * logs, cartons of wooden goods. Without it every builder draws exactly what it always drew.
 */
import type { Concealment, ManifestDeclaration, TruthClass } from '../scan-package/types.ts';
import type { Bay } from './conveyance.ts';
import { bbox, bonePoints, cattleHornCone, conePoints, drawLog, placeAt, rhinoHornCone, tuskCone, type CurvedCone, type Pt } from './objects.ts';
import { bearers, crate, palletRow, woodenGoods, type WoodenGoods } from './packaging.ts';
import type { Rng } from './prng.ts';
import type { ObjectRecord, Scene } from './raster.ts';
import { COMMON_SPECIES, DENSE_LOOKALIKE_SPECIES, timberHsCode, type SpeciesInfo } from './species.ts';

export type HostKind = 'logs' | 'sawn' | 'machinery' | 'cartons' | 'bales' | 'drums' | 'horns' | 'crate';

export interface Host {
  kind: HostKind;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  rec: ObjectRecord[];
  logs?: Array<{ x0: number; x1: number; yc: number; R: number; rho: number; rec: ObjectRecord }>;
  hollow?: { x0: number; x1: number; yc: number; r: number };
  species?: SpeciesInfo;
}

export interface Ctx {
  scene: Scene;
  rng: Rng;
  bay: Bay;
  decls: ManifestDeclaration[];
  falseNotes: string[];
  /** Varied cargo (packaging wood, partial loads); off = the legacy scans byte for byte. */
  varied?: boolean;
}

export interface TimberSpec {
  species: SpeciesInfo;
  /** What the manifest says (species name), or null to declare generically without species. */
  declaredAs: SpeciesInfo | null;
  permit: boolean;
}

const step = (c: Ctx): number => Math.min(c.scene.dx, c.scene.dy) / 2;

function declare(c: Ctx, d: ManifestDeclaration): void {
  c.decls.push(d);
}

function timberDecl(c: Ctx, t: TimberSpec, form: 'log' | 'sawn', volumeM3: number): void {
  const shown = t.declaredAs ?? t.species;
  const d: ManifestDeclaration = {
    hsCode: timberHsCode(t.declaredAs ? shown.genus : 'tropical', form),
    description: t.declaredAs ? `${form === 'log' ? 'Logs' : 'Sawn timber'}, ${shown.tradeName}` : `${form === 'log' ? 'Logs' : 'Sawn wood'}, tropical hardwood`,
    quantity: Math.round(volumeM3 * 100) / 100,
    unit: 'm3',
  };
  if (t.declaredAs) d.species = shown.name;
  if (t.permit) d.citesPermit = `CITES-${t.species.cites.appendix}-${c.rng.int(10, 99)}-2026-${String(c.rng.int(0, 999999)).padStart(6, '0')}`;
  declare(c, d);
  if (t.declaredAs && t.declaredAs.name !== t.species.name) {
    c.falseNotes.push(`${t.species.name} (CITES App. ${t.species.cites.appendix}) ${form === 'log' ? 'logs' : 'sawn timber'} declared as ${t.declaredAs.name} (${d.hsCode})`);
  } else if (!t.declaredAs && t.species.cites.appendix !== 'none') {
    c.falseNotes.push(`${t.species.name} (CITES App. ${t.species.cites.appendix}) declared generically as tropical wood without species or permit`);
  } else if (t.species.cites.appendix !== 'none' && !t.permit) {
    c.falseNotes.push(`${t.species.name} (CITES App. ${t.species.cites.appendix}) declared without a CITES permit`);
  }
}

function densityOf(rng: Rng, s: SpeciesInfo): number {
  return Math.min(s.densityRange[1], Math.max(s.densityRange[0], s.densityGcm3 * (1 + 0.05 * rng.normal())));
}

export function honestTimber(rng: Rng): TimberSpec {
  const s = rng.pick(COMMON_SPECIES);
  return { species: s, declaredAs: s, permit: false };
}

// ---------- hosts ----------

/** Logs along x: stacked rows across the width (projections superimpose). */
export function buildLogs(c: Ctx, x0: number, x1: number, t: TimberSpec, hollow: boolean): Host {
  const { scene, rng, bay } = c;
  let floor = bay.yFloor;
  if (c.varied && !bay.small && rng.chance(0.5)) {
    const size = rng.pick([75, 100, 150]);
    bearers(scene, rng, x0, x1, bay.yFloor, bay.depthCm, size);
    floor -= size;
  }
  const host: Host = { kind: 'logs', x0, x1, y0: floor, y1: floor, rec: [], logs: [], species: t.species };
  const maxR = Math.min(bay.small ? 180 : 380, (floor - bay.yTop) / 2.2);
  const Rmean = rng.uniform(Math.min(150, maxR * 0.6), maxR);
  let y = floor;
  let vol = 0;
  let rows = 0;
  const maxRows = bay.small ? 2 : rng.int(2, 4);
  while (rows < maxRows && y - 2 * Rmean * 0.9 > bay.yTop) {
    const across = Math.max(1, Math.floor((bay.depthCm * 10) / (2 * Rmean)));
    for (let k = 0; k < across; k++) {
      const R = Math.min(maxR, Rmean * rng.uniform(0.8, 1.15));
      const la = x0 + rng.uniform(0, 150);
      const lb = x1 - rng.uniform(0, 150);
      const yc = Math.max(bay.yTop + R, y - R - rng.uniform(0, 20));
      const rho = densityOf(rng, t.species);
      const rec = scene.begin({ class: 'timber', species: t.species.name, densityGcm3: round3(rho), concealment: 'open', notes: 'log with bark' });
      let bore: { r: number; x0: number; x1: number } | undefined;
      if (hollow && !host.hollow && R > 120) {
        const br = R * rng.uniform(0.5, 0.65);
        const bl = Math.min(lb - la - 200, rng.uniform(600, 2500));
        const bx0 = la + rng.uniform(100, Math.max(101, lb - la - bl - 100));
        bore = { r: br, x0: bx0, x1: bx0 + bl };
        host.hollow = { x0: bx0, x1: bx0 + bl, yc, r: br };
        rec.notes = 'log with bark, hollowed (bored cavity)';
      }
      drawLog(scene, rng, la, lb, yc, R, rho, bore);
      scene.end();
      host.rec.push(rec);
      host.logs!.push({ x0: la, x1: lb, yc, R, rho, rec });
      host.y0 = Math.min(host.y0, yc - R);
      vol += (Math.PI * R * R * (lb - la)) / 1e9;
    }
    y -= 2 * Rmean * 0.85;
    rows++;
  }
  timberDecl(c, t, 'log', vol);
  return host;
}

/** Sawn timber stack: planks along x in layers separated by stickers, staggered ends. */
export function buildSawn(c: Ctx, x0: number, x1: number, t: TimberSpec): Host {
  const { scene, rng, bay } = c;
  const rho = densityOf(rng, t.species);
  const rec = scene.begin({ class: 'timber', species: t.species.name, densityGcm3: round3(rho), concealment: 'open', notes: 'sawn timber stack' });
  const thick = rng.pick(bay.small ? [20, 25, 32, 50] : [25, 32, 50, 75]);
  const gap = rng.chance(0.6) ? rng.uniform(15, 25) : 0;
  const fill = rng.uniform(0.8, 0.95);
  const height = Math.min(bay.yFloor - bay.yTop - 50, rng.uniform(0.5, 0.9) * (bay.yFloor - bay.yTop));
  let y = bay.yFloor - (bay.small ? 0 : 100);
  if (!bay.small) {
    // bearers under the stack
    for (let x = x0 + 100; x < x1 - 100; x += 1200) scene.box('wood', 0.5, x, x + 100, y, bay.yFloor, bay.depthCm * 0.9);
  }
  let vol = 0;
  const top = bay.yFloor - height;
  while (y - thick > top) {
    const a = x0 + rng.uniform(0, 60);
    const b = x1 - rng.uniform(0, 60);
    const f = fill * rng.uniform(0.92, 1.0);
    scene.box('wood', rho, a, b, y - thick, y, bay.depthCm * f);
    vol += ((b - a) * thick * bay.depthCm * 10 * f) / 1e9;
    y -= thick;
    if (gap > 0) {
      for (let x = a + 200; x < b - 50; x += 1000) scene.box('wood', 0.5, x, x + 25, y - gap, y, bay.depthCm * 0.9);
      y -= gap;
    }
  }
  if (!bay.small) for (let x = x0 + 400; x < x1 - 100; x += rng.uniform(1200, 1800)) scene.box('steel', 7.87, x, x + 32, y, bay.yFloor - 100, 0.16);
  scene.end();
  timberDecl(c, t, 'sawn', vol);
  return { kind: 'sawn', x0, x1, y0: y, y1: bay.yFloor, rec: [rec], species: t.species };
}

export function buildMachinery(c: Ctx, x0: number, x1: number): Host {
  const { scene, rng, bay } = c;
  const H = Math.min(bay.yFloor - bay.yTop - 20, rng.uniform(0.4, 0.85) * (bay.yFloor - bay.yTop));
  const rec = scene.begin({ class: 'machinery', densityGcm3: 7.87, concealment: 'open', notes: 'steel machinery (housing, shafts, flywheel)' });
  const depth = bay.depthCm * rng.uniform(0.4, 0.8);
  const wall = rng.uniform(bay.small ? 3 : 6, bay.small ? 8 : 15);
  // skid base
  scene.box('steel', 7.87, x0, x1, bay.yFloor - 120 * (bay.small ? 0.3 : 1), bay.yFloor, 2 * 1.2);
  const y1 = bay.yFloor - (bay.small ? 36 : 120);
  scene.hollowBox('steel', 7.87, x0 + 20, x1 - 20, y1 - H * 0.8, y1, depth, wall);
  const sr = rng.uniform(bay.small ? 10 : 30, bay.small ? 25 : 80);
  scene.cylinderX('steel', 7.87, x0 + 40, x1 - 40, y1 - H * rng.uniform(0.3, 0.5), sr);
  const fr = Math.min(H * 0.45, rng.uniform(bay.small ? 60 : 200, bay.small ? 150 : 450));
  scene.discZ('steel', 7.87, x0 + (x1 - x0) * rng.uniform(0.2, 0.8), y1 - H * 0.5, fr, rng.uniform(3, 8));
  if (rng.chance(0.6)) scene.box('steel', 7.87 * 0.35, x0 + (x1 - x0) * 0.1, x0 + (x1 - x0) * 0.45, y1 - H * 0.75, y1 - H * 0.1, depth * 0.5);
  scene.end();
  if (c.varied && rng.chance(0.5)) {
    // crated machine: a board crate round it
    crate(scene, rng, x0, x1, Math.max(bay.yTop, y1 - H - 30), bay.yFloor, Math.min(bay.depthCm, depth + 10), false);
  }
  declare(c, { hsCode: '8479.89', description: 'Machines and mechanical appliances n.e.s.', quantity: 1, unit: 'pcs' });
  return { kind: 'machinery', x0, x1, y0: y1 - H * 0.8, y1, rec: [rec] };
}

type Goods = 'textiles' | 'bananas' | 'plastics' | 'oil';
const GOODS: Record<Goods, { mat: 'cellulose' | 'water' | 'polyethylene'; fill: [number, number]; hs: string; desc: string }> = {
  textiles: { mat: 'cellulose', fill: [0.15, 0.35], hs: '6302.21', desc: 'Bed linen, printed, of cotton' },
  bananas: { mat: 'water', fill: [0.35, 0.55], hs: '0803.90', desc: 'Bananas, fresh' },
  plastics: { mat: 'polyethylene', fill: [0.08, 0.3], hs: '3926.90', desc: 'Articles of plastics n.e.s.' },
  oil: { mat: 'polyethylene', fill: [0.9, 0.9], hs: '1511.90', desc: 'Palm oil, refined, in drums' },
};

/** Cartons of wooden goods (varied cargo): declared as the goods, never as wood. */
const WOODEN_GOODS_DECL: Record<WoodenGoods, { hs: string; desc: string }> = {
  furniture: { hs: '9403.91', desc: 'Furniture parts, flat-packed, in cartons' },
  toys: { hs: '9503.00', desc: 'Toys, in cartons' },
};

/** Palletised cartons (grid of cartons with fill variation and board walls). */
export function buildCartons(c: Ctx, x0: number, x1: number, goods?: Goods): Host {
  if (c.varied) return buildCartonsVaried(c, x0, x1, goods);
  const { scene, rng, bay } = c;
  const g = goods ?? rng.pick(['textiles', 'bananas', 'plastics'] as const);
  const G = GOODS[g];
  const rec = scene.begin({ class: 'cargo', concealment: 'open', notes: `cartons: ${g}` });
  const cw = bay.small ? rng.uniform(200, 400) : rng.uniform(400, 600);
  const ch = bay.small ? rng.uniform(150, 300) : rng.uniform(250, 450);
  let floor = bay.yFloor;
  if (!bay.small) {
    for (let px = x0; px + 1100 <= x1; px += 1200) {
      scene.box('wood', 0.5, px, px + 1200, floor - 144, floor - 122, bay.depthCm * 0.75);
      for (const bx of [px, px + 527, px + 1055]) scene.box('wood', 0.5, bx, bx + 145, floor - 122, floor - 22, bay.depthCm * 0.3);
      scene.box('wood', 0.5, px, px + 1200, floor - 22, floor, bay.depthCm * 0.45);
    }
    floor -= 144;
  }
  const top = bay.yTop + rng.uniform(0, 0.4) * (bay.yFloor - bay.yTop);
  const fillMean = rng.uniform(G.fill[0], G.fill[1]);
  const depth = bay.depthCm * rng.uniform(0.85, 0.98);
  let n = 0;
  for (let x = x0; x + cw * 0.5 < x1; x += cw) {
    const xe = Math.min(x1, x + cw);
    for (let y = floor; y - ch >= top; y -= ch) {
      const f = fillMean * rng.uniform(0.8, 1.2);
      scene.box(G.mat, 1, x + 4, xe - 4, y - ch + 4, y - 4, depth * f);
      scene.box('cellulose', 0.6, x, xe, y - ch, y, 2 * 0.4);
      scene.box('cellulose', 0.6, x, x + 4, y - ch, y, depth);
      scene.box('cellulose', 0.6, x, xe, y - ch, y - ch + 4, depth);
      n++;
    }
  }
  scene.end();
  declare(c, { hsCode: G.hs, description: G.desc, quantity: n, unit: 'cartons' });
  return { kind: 'cartons', x0, x1, y0: top, y1: floor, rec: [rec] };
}

/**
 * Varied cartons: on EUR pallets (separate packaging-wood objects) in containers and trucks, and
 * sometimes holding wooden goods (furniture parts, toys: a packaging-wood object inside the cartons).
 */
function buildCartonsVaried(c: Ctx, x0: number, xEnd: number, goods?: Goods): Host {
  const { scene, rng, bay } = c;
  let x1 = xEnd;
  const g: Goods | WoodenGoods =
    goods ??
    rng.weighted([
      ['textiles', 3],
      ['bananas', 3],
      ['plastics', 3],
      ['furniture', 2],
      ['toys', 1],
    ] as const);
  let floor = bay.yFloor;
  if (!bay.small) {
    const row = palletRow(scene, rng, x0, x1, bay.yFloor, bay.depthCm);
    floor = row.top;
    if (row.x1 < x1) x1 = row.x1; // the load stands on its pallets
  }
  const rec = scene.begin({ class: 'cargo', concealment: 'open', notes: `cartons: ${g}` });
  const cw = bay.small ? rng.uniform(200, 400) : rng.uniform(400, 600);
  const ch = Math.min(floor - bay.yTop, bay.small ? rng.uniform(150, 300) : rng.uniform(250, 450));
  const top = Math.min(floor - ch, bay.yTop + rng.uniform(0, 0.4) * (bay.yFloor - bay.yTop));
  const G = g === 'furniture' || g === 'toys' ? null : GOODS[g];
  const fillMean = G ? rng.uniform(G.fill[0], G.fill[1]) : 0;
  const depth = bay.depthCm * rng.uniform(0.85, 0.98);
  const cells: Array<{ x0: number; x1: number; y0: number; y1: number }> = [];
  let n = 0;
  for (let x = x0; x + cw * 0.5 < x1; x += cw) {
    const xe = Math.min(x1, x + cw);
    for (let y = floor; y - ch >= top - 1e-6; y -= ch) {
      if (G) scene.box(G.mat, 1, x + 4, xe - 4, y - ch + 4, y - 4, depth * fillMean * rng.uniform(0.8, 1.2));
      else cells.push({ x0: x + 4, x1: xe - 4, y0: y - ch + 4, y1: y - 4 });
      scene.box('cellulose', 0.6, x, xe, y - ch, y, 2 * 0.4);
      scene.box('cellulose', 0.6, x, x + 4, y - ch, y, depth);
      scene.box('cellulose', 0.6, x, xe, y - ch, y - ch + 4, depth);
      n++;
    }
  }
  scene.end();
  if (g === 'furniture' || g === 'toys') {
    woodenGoods(scene, rng, g, cells, depth);
    declare(c, { hsCode: WOODEN_GOODS_DECL[g].hs, description: WOODEN_GOODS_DECL[g].desc, quantity: n, unit: 'cartons' });
  } else {
    declare(c, { hsCode: GOODS[g].hs, description: GOODS[g].desc, quantity: n, unit: 'cartons' });
  }
  return { kind: 'cartons', x0, x1, y0: top, y1: floor, rec: [rec] };
}

/** Compressed bales (textiles / worn clothing) with steel straps: dense organic goods. */
export function buildBales(c: Ctx, x0: number, xEnd: number): Host {
  let x1 = xEnd;
  const { scene, rng, bay } = c;
  const rec = scene.begin({ class: 'cargo', concealment: 'open', notes: 'compressed bales of worn clothing' });
  const bw = bay.small ? rng.uniform(300, 500) : rng.uniform(700, 1100);
  const bh = bay.small ? rng.uniform(200, 350) : rng.uniform(500, 800);
  const rho = rng.uniform(0.35, 0.55);
  const top = bay.yTop + rng.uniform(0, 0.3) * (bay.yFloor - bay.yTop);
  let floor = bay.yFloor;
  if (c.varied && !bay.small && rng.chance(0.3)) {
    scene.end();
    const row = palletRow(scene, rng, x0, x1, bay.yFloor, bay.depthCm);
    floor = row.top;
    if (row.x1 < x1) x1 = row.x1;
    scene.resume(rec);
  }
  let n = 0;
  for (let x = x0; x + bw * 0.6 < x1; x += bw + 20) {
    for (let y = floor; y - bh >= top; y -= bh + 10) {
      scene.box('cellulose', rho * rng.uniform(0.9, 1.1), x, Math.min(x1, x + bw), y - bh, y, bay.depthCm * 0.9);
      for (let s = 1; s <= 3; s++) scene.box('steel', 7.87, x + (s * bw) / 4, x + (s * bw) / 4 + 19, y - bh, y, 0.1);
      n++;
    }
  }
  scene.end();
  declare(c, { hsCode: '6309.00', description: 'Worn clothing and other worn articles, in bales', quantity: n, unit: 'bales' });
  return { kind: 'bales', x0, x1, y0: top, y1: floor, rec: [rec] };
}

/** Drums (steel or HDPE) of liquid (palm oil ≈ polyethylene-like hydrocarbon), standing; two rows across. */
export function buildDrums(c: Ctx, x0: number, xEnd: number): Host {
  let x1 = xEnd;
  const { scene, rng, bay } = c;
  let floor = bay.yFloor;
  if (c.varied && !bay.small && rng.chance(0.5)) {
    const row = palletRow(scene, rng, x0, x1, bay.yFloor, bay.depthCm);
    floor = row.top;
    if (row.x1 < x1) x1 = row.x1;
  }
  const rec = scene.begin({ class: 'cargo', concealment: 'open', notes: 'drums of palm oil' });
  const r = bay.small ? 150 : 290;
  const h = bay.small ? 400 : 880;
  const steelDrum = rng.chance(0.5);
  const across = Math.max(1, Math.floor((bay.depthCm * 10) / (2 * r)));
  let n = 0;
  for (let x = x0 + r; x + r <= x1; x += 2 * r + 10) {
    for (let y = floor; y - h >= bay.yTop && n < 200; y -= h + 10) {
      for (let k = 0; k < across; k++) {
        const xc = x + rng.uniform(-15, 15);
        scene.cylinderY('polyethylene', 0.9, xc, y - h * 0.92, y, r - 2);
        if (steelDrum) {
          scene.cylinderY('steel', 7.87, xc, y - h, y, r);
          scene.cylinderY('steel', -7.87, xc, y - h, y, r - 1.2, false);
        } else {
          scene.cylinderY('polyethylene', 0.95, xc, y - h, y, r);
          scene.cylinderY('polyethylene', -0.95, xc, y - h, y, r - 4, false);
        }
        n++;
      }
      if (!rng.chance(0.5)) break;
    }
  }
  scene.end();
  declare(c, { hsCode: '1511.90', description: 'Palm oil, refined, in drums', quantity: n, unit: 'drums' });
  return { kind: 'drums', x0, x1, y0: floor - h, y1: floor, rec: [rec] };
}

/** Heap of cattle horns (look-alikes; also host for rhino horns). Each horn is its own truth object. */
export function buildHornPile(c: Ctx, x0: number, x1: number, count: number): Host {
  const { rng, bay } = c;
  const top = Math.max(bay.yTop, bay.yFloor - (bay.small ? 250 : 700));
  const host: Host = { kind: 'horns', x0, x1, y0: top, y1: bay.yFloor, rec: [] };
  for (let k = 0; k < count; k++) host.rec.push(cattleHorn(c, rng.uniform(x0, x1), rng.uniform(top, bay.yFloor), { x0, x1, y0: top, y1: bay.yFloor }, 'open'));
  declare(c, { hsCode: '0507.90', description: 'Horns of cattle, unworked', species: 'Bos taurus', quantity: Math.round(count * 0.4), unit: 'kg' });
  return host;
}

/** Wooden crate (open concealment box for tusks or look-alikes). */
export function buildCrate(c: Ctx, x0: number, x1: number): Host {
  const { scene, rng, bay } = c;
  const h = Math.min(bay.yFloor - bay.yTop - 10, bay.small ? rng.uniform(200, 400) : rng.uniform(400, 900));
  const depth = bay.depthCm * rng.uniform(0.4, 0.8);
  let rec: ObjectRecord;
  if (c.varied) {
    // the crate is packaging wood; its contents (handicrafts, or what is hidden in it) are declared
    rec = crate(scene, rng, x0, x1, bay.yFloor - h, bay.yFloor, depth, !bay.small);
  } else {
    rec = scene.begin({ class: 'cargo', concealment: 'open', notes: 'wooden crate' });
    scene.hollowBox('wood', 0.5, x0, x1, bay.yFloor - h, bay.yFloor, depth, bay.small ? 10 : 20);
    scene.end();
  }
  declare(c, { hsCode: '4420.90', description: 'Wooden ornaments and handicrafts, in crates', quantity: 1, unit: 'crates' });
  return { kind: 'crate', x0, x1, y0: bay.yFloor - h, y1: bay.yFloor, rec: [rec] };
}

// ---------- contraband and look-alikes ----------

type Region = { x0: number; x1: number; y0: number; y1: number };

/** Centreline points of a cone scaled down (if needed) to fit the region, then placed at (cx, cy). */
function fitCone(c: Ctx, cone: CurvedCone, region: Region, cx: number, cy: number): Pt[] {
  let pts = conePoints(cone, step(c));
  for (let k = 0; k < 4; k++) {
    const b = bbox(pts);
    const f = Math.min(1, (region.x1 - region.x0) / (b.x1 - b.x0), (region.y1 - region.y0) / (b.y1 - b.y0));
    if (f >= 0.999) break;
    const g = f * 0.97;
    cone = { ...cone, length: cone.length * g, rBase: cone.rBase * g, rTip: cone.rTip * g, kappa: cone.kappa / g, cavityLen: cone.cavityLen * g, wall: cone.wall * g, sa: cone.sa * g, sb: cone.sb * g };
    pts = conePoints(cone, step(c));
  }
  return placeAt(pts, cx, cy, region);
}

function drawCone(c: Ctx, cls: TruthClass, mat: Parameters<Scene['tube']>[0], rho: number, pts: Pt[], concealment: Concealment, notes: string, species?: string): ObjectRecord {
  const rec = c.scene.begin({ class: cls, densityGcm3: round3(rho), concealment, notes, ...(species ? { species } : {}) });
  c.scene.tube(mat, rho, pts);
  c.scene.end();
  return rec;
}

export function tusk(c: Ctx, form: 'whole' | 'cut', region: Region, concealment: Concealment, horizontal: boolean, maxR?: number): ObjectRecord {
  const { rng } = c;
  const maxLen = region.x1 - region.x0 - 20;
  let t = tuskCone(rng, form, maxLen, horizontal);
  for (let k = 0; k < 5 && maxR !== undefined && t.cone.rBase > maxR; k++) t = tuskCone(rng, 'cut', maxLen, horizontal);
  if (maxR !== undefined && t.cone.rBase > maxR) {
    t.cone.rTip = Math.min(t.cone.rTip, maxR * 0.5);
    t.cone.rBase = maxR;
  }
  const rho = Math.min(2.0, Math.max(1.7, rng.uniform(1.75, 1.95) + 0.03 * rng.normal()));
  const pts = fitCone(c, t.cone, region, rng.uniform(region.x0, region.x1), rng.uniform(region.y0, region.y1));
  return drawCone(c, 'ivory', 'ivory', rho, pts, concealment, t.notes);
}

/** Rhino horn density: the forensic class averages 0.69–0.96 (Jha et al., incl. porosity); we draw 0.75–1.05. */
export function rhinoHorn(c: Ctx, region: Region, concealment: Concealment): ObjectRecord {
  const { rng } = c;
  const cone = rhinoHornCone(rng, Math.min(region.x1 - region.x0, region.y1 - region.y0) * 1.2);
  const rho = Math.min(1.05, Math.max(0.75, 0.9 + 0.08 * rng.normal()));
  const pts = fitCone(c, cone, region, rng.uniform(region.x0, region.x1), rng.uniform(region.y0, region.y1));
  return drawCone(c, 'rhino_horn', 'horn_keratin', rho, pts, concealment, `solid keratin horn ${(cone.length / 10).toFixed(0)} cm`);
}

/** Cattle horn: keratin sheath (1.2 g/cm³, UNVERIFIED) with a porous bony core (1.3 g/cm³, UNVERIFIED) in ~60 % of pieces. */
export function cattleHorn(c: Ctx, cx: number, cy: number, region: Region, concealment: Concealment): ObjectRecord {
  const { rng, scene } = c;
  const cone = cattleHornCone(rng, Math.min(region.x1 - region.x0, 600));
  const pts = fitCone(c, cone, region, cx, cy);
  const core = rng.chance(0.6);
  const rec = scene.begin({ class: 'cattle_horn', densityGcm3: 1.2, concealment, notes: core ? 'keratin sheath over bony core' : 'keratin sheath, core removed' });
  scene.tube('horn_keratin', 1.2, pts);
  if (core) scene.tube('bone', 1.3, pts.filter((p) => p.ri > 0).map((p) => ({ x: p.x, y: p.y, r: p.ri, ri: 0 })));
  scene.end();
  return rec;
}

export type LookalikeClass = 'cattle_horn' | 'bone' | 'resin_replica' | 'plastic_replica' | 'pvc_pipe' | 'dense_hardwood';
export const LOOKALIKE_CLASSES: LookalikeClass[] = ['cattle_horn', 'bone', 'resin_replica', 'plastic_replica', 'pvc_pipe', 'dense_hardwood'];

export function lookalike(c: Ctx, cls: LookalikeClass, region: Region): ObjectRecord {
  const { rng, scene } = c;
  const cx = rng.uniform(region.x0, region.x1);
  const cy = rng.uniform(region.y0, region.y1);
  const maxLen = region.x1 - region.x0 - 20;
  switch (cls) {
    case 'cattle_horn':
      return cattleHorn(c, cx, cy, region, 'open');
    case 'bone': {
      const pts = placeAt(bonePoints(rng, step(c), maxLen), cx, cy, region);
      return drawCone(c, 'bone', 'bone', 1.92, pts, 'open', 'long bone with medullary cavity');
    }
    case 'resin_replica':
    case 'plastic_replica': {
      const resinFill = cls === 'resin_replica';
      const t = tuskCone(rng, rng.chance(0.3) ? 'whole' : 'cut', Math.min(maxLen, 1000), true);
      t.cone.cavityLen = 0;
      const rho = resinFill ? rng.uniform(1.6, 1.9) : rng.uniform(1.15, 1.25);
      const pts = fitCone(c, t.cone, region, cx, cy);
      return drawCone(c, cls, resinFill ? 'resin_caco3' : 'resin', rho, pts, 'open', `tusk-shaped ${resinFill ? 'resin + CaCO3 filler' : 'polyester resin'} replica, solid`);
    }
    case 'pvc_pipe': {
      const r = rng.uniform(25, 80);
      const wall = rng.uniform(3, 8);
      const len = Math.min(maxLen, rng.uniform(500, 3000));
      const x0 = Math.max(region.x0, Math.min(cx - len / 2, region.x1 - len));
      const yc = Math.max(region.y0 + r, Math.min(cy, region.y1 - r));
      const rec = scene.begin({ class: 'pvc_pipe', densityGcm3: 1.38, concealment: 'open', notes: `PVC pipe Ø${(2 * r).toFixed(0)} mm, wall ${wall.toFixed(1)} mm` });
      scene.cylinderX('pvc', 1.38, x0, x0 + len, yc, r);
      scene.cylinderX('pvc', -1.38, x0, x0 + len, yc, r - wall, false);
      scene.end();
      return rec;
    }
    case 'dense_hardwood': {
      const s = rng.pick(DENSE_LOOKALIKE_SPECIES);
      const rho = densityOf(rng, s);
      const r = rng.uniform(40, 120);
      const len = Math.min(maxLen, rng.uniform(300, 1000));
      const x0 = Math.max(region.x0, Math.min(cx - len / 2, region.x1 - len));
      const yc = Math.max(region.y0 + r, Math.min(cy, region.y1 - r));
      const rec = scene.begin({ class: 'dense_hardwood', species: s.name, densityGcm3: round3(rho), concealment: 'open', notes: 'dense hardwood billet' });
      scene.cylinderX('wood', rho, x0, x0 + len, yc, r);
      scene.end();
      return rec;
    }
  }
}

export const LOOKALIKE_DECL: Record<LookalikeClass, ManifestDeclaration> = {
  cattle_horn: { hsCode: '0507.90', description: 'Horns of cattle, unworked', species: 'Bos taurus' },
  bone: { hsCode: '0506.90', description: 'Bones, unworked (bovine)' },
  resin_replica: { hsCode: '3926.40', description: 'Statuettes and other ornamental articles of plastics' },
  plastic_replica: { hsCode: '3926.40', description: 'Statuettes and other ornamental articles of plastics' },
  pvc_pipe: { hsCode: '3917.23', description: 'Tubes and pipes of polymers of vinyl chloride' },
  dense_hardwood: { hsCode: '4403.99', description: 'Hardwood billets' },
};

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
