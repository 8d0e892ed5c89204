/**
 * Who may take which review action on an alert, as pure functions over the actor and the alert's
 * effective state (claim expiry already applied). The transition table (core/review.ts) says
 * what can follow what; these rules add the people: only reviewers claim and decide, only the
 * claim holder (or a supervisor) acts on an in_review alert, only a supervisor decides an
 * escalated one, operators only record inspection outcomes of their lanes' referred alerts.
 * The service enforces them and lists the actions a reader may take with the same function.
 */
import { mayAccessLane, type Actor, type Role } from '../core/access.ts';
import type { AlertRecord } from '../core/domain.ts';
import { DECISIONS, illegalTransitionMessage, transition, type AlertReview, type AlertStatus, type ReviewAction } from '../core/review.ts';
import { ReviewError } from './errors.ts';

/** Roles that review alerts (claim and decide). */
export const REVIEW_ROLES = ['inspector', 'supervisor'] as const satisfies readonly Role[];
/** Roles that may read alerts (operators: of their lanes). */
export const ALERT_READER_ROLES = ['operator', ...REVIEW_ROLES] as const satisfies readonly Role[];
/** Roles that may record a physical-inspection outcome (operators: of their lanes). */
export const INSPECTION_ROLES = ['operator', 'supervisor'] as const satisfies readonly Role[];

/** The actions a person (not the system) can ask for; `expire` is the system's. */
export const USER_ACTIONS = ['claim', 'release', ...DECISIONS] as const satisfies readonly ReviewAction[];

/** An alert as a reader sees it now: effective status and review. */
export interface EffectiveAlert {
  alert: AlertRecord;
  status: AlertStatus;
  review: AlertReview;
  /** True when the stored claim has run out (the next write records `expire`). */
  claimExpired: boolean;
  /** The assignee and expiry of the claim that ran out, for the expiry record. */
  expiredClaim: { assignee: AlertReview['assignee']; claimExpiresAt: string | null } | null;
}

function hasRole(actor: Actor, roles: readonly Role[]): boolean {
  return actor.role !== null && (roles as readonly string[]).includes(actor.role);
}

export function isSupervisor(actor: Actor): boolean {
  return actor.role === 'supervisor';
}

/** Refusal when the actor may not read the alert at all (lanes), else null. */
export function readRefusal(actor: Actor, alert: AlertRecord): ReviewError | null {
  if (!hasRole(actor, ALERT_READER_ROLES) || !mayAccessLane(actor, alert.laneId)) {
    return new ReviewError('not_found', `alert "${alert.id}" not found`);
  }
  return null;
}

/**
 * Why `actor` may not take `action` on the alert now, or null when it may. `via: 'inspection'`:
 * an inspection outcome recorded for the alert's scan (operators of its lane and supervisors).
 */
export function actionRefusal(actor: Actor, e: EffectiveAlert, action: ReviewAction, via: 'alert' | 'inspection' = 'alert'): ReviewError | null {
  const read = readRefusal(actor, e.alert);
  if (read) return read;
  if (actor.kind !== 'user') return new ReviewError('forbidden', 'review actions are taken by people, not keys or services');
  const id = e.alert.id;

  if (via === 'inspection') {
    if (!hasRole(actor, INSPECTION_ROLES)) return new ReviewError('forbidden', 'inspection outcomes are recorded by the lane operator or a supervisor');
  } else if (!hasRole(actor, REVIEW_ROLES)) {
    return new ReviewError('forbidden', `only inspectors and supervisors review alerts; you are ${actor.role ?? 'not a person'}`);
  }

  if (transition(e.status, action) === null) {
    const holder = e.expiredClaim?.assignee;
    if (e.claimExpired && holder?.id === actor.id && action !== 'claim') {
      return new ReviewError('illegal_transition', `your claim on alert ${id} expired at ${e.expiredClaim!.claimExpiresAt}; it is open again: claim it again first`);
    }
    return new ReviewError('illegal_transition', illegalTransitionMessage(id, e.status, action));
  }

  if (e.status === 'in_review') {
    const holder = e.review.assignee;
    const mine = holder?.id === actor.id;
    if (action === 'claim' && !mine) {
      return new ReviewError('claimed', `alert ${id} is in review by ${holder?.name ?? 'someone'} until ${e.review.claimExpiresAt}; it cannot be claimed`);
    }
    if (!mine && !isSupervisor(actor)) {
      return new ReviewError('forbidden', `alert ${id} is claimed by ${holder?.name ?? 'someone'}; only they or a supervisor can act on it`);
    }
  }
  if (e.status === 'escalated' && !isSupervisor(actor)) {
    return new ReviewError('forbidden', `alert ${id} is escalated; a supervisor decides it`);
  }
  return null;
}

/** The actions `actor` can take on the alert now (for clients to offer). */
export function allowedActionsFor(actor: Actor, e: EffectiveAlert): ReviewAction[] {
  return USER_ACTIONS.filter((a) => actionRefusal(actor, e, a) === null);
}
