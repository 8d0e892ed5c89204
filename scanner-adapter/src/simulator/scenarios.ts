/** Scenario definitions: the rates of contraband, concealment, look-alikes and manifest honesty. */
import type { Concealment, ConveyanceType } from '../scan-package/types.ts';
import { LOOKALIKE_CLASSES, honestTimber, type LookalikeClass, type TimberSpec } from './cargo.ts';
import type { Rng } from './prng.ts';
import { CITES_SPECIES, COMMON_SPECIES, speciesByName } from './species.ts';

export const SCENARIOS = ['mixed', 'benign', 'ivory', 'rhino_horn', 'cites_timber', 'timber_honest'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Plan {
  ivory?: { concealment: Concealment; form: 'whole' | 'cut' };
  rhino?: { concealment: Concealment };
  /** Timber cargo (honest or not) and its form. */
  timber?: TimberSpec & { form: 'log' | 'sawn' };
  lookalikes: LookalikeClass[];
  /** Cargo mostly timber (timber scenarios). */
  timberLoad: boolean;
}

function ivoryConcealment(rng: Rng, conv: ConveyanceType): Concealment {
  if (conv === 'parcel') return rng.weighted([['wrapped', 2], ['open', 1]] as const);
  return rng.weighted([
    ['in_log', conv === 'pallet' ? 1 : 3],
    ['among_timber', 3],
    ['behind_steel', 2],
    ['wrapped', 2],
    ['open', 1],
  ] as const);
}

function rhinoConcealment(rng: Rng, conv: ConveyanceType): Concealment {
  if (conv === 'parcel') return rng.weighted([['among_horns', 2], ['wrapped', 2], ['open', 1]] as const);
  return rng.weighted([
    ['among_horns', 5],
    ['wrapped', 2],
    ['behind_steel', 2],
    ['open', 1],
  ] as const);
}

function citesTimber(rng: Rng): TimberSpec {
  const s = rng.pick(CITES_SPECIES);
  // Misdeclaration: mostly as Scots pine, sometimes generically as tropical wood without species/permit.
  return rng.chance(0.75) ? { species: s, declaredAs: speciesByName('Pinus sylvestris'), permit: false } : { species: s, declaredAs: null, permit: false };
}

function someLookalikes(rng: Rng, p: number): LookalikeClass[] {
  if (!rng.chance(p)) return [];
  const n = rng.int(1, 2);
  const out: LookalikeClass[] = [];
  for (let i = 0; i < n; i++) {
    const c = rng.pick(LOOKALIKE_CLASSES);
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

function form(rng: Rng, conv: ConveyanceType): 'log' | 'sawn' {
  return conv === 'parcel' || conv === 'pallet' ? 'sawn' : rng.chance(0.5) ? 'log' : 'sawn';
}

export function makePlan(name: ScenarioName, rng: Rng, conv: ConveyanceType): Plan {
  const small = conv === 'pallet' || conv === 'parcel';
  const ivoryForm = (): 'whole' | 'cut' => (small ? 'cut' : rng.chance(0.5) ? 'whole' : 'cut');
  switch (name) {
    case 'benign': {
      const timber = rng.chance(0.3) ? { ...honestTimber(rng), form: form(rng, conv) } : undefined;
      return { lookalikes: someLookalikes(rng, 0.5), timberLoad: false, ...(timber ? { timber } : {}) };
    }
    case 'ivory': {
      const c = ivoryConcealment(rng, conv);
      return { ivory: { concealment: c, form: ivoryForm() }, lookalikes: someLookalikes(rng, 0.3), timberLoad: false };
    }
    case 'rhino_horn':
      return { rhino: { concealment: rhinoConcealment(rng, conv) }, lookalikes: someLookalikes(rng, 0.3), timberLoad: false };
    case 'cites_timber':
      return { timber: { ...citesTimber(rng), form: form(rng, conv) }, lookalikes: someLookalikes(rng, 0.2), timberLoad: true };
    case 'timber_honest': {
      let t: TimberSpec;
      if (rng.chance(0.3)) {
        const s = rng.pick(CITES_SPECIES);
        t = { species: s, declaredAs: s, permit: true };
      } else {
        const s = rng.pick(COMMON_SPECIES);
        t = { species: s, declaredAs: s, permit: false };
      }
      return { timber: { ...t, form: form(rng, conv) }, lookalikes: [], timberLoad: true };
    }
    case 'mixed': {
      if (rng.chance(0.5)) return makePlan('benign', rng, conv);
      const kind = rng.weighted([
        ['ivory', 35],
        ['rhino', 20],
        ['cites', 30],
        ['ivory+cites', 10],
        ['ivory+rhino', 5],
      ] as const);
      const plan: Plan = { lookalikes: someLookalikes(rng, 0.35), timberLoad: kind === 'cites' };
      if (kind.includes('ivory')) plan.ivory = { concealment: ivoryConcealment(rng, conv), form: ivoryForm() };
      if (kind.includes('rhino')) plan.rhino = { concealment: rhinoConcealment(rng, conv) };
      if (kind.includes('cites')) plan.timber = { ...citesTimber(rng), form: form(rng, conv) };
      return plan;
    }
  }
}
