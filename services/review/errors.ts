/**
 * The review service's refusals, each with a stable code and the HTTP status it maps to, so the
 * routes answer with the service's own message ("alert alt_… is cleared; it cannot be claimed")
 * and a conflict can carry the alert's current state.
 */
import type { AlertStatus } from '../core/review.ts';

export const REVIEW_ERROR_STATUS = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  /** The action is not allowed from the alert's state (the transition table says no). */
  illegal_transition: 409,
  /** Someone else holds a live claim on the alert. */
  claimed: 409,
  /** The version the client sent is no longer the stored one: someone changed the alert meanwhile. */
  conflict: 409,
  /** A decision came without the version it was taken on (If-Match or body `version`). */
  version_required: 428,
} as const;
export type ReviewErrorCode = keyof typeof REVIEW_ERROR_STATUS;

/** The alert as it stands, sent with a conflict so the client can show who changed it. */
export interface ReviewConflictState {
  status: AlertStatus;
  version: number;
  changedBy: { id: string; name: string } | null;
  changedAt: string | null;
}

export class ReviewError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ReviewErrorCode,
    message: string,
    readonly current?: ReviewConflictState,
  ) {
    super(message);
    this.name = 'ReviewError';
    this.statusCode = REVIEW_ERROR_STATUS[code];
  }
}
