/**
 * Reference densities and CITES status of timber genera/species, read from the simulator's
 * sourced data table (one table for the simulator, the decision rules and the model cards).
 */
import { readFileSync } from 'node:fs';
import type { SpeciesReference } from '../../workers/src/decision/decide.ts';

export interface SpeciesEntry {
  genus: string;
  species: string;
  densityGcm3: number;
  citesAppendix: string | null;
}

export interface SpeciesTable extends SpeciesReference {
  entries: SpeciesEntry[];
}

const TABLE = new URL('../../scanner-adapter/src/simulator/data/species.json', import.meta.url);

let cached: SpeciesTable | undefined;

export function loadSpeciesReference(): SpeciesTable {
  if (cached) return cached;
  const raw = JSON.parse(readFileSync(TABLE, 'utf8')) as unknown;
  const list = (Array.isArray(raw) ? raw : ((raw as { species?: unknown[] }).species ?? [])) as Array<Record<string, unknown>>;
  const entries: SpeciesEntry[] = list.map((e) => {
    const species = String(e.species ?? e.name ?? '');
    const density = Number(e.densityGcm3 ?? e.density ?? e.airDryDensity);
    const c = e.cites as { appendix?: string } | undefined;
    const cites = c?.appendix && c.appendix !== 'none' ? c.appendix : null;
    return { genus: String(e.genus ?? species.split(' ')[0]), species, densityGcm3: density, citesAppendix: cites };
  });
  const byName = new Map<string, number[]>();
  for (const e of entries) {
    for (const k of [e.species.toLowerCase(), e.genus.toLowerCase()]) byName.set(k, [...(byName.get(k) ?? []), e.densityGcm3]);
  }
  cached = {
    entries,
    densityOf(name: string) {
      const v = byName.get(name.trim().toLowerCase());
      return v ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
    },
    isCitesListed(name: string) {
      const n = name.trim().toLowerCase();
      const exact = entries.find((e) => e.species.toLowerCase() === n);
      if (exact) return exact.citesAppendix !== null;
      const genus = n.split(/\s+/)[0];
      return entries.some((e) => e.genus.toLowerCase() === genus && e.citesAppendix !== null);
    },
  };
  return cached;
}
