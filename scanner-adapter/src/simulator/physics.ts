/**
 * X-ray physics for the simulator: NIST mass-attenuation tables (copied verbatim into data/nist),
 * the mixture rule, and coarse source spectra weighted by an energy-integrating detector.
 *
 * Approximations (documented): parallel beam; spectra are coarse analytic bins (Kramers-law shape,
 * fixed filtration), not Monte-Carlo bremsstrahlung; detector efficiency uses an iron-equivalent
 * absorber (no CdWO4/CsI tables in the reference set); no build-up factors (scatter only via the
 * optional fog term in detector.ts).
 */
import { readFileSync } from 'node:fs';

export interface NistTable {
  energyMeV: Float64Array;
  muRho: Float64Array;
}

const dataUrl = (name: string): URL => new URL(`./data/${name}`, import.meta.url);

/** Parses a NIST CSV: '#' comment lines, then "energy_MeV, mu/rho, mu_en/rho". */
export function parseNistCsv(text: string): NistTable {
  const e: number[] = [];
  const m: number[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(',');
    const en = Number(parts[0]);
    const mu = Number(parts[1]);
    if (!Number.isFinite(en) || !Number.isFinite(mu)) throw new Error(`bad NIST row: ${line}`);
    e.push(en);
    m.push(mu);
  }
  return { energyMeV: Float64Array.from(e), muRho: Float64Array.from(m) };
}

/**
 * log-log interpolation. At an absorption edge (repeated energy) the value just above the edge
 * (the later row) is used. Outside the table the end segment is extrapolated.
 */
export function interpolateLogLog(t: NistTable, energyMeV: number): number {
  const E = t.energyMeV;
  const n = E.length;
  // last index with E[i] <= energy
  let lo = 0;
  let hi = n - 1;
  if (energyMeV < E[0]!) lo = 0;
  else {
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (E[mid]! <= energyMeV) lo = mid;
      else hi = mid - 1;
    }
  }
  let i = Math.min(lo, n - 2);
  if (E[i + 1] === E[i]) i = Math.max(0, i - 1); // only at the table end
  const e0 = E[i]!;
  const e1 = E[i + 1]!;
  if (energyMeV === e0) return t.muRho[i]!;
  const f = Math.log(energyMeV / e0) / Math.log(e1 / e0);
  return Math.exp(Math.log(t.muRho[i]!) + f * (Math.log(t.muRho[i + 1]!) - Math.log(t.muRho[i]!)));
}

interface MaterialFile {
  elementFiles: Record<string, string>;
  materials: Record<string, { name: string; composition: Record<string, number>; densityGcm3: number; sources: string[] }>;
}

const materialFile = JSON.parse(readFileSync(dataUrl('materials.json'), 'utf8')) as MaterialFile;
const elementTables = new Map<string, NistTable>();

function elementTable(symbol: string): NistTable {
  let t = elementTables.get(symbol);
  if (!t) {
    const file = materialFile.elementFiles[symbol];
    if (!file) throw new Error(`no NIST table for element ${symbol}`);
    t = parseNistCsv(readFileSync(dataUrl(`nist/${file}`), 'utf8'));
    elementTables.set(symbol, t);
  }
  return t;
}

export type MaterialId =
  | 'steel'
  | 'aluminium'
  | 'wood'
  | 'cellulose'
  | 'water'
  | 'polyethylene'
  | 'horn_keratin'
  | 'ivory'
  | 'bone'
  | 'pvc'
  | 'resin'
  | 'resin_caco3';

export const MATERIAL_IDS = Object.keys(materialFile.materials) as MaterialId[];

export function materialInfo(id: MaterialId): { name: string; composition: Record<string, number>; densityGcm3: number; sources: string[] } {
  const m = materialFile.materials[id];
  if (!m) throw new Error(`unknown material ${id}`);
  return m;
}

/** Mass attenuation coefficient μ/ρ (cm²/g, total with coherent) by the mixture rule Σ wᵢ(μ/ρ)ᵢ. */
export function massAttenuation(material: MaterialId, energyMeV: number): number {
  const comp = materialInfo(material).composition;
  let s = 0;
  for (const [el, w] of Object.entries(comp)) s += w * interpolateLogLog(elementTable(el), energyMeV);
  return s;
}

export type SourceKind = 'linac' | 'tube';
export type Channel = 'high' | 'low';

export interface Spectrum {
  /** Bin centre energies, MeV. */
  energiesMeV: number[];
  /** Detector-weighted weights (photon number × energy × detection efficiency), normalised to sum 1. */
  weights: number[];
  /** Endpoint energy (MeV) of this channel. */
  endpointMeV: number;
  description: string;
}

export const SOURCE_ENDPOINTS: Record<SourceKind, Record<Channel, number>> = {
  linac: { high: 6, low: 4 },
  tube: { high: 0.16, low: 0.08 },
};

/**
 * Coarse spectrum of a source channel as seen by an energy-integrating detector.
 * linac: 0.5 MeV bins (centres 0.25…E0−0.25), thick-target Kramers shape N(E) ∝ (E0−E)/E,
 *        15 mm Fe-equivalent target/flattening/collimator filtration; detector 30 mm Fe-equivalent (CdWO4 stand-in).
 * tube:  10 keV bins (centres 15…kVp−5 keV), Kramers N(E) ∝ (E0−E)/E, 3 mm Al filtration (+0.5 mm Fe-eq. on high);
 *        detector 0.3 mm Fe-equivalent (CsI stand-in).
 */
export function sourceSpectrum(kind: SourceKind, channel: Channel): Spectrum {
  const E0 = SOURCE_ENDPOINTS[kind][channel];
  const step = kind === 'linac' ? 0.5 : 0.01;
  const start = kind === 'linac' ? 0.25 : 0.015;
  // Filtration: linac 15 mm Fe-equivalent; tube 3 mm Al, plus 0.5 mm Fe-equivalent (Cu stand-in) on the high channel.
  const filters: Array<{ mat: MaterialId; cm: number }> =
    kind === 'linac'
      ? [{ mat: 'steel', cm: 1.5 }]
      : channel === 'high'
        ? [{ mat: 'aluminium', cm: 0.3 }, { mat: 'steel', cm: 0.05 }]
        : [{ mat: 'aluminium', cm: 0.3 }];
  const det = kind === 'linac' ? 3.0 : 0.03;
  const energies: number[] = [];
  const w: number[] = [];
  for (let E = start; E < E0 - 1e-9; E += step) {
    const e = Math.round(E * 1e6) / 1e6;
    const n = (E0 - e) / e;
    let filt = 1;
    for (const f of filters) filt *= Math.exp(-massAttenuation(f.mat, e) * materialInfo(f.mat).densityGcm3 * f.cm);
    const eff = 1 - Math.exp(-massAttenuation('steel', e) * 7.87 * det);
    energies.push(e);
    w.push(n * filt * e * eff);
  }
  const sum = w.reduce((a, b) => a + b, 0);
  return {
    energiesMeV: energies,
    weights: w.map((x) => x / sum),
    endpointMeV: E0,
    description:
      kind === 'linac'
        ? `${E0} MeV bremsstrahlung (Kramers shape, 15 mm Fe filtration), 0.5 MeV bins, energy-integrating detector`
        : `${Math.round(E0 * 1000)} kVp tube (Kramers shape, 3 mm Al${channel === 'high' ? ' + 0.5 mm Fe-eq.' : ''} filtration), 10 keV bins, energy-integrating detector`,
  };
}
