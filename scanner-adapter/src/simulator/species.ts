/** The simulator's selections from the species reference table (services/core/species.ts). */
import { SPECIES, type SpeciesInfo } from '#services/core/species.ts';

export { SPECIES, type SpeciesInfo };

export const CITES_SPECIES = SPECIES.filter((s) => s.cites.appendix !== 'none');
/** Common, unlisted species used as honest cargo (excludes the dense look-alike African ebony). */
export const COMMON_SPECIES = SPECIES.filter((s) => s.cites.appendix === 'none' && s.name !== 'Diospyros crassiflora');
export const DENSE_LOOKALIKE_SPECIES = SPECIES.filter((s) => ['Diospyros crassiflora', 'Eucalyptus globulus', 'Quercus alba'].includes(s.name));

export function speciesByName(name: string): SpeciesInfo {
  const s = SPECIES.find((x) => x.name === name);
  if (!s) throw new Error(`unknown species ${name}`);
  return s;
}

const TEMPERATE_LOG: Record<string, string> = { Pinus: '4403.21', Picea: '4403.23', Quercus: '4403.91', Populus: '4403.97', Eucalyptus: '4403.98' };
const TEMPERATE_SAWN: Record<string, string> = { Pinus: '4407.11', Picea: '4407.12', Quercus: '4407.91', Populus: '4407.97', Eucalyptus: '4407.99' };

/** HS 2022 subheading for logs (4403) or sawn wood (4407) of a genus; tropical genera → 4403.49 / 4407.29. */
export function timberHsCode(genus: string, form: 'log' | 'sawn'): string {
  return form === 'log' ? (TEMPERATE_LOG[genus] ?? '4403.49') : (TEMPERATE_SAWN[genus] ?? '4407.29');
}
