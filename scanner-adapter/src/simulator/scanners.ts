/**
 * Virtual scanners: the models used to learn ONE simulated scanner and failed on real scanners of
 * other vendors and energies. This module draws MANY scanners, each with its own physics (drifted
 * endpoints, filtration, detector absorber) and its own non-idealities (air value, residual dark,
 * pixel pitch, dose, blur, scatter fog, line gains, stripes, afterglow, travel direction), from a
 * catalogue of scanner families. Some families are held out of training so that evaluation can
 * measure what happens on a scanner configuration nobody trained on. Ranges: docs/simulator.md.
 */
import type { SourceSpec } from '../scan-package/types.ts';
import { nominalScanner, type ChannelPhysics, type MaterialId, type ScannerPhysics, type SourceKind } from './physics.ts';
import { Rng } from './prng.ts';

/**
 * Detector absorber stand-ins (the reference set has no CdWO4/CsI tables): material and the
 * thickness range drawn, mm, per source kind.
 */
export const DETECTOR_TYPES = {
  fe: { material: 'steel', description: 'iron-equivalent (CdWO4 stand-in)', thicknessMm: { linac: [25, 35], tube: [0.2, 0.4] } },
  pb: { material: 'lead', description: 'lead-equivalent (high-Z scintillator stand-in)', thicknessMm: { linac: [8, 15], tube: [0.05, 0.15] } },
  cu: { material: 'copper', description: 'copper-equivalent', thicknessMm: { linac: [15, 25], tube: [0.15, 0.3] } },
} as const satisfies Record<string, { material: MaterialId; description: string; thicknessMm: Record<SourceKind, readonly [number, number]> }>;
export type DetectorType = keyof typeof DETECTOR_TYPES;

/**
 * Scanner families: source kind, declared energy pair (linac MeV, tube kVp) and detector type.
 * `heldOut` families are never used for training or threshold calibration, only for testing:
 * an energy pair never trained on (linac 7.5/4.5, tube 140/70) and a detector never trained on (cu).
 */
export const SCANNER_FAMILIES = [
  { id: 'linac-4/2.5-fe', kind: 'linac', high: 4, low: 2.5, detector: 'fe', heldOut: false },
  { id: 'linac-4/2.5-pb', kind: 'linac', high: 4, low: 2.5, detector: 'pb', heldOut: false },
  { id: 'linac-6/3.5-fe', kind: 'linac', high: 6, low: 3.5, detector: 'fe', heldOut: false },
  { id: 'linac-6/3.5-pb', kind: 'linac', high: 6, low: 3.5, detector: 'pb', heldOut: false },
  { id: 'linac-6/4-fe', kind: 'linac', high: 6, low: 4, detector: 'fe', heldOut: false },
  { id: 'linac-6/4-pb', kind: 'linac', high: 6, low: 4, detector: 'pb', heldOut: false },
  { id: 'linac-9/6-fe', kind: 'linac', high: 9, low: 6, detector: 'fe', heldOut: false },
  { id: 'linac-9/6-pb', kind: 'linac', high: 9, low: 6, detector: 'pb', heldOut: false },
  { id: 'linac-7.5/4.5-fe', kind: 'linac', high: 7.5, low: 4.5, detector: 'fe', heldOut: true },
  { id: 'linac-6/4-cu', kind: 'linac', high: 6, low: 4, detector: 'cu', heldOut: true },
  { id: 'linac-9/6-cu', kind: 'linac', high: 9, low: 6, detector: 'cu', heldOut: true },
  { id: 'tube-120/60-fe', kind: 'tube', high: 120, low: 60, detector: 'fe', heldOut: false },
  { id: 'tube-120/60-pb', kind: 'tube', high: 120, low: 60, detector: 'pb', heldOut: false },
  { id: 'tube-160/80-fe', kind: 'tube', high: 160, low: 80, detector: 'fe', heldOut: false },
  { id: 'tube-160/80-pb', kind: 'tube', high: 160, low: 80, detector: 'pb', heldOut: false },
  { id: 'tube-200/100-fe', kind: 'tube', high: 200, low: 100, detector: 'fe', heldOut: false },
  { id: 'tube-200/100-pb', kind: 'tube', high: 200, low: 100, detector: 'pb', heldOut: false },
  { id: 'tube-140/70-fe', kind: 'tube', high: 140, low: 70, detector: 'fe', heldOut: true },
  { id: 'tube-160/80-cu', kind: 'tube', high: 160, low: 80, detector: 'cu', heldOut: true },
] as const;
export type ScannerFamily = (typeof SCANNER_FAMILIES)[number];
export type ScannerFamilyId = ScannerFamily['id'];

for (const f of SCANNER_FAMILIES) {
  if (f.id !== `${f.kind}-${f.high}/${f.low}-${f.detector}`) throw new Error(`scanner family ${f.id} does not match its fields`);
}

/**
 * Ranges every virtual scanner is drawn from (uniform unless said otherwise). One table, used by
 * drawScanner and quoted by docs/simulator.md.
 */
export const SCANNER_RANGES = {
  /** Relative drift of each true endpoint from the declared one. */
  endpointDrift: 0.03,
  /** Source filtration, mm: linac steel (both channels); tube aluminium (both) + copper (high channel only). */
  filtrationMm: { linac: { steel: [8, 25] }, tube: { aluminium: [1.5, 5], copperHigh: [0, 1] } },
  airValue: [40000, 65535],
  /** Residual dark added to every reading, counts (not declared). */
  darkOffset: [0, 150],
  /** Pixel spacing, mm, x (along travel) and y (vertical) drawn independently. */
  pixelSpacingMm: { linac: [3.5, 8], tube: [1, 4] },
  /** Photons per pixel in air, high channel; the low channel gets a fraction of it. */
  doseHigh: { linac: [15000, 60000], tube: [8000, 30000] },
  doseLowFraction: [0.4, 0.8],
  /** Gaussian blur sigma (detector cross-talk, focal spot), pixels, x and y drawn independently. */
  blurSigmaPx: [0.4, 1.2],
  /** Scatter fog fraction. */
  fog: [0, 0.06],
  /** Per detector row residual gain error (standard deviation, fraction). */
  lineGainSigma: [0, 0.004],
  /** Rows with a stripe (gain error) and the size of that error. */
  stripes: { count: [0, 3], gainError: [0.01, 0.03] },
  /** Fraction of the previous column's signal each column gets (along travel). */
  afterglow: [0, 0.015],
  flipTravelProbability: 0.5,
  /** Height (mm) of the detector rows stripes may fall on: the tallest image of the kind's usual conveyance. */
  stripeSpanMm: { linac: 2650, tube: 1250 },
} as const;

export interface VirtualScanner {
  /** Unique per scanner, e.g. SIM-L64FE-0007 (declared in scan.json and calibration.json). */
  serial: string;
  family: string;
  heldOut: boolean;
  vendor: string;
  model: string;
  kind: SourceKind;
  /** What scan.json declares: the family's nominal energy pair. */
  declaredSource: SourceSpec;
  /** TRUE physics (never declared): drifted endpoints, drawn filtration and detector thickness. */
  physics: ScannerPhysics;
  /** Reading with nothing in the beam (declared). */
  airValue: number;
  /** Residual dark added to every reading, counts (NOT declared). */
  darkOffset: number;
  /** x along travel, y vertical (declared). */
  pixelSpacingMm: { x: number; y: number };
  /** Photons per pixel in air per channel. */
  dose: { high: number; low: number };
  /** Separable blur: Gaussian sigma per axis and the normalised odd-length kernels applied. */
  blur: { sigmaPx: { x: number; y: number }; kernel: { x: number[]; y: number[] } };
  /** Scatter fog fraction (a share of the locally averaged signal, see detector.ts). */
  fog: number;
  /** Residual per-row gain error (std, fraction); the gains themselves come from lineGainSeed. */
  lineGainSigma: number;
  lineGainSeed: number;
  /** Detector rows (0 = top) with a gain error (gain = 1 ± 1–3 %). */
  stripes: Array<{ row: number; gain: number }>;
  /** Each column gets this fraction of the previous column's signal (travel direction). */
  afterglow: number;
  /** Image mirrored along x: the conveyance enters from the other side. */
  flipTravel: boolean;
}

export function familyById(id: string): ScannerFamily {
  const f = SCANNER_FAMILIES.find((x) => x.id === id);
  if (!f) throw new Error(`unknown scanner family "${id}" (known: ${SCANNER_FAMILIES.map((x) => x.id).join(', ')})`);
  return f;
}

/** Families used for training (and threshold calibration) of a source kind. */
export function trainingFamilies(kind: SourceKind): ScannerFamilyId[] {
  return SCANNER_FAMILIES.filter((f) => f.kind === kind && !f.heldOut).map((f) => f.id);
}

/** Families kept out of training, used only for testing. */
export function heldOutFamilies(kind: SourceKind): ScannerFamilyId[] {
  return SCANNER_FAMILIES.filter((f) => f.kind === kind && f.heldOut).map((f) => f.id);
}

/** The source scan.json declares for a family (its nominal energy pair). */
export function declaredSourceOf(f: ScannerFamily): SourceSpec {
  return f.kind === 'linac' ? { kind: 'linac', highMeV: f.high, lowMeV: f.low } : { kind: 'tube', highKVp: f.high, lowKVp: f.low };
}

/** Normalised Gaussian kernel, radius ⌈3σ⌉. */
export function gaussianKernel(sigma: number): number[] {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k: number[] = [];
  for (let i = -r; i <= r; i++) k.push(Math.exp(-(i * i) / (2 * sigma * sigma)));
  const s = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / s);
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Serial code of a family: L64FE for linac-6/4-fe, T16080CU for tube-160/80-cu. */
function serialCode(f: ScannerFamily): string {
  return (f.kind === 'linac' ? 'L' : 'T') + `${f.high}${f.low}`.replace(/\./g, '') + f.detector.toUpperCase();
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Draws one virtual scanner, deterministic in (seed, family). Without a family, one of the
 * training families (either kind) is drawn from the seed. Seeds are non-negative integers.
 */
export function drawScanner(seed: number, family?: string): VirtualScanner {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`scanner seed must be a non-negative integer, got ${seed}`);
  const f = family !== undefined ? familyById(family) : familyById(new Rng(seed, 0x5ca7f).pick(SCANNER_FAMILIES.filter((x) => !x.heldOut)).id);
  const R = SCANNER_RANGES;
  const rng = new Rng(seed, hashString(f.id), 0x5ca7);
  const kind: SourceKind = f.kind;
  const u = (r: readonly [number, number]): number => rng.uniform(r[0], r[1]);
  const declared = declaredSourceOf(f);
  const unit = kind === 'linac' ? 1 : 1e-3; // declared unit → MeV
  const endpoint = (e: number): number => round(e * unit * (1 + rng.uniform(-R.endpointDrift, R.endpointDrift)), 5);
  const eHigh = endpoint(f.high);
  const eLow = endpoint(f.low);
  const det = DETECTOR_TYPES[f.detector];
  const detector = { material: det.material, cm: round(u(det.thicknessMm[kind]) / 10, 5) };
  let high: ChannelPhysics;
  let low: ChannelPhysics;
  if (kind === 'linac') {
    const steel = { material: 'steel' as const, cm: round(u(R.filtrationMm.linac.steel) / 10, 5) };
    high = { endpointMeV: eHigh, filtration: [steel], detector };
    low = { endpointMeV: eLow, filtration: [steel], detector };
  } else {
    const al = { material: 'aluminium' as const, cm: round(u(R.filtrationMm.tube.aluminium) / 10, 5) };
    const cu = { material: 'copper' as const, cm: round(u(R.filtrationMm.tube.copperHigh) / 10, 5) };
    high = { endpointMeV: eHigh, filtration: [al, cu], detector };
    low = { endpointMeV: eLow, filtration: [al], detector };
  }
  const airValue = rng.int(R.airValue[0], R.airValue[1]);
  const darkOffset = round(u(R.darkOffset), 1);
  const pixelSpacingMm = { x: round(u(R.pixelSpacingMm[kind]), 2), y: round(u(R.pixelSpacingMm[kind]), 2) };
  const doseHigh = Math.round(u(R.doseHigh[kind]));
  const dose = { high: doseHigh, low: Math.round(doseHigh * u(R.doseLowFraction)) };
  const sigmaPx = { x: round(u(R.blurSigmaPx), 3), y: round(u(R.blurSigmaPx), 3) };
  const fog = round(u(R.fog), 4);
  const lineGainSigma = round(u(R.lineGainSigma), 5);
  const lineGainSeed = rng.nextU32();
  const nStripes = rng.int(R.stripes.count[0], R.stripes.count[1]);
  const stripeRows = Math.floor(R.stripeSpanMm[kind] / pixelSpacingMm.y);
  const stripes: VirtualScanner['stripes'] = [];
  for (let i = 0; i < nStripes; i++) {
    const row = rng.int(0, stripeRows - 1);
    const gain = round(1 + (rng.chance(0.5) ? 1 : -1) * u(R.stripes.gainError), 4);
    if (!stripes.some((s) => s.row === row)) stripes.push({ row, gain });
  }
  stripes.sort((a, b) => a.row - b.row);
  const afterglow = round(u(R.afterglow), 5);
  const flipTravel = rng.chance(R.flipTravelProbability);
  const unitLabel = kind === 'linac' ? 'MeV' : 'kVp';
  return {
    serial: `SIM-${serialCode(f)}-${String(seed).padStart(4, '0')}`,
    family: f.id,
    heldOut: f.heldOut,
    vendor: 'Simulated',
    model: `virtual-${kind}-${f.high}/${f.low}${unitLabel}-${f.detector}`,
    kind,
    declaredSource: declared,
    physics: { kind, high, low },
    airValue,
    darkOffset,
    pixelSpacingMm,
    dose,
    blur: { sigmaPx, kernel: { x: gaussianKernel(sigmaPx.x), y: gaussianKernel(sigmaPx.y) } },
    fog,
    lineGainSigma,
    lineGainSeed,
    stripes,
    afterglow,
    flipTravel,
  };
}

/** Most scanners one pool may hold (the scanner seeds of pools with consecutive seeds must not overlap). */
export const MAX_POOL_SIZE = 1000;

/**
 * `count` scanners cycling over `families` (scanner k is of family k mod n), deterministic in
 * (seed, count, families). Scanner k is drawScanner(seed·1000 + k, family), so serials are unique
 * within a pool and across pools of different seeds.
 */
export function scannerPool(seed: number, count: number, families: readonly string[]): VirtualScanner[] {
  if (!families.length) throw new Error('scannerPool needs at least one family');
  if (!Number.isInteger(count) || count < 1 || count > MAX_POOL_SIZE) throw new Error(`scanner pool size must be 1..${MAX_POOL_SIZE}, got ${count}`);
  for (const f of families) familyById(f);
  return Array.from({ length: count }, (_, k) => drawScanner(seed * MAX_POOL_SIZE + k, families[k % families.length]!));
}

/**
 * The project's original single scanner as a VirtualScanner: nominal physics of linac 6/4 MeV or
 * tube 160/80 kVp, airValue 60000, no dark, 3-tap [¼ ½ ¼] blur, no fog, no line gains or stripes,
 * no afterglow, not flipped; pixel spacing of its usual conveyance (linac container 5 mm, tube
 * pallet 2.5 mm). Useful to image a calibration phantom with the legacy physics. Note:
 * simulateScan WITHOUT a scanner is the legacy byte stream; simulateScan WITH this scanner uses
 * the scanner code path (varied cargo, layouts at this spacing) and is not byte-identical to it.
 */
export function legacyScanner(kind: SourceKind): VirtualScanner {
  const declaredSource: SourceSpec = kind === 'linac' ? { kind: 'linac', highMeV: 6, lowMeV: 4 } : { kind: 'tube', highKVp: 160, lowKVp: 80 };
  const spacing = kind === 'linac' ? 5 : 2.5;
  const tap3 = [0.25, 0.5, 0.25];
  const doseHigh = kind === 'linac' ? 40000 : 20000;
  return {
    serial: 'SIM-0001',
    family: `legacy-${kind}`,
    heldOut: false,
    vendor: 'Simulated',
    model: kind === 'linac' ? 'virtual-linac-6/4MeV' : 'virtual-tube-160/80kVp',
    kind,
    declaredSource,
    physics: nominalScanner(declaredSource),
    airValue: 60000,
    darkOffset: 0,
    pixelSpacingMm: { x: spacing, y: spacing },
    dose: { high: doseHigh, low: doseHigh * (kind === 'linac' ? 0.6 : 0.5) },
    blur: { sigmaPx: { x: Math.SQRT1_2, y: Math.SQRT1_2 }, kernel: { x: tap3, y: tap3 } },
    fog: 0,
    lineGainSigma: 0,
    lineGainSeed: 0,
    stripes: [],
    afterglow: 0,
    flipTravel: false,
  };
}

/** Per-row gain of one channel of a scanner for an image of `height` rows (line gain × stripes). */
export function rowGains(s: VirtualScanner, channel: 'high' | 'low', height: number): Float64Array {
  const g = new Float64Array(height).fill(1);
  if (s.lineGainSigma > 0) {
    const rng = new Rng(s.lineGainSeed, channel === 'high' ? 1 : 2);
    for (let y = 0; y < height; y++) g[y] = 1 + s.lineGainSigma * rng.normal();
  }
  for (const st of s.stripes) if (st.row < height) g[st.row]! *= st.gain;
  return g;
}
