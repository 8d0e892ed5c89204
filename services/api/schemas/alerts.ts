/**
 * Request and response schemas of /v1/alerts and /v1/scans/:scanId/inspection(s). Every
 * vocabulary (states, actions, decisions, clear reasons, inspection outcomes) comes from
 * services/core/review.ts, so the API accepts exactly what the workflow knows.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ACTOR_KINDS } from '../../core/access.ts';
import { ALERT_REASON_CODES } from '../../core/domain.ts';
import { ALERT_LIST_ORDERS, CLEAR_REASONS, DECISIONS, INSPECTION_OUTCOMES, REVIEW_ACTIONS } from '../../core/review.ts';
import { AlertStatus, Cursor, DetectionClass, ErrorResponse, LaneId, Limit, literals, Nullable, ScanIdPattern, Since } from './common.ts';

export const AlertReason = Type.Object({
  code: literals(ALERT_REASON_CODES),
  message: Type.String(),
  detectionIds: Type.Array(Type.String()),
});

export const DecisionName = literals(DECISIONS);
export const ClearReason = literals(CLEAR_REASONS);
export const ReviewActionName = literals(REVIEW_ACTIONS);
const Notes = Type.String({ maxLength: 4000, description: 'Free text kept in the alert history' });

export const Seizure = Type.Object({
  species: Type.String({ minLength: 1, maxLength: 200, description: 'Species or product seized, e.g. "Loxodonta africana"' }),
  count: Type.Integer({ minimum: 1, description: 'Pieces seized' }),
  weightKg: Type.Number({ exclusiveMinimum: 0, description: 'Total weight, kg' }),
});

export const AlertDecision = Type.Object({
  decision: DecisionName,
  reason: Type.Optional(ClearReason),
  seizure: Type.Optional(Seizure),
  notes: Type.Optional(Type.String()),
});

const User = Type.Object({ id: Type.String(), name: Type.String() });

export const ReviewState = Type.Object({
  version: Type.Integer({ description: 'Send it back with a decision (If-Match: "<version>" or body "version")' }),
  assignee: Nullable(User),
  claimExpiresAt: Nullable(Type.String()),
  decidedAt: Nullable(Type.String()),
  decidedBy: Nullable(User),
  decision: Nullable(AlertDecision),
});

const alertFields = {
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
};

/** An alert as stored (inside a scan's detail). */
export const Alert = Type.Object({ ...alertFields, review: Type.Optional(ReviewState) });

/** An alert as the review workflow shows it: an expired claim reads as open; seenAt is the reader's. */
export const AlertView = Type.Object({
  ...alertFields,
  review: ReviewState,
  seenAt: Nullable(Type.String({ description: 'When you marked it seen; null if you have not' })),
});

export const AlertEvent = Type.Object({
  version: Type.Integer({ description: 'The alert version after this event' }),
  at: Type.String(),
  actor: Type.Object({ kind: literals(ACTOR_KINDS), id: Type.String(), name: Type.String() }),
  action: ReviewActionName,
  from: AlertStatus,
  to: AlertStatus,
  decision: Nullable(AlertDecision),
  notes: Nullable(Type.String()),
  via: Nullable(Type.String({ description: 'The inspection that took the decision, if any' })),
});

export const AlertDetail = Type.Object({
  ...AlertView.properties,
  history: Type.Array(AlertEvent),
  actions: Type.Array(ReviewActionName, { description: 'What you can do with the alert now' }),
});

export const AlertListQuery = Type.Object({
  status: Type.Optional(AlertStatus),
  assignee: Type.Optional(Type.Literal('me', { description: 'Only alerts you hold a live claim on' })),
  lane: Type.Optional(LaneId),
  class: Type.Optional(DetectionClass),
  since: Type.Optional(Since),
  sort: Type.Optional(
    literals(ALERT_LIST_ORDERS, {
      description:
        'newest (default): created, newest first. priority: the review queue over every alert — wildlife classes (ivory, rhino horn) first, then score high first, then oldest first; its nextCursor pages on in that order (a cursor of one order is refused by the other)',
    }),
  ),
  limit: Limit,
  cursor: Type.Optional(Cursor),
});
export type AlertListQuery = Static<typeof AlertListQuery>;

export const AlertParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }) });
export type AlertParams = Static<typeof AlertParams>;

export const AlertPage = Type.Object({ items: Type.Array(AlertView), nextCursor: Nullable(Type.String()) });

const Version = Type.Integer({ minimum: 1, description: 'The alert version the request was made on (or If-Match: "<version>")' });

export const ClaimBody = Type.Object({ version: Type.Optional(Version), notes: Type.Optional(Notes) });
export type ClaimBody = Static<typeof ClaimBody>;

export const DecisionBody = Type.Object({
  decision: DecisionName,
  /** Required with clear. */
  reason: Type.Optional(ClearReason),
  /** Required with seize. */
  seizure: Type.Optional(Seizure),
  notes: Type.Optional(Notes),
  version: Type.Optional(Version),
});
export type DecisionBody = Static<typeof DecisionBody>;

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 64, description: 'The alert version, e.g. "4" (as the ETag of GET /v1/alerts/:id)' })),
});

export const SeenResponse = Type.Object({
  alertId: Type.String(),
  seenAt: Type.String(),
  first: Type.Boolean({ description: 'False when you had marked it seen before (seenAt is that first time)' }),
});

export const HistoryResponse = Type.Object({ items: Type.Array(AlertEvent) });

/** A 409 of the review workflow: `illegal_transition`, `claimed` or `conflict` (with the alert's state now). */
export const ReviewErrorResponse = Type.Object({
  ...ErrorResponse.properties,
  current: Type.Optional(
    Type.Object({
      status: AlertStatus,
      version: Type.Integer(),
      changedBy: Nullable(User),
      changedAt: Nullable(Type.String()),
    }),
  ),
});

export const InspectionParams = Type.Object({ scanId: Type.String({ pattern: ScanIdPattern }) });
export type InspectionParams = Static<typeof InspectionParams>;

export const InspectionBody = Type.Object({
  outcome: literals(INSPECTION_OUTCOMES),
  /** Required when the outcome is seized. */
  seizure: Type.Optional(Seizure),
  notes: Type.Optional(Notes),
});
export type InspectionBody = Static<typeof InspectionBody>;

export const Inspection = Type.Object({
  id: Type.String(),
  scanId: Type.String(),
  at: Type.String(),
  actor: Type.Object({ kind: literals(ACTOR_KINDS), id: Type.String(), name: Type.String() }),
  outcome: literals(INSPECTION_OUTCOMES),
  seizure: Nullable(Seizure),
  notes: Nullable(Type.String()),
  alertIds: Type.Array(Type.String(), { description: 'The referred alerts this outcome decided' }),
});

export const InspectionResult = Type.Object({
  inspection: Inspection,
  decided: Type.Array(AlertView),
  stillOpen: Type.Array(AlertView, { description: 'Alerts of the scan still waiting for a reviewer (not referred)' }),
});

export const InspectionList = Type.Object({ items: Type.Array(Inspection) });
