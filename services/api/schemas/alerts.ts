/** Request and response schemas of /v1/alerts. */
import { Type, type Static } from '@sinclair/typebox';
import { ALERT_REASON_CODES } from '../../core/domain.ts';
import { AlertStatus, Cursor, DetectionClass, LaneId, Limit, Nullable, Since } from './common.ts';

export const AlertReason = Type.Object({
  code: Type.Union(ALERT_REASON_CODES.map((c) => Type.Literal(c))),
  message: Type.String(),
  detectionIds: Type.Array(Type.String()),
});

export const Alert = Type.Object({
  id: Type.String(),
  scanId: Type.String(),
  laneId: Type.String(),
  modelId: Type.String(),
  modelVersion: Type.String(),
  modelSha256: Type.String(),
  class: DetectionClass,
  score: Type.Number(),
  status: AlertStatus,
  reasons: Type.Array(AlertReason),
  createdAt: Type.String(),
});

export const AlertListQuery = Type.Object({
  status: Type.Optional(AlertStatus),
  lane: Type.Optional(LaneId),
  class: Type.Optional(DetectionClass),
  since: Type.Optional(Since),
  limit: Limit,
  cursor: Type.Optional(Cursor),
});
export type AlertListQuery = Static<typeof AlertListQuery>;

export const AlertParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }) });
export type AlertParams = Static<typeof AlertParams>;

export const AlertPage = Type.Object({ items: Type.Array(Alert), nextCursor: Nullable(Type.String()) });
