/**
 * The review service: the only writer of alert review state. It reads an alert, applies claim
 * expiry (an expired claim reads as open; the next write records `expire` first), checks the
 * transition table (core/review.ts) and who may act (./rules.ts), then hands the store one
 * atomic write — the conditional UPDATE on the version the caller read, the history rows and the
 * audit entries. Detections are never touched: a review adds state beside the analysis.
 *
 * Also records operators' physical-inspection outcomes of held scans, which decide the scan's
 * referred alerts (seized / nothing_found).
 */
import { randomUUID } from 'node:crypto';
import { mayAccessLane, type Actor } from '../core/access.ts';
import type { AuditInput } from '../core/audit.ts';
import type { AlertRecord, DetectionClass } from '../core/domain.ts';
import {
  ACTION_PARTICIPLE,
  CLEAR_REASONS,
  INITIAL_REVIEW,
  INSPECTION_DECISION,
  OPEN_ALERT_STATUSES,
  REVIEW_AUDIT_ACTION,
  effectiveReview,
  transition,
  type AlertDecision,
  type AlertListOrder,
  type AlertEvent,
  type AlertReview,
  type AlertStatus,
  type ClearReason,
  type Decision,
  type InspectionOutcome,
  type ReviewAction,
  type ScanInspection,
  type Seizure,
} from '../core/review.ts';
import type { ReviewChange } from '../store/repositories/reviews.ts';
import type { Page, Store } from '../store/types.ts';
import { ReviewError } from './errors.ts';
import { INSPECTION_ROLES, actionRefusal, allowedActionsFor, readRefusal, type EffectiveAlert } from './rules.ts';

/** Longest free-text note kept with a transition. */
export const MAX_NOTES = 4000;
/** Attempts of an inspection outcome against alerts changing under it (it carries no versions). */
const INSPECTION_ATTEMPTS = 3;

export interface ReviewServiceOptions {
  store: Store;
  /** How long a claim lasts (config ALERT_CLAIM_MINUTES). */
  claimMinutes: number;
  /** Clock, for tests. */
  now?: () => Date;
}

/** An alert as a reader sees it now (status and review with claim expiry applied). */
export interface AlertView extends AlertRecord {
  review: AlertReview;
  /** When the reading user marked it seen; null if not. */
  seenAt: string | null;
}

export interface AlertDetailView extends AlertView {
  history: AlertEvent[];
  /** What the reading user can do with it now. */
  actions: ReviewAction[];
}

export interface DecisionInput {
  decision: Decision;
  reason?: ClearReason;
  seizure?: Seizure;
  notes?: string;
  /** The version the decision was taken on (required). */
  version?: number;
}

export interface InspectionInput {
  outcome: InspectionOutcome;
  seizure?: Seizure;
  notes?: string;
}

export interface InspectionResult {
  inspection: ScanInspection;
  /** The referred alerts the outcome decided, after the decision. */
  decided: AlertView[];
  /** The scan's alerts still waiting (not referred, so not decided by this outcome). */
  stillOpen: AlertView[];
}

export interface AlertListInput {
  /** `newest` (default) or `priority` (the review queue's order over every alert). */
  order?: AlertListOrder;
  status?: AlertStatus;
  assignee?: 'me';
  lane?: string;
  class?: DetectionClass;
  since?: string;
  limit: number;
  cursor?: string;
}

export type ReviewService = ReturnType<typeof createReviewService>;

const SYSTEM_EXPIRY = { kind: 'system' as const, id: 'api', name: 'api' };

function cleanNotes(notes: string | undefined): string | undefined {
  if (notes === undefined) return undefined;
  const t = notes.trim();
  if (t.length > MAX_NOTES) throw new ReviewError('bad_request', `notes are limited to ${MAX_NOTES} characters`);
  return t.length ? t : undefined;
}

function checkSeizure(s: Seizure): Seizure {
  const species = s.species?.trim();
  if (!species) throw new ReviewError('bad_request', 'a seizure names the species (or product) seized');
  if (!Number.isInteger(s.count) || s.count < 1) throw new ReviewError('bad_request', `seizure count must be a whole number ≥ 1, got ${s.count}`);
  if (!Number.isFinite(s.weightKg) || s.weightKg <= 0) throw new ReviewError('bad_request', `seizure weightKg must be > 0, got ${s.weightKg}`);
  return { species, count: s.count, weightKg: s.weightKg };
}

/** The decision as stored: only the fields that belong to it, checked. */
function decisionOf(input: DecisionInput): AlertDecision {
  const notes = cleanNotes(input.notes);
  const d = input.decision;
  if (d === 'clear') {
    if (!input.reason) throw new ReviewError('bad_request', `clearing an alert needs a reason: one of ${CLEAR_REASONS.join(', ')}`);
    if (!CLEAR_REASONS.includes(input.reason)) throw new ReviewError('bad_request', `unknown clear reason "${input.reason}"`);
    if (input.reason === 'other' && !notes) throw new ReviewError('bad_request', 'clearing with reason "other" needs notes saying why');
  } else if (input.reason !== undefined) {
    throw new ReviewError('bad_request', `a reason belongs to a clear decision, not to ${d}`);
  }
  if (d === 'seize') {
    if (!input.seizure) throw new ReviewError('bad_request', 'a seize decision needs the seizure: { species, count, weightKg }');
  } else if (input.seizure !== undefined) {
    throw new ReviewError('bad_request', `a seizure belongs to a seize decision, not to ${d}`);
  }
  return {
    decision: d,
    ...(d === 'clear' ? { reason: input.reason } : {}),
    ...(d === 'seize' ? { seizure: checkSeizure(input.seizure!) } : {}),
    ...(notes ? { notes } : {}),
  };
}

function party(actor: Actor) {
  return { kind: actor.kind, id: actor.id, name: actor.name };
}

export function createReviewService(opts: ReviewServiceOptions) {
  const { store } = opts;
  const clock = opts.now ?? (() => new Date());
  const claimMs = opts.claimMinutes * 60_000;

  function effective(alert: AlertRecord, now: Date): EffectiveAlert {
    const stored = alert.review ?? INITIAL_REVIEW;
    const eff = effectiveReview(alert.status, stored, now);
    return {
      alert,
      status: eff.status,
      review: eff.review,
      claimExpired: eff.claimExpired,
      expiredClaim: eff.claimExpired ? { assignee: stored.assignee, claimExpiresAt: stored.claimExpiresAt } : null,
    };
  }

  function view(e: EffectiveAlert, seenAt: string | null): AlertView {
    return { ...e.alert, status: e.status, review: e.review, seenAt };
  }

  async function load(actor: Actor, alertId: string): Promise<AlertRecord> {
    const alert = await store.alerts.get(alertId);
    if (!alert) throw new ReviewError('not_found', `alert "${alertId}" not found`);
    const refusal = readRefusal(actor, alert);
    if (refusal) throw refusal;
    return alert;
  }

  /** A conflict naming who changed the alert last, from what the store holds now. */
  async function conflict(alertId: string, sent: number | undefined): Promise<ReviewError> {
    const [alert, last] = await Promise.all([store.alerts.get(alertId), store.reviews.lastEvent(alertId)]);
    if (!alert) return new ReviewError('not_found', `alert "${alertId}" not found`);
    const e = effective(alert, clock());
    const v = alert.review?.version ?? 1;
    const who = last ? ` was ${ACTION_PARTICIPLE[last.action]} by ${last.actor.name} at ${last.at}` : ' changed meanwhile';
    const message =
      `alert ${alertId}${who}; it is now ${e.status} (version ${v})` + (sent !== undefined ? `, you sent version ${sent}` : '') + ': reload it and decide again';
    return new ReviewError('conflict', message, {
      status: e.status,
      version: v,
      changedBy: last ? { id: last.actor.id, name: last.actor.name } : null,
      changedAt: last?.at ?? null,
    });
  }

  /**
   * One alert's change for `action` by `actor` (its expiry record first when its claim ran out),
   * checked against the table and the rules. Returns the change and its audit entries.
   */
  function plan(
    actor: Actor,
    e: EffectiveAlert,
    action: ReviewAction,
    now: Date,
    extra: { decision?: AlertDecision; notes?: string; via?: string; viaKind?: 'alert' | 'inspection' } = {},
  ): { change: ReviewChange; audit: AuditInput[] } {
    const refusal = actionRefusal(actor, e, action, extra.viaKind ?? 'alert');
    if (refusal) throw refusal;
    const to = transition(e.status, action)!;
    const stored = e.alert.review ?? INITIAL_REVIEW;
    const at = now.toISOString();
    const events: AlertEvent[] = [];
    let version = stored.version;

    if (e.claimExpired) {
      version += 1;
      events.push({
        alertId: e.alert.id,
        version,
        at,
        actor: SYSTEM_EXPIRY,
        action: 'expire',
        from: 'in_review',
        to: 'open',
        decision: null,
        notes: `claim of ${e.expiredClaim?.assignee?.name ?? 'unknown'} expired at ${e.expiredClaim?.claimExpiresAt}`,
        via: null,
      });
    }
    version += 1;
    events.push({
      alertId: e.alert.id,
      version,
      at,
      actor: party(actor),
      action,
      from: e.status,
      to,
      decision: extra.decision ?? null,
      notes: extra.decision?.notes ?? extra.notes ?? null,
      via: extra.via ?? null,
    });

    const me = { id: actor.id, name: actor.name };
    let review: AlertReview;
    if (action === 'claim') {
      review = { ...e.review, version, assignee: me, claimExpiresAt: new Date(now.getTime() + claimMs).toISOString() };
    } else if (action === 'release') {
      review = { ...e.review, version, assignee: null, claimExpiresAt: null };
    } else {
      review = { ...e.review, version, assignee: null, claimExpiresAt: null, decidedAt: at, decidedBy: me, decision: extra.decision ?? null };
    }

    const before = { status: e.alert.status, version: stored.version, assignee: stored.assignee, claimExpiresAt: stored.claimExpiresAt };
    const audit: AuditInput[] = events.map((ev, k) => ({
      actor: ev.actor,
      action: REVIEW_AUDIT_ACTION[ev.action],
      object: { type: 'alert', id: e.alert.id },
      before: k === 0 ? before : { status: events[k - 1]!.to, version: events[k - 1]!.version },
      after: {
        status: ev.to,
        version: ev.version,
        ...(ev.action === 'claim' ? { assignee: review.assignee, claimExpiresAt: review.claimExpiresAt } : {}),
        ...(ev.decision ? { decision: ev.decision } : {}),
        ...(ev.notes && !ev.decision ? { notes: ev.notes } : {}),
        ...(ev.via ? { via: ev.via } : {}),
      },
      at,
    }));
    return { change: { alertId: e.alert.id, expectedVersion: stored.version, status: to, review, events }, audit };
  }

  /** Claim, release or decide one alert on the version the caller read. */
  async function act(actor: Actor, alertId: string, action: ReviewAction, version: number | undefined, extra: { decision?: AlertDecision; notes?: string }): Promise<AlertView> {
    const alert = await load(actor, alertId);
    const now = clock();
    const e = effective(alert, now);
    const stored = alert.review?.version ?? 1;
    if (version !== undefined && version !== stored) throw await conflict(alertId, version);
    const { change, audit } = plan(actor, e, action, now, extra);
    const out = await store.reviews.apply({ changes: [change], audit });
    if (!out.ok) throw await conflict(alertId, version ?? stored);
    const after = await store.alerts.get(alertId);
    const seen = await store.reviews.seenAt([alertId], actor.id);
    return view(effective(after!, clock()), seen.get(alertId) ?? null);
  }

  /** A decision (clear, refer, escalate, seize, nothing_found) on the version it was taken on. */
  async function decide(actor: Actor, alertId: string, input: DecisionInput): Promise<AlertView> {
    if (input.version === undefined) {
      throw new ReviewError('version_required', `a decision must carry the alert version it was taken on (If-Match: "<version>" or body "version")`);
    }
    return act(actor, alertId, input.decision, input.version, { decision: decisionOf(input) });
  }

  return {
    decide,

    /** Takes the alert for review (or renews one's own claim). `version` optional: without it, the stored one. */
    claim(actor: Actor, alertId: string, input: { version?: number; notes?: string } = {}): Promise<AlertView> {
      return act(actor, alertId, 'claim', input.version, { notes: cleanNotes(input.notes) });
    },

    /** Gives the claim back: the alert is open again. */
    release(actor: Actor, alertId: string, input: { version?: number; notes?: string } = {}): Promise<AlertView> {
      return act(actor, alertId, 'release', input.version, { notes: cleanNotes(input.notes) });
    },

    /** Escalates to a supervisor (a decision like the others). */
    escalate(actor: Actor, alertId: string, input: { version: number; notes?: string }): Promise<AlertView> {
      return decide(actor, alertId, { decision: 'escalate', version: input.version, notes: input.notes });
    },

    /** Marks the alert seen by this user (per user, once; does not change the alert). */
    async markSeen(actor: Actor, alertId: string): Promise<{ seenAt: string; first: boolean }> {
      await load(actor, alertId);
      const at = clock().toISOString();
      const first = await store.reviews.markSeen(alertId, actor.id, at, {
        actor: party(actor),
        action: 'alert.seen',
        object: { type: 'alert', id: alertId },
        at,
      });
      if (first) return { seenAt: at, first };
      const seen = await store.reviews.seenAt([alertId], actor.id);
      return { seenAt: seen.get(alertId) ?? at, first };
    },

    /** Alerts the actor may see, newest first or in priority order; `assignee: 'me'` = the actor's live claims. */
    async list(actor: Actor, q: AlertListInput): Promise<Page<AlertView>> {
      if (q.lane !== undefined && !mayAccessLane(actor, q.lane)) throw new ReviewError('forbidden', `you have no access to lane ${q.lane}`);
      const now = clock();
      const page = await store.reviews.list({
        status: q.status,
        assigneeId: q.assignee === 'me' ? actor.id : undefined,
        laneId: q.lane,
        laneIds: actor.lanes ?? undefined,
        class: q.class,
        since: q.since,
        now: now.toISOString(),
        limit: q.limit,
        cursor: q.cursor,
        order: q.order,
      });
      const seen = await store.reviews.seenAt(
        page.items.map((a) => a.id),
        actor.id,
      );
      return { items: page.items.map((a) => view(effective(a, now), seen.get(a.id) ?? null)), nextCursor: page.nextCursor };
    },

    /** One alert with its review state, the reader's seen flag, history and what the reader can do. */
    async get(actor: Actor, alertId: string): Promise<AlertDetailView> {
      const alert = await load(actor, alertId);
      const now = clock();
      const e = effective(alert, now);
      const [history, seen] = await Promise.all([store.reviews.history(alertId), store.reviews.seenAt([alertId], actor.id)]);
      return { ...view(e, seen.get(alertId) ?? null), history, actions: allowedActionsFor(actor, e) };
    },

    async history(actor: Actor, alertId: string): Promise<AlertEvent[]> {
      await load(actor, alertId);
      return store.reviews.history(alertId);
    },

    /**
     * The physical-inspection outcome of a held scan, by an operator of its lane or a supervisor:
     * recorded, and the scan's referred alerts decided by it (seize with the seizure, or
     * nothing_found), all in one transaction with the audit entries.
     */
    async recordInspection(actor: Actor, scanId: string, input: InspectionInput): Promise<InspectionResult> {
      const scan = await store.scans.get(scanId);
      if (!scan) throw new ReviewError('not_found', `scan "${scanId}" not found`);
      if (actor.kind !== 'user' || actor.role === null || !(INSPECTION_ROLES as readonly string[]).includes(actor.role)) {
        throw new ReviewError('forbidden', 'inspection outcomes are recorded by the lane operator or a supervisor');
      }
      if (!mayAccessLane(actor, scan.laneId)) throw new ReviewError('forbidden', `you are not an operator of lane ${scan.laneId}`);
      const decisionName = INSPECTION_DECISION[input.outcome];
      if (!decisionName) throw new ReviewError('bad_request', `unknown inspection outcome "${String(input.outcome)}"`);
      if (input.outcome === 'nothing_found' && input.seizure !== undefined) throw new ReviewError('bad_request', 'nothing_found takes no seizure');
      const decision = decisionOf({ decision: decisionName, seizure: input.seizure, notes: input.notes });

      for (let attempt = 1; ; attempt++) {
        const now = clock();
        const at = now.toISOString();
        const id = `insp_${randomUUID()}`;
        const alerts = (await store.alerts.listByScan(scanId)).map((a) => effective(a, now));
        const referred = alerts.filter((e) => e.status === 'referred');
        const planned = referred.map((e) => plan(actor, e, decisionName, now, { decision, via: id, viaKind: 'inspection' }));
        const inspection: ScanInspection = {
          id,
          scanId,
          at,
          actor: party(actor),
          outcome: input.outcome,
          seizure: decision.seizure ?? null,
          notes: decision.notes ?? null,
          alertIds: referred.map((e) => e.alert.id),
        };
        const audit: AuditInput[] = [
          ...planned.flatMap((p) => p.audit),
          {
            actor: party(actor),
            action: 'scan.inspection_recorded',
            object: { type: 'scan', id: scanId },
            after: { inspectionId: id, outcome: input.outcome, seizure: inspection.seizure, notes: inspection.notes, alertIds: inspection.alertIds },
            at,
          },
        ];
        const out = await store.reviews.apply({ changes: planned.map((p) => p.change), audit, inspection });
        if (!out.ok) {
          if (attempt < INSPECTION_ATTEMPTS) continue;
          throw await conflict(out.stale, undefined);
        }
        const after = await store.alerts.listByScan(scanId);
        const decidedIds = new Set(inspection.alertIds);
        const later = clock();
        const seen = await store.reviews.seenAt(
          after.map((a) => a.id),
          actor.id,
        );
        const views = after.map((a) => view(effective(a, later), seen.get(a.id) ?? null));
        return {
          inspection,
          decided: views.filter((v) => decidedIds.has(v.id)),
          stillOpen: views.filter((v) => !decidedIds.has(v.id) && (OPEN_ALERT_STATUSES as readonly AlertStatus[]).includes(v.status)),
        };
      }
    },

    async inspections(actor: Actor, scanId: string): Promise<ScanInspection[]> {
      const scan = await store.scans.get(scanId);
      if (!scan || !mayAccessLane(actor, scan.laneId)) throw new ReviewError('not_found', `scan "${scanId}" not found`);
      return store.reviews.inspections(scanId);
    },
  };
}
