/**
 * Physics-based dual-energy X-ray cargo scan simulator. Without a scanner it is the project's
 * original single scanner (legacy, byte for byte); with a virtual scanner (scanners.ts) it images
 * varied cargo through that scanner's own physics and non-idealities. docs/simulator.md lists what
 * is drawn; docs/scan-package.md the format; physics.ts / detector.ts the approximations.
 */
import {
  SCAN_PACKAGE_FORMAT,
  type BoundingBox,
  type ConveyanceType,
  type ScanMetadata,
  type ScanTruth,
  type TruthObject,
} from '../scan-package/types.ts';
import {
  LOOKALIKE_DECL,
  buildBales,
  buildCartons,
  buildCrate,
  buildDrums,
  buildHornPile,
  buildLogs,
  buildMachinery,
  buildSawn,
  honestTimber,
  lookalike,
  rhinoHorn,
  tusk,
  type Ctx,
  type Host,
  type HostKind,
} from './cargo.ts';
import { drawConveyance, layoutFor } from './conveyance.ts';
import { addFog, blur3, flipX, quantise, scannerImages, transmissions } from './detector.ts';
import { dunnage } from './packaging.ts';
import { sourceSpectrum } from './physics.ts';
import { Rng } from './prng.ts';
import { Scene } from './raster.ts';
import { SCENARIOS, makePlan, type Plan, type ScenarioName } from './scenarios.ts';
import type { VirtualScanner } from './scanners.ts';

export { SCENARIOS, type ScenarioName } from './scenarios.ts';
export { massAttenuation, sourceSpectrum, interpolateLogLog, parseNistCsv, materialInfo, MATERIAL_IDS, SOURCE_ENDPOINTS } from './physics.ts';
export type { MaterialId, Spectrum, SourceKind, Channel } from './physics.ts';
export { SPECIES, CITES_SPECIES, COMMON_SPECIES } from './species.ts';
export {
  DETECTOR_TYPES,
  MAX_POOL_SIZE,
  SCANNER_FAMILIES,
  SCANNER_RANGES,
  declaredSourceOf,
  drawScanner,
  familyById,
  heldOutFamilies,
  legacyScanner,
  rowGains,
  scannerPool,
  trainingFamilies,
  type DetectorType,
  type ScannerFamily,
  type ScannerFamilyId,
  type VirtualScanner,
} from './scanners.ts';
export { PACKAGING_WOOD_KINDS, WOODEN_GOODS, type PackagingWoodKind } from './packaging.ts';
export { CALIBRATION_PHANTOMS, simulateCalibration, writeCalibrationPackage, type SimulatedCalibration } from './calibration.ts';

/** Cargo generation: `legacy` is the original (byte for byte); `varied` adds packaging wood, partial loads and odd lengths. */
export const CARGO_MODES = ['legacy', 'varied'] as const;
export type CargoMode = (typeof CARGO_MODES)[number];

/**
 * Revision of what varied cargo draws (the legacy path never changes). Bumped whenever a change
 * alters varied scans, so a training cache or an evaluation drawn before it is known to be another
 * dataset. 1: packaging wood, partial loads (session 5); 2: look-alikes wrapped like contraband;
 * 3: their wrap is its own cargo object, and the rate is per conveyance (pallets 30 %, not 60 %).
 */
export const VARIED_CARGO_REVISION = 3;

export interface SimulateOptions {
  seed: number;
  /** Scan number within the seed's sequence (default 0). */
  index?: number;
  /** One of SCENARIOS (default 'mixed'). */
  scenario?: string;
  source?: 'linac' | 'tube';
  laneId?: string;
  /** Photons per pixel in air for the high channel (default linac 40000, tube 20000); low channel gets 60 % / 50 %. */
  dose?: number;
  conveyance?: ConveyanceType;
  /** Also return full-resolution per-object masks. */
  withMasks?: boolean;
  /** Scatter fog fraction 0..0.2 (default 0; with a scanner, overrides the scanner's own). */
  fog?: number;
  /**
   * A virtual scanner (scanners.ts): true physics, non-idealities, dose, airValue and pixel spacing
   * are the scanner's; scan.json declares its nominal source. `source` must match its kind if given;
   * `dose` overrides its high-channel dose (the low channel keeps the scanner's ratio).
   */
  scanner?: VirtualScanner;
  /** Default: `varied` with a scanner, `legacy` without. */
  cargo?: CargoMode;
}

export interface ObjectMask {
  objectId: string;
  /** width*height, 1 where the object contributes attenuation. */
  mask: Uint8Array;
}

export interface SimulatedScan {
  metadata: ScanMetadata;
  high: Uint16Array;
  low: Uint16Array;
  width: number;
  height: number;
  truth: ScanTruth;
  masks?: ObjectMask[];
}

export const SIM_AIR_VALUE = 60000;
export const DEFAULT_DOSE = { linac: 40000, tube: 20000 } as const;
const LOW_DOSE_FACTOR = { linac: 0.6, tube: 0.5 } as const;

const BLOCK_LEN: Record<HostKind, [number, number]> = {
  logs: [2500, 5800],
  sawn: [2000, 4500],
  machinery: [1000, 2800],
  cartons: [1200, 3600],
  bales: [1000, 3000],
  drums: [700, 2400],
  horns: [800, 1600],
  crate: [600, 1500],
};

function iso6346(rng: Rng): string {
  const owner = ['MSK', 'CMA', 'MSC', 'HLX', 'ONE', 'EGH', 'TGH', 'CSQ'];
  const code = rng.pick(owner) + 'U' + String(rng.int(0, 999999)).padStart(6, '0');
  const val = (ch: string): number => {
    if (/\d/.test(ch)) return Number(ch);
    let v = ch.charCodeAt(0) - 55; // A=10
    v += Math.floor((v - 1) / 10); // skip multiples of 11
    return v;
  };
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += val(code[i]!) * 2 ** i;
  return code + String((sum % 11) % 10);
}

function buildHost(c: Ctx, kind: HostKind, x0: number, x1: number, plan: Plan, hollow: boolean): Host {
  switch (kind) {
    case 'logs':
      return buildLogs(c, x0, x1, plan.timber ?? { ...honestTimber(c.rng) }, hollow);
    case 'sawn':
      return buildSawn(c, x0, x1, plan.timber ?? honestTimber(c.rng));
    case 'machinery':
      return buildMachinery(c, x0, x1);
    case 'cartons':
      return buildCartons(c, x0, x1);
    case 'bales':
      return buildBales(c, x0, x1);
    case 'drums':
      return buildDrums(c, x0, x1);
    case 'horns':
      return buildHornPile(c, x0, x1, c.bay.small ? c.rng.int(3, 8) : c.rng.int(10, 30));
    case 'crate':
      return buildCrate(c, x0, x1);
  }
}

function hostFor(concealment: string, plan: Plan, rng: Rng): HostKind | null {
  switch (concealment) {
    case 'in_log':
      return 'logs';
    case 'among_timber':
      return plan.timber?.form === 'log' ? 'logs' : 'sawn';
    case 'behind_steel':
      return 'machinery';
    case 'wrapped':
      return rng.chance(0.6) ? 'bales' : 'cartons';
    case 'among_horns':
      return 'horns';
    default:
      return 'crate';
  }
}

function fillBay(c: Ctx, plan: Plan): Host[] {
  const { rng, bay } = c;
  const required: HostKind[] = [];
  const ivoryHost = plan.ivory ? hostFor(plan.ivory.concealment, plan, rng) : null;
  const rhinoHost = plan.rhino ? hostFor(plan.rhino.concealment, plan, rng) : null;
  for (const h of [ivoryHost, rhinoHost]) if (h && !required.includes(h)) required.push(h);
  if (plan.lookalikes.length && rng.chance(0.5) && !required.includes('crate')) required.push('crate');
  if (plan.timber && !required.includes(plan.timber.form === 'log' ? 'logs' : 'sawn')) required.push(plan.timber.form === 'log' ? 'logs' : 'sawn');
  // shuffle required
  for (let i = required.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [required[i], required[j]] = [required[j]!, required[i]!];
  }
  const bayLen = bay.x1 - bay.x0;
  // partial loads: legacy 65–100 % of the bay, varied 20–100 %
  const fillTo = bay.x0 + bayLen * (bay.small ? 1 : c.varied ? rng.uniform(0.2, 1) : rng.uniform(0.65, 1));
  const hosts: Host[] = [];
  let x = bay.x0 + rng.uniform(0, bay.small ? 20 : 150);
  const fillerKinds: Array<readonly [HostKind, number]> = plan.timberLoad
    ? [[plan.timber?.form === 'log' ? 'logs' : 'sawn', 6], ['cartons', 1]]
    : [['cartons', 3], ['bales', 1.5], ['machinery', 1.5], ['drums', 1], ['logs', bay.small ? 0 : 0.4], ['sawn', 0.6]];
  let guard = 0;
  // (varied: a short load still carries every host the scenario needs)
  while ((x < fillTo - (bay.small ? 100 : 500) || (c.varied && required.length > 0)) && guard++ < 40) {
    const kind = required.length ? required.shift()! : rng.weighted(fillerKinds);
    const remaining = (required.length ? bay.x1 : fillTo) - x;
    const [lo, hi] = BLOCK_LEN[kind];
    let len: number;
    if (bay.small) len = required.length ? remaining * rng.uniform(0.4, 0.6) : remaining;
    else len = Math.min(remaining - required.length * 1200, rng.uniform(lo, hi));
    if (len < (bay.small ? 100 : 500)) {
      if (hosts.length && !required.length) break;
      len = Math.max(len, Math.min(remaining, bay.small ? 150 : 600));
    }
    const hollow = kind === 'logs' && plan.ivory?.concealment === 'in_log' && !hosts.some((h) => h.hollow);
    hosts.push(buildHost(c, kind, x, x + len, plan, hollow));
    if (c.varied && !bay.small) {
      // loads are braced with dunnage in the gaps between them (and behind the last one)
      const gap = rng.uniform(20, 450);
      if (gap >= 40 && rng.chance(0.5)) dunnage(c.scene, rng, x + len, Math.min(bay.x1, x + len + gap), bay.yTop, bay.yFloor, bay.depthCm);
      x += len + gap;
    } else {
      x += len + rng.uniform(bay.small ? 0 : 20, bay.small ? 10 : 250);
    }
  }
  return hosts;
}

function regionOf(h: Host): { x0: number; x1: number; y0: number; y1: number } {
  return { x0: h.x0, x1: h.x1, y0: h.y0, y1: h.y1 };
}

/**
 * Share of look-alikes (statuettes, bones, horns, pipes, billets) packed in a cellulose wrap in
 * varied cargo, by conveyance. Contraband is wrapped in 18 % of container and truck plans, 22 % of
 * pallet plans and 40–67 % of parcel plans (scenarios.ts: rhino horn 2 of 5, ivory 2 of 3); the
 * look-alikes' rates sit at or just above those, so a wrapping says nothing about what it holds.
 */
export const LOOKALIKE_WRAP: Record<ConveyanceType, number> = { container: 0.25, truck: 0.25, pallet: 0.3, parcel: 0.6 };

type Bounds = { minX: number; maxX: number; minY: number; maxY: number };

/** A cellulose wrap (paper, cardboard, foam: 0.4 g/cm³, 12 cm across the beam, 3 px margin) round an object. */
function drawWrap(scene: Scene, rec: Bounds): void {
  scene.box('cellulose', 0.4, (rec.minX - 3) * scene.dx, (rec.maxX + 3) * scene.dx, (rec.minY - 3) * scene.dy, (rec.maxY + 3) * scene.dy, 12);
  scene.end();
}

/** Contraband's wrap, drawn into its host (bales or cartons: cargo). */
function wrapIn(scene: Scene, host: Host | undefined, rec: Bounds): void {
  if (host) scene.resume(host.rec[0]!);
  drawWrap(scene, rec);
}

/**
 * A look-alike's wrap: its own `cargo` object, since the look-alike may lie in any host (a wrap
 * drawn into a log or sawn-wood host would make packing paper part of a `timber` object).
 */
function wrapLookalike(scene: Scene, rec: Bounds & { class: string }): void {
  scene.begin({ class: 'cargo', concealment: 'open', notes: `packing wrap (paper, foam) round a ${rec.class.replace(/_/g, ' ')}` });
  drawWrap(scene, rec);
}

function placeContraband(c: Ctx, plan: Plan, hosts: Host[], conveyance: ConveyanceType): void {
  const { rng, bay, scene } = c;
  const find = (k: HostKind): Host | undefined => hosts.find((h) => h.kind === k);
  const anyHost = (): Host | undefined => (hosts.length ? rng.pick(hosts) : undefined);
  const regionIn = (h: Host | undefined): { x0: number; x1: number; y0: number; y1: number } =>
    h ? regionOf(h) : { x0: bay.x0, x1: bay.x1, y0: bay.yTop, y1: bay.yFloor };
  const anyRegion = (): { x0: number; x1: number; y0: number; y1: number } => regionIn(anyHost());
  if (plan.ivory) {
    let conc = plan.ivory.concealment;
    const host = find(hostFor(conc, plan, rng) ?? 'crate') ?? (conc === 'in_log' ? undefined : hosts[0]);
    if (conc === 'in_log' && !host?.hollow) conc = 'among_timber';
    const count = bay.small ? rng.int(1, 5) : plan.ivory.form === 'whole' ? rng.int(1, 6) : rng.int(3, 15);
    const items: string[] = [];
    for (let k = 0; k < count; k++) {
      if (conc === 'in_log' && host?.hollow) {
        const hb = host.hollow;
        const rec = tusk(c, plan.ivory.form, { x0: hb.x0, x1: hb.x1, y0: hb.yc - hb.r * 0.6, y1: hb.yc + hb.r * 0.6 }, 'in_log', true, hb.r * 0.8);
        items.push(rec.id);
      } else {
        const region = host ? regionOf(host) : anyRegion();
        const rec = tusk(c, plan.ivory.form, region, conc, conc === 'among_timber' || conc === 'behind_steel');
        if (conc === 'wrapped' && host) wrapIn(scene, host, rec);
        items.push(rec.id);
      }
    }
    c.falseNotes.push(`${count} ivory item(s) (${plan.ivory.form === 'whole' ? 'whole tusks' : 'cut pieces'}) not declared; concealment ${conc}${host ? ` in ${host.kind}` : ''}`);
  }
  if (plan.rhino) {
    const conc = plan.rhino.concealment;
    const host = find(hostFor(conc, plan, rng) ?? 'crate') ?? hosts[0];
    const count = bay.small ? rng.int(1, 3) : rng.int(1, 6);
    for (let k = 0; k < count; k++) {
      const rec = rhinoHorn(c, host ? regionOf(host) : anyRegion(), conc);
      if (conc === 'wrapped' && host) wrapIn(scene, host, rec);
    }
    c.falseNotes.push(`${count} rhino horn(s) not declared; concealment ${conc}${conc === 'among_horns' ? ' (declared as cattle horns 0507.90)' : ''}`);
  }
  const crate = find('crate');
  for (const cls of plan.lookalikes) {
    const n = cls === 'cattle_horn' ? rng.int(3, 10) : cls === 'pvc_pipe' ? rng.int(2, 8) : rng.int(1, bay.small ? 3 : 6);
    for (let k = 0; k < n; k++) {
      const host = crate && rng.chance(0.7) ? crate : anyHost();
      const rec = lookalike(c, cls, regionIn(host));
      // Varied cargo wraps look-alikes as often as smugglers wrap contraband (LOOKALIKE_WRAP), so a
      // wrapping is no cue to what it holds (legacy: never wrapped, byte for byte as before).
      if (c.varied && rng.chance(LOOKALIKE_WRAP[conveyance])) {
        rec.concealment = 'wrapped';
        wrapLookalike(scene, rec);
      }
    }
    c.decls.push({ ...LOOKALIKE_DECL[cls], quantity: n, unit: 'pcs' });
  }
}

/** Generates one simulated scan (pure and deterministic in (seed, index, options)). */
export function simulateScan(opts: SimulateOptions): SimulatedScan {
  const index = opts.index ?? 0;
  const scenario = (opts.scenario ?? 'mixed') as ScenarioName;
  if (!SCENARIOS.includes(scenario)) throw new Error(`unknown scenario "${opts.scenario}" (known: ${SCENARIOS.join(', ')})`);
  const sc = opts.scanner;
  if (sc && opts.source && opts.source !== sc.kind) throw new Error(`source ${opts.source} does not match scanner ${sc.serial} (${sc.kind})`);
  const source = sc?.kind ?? opts.source ?? 'linac';
  const cargo = opts.cargo ?? (sc ? 'varied' : 'legacy');
  if (!CARGO_MODES.includes(cargo)) throw new Error(`unknown cargo mode "${cargo}" (known: ${CARGO_MODES.join(', ')})`);
  const varied = cargo === 'varied';
  const rng = new Rng(opts.seed, index, 0x51c0);
  const conveyance: ConveyanceType = opts.conveyance ?? (source === 'linac' ? 'container' : rng.chance(0.5) ? 'pallet' : 'parcel');
  const dose = opts.dose ?? (sc ? sc.dose.high : DEFAULT_DOSE[source]);
  if (!(dose > 0)) throw new Error('dose must be > 0');

  const layout = layoutFor(conveyance, rng, { ...(sc ? { spacing: sc.pixelSpacingMm } : {}), varied });
  const scene = new Scene(layout.width, layout.height, layout.dx, layout.dy, opts.withMasks ?? false);
  const bay = drawConveyance(scene, conveyance, layout, rng, varied);
  const plan = makePlan(scenario, rng, conveyance);
  const ctx: Ctx = { scene, rng, bay, decls: [], falseNotes: [], varied };
  const hosts = fillBay(ctx, plan);
  placeContraband(ctx, plan, hosts, conveyance);

  // physics
  const W = layout.width;
  const H = layout.height;
  let high: Uint16Array;
  let low: Uint16Array;
  if (sc) {
    const noise = new Rng(opts.seed, index, 0x701f);
    ({ high, low } = scannerImages(scene.maps, W, H, opts.fog !== undefined ? { ...sc, fog: opts.fog } : sc, noise, dose));
  } else {
    const spectra = [sourceSpectrum(source, 'high'), sourceSpectrum(source, 'low')];
    const [Th, Tl] = transmissions(scene.maps, W * H, spectra) as [Float32Array, Float32Array];
    const fog = opts.fog ?? 0;
    for (const T of [Th, Tl]) {
      addFog(T, W, H, fog);
      blur3(T, W, H);
    }
    const noiseRng = new Rng(opts.seed, index, 0x701e);
    high = quantise(Th, dose, SIM_AIR_VALUE, noiseRng);
    low = quantise(Tl, dose * LOW_DOSE_FACTOR[source], SIM_AIR_VALUE, noiseRng);
  }

  const scanId = `sim-${opts.seed}-${String(index).padStart(6, '0')}`;
  const t0 = Date.UTC(2026, 0, 1) + (((opts.seed % 3650) + 3650) % 3650) * 86_400_000;
  const scannedAt = new Date(t0 + index * 97_000 + rng.int(0, 30_000)).toISOString();
  const metadata: ScanMetadata = {
    format: SCAN_PACKAGE_FORMAT,
    scanId,
    laneId: opts.laneId ?? 'sim-lane-1',
    scannedAt,
    scanner: sc
      ? { vendor: sc.vendor, model: sc.model, serial: sc.serial }
      : { vendor: 'Simulated', model: source === 'linac' ? 'virtual-linac-6/4MeV' : 'virtual-tube-160/80kVp', serial: 'SIM-0001' },
    source: sc ? { ...sc.declaredSource } : source === 'linac' ? { kind: 'linac', highMeV: 6, lowMeV: 4 } : { kind: 'tube', highKVp: 160, lowKVp: 80 },
    pixelSpacingMm: { x: layout.dx, y: layout.dy },
    images: { high: 'high.tiff', low: 'low.tiff' },
    airValue: sc ? sc.airValue : SIM_AIR_VALUE,
    conveyance: { type: conveyance, id: conveyance === 'container' ? iso6346(rng) : `${conveyance.toUpperCase()}-${rng.int(100000, 999999)}` },
    manifest: { declarations: ctx.decls },
  };

  const flip = sc?.flipTravel ?? false;
  const objects: TruthObject[] = [];
  for (const o of scene.objects) {
    if (o.maxX < 0) continue;
    const x = flip ? W - o.maxX : o.minX;
    const boundingBox: BoundingBox = { x, y: o.minY, width: o.maxX - o.minX, height: o.maxY - o.minY };
    const t: TruthObject = { id: o.id, class: o.class, boundingBox, concealment: o.concealment };
    if (o.species) t.species = o.species;
    if (o.densityGcm3 !== undefined) t.densityGcm3 = o.densityGcm3;
    if (o.notes) t.notes = o.notes;
    objects.push(t);
  }
  const truth: ScanTruth = {
    format: 'xray-scan-truth/1',
    scanId,
    scenario,
    seed: opts.seed,
    dose,
    objects,
    manifestTruth: { honest: ctx.falseNotes.length === 0, notes: [...new Set(ctx.falseNotes)] },
    ...(sc ? { scanner: { family: sc.family, serial: sc.serial, heldOut: sc.heldOut } } : {}),
  };
  const out: SimulatedScan = { metadata, high, low, width: W, height: H, truth };
  if (opts.withMasks) {
    out.masks = objectMasks(scene, objects.map((o) => o.id));
    if (flip) for (const m of out.masks) flipX(m.mask, W, H);
  }
  return out;
}

/** Full-resolution masks of the given objects (requires a scene rendered with keepMasks). */
export function objectMasks(scene: Scene, ids: string[]): ObjectMask[] {
  return scene.objects
    .filter((o) => ids.includes(o.id))
    .map((o) => {
      const mask = new Uint8Array(scene.width * scene.height);
      for (const p of o.parts) {
        for (let j = 0; j < p.h; j++) {
          const row = (p.y0 + j) * scene.width + p.x0;
          for (let i = 0; i < p.w; i++) if (p.mask[j * p.w + i]) mask[row + i] = 1;
        }
      }
      return { objectId: o.id, mask };
    });
}
