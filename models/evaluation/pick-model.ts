/**
 * Which model an evaluation tool runs: `--model id@version` from a models directory, or else the
 * active model for the scans' source kind, as the worker would pick it. One place, so eval.ts and
 * the diagnostic listings (timber-loads.ts) resolve a model reference the same way.
 */
import path from 'node:path';
import type { LoadedModel } from '#services/model-registry/card.ts';
import { loadModelDir, loadModelRegistry, parseModelRef } from '#services/model-registry/registry.ts';

export async function pickModel(spec: string | undefined, modelsDir: string, sourceKind: 'linac' | 'tube'): Promise<LoadedModel> {
  if (spec) {
    const ref = parseModelRef(spec);
    if (!ref) throw new Error('--model must be <id>@<version>');
    return loadModelDir(path.join(modelsDir, ref.id, ref.version));
  }
  const reg = await loadModelRegistry(modelsDir);
  const model = reg.active.find((m) => m.card.input.sourceKinds.includes(sourceKind));
  if (!model) throw new Error(`no active model for ${sourceKind} scans in ${modelsDir}${reg.problems.length ? ': ' + reg.problems.map((p) => p.reason).join('; ') : ''}`);
  return model;
}
