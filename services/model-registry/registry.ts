/**
 * Model registry: finds models/<id>/<version>/card.json, verifies model.onnx against the
 * card's sha-256, and selects the active version per model id (models/registry.json).
 * A model whose card and file disagree, or whose validated domain is malformed, is refused,
 * never loaded.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DETECTION_CLASSES } from '../core/domain.ts';
import { sha256File } from '../storage/image-store.ts';
import { domainProblem, type LoadedModel, type ModelCard } from './card.ts';

export interface RegistryFile {
  /** Active version per model id. Promotion of a shadow candidate is a change here. */
  active: Record<string, string>;
}

export interface RegistryProblem {
  model: string;
  reason: string;
}

export interface ModelRegistry {
  active: LoadedModel[];
  shadow: LoadedModel[];
  problems: RegistryProblem[];
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}

/** Loads and verifies one model version directory. Throws with a clear reason on mismatch. */
export async function loadModelDir(dir: string, shadow = false): Promise<LoadedModel> {
  const card = await readJson<ModelCard>(path.join(dir, 'card.json'));
  if (card.schema !== 'model-card/1') throw new Error(`${dir}: card.json schema is "${card.schema}", expected model-card/1`);
  // A wrong domain would silently send scans the model was validated for to review, or the reverse.
  const badDomain = domainProblem(card);
  if (badDomain) throw new Error(`${card.id}@${card.version}: ${badDomain}`);
  // A class the system does not know would reach the store, the API and the rules unchecked.
  const unknown = (card.classes ?? []).filter((c) => !(DETECTION_CLASSES as readonly string[]).includes(c));
  if (unknown.length) throw new Error(`${card.id}@${card.version}: unknown detection class(es) ${unknown.join(', ')} (known: ${DETECTION_CLASSES.join(', ')})`);
  const file = path.join(dir, card.file || 'model.onnx');
  const { sha256 } = await sha256File(file);
  if (sha256 !== card.sha256) {
    throw new Error(`${card.id}@${card.version}: model file sha-256 ${sha256} does not match card ${card.sha256}`);
  }
  return { card, path: file, dir, shadow };
}

/**
 * Loads the active version of every model in registry.json, plus, for each id in
 * `shadowIds` written as "<id>@<version>", that version as a shadow model.
 */
export async function loadModelRegistry(modelsDir: string, shadowIds: string[] = []): Promise<ModelRegistry> {
  const registry: ModelRegistry = { active: [], shadow: [], problems: [] };
  let reg: RegistryFile;
  try {
    reg = await readJson<RegistryFile>(path.join(modelsDir, 'registry.json'));
  } catch (err) {
    registry.problems.push({ model: '*', reason: `cannot read ${path.join(modelsDir, 'registry.json')}: ${(err as Error).message}` });
    return registry;
  }
  for (const [id, version] of Object.entries(reg.active)) {
    try {
      registry.active.push(await loadModelDir(path.join(modelsDir, id, version)));
    } catch (err) {
      registry.problems.push({ model: `${id}@${version}`, reason: (err as Error).message });
    }
  }
  for (const spec of shadowIds) {
    const [id, version] = spec.split('@');
    if (!id || !version) {
      registry.problems.push({ model: spec, reason: 'shadow model must be written <id>@<version>' });
      continue;
    }
    try {
      registry.shadow.push(await loadModelDir(path.join(modelsDir, id, version), true));
    } catch (err) {
      registry.problems.push({ model: spec, reason: (err as Error).message });
    }
  }
  return registry;
}
