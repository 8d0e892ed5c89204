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
import { domainProblem, representationProblem, type LoadedModel, type ModelCard } from './card.ts';

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
/** "<id>@<version>" split into its parts; null when either part is missing. */
export function parseModelRef(spec: string): { id: string; version: string } | null {
  const [id, version] = spec.split('@');
  return id && version ? { id, version } : null;
}

/**
 * Why the registry refuses a card, from the card alone (no model file read), or null: the checks
 * loadModelDir makes before hashing, and what the admin's list of versions shows.
 */
export function cardProblem(card: ModelCard): string | null {
  if (card.schema !== 'model-card/1') return `card.json schema is "${card.schema}", expected model-card/1`;
  // A wrong domain would silently send scans the model was validated for to review, or the reverse.
  const badDomain = domainProblem(card);
  if (badDomain) return badDomain;
  const badInputs = representationProblem(card);
  if (badInputs) return badInputs;
  // A class the system does not know would reach the store, the API and the rules unchecked.
  const unknown = (card.classes ?? []).filter((c) => !(DETECTION_CLASSES as readonly string[]).includes(c));
  if (unknown.length) return `unknown detection class(es) ${unknown.join(', ')} (known: ${DETECTION_CLASSES.join(', ')})`;
  return null;
}

export async function loadModelDir(dir: string, shadow = false): Promise<LoadedModel> {
  const card = await readJson<ModelCard>(path.join(dir, 'card.json'));
  const problem = cardProblem(card);
  if (problem) throw new Error(card.schema !== 'model-card/1' ? `${dir}: ${problem}` : `${card.id}@${card.version}: ${problem}`);
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
    const ref = parseModelRef(spec);
    if (!ref) {
      registry.problems.push({ model: spec, reason: 'shadow model must be written <id>@<version>' });
      continue;
    }
    try {
      registry.shadow.push(await loadModelDir(path.join(modelsDir, ref.id, ref.version), true));
    } catch (err) {
      registry.problems.push({ model: spec, reason: (err as Error).message });
    }
  }
  return registry;
}

/** One model version found on disk, from its card alone (not verified: listing only). */
export interface ModelVersionEntry {
  id: string;
  version: string;
  card: ModelCard | null;
  /** The version registry.json makes active for its id. */
  active: boolean;
  /** Named in the shadow list (SHADOW_MODELS). */
  shadow: boolean;
  /** Why the card could not be read, or why the registry would refuse the version; null when neither. */
  problem: string | null;
}

/**
 * Every models/<id>/<version>/ holding a card.json, with whether it is the active or a shadow
 * version, and what in its card the registry would refuse: what an administrator sees. Cards are
 * read, model files are not hashed (the worker and loadModelRegistry verify what they load).
 */
export async function listModelVersions(modelsDir: string, shadowIds: string[] = []): Promise<ModelVersionEntry[]> {
  let active: Record<string, string> = {};
  try {
    active = (await readJson<RegistryFile>(path.join(modelsDir, 'registry.json'))).active ?? {};
  } catch {
    /* no registry: nothing is active */
  }
  const out: ModelVersionEntry[] = [];
  const dirs = await fs.readdir(modelsDir, { withFileTypes: true }).catch(() => []);
  for (const idDir of dirs) {
    if (!idDir.isDirectory()) continue;
    const versions = await fs.readdir(path.join(modelsDir, idDir.name), { withFileTypes: true }).catch(() => []);
    for (const v of versions) {
      if (!v.isDirectory()) continue;
      const cardFile = path.join(modelsDir, idDir.name, v.name, 'card.json');
      try {
        await fs.access(cardFile);
      } catch {
        continue;
      }
      let card: ModelCard | null = null;
      let problem: string | null = null;
      try {
        card = await readJson<ModelCard>(cardFile);
        if (card.id !== idDir.name || card.version !== v.name) problem = `card says ${card.id}@${card.version}`;
        // What loadModelDir would refuse without reading the model file: the administrator sees it
        // before making the version active (e.g. inputs of an older decomposition).
        else problem = cardProblem(card);
      } catch (err) {
        problem = `card.json unreadable: ${(err as Error).message.split('\n')[0]}`;
      }
      out.push({
        id: idDir.name,
        version: v.name,
        card,
        active: active[idDir.name] === v.name,
        shadow: shadowIds.includes(`${idDir.name}@${v.name}`),
        problem,
      });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id) || b.version.localeCompare(a.version, undefined, { numeric: true }));
}
