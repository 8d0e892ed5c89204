/**
 * Timber species reference table (data/species.json, with its sources): reference densities,
 * density ranges and CITES status. One table for the simulator, the decision rules and the model
 * cards; the ground floor owns it so that nothing above has to reach sideways for it.
 */
import { readFileSync } from 'node:fs';

export interface SpeciesInfo {
  name: string;
  genus: string;
  tradeName: string;
  densityGcm3: number;
  densityRange: [number, number];
  cites: { appendix: 'I' | 'II' | 'III' | 'none'; verified: boolean; source: string };
  sources: string[];
}

export const SPECIES: SpeciesInfo[] = (
  JSON.parse(readFileSync(new URL('./data/species.json', import.meta.url), 'utf8')) as { species: SpeciesInfo[] }
).species;

