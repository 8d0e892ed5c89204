/**
 * The review workflow of an alert, written down once: its states, the decisions an inspector
 * or supervisor can take, and which state each may be taken from. The review service is the only
 * writer of alert review state and checks every transition here; the API schemas, statistics,
 * metrics and console derive their vocabularies from these arrays.
 *
 *   open ──claim──▶ in_review ──decide──▶ cleared (false alarm, with a reason category)
 *     ▲               │  │                 referred (physical inspection) ──outcome──▶ seized | nothing_found
 *     └──release/expiry┘  └──escalate──▶ escalated (a supervisor decides)
 *   escalate is possible from every open state (open, in_review, referred).
 */

export const ALERT_STATUSES = ['open', 'in_review', 'escalated', 'cleared', 'referred', 'seized', 'nothing_found'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** States in which an alert still waits for someone. */
export const OPEN_ALERT_STATUSES = ['open', 'in_review', 'escalated', 'referred'] as const satisfies readonly AlertStatus[];
/** States that end the review. */
export const FINAL_ALERT_STATUSES = ['cleared', 'seized', 'nothing_found'] as const satisfies readonly AlertStatus[];

/** Why an alert was a false alarm. */
export const CLEAR_REASONS = ['look_alike_material', 'declared_and_permitted', 'packaging', 'image_artefact', 'other'] as const;
export type ClearReason = (typeof CLEAR_REASONS)[number];

/** Decisions that move an alert between states (claim and release are not decisions). */
export const DECISIONS = ['clear', 'refer', 'escalate', 'seize', 'nothing_found'] as const;
export type Decision = (typeof DECISIONS)[number];
