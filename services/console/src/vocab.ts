/**
 * The API's vocabularies as the console needs them. The console imports nothing of the server
 * (tests/architecture), so they are repeated here; tests/console/vocab.test.ts fails when they
 * drift from services/core.
 */
export const ALERT_STATUSES = ['open', 'in_review', 'escalated', 'cleared', 'referred', 'seized', 'nothing_found'] as const;
export const FINAL_ALERT_STATUSES = ['cleared', 'seized', 'nothing_found'] as const;
export const CLEAR_REASONS = ['look_alike_material', 'declared_and_permitted', 'packaging', 'image_artefact', 'other'] as const;
export const DECISIONS = ['clear', 'refer', 'escalate', 'seize', 'nothing_found'] as const;
export const INSPECTION_OUTCOMES = ['seized', 'nothing_found'] as const;
export const DETECTION_CLASSES = ['ivory', 'rhino_horn', 'timber'] as const;
export const WILDLIFE_CLASSES = ['ivory', 'rhino_horn'] as const;
/** Orders of GET /v1/alerts (`sort`); the queue asks for `priority`. */
export const ALERT_LIST_ORDERS = ['newest', 'priority'] as const;
export const FALSE_ALARM_KINDS = [...CLEAR_REASONS, 'nothing_found'] as const;
export const STATS_GROUP_BY = ['lane', 'class', 'model', 'day', 'inspector'] as const;
/** Actions of the audit trail (services/core/audit.ts), the audit browser's filter. */
export const AUDIT_ACTIONS = [
  'scan.received', 'scan.rejected', 'scan.analysed', 'scan.failed', 'scan.reanalyse_requested', 'scan.inspection_recorded', 'alert.raised',
  'alert.claimed', 'alert.released', 'alert.claim_expired', 'alert.decided', 'alert.seen',
  'image.viewed', 'heatmap.viewed', 'export.created',
  'auth.login', 'auth.login_failed', 'auth.logout', 'user.created', 'user.updated', 'user.disabled', 'user.password_changed', 'api_key.created', 'api_key.revoked',
  'model.promoted', 'calibration.accepted', 'calibration.refused',
  'data.pruned',
  'audit.checkpoint',
] as const;
/** Heat-map cell encodings the viewer reads (services/core/heatmap.ts). */
export const HEATMAP_ENCODINGS = ['u8-deflate'] as const;
export const HEATMAP_LEVELS = 255;

export const ROLES = ['operator', 'inspector', 'supervisor', 'admin'] as const;
export const PASSWORD_MIN = 10;
export type Role = (typeof ROLES)[number];
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export type Decision = (typeof DECISIONS)[number];
export type DetectionClass = (typeof DETECTION_CLASSES)[number];

/** Colours of the alert states, shared by badges and the dashboard's bars. */
export const STATUS_COLOURS: Record<AlertStatus, string> = {
  open: '#e0a000',
  in_review: '#3a86ff',
  escalated: '#d6336c',
  referred: '#8a5cf6',
  cleared: '#2f9e44',
  seized: '#c92a2a',
  nothing_found: '#868e96',
};
