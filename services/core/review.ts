/**
 * The review workflow of an alert, written down once: its states, the actions an inspector,
 * supervisor or operator can take, and which state each may be taken from (TRANSITIONS, as data).
 * The review service (services/review) is the only writer of alert review state and checks every
 * transition with transition(); the API schemas, statistics, metrics and console derive their
 * vocabularies from these arrays.
 *
 *   open ──claim──▶ in_review ──clear──▶ cleared (false alarm, with a reason category)
 *     ▲               │  │    └─refer──▶ referred (physical inspection) ──seize──────────▶ seized
 *     └─release/expire┘  │                  │                          └─nothing_found─▶ nothing_found
 *                        └──escalate──▶ escalated ──clear / refer (a supervisor decides)
 *   escalate is possible from every open state (open, in_review, referred).
 *
 * A claim lasts a configured time (ALERT_CLAIM_MINUTES); an expired claim reads as `open`
 * (effectiveReview) and the next write on the alert records the expiry first.
 */
import type { ActorKind } from './access.ts';
import type { AuditAction } from './audit.ts';

export const ALERT_STATUSES = ['open', 'in_review', 'escalated', 'cleared', 'referred', 'seized', 'nothing_found'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** States in which an alert still waits for someone. */
export const OPEN_ALERT_STATUSES = ['open', 'in_review', 'escalated', 'referred'] as const satisfies readonly AlertStatus[];
/** States that end the review. */
export const FINAL_ALERT_STATUSES = ['cleared', 'seized', 'nothing_found'] as const satisfies readonly AlertStatus[];

/**
 * Orders of an alert list: `newest` (created, newest first: the default) or `priority`, the review
 * queue's order over all alerts — wildlife classes (WILDLIFE_CLASSES) first, then score high
 * first, then age oldest first (waiting longest).
 */
export const ALERT_LIST_ORDERS = ['newest', 'priority'] as const;
export type AlertListOrder = (typeof ALERT_LIST_ORDERS)[number];

/** Why an alert was a false alarm. */
export const CLEAR_REASONS = ['look_alike_material', 'declared_and_permitted', 'packaging', 'image_artefact', 'other'] as const;
export type ClearReason = (typeof CLEAR_REASONS)[number];

/** Decisions that move an alert between states (claim and release are not decisions). */
export const DECISIONS = ['clear', 'refer', 'escalate', 'seize', 'nothing_found'] as const;
export type Decision = (typeof DECISIONS)[number];

/**
 * Everything that changes an alert's review state: taking and giving back the claim, the claim
 * running out (`expire`, done by the system on the next write), and the decisions.
 */
export const REVIEW_ACTIONS = ['claim', 'release', 'expire', ...DECISIONS] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** The transition table: from each state, the actions allowed and the state each leads to. */
export const TRANSITIONS = {
  open: { claim: 'in_review', escalate: 'escalated' },
  in_review: { claim: 'in_review', release: 'open', expire: 'open', clear: 'cleared', refer: 'referred', escalate: 'escalated' },
  escalated: { clear: 'cleared', refer: 'referred' },
  referred: { seize: 'seized', nothing_found: 'nothing_found', escalate: 'escalated' },
  cleared: {},
  seized: {},
  nothing_found: {},
} as const satisfies Record<AlertStatus, Partial<Record<ReviewAction, AlertStatus>>>;

/** The state `action` leads to from `state`, or null when the action is not allowed there. */
export function transition(state: AlertStatus, action: ReviewAction): AlertStatus | null {
  const row: Partial<Record<ReviewAction, AlertStatus>> = TRANSITIONS[state];
  return row[action] ?? null;
}

/** The actions allowed from a state, in vocabulary order. */
export function allowedActions(state: AlertStatus): ReviewAction[] {
  return REVIEW_ACTIONS.filter((a) => transition(state, a) !== null);
}

/** How each action reads in a sentence ("it cannot be claimed", "it was cleared by …"). */
export const ACTION_PARTICIPLE: Record<ReviewAction, string> = {
  claim: 'claimed',
  release: 'released',
  expire: 'expired',
  clear: 'cleared',
  refer: 'referred for inspection',
  escalate: 'escalated',
  seize: 'recorded as seized',
  nothing_found: 'recorded as nothing found',
};

/** "alert alt_… is cleared; it cannot be claimed" (plus what it can be, if anything). */
export function illegalTransitionMessage(alertId: string, state: AlertStatus, action: ReviewAction): string {
  const can = allowedActions(state).filter((a) => a !== 'expire');
  const hint = can.length ? ` (from ${state} it can be ${can.map((a) => ACTION_PARTICIPLE[a]).join(', ')})` : ' (its review is closed)';
  return `alert ${alertId} is ${state}; it cannot be ${ACTION_PARTICIPLE[action]}${hint}`;
}

/** The audit action recorded for each review action. */
export const REVIEW_AUDIT_ACTION: Record<ReviewAction, AuditAction> = {
  claim: 'alert.claimed',
  release: 'alert.released',
  expire: 'alert.claim_expired',
  clear: 'alert.decided',
  refer: 'alert.decided',
  escalate: 'alert.decided',
  seize: 'alert.decided',
  nothing_found: 'alert.decided',
};

/** What was found at physical inspection (a `seize` decision). */
export interface Seizure {
  /** Species or product as identified, e.g. "Loxodonta africana" or "Dalbergia cochinchinensis". */
  species: string;
  count: number;
  weightKg: number;
}

/** A decision as taken: the reason category of a clear, the seizure of a seize, free notes. */
export interface AlertDecision {
  decision: Decision;
  reason?: ClearReason;
  seizure?: Seizure;
  notes?: string;
}

/** A person (or the system) as recorded on an alert. */
export interface ReviewParty {
  kind: ActorKind;
  id: string;
  name: string;
}

/** A user as recorded on an alert (claims and decisions are always taken by people). */
export interface ReviewUser {
  id: string;
  name: string;
}

/** An alert's review state beside its analysis fields (AlertRecord.review). */
export interface AlertReview {
  /** Optimistic-concurrency version: 1 when raised, +1 per recorded event. */
  version: number;
  /** Who holds the claim (in_review); null otherwise. */
  assignee: ReviewUser | null;
  claimExpiresAt: string | null;
  /** The last decision: when, by whom, what (a refer followed by a seize: the seize). */
  decidedAt: string | null;
  decidedBy: ReviewUser | null;
  decision: AlertDecision | null;
}

export const INITIAL_REVIEW: AlertReview = {
  version: 1,
  assignee: null,
  claimExpiresAt: null,
  decidedAt: null,
  decidedBy: null,
  decision: null,
};

/** One row of an alert's history: every transition, with actor, time and notes. */
export interface AlertEvent {
  alertId: string;
  /** The alert's version after this event. */
  version: number;
  at: string;
  actor: ReviewParty;
  action: ReviewAction;
  from: AlertStatus;
  to: AlertStatus;
  /** For decisions: the decision with its reason / seizure. */
  decision: AlertDecision | null;
  notes: string | null;
  /** Where the action came from when not the alert routes, e.g. an inspection id. */
  via: string | null;
}

/**
 * The state as a reader should see it at `now`: an in_review alert whose claim has run out is
 * open again, with no assignee.
 */
export function effectiveReview(status: AlertStatus, review: AlertReview, now: Date): { status: AlertStatus; review: AlertReview; claimExpired: boolean } {
  if (status === 'in_review' && review.claimExpiresAt !== null && Date.parse(review.claimExpiresAt) <= now.getTime()) {
    return { status: 'open', review: { ...review, assignee: null, claimExpiresAt: null }, claimExpired: true };
  }
  return { status, review, claimExpired: false };
}

/** Physical-inspection outcomes an operator records for a held scan. */
export const INSPECTION_OUTCOMES = ['seized', 'nothing_found'] as const;
export type InspectionOutcome = (typeof INSPECTION_OUTCOMES)[number];
/** The decision an inspection outcome takes on the scan's referred alerts. */
export const INSPECTION_DECISION = { seized: 'seize', nothing_found: 'nothing_found' } as const satisfies Record<InspectionOutcome, Decision>;

export interface ScanInspection {
  id: string;
  scanId: string;
  at: string;
  actor: ReviewParty;
  outcome: InspectionOutcome;
  seizure: Seizure | null;
  notes: string | null;
  /** The referred alerts this outcome decided. */
  alertIds: string[];
}
