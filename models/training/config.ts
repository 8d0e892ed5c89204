/** Training configuration (models/training/configs/*.json) and the card skeleton it implies. */
import fs from 'node:fs/promises';
import type { DetectionClass } from '#services/core/domain.ts';
import type { SimulatedSplit } from '../evaluation/labelled-scans.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import type { ModelCard, TimberGroup } from '#services/model-registry/card.ts';
import { DECOMPOSER_VERSION } from '#services/core/physics/decompose.ts';

type SplitSpec = SimulatedSplit;

export interface TrainingConfig {
  id: string;
  description: string;
  input: ModelCard['input'];
  output: { heatmap: string; timberGroups: string; stride: number; temperature?: number };
  classes: DetectionClass[];
  candidateScore: number;
  targetFalseAlarmRate: number;
  /** Copied to the card: which alert rules the model may drive (ModelCard.rules). */
  rules?: ModelCard['rules'];
  timberGroups: Array<Omit<TimberGroup, 'genera'>>;
  dataset: { train: SplitSpec; val: SplitSpec; test: SplitSpec };
  training: {
    epochs: number;
    batchSize: number;
    crop: number;
    learningRate: number;
    seed: number;
    threads: number;
    /** Share of training crops centred on look-alikes (needs a dataset that lists them). */
    hardNegativeFraction?: number;
    /** Dual-energy residual A_low − k·A_high fed to the network, and its gain (attenuation inputs only). */
    dualEnergy?: { k: number; gain: number };
    /** Training-time augmentation: a random gain per input channel of ±channelGain[c] (residual calibration error). */
    augment?: { channelGain?: number[] };
  };
  /** What the model is validated for (copied to the card; the worker never runs it outside). */
  domain?: ModelCard['domain'];
}

export async function loadTrainingConfig(file: string): Promise<TrainingConfig> {
  const cfg = JSON.parse(await fs.readFile(file, 'utf8')) as TrainingConfig;
  cfg.dataset.test ??= { seed: 900_000, count: 1000, scenario: 'mixed', source: cfg.dataset.train.source };
  return cfg;
}

/** Genera of the species table whose reference density falls in each group's band. */
export function groupsWithGenera(cfg: TrainingConfig): TimberGroup[] {
  const ref = loadSpeciesReference();
  return cfg.timberGroups.map((g) => ({
    ...g,
    genera: [...new Set(ref.entries.filter((e) => e.densityGcm3 >= g.densityGcm3[0] && e.densityGcm3 < g.densityGcm3[1]).map((e) => e.genus))],
  }));
}

/** The card fields that preprocessing and postprocessing need, before training fills the rest. */
export function cardSkeleton(cfg: TrainingConfig, version = '0.0.0'): ModelCard {
  const thresholds = Object.fromEntries(cfg.classes.map((c) => [c, { score: 0.5, calibratedFalseAlarmRate: NaN }])) as ModelCard['thresholds'];
  return {
    schema: 'model-card/1',
    id: cfg.id,
    version,
    sha256: '',
    file: 'model.onnx',
    createdAt: new Date(0).toISOString(),
    intendedUse: '',
    classes: cfg.classes,
    // Basis inputs are stamped with the decomposition that made them (the registry checks it).
    input: cfg.input.representation?.kind === 'basis' ? { ...cfg.input, representation: { ...cfg.input.representation, decomposer: DECOMPOSER_VERSION } } : cfg.input,
    output: {
      heatmap: { name: cfg.output.heatmap, stride: cfg.output.stride, logits: true, temperature: cfg.output.temperature ?? 4 },
      timberGroups: { name: cfg.output.timberGroups, groups: groupsWithGenera(cfg) },
    },
    thresholds,
    candidateScore: cfg.candidateScore,
    ...(cfg.rules ? { rules: cfg.rules } : {}),
    ...(cfg.domain ? { domain: cfg.domain } : {}),
    trainingData: '',
    limits: [],
  };
}
