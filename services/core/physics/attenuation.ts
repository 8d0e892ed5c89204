/**
 * Mass attenuation of the materials this project reasons about, from the NIST XCOM tables
 * (Hubbell & Seltzer, SRD 126) copied verbatim into data/nist, by the mixture rule.
 *
 * It lives in core because three areas need the same numbers: the simulator (to make scans),
 * the calibration fit (to learn a scanner's response from known test blocks) and the worker
 * (to turn a scan into scanner-independent area densities). One table, one interpolation.
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
  materials: Record<string, MaterialInfo>;
}

export interface MaterialInfo {
  name: string;
  composition: Record<string, number>;
  densityGcm3: number;
  sources: string[];
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

export const MATERIAL_IDS = [
  'steel',
  'aluminium',
  'wood',
  'cellulose',
  'water',
  'polyethylene',
  'horn_keratin',
  'ivory',
  'bone',
  'pvc',
  'resin',
  'resin_caco3',
  'pmma',
  'graphite',
  'copper',
  'lead',
] as const;
export type MaterialId = (typeof MATERIAL_IDS)[number];

for (const id of MATERIAL_IDS) if (!materialFile.materials[id]) throw new Error(`materials.json lacks ${id}`);

export function materialInfo(id: MaterialId): MaterialInfo {
  const m = materialFile.materials[id];
  if (!m) throw new Error(`unknown material ${id}`);
  return m;
}

const muCache = new Map<string, number>();

/** Mass attenuation coefficient μ/ρ (cm²/g, total with coherent) by the mixture rule Σ wᵢ(μ/ρ)ᵢ. */
export function massAttenuation(material: MaterialId, energyMeV: number): number {
  const key = `${material}@${energyMeV}`;
  const hit = muCache.get(key);
  if (hit !== undefined) return hit;
  const comp = materialInfo(material).composition;
  let s = 0;
  for (const [el, w] of Object.entries(comp)) s += w * interpolateLogLog(elementTable(el), energyMeV);
  if (muCache.size < 200_000) muCache.set(key, s);
  return s;
}
