/** Validated domains: which scans a model may read, what the reason says when none may, and cards the registry refuses. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScanMetadata } from '#adapter/scan-package/types.ts';
import { loadConfig } from '#services/core/config.ts';
import { DECOMPOSER_VERSION } from '#services/core/physics/decompose.ts';
import { domainProblem, representationProblem, type LoadedModel, type ModelCard, type ValidatedDomain } from '#services/model-registry/card.ts';
import { listModelVersions, loadModelDir, loadModelRegistry } from '#services/model-registry/registry.ts';
import { analyseImages, applicability, describeScan, domainGaps } from '#workers/analysis/analyse.ts';
import type { InferencePool } from '#workers/inference/inference-pool.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { metadata } from '../helpers/packages.ts';

const img = { width: 8, height: 8, data: new Uint16Array(64) };
const dual = { high: img, low: img };

function card(over: Partial<ModelCard['input']> = {}, domain?: ValidatedDomain): ModelCard {
  return {
    id: 'm',
    version: '1.0.0',
    input: { energies: ['high', 'low'], sourceKinds: ['linac', 'tube'], ...over },
    ...(domain ? { domain } : {}),
  } as unknown as ModelCard;
}
const linac = (highMeV: number, lowMeV?: number, spacing = { x: 5, y: 5 }): ScanMetadata =>
  metadata('s', { source: lowMeV === undefined ? { kind: 'linac', highMeV } : { kind: 'linac', highMeV, lowMeV }, pixelSpacingMm: spacing });
const tube = (highKVp: number, lowKVp?: number): ScanMetadata =>
  metadata('s', { source: lowKVp === undefined ? { kind: 'tube', highKVp } : { kind: 'tube', highKVp, lowKVp } });

const LINAC: ValidatedDomain = { sourceKinds: ['linac'], highEnergyMeV: [4, 7], lowEnergyMeV: [2, 5], pixelSpacingMm: [4, 12], dualEnergy: true };

describe('domainGaps', () => {
  it('covers a scan inside every bound, bounds included', () => {
    for (const m of [linac(6, 4), linac(4, 2), linac(7, 5), linac(6, 4, { x: 4, y: 12 })]) expect(domainGaps(card({}, LINAC), m, dual)).toEqual([]);
  });

  it('names each bound the scan is outside of', () => {
    expect(domainGaps(card({}, LINAC), linac(9, 6), dual)).toEqual(['high energy 4–7 MeV', 'low energy 2–5 MeV']);
    expect(domainGaps(card({}, LINAC), linac(7.01, 4), dual)).toEqual(['high energy 4–7 MeV']);
    // Both axes must be inside.
    expect(domainGaps(card({}, LINAC), linac(6, 4, { x: 5, y: 3.9 }), dual)).toEqual(['pixel spacing 4–12 mm']);
    expect(domainGaps(card({}, LINAC), linac(6, 4, { x: 12.5, y: 5 }), dual)).toEqual(['pixel spacing 4–12 mm']);
    expect(domainGaps(card({}, LINAC), linac(6), { high: img })).toEqual(['dual-energy scans']);
    expect(domainGaps(card({}, LINAC), tube(160, 80), dual)).toEqual(['linac sources']);
  });

  it('compares tube kVp as MeV and says it in kVp', () => {
    const d: ValidatedDomain = { sourceKinds: ['tube'], highEnergyMeV: [0.14, 0.18], pixelSpacingMm: [1, 6], dualEnergy: true };
    expect(domainGaps(card({}, d), tube(160, 80), dual)).toEqual([]);
    expect(domainGaps(card({}, d), tube(200, 100), dual)).toEqual(['high energy 140–180 kVp']);
  });

  it('lets a single-energy model read the high energy of a dual-energy scan', () => {
    const d: ValidatedDomain = { ...LINAC, dualEnergy: false, lowEnergyMeV: undefined };
    const c = card({ energies: ['high'] }, d);
    expect(domainGaps(c, linac(6), { high: img })).toEqual([]);
    expect(domainGaps(c, linac(6, 4), dual)).toEqual([]);
  });

  it('checks a card without a domain as before: source kinds and energy images', () => {
    expect(domainGaps(card({ sourceKinds: ['linac'] }), linac(9, 6), dual)).toEqual([]);
    expect(domainGaps(card({ sourceKinds: ['linac'] }), tube(160, 80), dual)).toEqual(['linac sources']);
    expect(domainGaps(card({ sourceKinds: ['linac'] }), linac(6), { high: img })).toEqual(['scans with the low energy image']);
  });

  it('says what the scan is in applicability()', () => {
    const m: LoadedModel = { card: card({}, LINAC), path: '', dir: '', shadow: false };
    expect(applicability(m, linac(9, 6), dual)).toBe('validated for high energy 4–7 MeV, low energy 2–5 MeV; scan is linac 9/6 MeV, 5×5 mm pixels');
    expect(applicability(m, linac(6, 4), dual)).toBeNull();
    expect(describeScan(tube(160), { high: img })).toBe('tube 160 kVp single-energy, 5×5 mm pixels');
  });
});

describe('needs_review without any model run', () => {
  it('names every active model and what it is validated for; never clear', async () => {
    const a: LoadedModel = { card: card({}, LINAC), path: '', dir: '', shadow: false };
    const b: LoadedModel = { card: { ...card({ sourceKinds: ['tube'] }), id: 'tube-m' } as ModelCard, path: '', dir: '', shadow: false };
    // No model applies, so the pool is never asked to run anything.
    const pool = {} as InferencePool;
    const r = await analyseImages({ scanId: 's', metadata: linac(9, 6), images: dual }, { models: [a, b], pool, species: loadSpeciesReference() });
    expect(r.verdict).toBe('needs_review');
    expect(r.results).toEqual([]);
    expect(r.calibration).toBeNull();
    expect(r.verdictReasons).toEqual([
      {
        code: 'outside_validated_domain',
        message: 'linac 9/6 MeV, 5×5 mm pixels: active models are validated for high energy 4–7 MeV and low energy 2–5 MeV (m@1.0.0); tube sources (tube-m@1.0.0)',
      },
    ]);
  });
});

describe('the registry refuses a malformed domain', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('names the problem and keeps the model out', async () => {
    const real = await loadModelRegistry(loadConfig().modelsDir);
    const linacModel = real.active.find((m) => m.card.input.sourceKinds.includes('linac'))!;
    const base = linacModel.card;
    const bad: Array<[Partial<ValidatedDomain>, RegExp]> = [
      [{ highEnergyMeV: [7, 4] }, /highEnergyMeV/],
      [{ sourceKinds: ['tube'] }, /tube, which input.sourceKinds does not/],
      [{ pixelSpacingMm: [0, 12] }, /pixelSpacingMm/],
      [{ dualEnergy: false }, /reads the low energy/],
    ];
    for (const [over, why] of bad) {
      const c = { ...base, domain: { ...LINAC, ...over } } as ModelCard;
      expect(domainProblem(c)).toMatch(why);
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-domain-'));
      dirs.push(dir);
      await fs.cp(linacModel.dir, dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'card.json'), JSON.stringify(c));
      await expect(loadModelDir(dir)).rejects.toThrow(why);
    }
    expect(domainProblem({ ...base, domain: LINAC })).toBeNull();
    expect(domainProblem(base)).toBeNull();
  });

  it('refuses a basis model trained on another decomposition (absent version = 1), names both versions', async () => {
    const real = await loadModelRegistry(loadConfig().modelsDir);
    const linacModel = real.active.find((m) => m.card.input.representation?.kind === 'basis')!;
    const rep = linacModel.card.input.representation as { kind: 'basis'; massScale: number; metalScale: number; decomposer?: number };
    expect(rep.decomposer, 'the active basis model was trained on this build\'s decomposition').toBe(DECOMPOSER_VERSION);
    for (const decomposer of [undefined, DECOMPOSER_VERSION - 1, DECOMPOSER_VERSION + 1]) {
      const { decomposer: _, ...rest } = rep;
      const c = { ...linacModel.card, input: { ...linacModel.card.input, representation: decomposer === undefined ? rest : { ...rest, decomposer } } } as ModelCard;
      const made = decomposer ?? 1;
      expect(representationProblem(c)).toContain(`decomposer version ${made}, but this build decomposes with version ${DECOMPOSER_VERSION}`);
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-decomposer-'));
      dirs.push(dir);
      await fs.cp(linacModel.dir, dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'card.json'), JSON.stringify(c));
      await expect(loadModelDir(dir)).rejects.toThrow(/retrain it/);
    }
    expect(representationProblem(linacModel.card)).toBeNull();
  });

  it('lists the refusal with the version an administrator sees (the models on disk: older decompositions named, the active ones clean)', async () => {
    const listed = await listModelVersions(loadConfig().modelsDir);
    const real = await loadModelRegistry(loadConfig().modelsDir);
    for (const m of real.active) expect(listed.find((l) => l.id === m.card.id && l.version === m.card.version)?.problem, `${m.card.id}@${m.card.version}`).toBeNull();
    const old = listed.filter((l) => l.card?.input.representation?.kind === 'basis' && ((l.card.input.representation as { decomposer?: number }).decomposer ?? 1) !== DECOMPOSER_VERSION);
    expect(old.length, 'models/ keeps versions trained on decomposer 1').toBeGreaterThan(0);
    for (const l of old) expect(l.problem, `${l.id}@${l.version}`).toMatch(/decomposer version 1, but this build decomposes with version \d+.*retrain it/);
  });
});
