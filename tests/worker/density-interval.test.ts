/** The density interval of a timber detection: the shortest run of adjacent groups holding ≥ 90 % of the probability. */
import { describe, expect, it } from 'vitest';
import type { LoadedModel, ModelCard } from '#services/model-registry/card.ts';
import { DENSITY_INTERVAL_MASS, densityInterval, detectionsFromOutputs } from '#workers/analysis/postprocess.ts';
import type { ModelInput } from '#workers/analysis/preprocess.ts';

type Band = [number, number];
const groups: Array<{ densityGcm3: Band }> = [
  { densityGcm3: [0.3, 0.56] },
  { densityGcm3: [0.56, 0.78] },
  { densityGcm3: [0.78, 0.98] },
  { densityGcm3: [0.98, 1.4] },
];

describe('densityInterval', () => {
  it('is one group band when the model is confident', () => {
    expect(DENSITY_INTERVAL_MASS).toBe(0.9);
    expect(densityInterval(groups, [0.01, 0.02, 0.03, 0.94])).toEqual([0.98, 1.4]);
    expect(densityInterval(groups, [0.9, 0.05, 0.03, 0.02])).toEqual([0.3, 0.56]);
  });

  it('widens over adjacent groups until they hold 90 %, counting 0.3 + 0.6 as 0.9', () => {
    expect(densityInterval(groups, [0.05, 0.05, 0.3, 0.6])).toEqual([0.78, 1.4]);
    expect(densityInterval(groups, [0.05, 0.06, 0.3, 0.59])).toEqual([0.56, 1.4]);
    expect(densityInterval(groups, [0.25, 0.25, 0.25, 0.25])).toEqual([0.3, 1.4]);
  });

  it('takes adjacent groups only, and of equally short runs the one holding most', () => {
    // Light and very dense hold 90 % together but are not adjacent: the run must span all four.
    expect(densityInterval(groups, [0.45, 0.05, 0.05, 0.45])).toEqual([0.3, 1.4]);
    // Two runs of two groups reach 90 %; the heavier wins.
    expect(densityInterval(groups, [0.0, 0.46, 0.45, 0.09])).toEqual([0.56, 0.98]);
    expect(densityInterval(groups, [0.0, 0.09, 0.45, 0.46])).toEqual([0.78, 1.4]);
  });

  it('orders groups by density whatever the card order, and normalises the mass', () => {
    const shuffled = [groups[3]!, groups[0]!, groups[2]!, groups[1]!];
    expect(densityInterval(shuffled, [0.6, 0.05, 0.3, 0.05])).toEqual([0.78, 1.4]);
    expect(densityInterval(groups, [0.1, 0.1, 0.6, 1.2])).toEqual([0.78, 1.4]);
    expect(densityInterval(groups, [0, 0, 0, 0])).toBeNull();
  });
});

describe('detections carry the interval from creation', () => {
  /** A card with the four density groups (the two densest CITES-listed), thresholds 0.5. */
  const modelWith = (classes: string[]): LoadedModel => {
    const card = {
      id: 'm',
      version: '1',
      sha256: 'a'.repeat(64),
      classes,
      output: { heatmap: { name: 'scores', stride: 4 }, timberGroups: { name: 'groups', groups: groups.map((g, i) => ({ ...g, id: `g${i}`, label: `g${i}`, genera: [], citesListed: i >= 2 })) } },
      thresholds: { ivory: { score: 0.5 }, rhino_horn: { score: 0.5 }, timber: { score: 0.5 } },
      candidateScore: 0.2,
    } as unknown as ModelCard;
    return { card, path: '', dir: '', shadow: false };
  };

  it('gives timber detections the interval of their region and other classes none', () => {
    const model = modelWith(['ivory', 'timber']);
    const [mh, mw] = [4, 4];
    const scores = new Float32Array(2 * mh * mw);
    scores[0 * mh * mw + 0] = 0.9; // ivory in cell (0, 0)
    for (const c of [10, 11, 14, 15]) scores[1 * mh * mw + c] = 0.8; // timber in the lower right
    // Group logits: per timber cell, probabilities 0.05 / 0.05 / 0.3 / 0.6.
    const probs = [0.05, 0.05, 0.3, 0.6];
    const logits = new Float32Array(4 * mh * mw);
    for (let g = 0; g < 4; g++) for (let c = 0; c < mh * mw; c++) logits[g * mh * mw + c] = Math.log(probs[g]!);
    const input: ModelInput = { data: new Float32Array(16 * 16), dims: [1, 1, 16, 16], width: 16, height: 16, factorX: 1, factorY: 1 };
    const dets = detectionsFromOutputs(
      { scanId: 's', model, input, scanWidth: 16, scanHeight: 16, spacingMm: { x: 10, y: 10 }, createdAt: '' },
      { scores: { data: scores, dims: [1, 2, mh, mw] }, groups: { data: logits, dims: [1, 4, mh, mw] } },
    );
    const timber = dets.find((d) => d.class === 'timber')!;
    expect(timber.densityIntervalGcm3).toEqual(densityInterval(groups, probs));
    expect(timber.densityIntervalGcm3).toEqual([0.78, 1.4]);
    expect(dets.find((d) => d.class === 'ivory')!.densityIntervalGcm3).toBeNull();
  });
  it('pools the cells in log space: a few unsure edge cells do not spread a confident load over three groups', () => {
    const model = modelWith(['timber']);
    const [mh, mw] = [4, 4];
    const scores = new Float32Array(mh * mw);
    const cells = [5, 6, 9, 10];
    for (const c of cells) scores[c] = 0.8;
    // Three cells sure of "very dense", the fourth (the load's edge) has no idea.
    const sure = [0.01, 0.02, 0.12, 0.85];
    const unsure = [0.25, 0.25, 0.25, 0.25];
    const logits = new Float32Array(4 * mh * mw);
    cells.forEach((c, k) => {
      for (let g = 0; g < 4; g++) logits[g * mh * mw + c] = Math.log((k === 3 ? unsure : sure)[g]!);
    });
    const input: ModelInput = { data: new Float32Array(16 * 16), dims: [1, 1, 16, 16], width: 16, height: 16, factorX: 1, factorY: 1 };
    const [timber] = detectionsFromOutputs(
      { scanId: 's', model, input, scanWidth: 16, scanHeight: 16, spacingMm: { x: 10, y: 10 }, createdAt: '' },
      { scores: { data: scores, dims: [1, 1, mh, mw] }, groups: { data: logits, dims: [1, 4, mh, mw] } },
    );
    // The mean of the four softmaxes would hold 85 % in the two dense groups: [0.56, 1.4].
    const meanOfSoftmax = sure.map((p, g) => (3 * p + unsure[g]!) / 4);
    expect(densityInterval(groups, meanOfSoftmax)).toEqual([0.56, 1.4]);
    expect(timber!.species).toBe('g3');
    expect(timber!.densityIntervalGcm3).toEqual([0.78, 1.4]);
  });
});
