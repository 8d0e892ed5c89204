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
