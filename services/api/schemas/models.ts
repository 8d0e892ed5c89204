/** Response schema of /v1/models: what is loaded, never where it lives on disk. */
import { Type } from '@sinclair/typebox';
import { DetectionClass } from './common.ts';

export const Threshold = Type.Object({
  score: Type.Number(),
  calibratedFalseAlarmRate: Type.Number(),
  calibratedDetectionRate: Type.Optional(Type.Number()),
});

export const Model = Type.Object({
  id: Type.String(),
  version: Type.String(),
  sha256: Type.String(),
  createdAt: Type.String(),
  classes: Type.Array(DetectionClass),
  thresholds: Type.Record(Type.String(), Threshold),
  candidateScore: Type.Number(),
  shadow: Type.Boolean(),
  intendedUse: Type.String(),
  limits: Type.Array(Type.String()),
});

export const ModelList = Type.Object({
  active: Type.Array(Model),
  shadow: Type.Array(Model),
  /** Model specs the registry refused; reasons are in the server log (they name file paths). */
  refused: Type.Array(Type.String()),
});

/** A model version on disk, for administrators: the card's summary and whether it runs. */
export const ModelVersion = Type.Object({
  id: Type.String(),
  version: Type.String(),
  active: Type.Boolean({ description: 'the version models/registry.json makes active' }),
  shadow: Type.Boolean({ description: 'named in SHADOW_MODELS' }),
  problem: Type.Union([Type.String(), Type.Null()], { description: 'why the card could not be read, or why the registry would refuse this version (e.g. inputs of another decomposition)' }),
  card: Type.Union([
    Type.Object({
      createdAt: Type.String(),
      intendedUse: Type.String(),
      classes: Type.Array(DetectionClass),
      sourceKinds: Type.Array(Type.String()),
      pixelSpacingMm: Type.Number(),
      representation: Type.String({ description: 'attenuation or basis' }),
      candidateScore: Type.Number(),
      thresholds: Type.Record(Type.String(), Threshold),
      limits: Type.Array(Type.String()),
    }),
    Type.Null(),
  ]),
});

export const ModelVersionList = Type.Object({ items: Type.Array(ModelVersion) });
