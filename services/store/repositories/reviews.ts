/**
 * The review workflow's repository: writes alert review state, its history, per-user seen state
 * and scan inspection outcomes, and reads them back. Thin on purpose — the review service
 * (services/review) decides what a transition is; this file only makes it atomic: each alert
 * changes by a conditional UPDATE … WHERE review_version = <the version the writer read>, so of
 * two concurrent writers exactly one wins, and the history rows and audit entries
 * (appendAuditEntry) are written in the same transaction, so a change and its record commit
 * together or not at all.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AuditInput } from '../../core/audit.ts';
import { WILDLIFE_CLASSES, type AlertRecord, type DetectionClass } from '../../core/domain.ts';
import type { AlertDecision, AlertEvent, AlertListOrder, AlertReview, AlertStatus, ReviewAction, ScanInspection, Seizure } from '../../core/review.ts';
import { decodeCursor, decodePriorityCursor, encodeCursor, encodePriorityCursor } from '../cursor.ts';
import type { Dialect } from '../migrations/common.ts';
import type { AlertEventsTable, ScanInspectionsTable } from '../migrations/006-review.ts';
import { reviewToRow, rowToAlert } from '../rows.ts';
import type { Database } from '../schema.ts';
import type { Page } from '../types.ts';
import { appendAuditEntry } from './audit.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** One alert's change: its state after, and the history rows that lead there (one version step each). */
export interface ReviewChange {
  alertId: string;
  /** The version the writer read; the change applies only while it is still the stored one. */
  expectedVersion: number;
  status: AlertStatus;
  /** Review state after the change; its version must be expectedVersion + events.length. */
  review: AlertReview;
  events: AlertEvent[];
}

export interface ReviewWrite {
  changes: ReviewChange[];
  /** Appended after the changes, in this order. */
  audit: AuditInput[];
  /** A physical-inspection outcome recorded with the changes it causes. */
  inspection?: ScanInspection;
}

/** `stale`: an alert's stored version was no longer the expected one; nothing was written. */
export type ReviewWriteOutcome = { ok: true } | { ok: false; stale: string };

export interface ReviewListFilter {
  /** Filter on the state as readers see it at `now` (an expired claim counts as open). */
  status?: AlertStatus;
  /** Alerts claimed (with a live claim) by this user. */
  assigneeId?: string;
  laneId?: string;
  /** Restrict to these lanes (an operator's); an empty array matches nothing. */
  laneIds?: string[];
  class?: DetectionClass;
  since?: string;
  /** ISO time claims are judged against. */
  now: string;
  limit: number;
  cursor?: string;
  /** `newest` (default): created newest first; `priority`: wildlife first, score high first, oldest first. */
  order?: AlertListOrder;
}

export interface ReviewStore {
  /** Applies a review write atomically (see ReviewWrite); nothing is written when any alert is stale. */
  apply(write: ReviewWrite): Promise<ReviewWriteOutcome>;
  /** An alert's history, oldest first. */
  history(alertId: string): Promise<AlertEvent[]>;
  /** The newest history row of an alert (who changed it last). */
  lastEvent(alertId: string): Promise<AlertEvent | undefined>;
  /** Records that a user has seen an alert; the first time only (returns true), with its audit entry. */
  markSeen(alertId: string, userId: string, at: string, audit: AuditInput): Promise<boolean>;
  /** When the user saw each of these alerts (absent: not seen). */
  seenAt(alertIds: readonly string[], userId: string): Promise<Map<string, string>>;
  /** Alerts, newest first (or in priority order), filtered by their effective review state. */
  list(filter: ReviewListFilter): Promise<Page<AlertRecord>>;
  /** Alerts whose last decision was taken in [from, to), oldest decision first. */
  decidedBetween(from: string, to: string): Promise<AlertRecord[]>;
  /** Inspection outcomes recorded for a scan, oldest first. */
  inspections(scanId: string): Promise<ScanInspection[]>;
}

/** Thrown inside the transaction to roll it back when a conditional UPDATE matched nothing. */
class StaleVersion extends Error {
  constructor(readonly alertId: string) {
    super(`alert ${alertId} changed meanwhile`);
  }
}

function eventToRow(e: AlertEvent): AlertEventsTable {
  return {
    alert_id: e.alertId,
    version: e.version,
    at: e.at,
    actor_kind: e.actor.kind,
    actor_id: e.actor.id,
    actor_name: e.actor.name,
    action: e.action,
    from_status: e.from,
    to_status: e.to,
    decision_json: e.decision ? JSON.stringify(e.decision) : null,
    notes: e.notes,
    via: e.via,
  };
}

function rowToEvent(r: AlertEventsTable): AlertEvent {
  return {
    alertId: r.alert_id,
    version: Number(r.version),
    at: r.at,
    actor: { kind: r.actor_kind as AlertEvent['actor']['kind'], id: r.actor_id, name: r.actor_name },
    action: r.action as ReviewAction,
    from: r.from_status as AlertStatus,
    to: r.to_status as AlertStatus,
    decision: r.decision_json ? (JSON.parse(r.decision_json) as AlertDecision) : null,
    notes: r.notes,
    via: r.via,
  };
}

function rowToInspection(r: ScanInspectionsTable): ScanInspection {
  return {
    id: r.id,
    scanId: r.scan_id,
    at: r.at,
    actor: { kind: r.actor_kind as ScanInspection['actor']['kind'], id: r.actor_id, name: r.actor_name },
    outcome: r.outcome as ScanInspection['outcome'],
    seizure: r.seizure_json ? (JSON.parse(r.seizure_json) as Seizure) : null,
    notes: r.notes,
    alertIds: JSON.parse(r.alert_ids_json) as string[],
  };
}

export function createReviewRepository(db: Kysely<Database>, _dialect: Dialect): ReviewStore {
  async function applyChange(trx: Db, c: ReviewChange): Promise<void> {
    if (c.review.version !== c.expectedVersion + c.events.length) {
      throw new Error(`alert ${c.alertId}: version ${c.review.version} ≠ ${c.expectedVersion} + ${c.events.length} events`);
    }
    const r = c.review;
    const res = await trx
      .updateTable('alerts')
      .set({ status: c.status, ...reviewToRow(r) })
      .where('id', '=', c.alertId)
      .where('review_version', '=', c.expectedVersion)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new StaleVersion(c.alertId);
  }

  return {
    async apply(write) {
      // Alert rows are locked in id order and the audit head last, so two writes touching
      // several alerts cannot deadlock on PostgreSQL.
      const changes = [...write.changes].sort((a, b) => (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0));
      try {
        await db.transaction().execute(async (trx) => {
          for (const c of changes) await applyChange(trx, c);
          const events = changes.flatMap((c) => c.events).map(eventToRow);
          if (events.length) await trx.insertInto('alert_events').values(events).execute();
          const i = write.inspection;
          if (i) {
            await trx
              .insertInto('scan_inspections')
              .values({
                id: i.id,
                scan_id: i.scanId,
                at: i.at,
                actor_kind: i.actor.kind,
                actor_id: i.actor.id,
                actor_name: i.actor.name,
                outcome: i.outcome,
                seizure_json: i.seizure ? JSON.stringify(i.seizure) : null,
                notes: i.notes,
                alert_ids_json: JSON.stringify(i.alertIds),
              })
              .execute();
          }
          for (const a of write.audit) await appendAuditEntry(trx, a);
        });
      } catch (err) {
        if (err instanceof StaleVersion) return { ok: false, stale: err.alertId };
        throw err;
      }
      return { ok: true };
    },

    async history(alertId) {
      const rows = await db.selectFrom('alert_events').selectAll().where('alert_id', '=', alertId).orderBy('version', 'asc').execute();
      return rows.map(rowToEvent);
    },

    async lastEvent(alertId) {
      const row = await db
        .selectFrom('alert_events')
        .selectAll()
        .where('alert_id', '=', alertId)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? rowToEvent(row) : undefined;
    },

    async markSeen(alertId, userId, at, audit) {
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .insertInto('alert_seen')
          .values({ alert_id: alertId, user_id: userId, seen_at: at })
          .onConflict((oc) => oc.columns(['alert_id', 'user_id']).doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return false;
        await appendAuditEntry(trx, audit);
        return true;
      });
    },

    async seenAt(alertIds, userId) {
      const out = new Map<string, string>();
      if (alertIds.length === 0) return out;
      const rows = await db
        .selectFrom('alert_seen')
        .select(['alert_id', 'seen_at'])
        .where('user_id', '=', userId)
        .where('alert_id', 'in', [...alertIds])
        .execute();
      for (const r of rows) out.set(r.alert_id, r.seen_at);
      return out;
    },

    async list(f) {
      const limit = Math.min(Math.max(1, Math.floor(f.limit)), 1000);
      const after = f.cursor && f.order !== 'priority' ? decodeCursor(f.cursor) : undefined;
      let q = db.selectFrom('alerts').selectAll();
      if (f.status === 'open') {
        q = q.where((eb) => eb.or([eb('status', '=', 'open'), eb.and([eb('status', '=', 'in_review'), eb('claim_expires_at', '<=', f.now)])]));
      } else if (f.status === 'in_review') {
        q = q.where('status', '=', 'in_review').where((eb) => eb.or([eb('claim_expires_at', 'is', null), eb('claim_expires_at', '>', f.now)]));
      } else if (f.status !== undefined) {
        q = q.where('status', '=', f.status);
      }
      if (f.assigneeId !== undefined) {
        q = q.where('assignee_id', '=', f.assigneeId).where('status', '=', 'in_review').where('claim_expires_at', '>', f.now);
      }
      if (f.laneIds !== undefined) {
        if (f.laneIds.length === 0) return { items: [], nextCursor: null };
        q = q.where('lane_id', 'in', f.laneIds);
      }
      if (f.laneId !== undefined) q = q.where('lane_id', '=', f.laneId);
      if (f.class !== undefined) q = q.where('class', '=', f.class);
      if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
      if (f.order === 'priority') {
        // One keyset over (rank, score, created_at, id) in the database, so pages stay consistent
        // over the whole set: 0 = a wildlife class. The same SQL on SQLite and PostgreSQL.
        const pos = f.cursor ? decodePriorityCursor(f.cursor) : undefined;
        const rank = sql<number>`(case when ${sql.ref('class')} in (${sql.join([...WILDLIFE_CLASSES])}) then 0 else 1 end)`;
        if (pos) {
          const r = pos.wildlife ? 0 : 1;
          q = q.where((eb) =>
            eb.or([
              eb(rank, '>', r),
              eb.and([
                eb(rank, '=', r),
                eb.or([
                  eb('score', '<', pos.score),
                  eb.and([eb('score', '=', pos.score), eb.or([eb('created_at', '>', pos.at), eb.and([eb('created_at', '=', pos.at), eb('id', '>', pos.id)])])]),
                ]),
              ]),
            ]),
          );
        }
        const rows = await q.orderBy(rank, 'asc').orderBy('score', 'desc').orderBy('created_at', 'asc').orderBy('id', 'asc').limit(limit + 1).execute();
        const items = rows.slice(0, limit).map(rowToAlert);
        const last = items[items.length - 1];
        const wildlife = (c: string) => (WILDLIFE_CLASSES as readonly string[]).includes(c);
        return {
          items,
          nextCursor: rows.length > limit && last ? encodePriorityCursor({ wildlife: wildlife(last.class), score: last.score, at: last.createdAt, id: last.id }) : null,
        };
      }
      if (after) {
        q = q.where((eb) => eb.or([eb('created_at', '<', after.at), eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)])]));
      }
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map(rowToAlert);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null };
    },

    async decidedBetween(from, to) {
      const rows = await db
        .selectFrom('alerts')
        .selectAll()
        .where('decided_at', '>=', from)
        .where('decided_at', '<', to)
        .orderBy('decided_at', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(rowToAlert);
    },

    async inspections(scanId) {
      const rows = await db.selectFrom('scan_inspections').selectAll().where('scan_id', '=', scanId).orderBy('at', 'asc').orderBy('id', 'asc').execute();
      return rows.map(rowToInspection);
    },
  };
}
