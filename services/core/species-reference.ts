/**
 * Reference densities and CITES status of timber genera/species: a lookup view over the
 * sourced species table in ./species.ts (one table for the simulator, the decision rules and the
 * model cards).
 */
import { SPECIES } from './species.ts';

/** What the decision rules need to know about timber species. */
export interface SpeciesReference {
  /** Reference air-dry density (g/cm³) of a genus or "Genus species"; undefined when unknown. */
  densityOf(name: string): number | undefined;
  /** Air-dry density range [min, max] (g/cm³) of a genus or "Genus species"; undefined when the table gives none. */
  densityRangeOf?(name: string): [number, number] | undefined;
  /** True when the species (or, for a bare genus, any species of it in the table) is CITES-listed. */
  isCitesListed(name: string): boolean;
}

export interface SpeciesEntry {
  genus: string;
  species: string;
  densityGcm3: number;
  /** Air-dry density range [min, max] g/cm³ from the table's sources. */
  densityRangeGcm3: [number, number];
  citesAppendix: string | null;
}

export interface SpeciesTable extends SpeciesReference {
  entries: SpeciesEntry[];
  densityRangeOf(name: string): [number, number] | undefined;
}

let cached: SpeciesTable | undefined;

export function loadSpeciesReference(): SpeciesTable {
  if (cached) return cached;
  const entries: SpeciesEntry[] = SPECIES.map((e) => ({
    genus: e.genus,
    species: e.name,
    densityGcm3: e.densityGcm3,
    densityRangeGcm3: e.densityRange,
    citesAppendix: e.cites.appendix === 'none' ? null : e.cites.appendix,
  }));
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
    densityRangeOf(name: string) {
      // A species' own range; a bare genus spans the ranges of all its species in the table.
      const n = name.trim().toLowerCase();
      const matching = entries.filter((e) => e.species.toLowerCase() === n);
      const of = matching.length ? matching : entries.filter((e) => e.genus.toLowerCase() === n);
      if (of.length === 0) return undefined;
      return [Math.min(...of.map((e) => e.densityRangeGcm3[0])), Math.max(...of.map((e) => e.densityRangeGcm3[1]))];
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
