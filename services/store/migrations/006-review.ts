/**
 * Migration 006: the review workflow of alerts (services/core/review.ts). Alerts get their review
 * state beside the analysis columns — a version for optimistic concurrency (decisions are
 * conditional UPDATEs on it), the claim (assignee, expiry) and the last decision — so that the
 * analysis never has to touch it. `alert_events` is each alert's history (one row per version
 * step, with actor, time and notes); `alert_seen` is per-user "seen" state (Frigate's idea:
 * seen belongs to a person, not to the alert); `scan_inspections` holds the physical-inspection
 * outcomes operators record for held scans. One column per ALTER TABLE (SQLite's rule).
 */
import type { Kysely, Migration } from 'kysely';
import { keyText, type Dialect } from './common.ts';

/** Columns this migration adds to `alerts` (the table's other columns are in ../schema.ts). */
export interface AlertReviewColumns {
  /** 1 when raised; +1 per alert_events row. */
  review_version: number;
  assignee_id: string | null;
  assignee_name: string | null;
  claim_expires_at: string | null;
  decided_at: string | null;
  decided_by_id: string | null;
  decided_by_name: string | null;
  /** JSON AlertDecision of the last decision; null before any. */
  decision_json: string | null;
}

export interface AlertEventsTable {
  alert_id: string;
  /** The alert's review_version after this event; (alert_id, version) is the key. */
  version: number;
  at: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  action: string;
  from_status: string;
  to_status: string;
  decision_json: string | null;
  notes: string | null;
  via: string | null;
}

export interface AlertSeenTable {
  alert_id: string;
  user_id: string;
  seen_at: string;
}

export interface ScanInspectionsTable {
  id: string;
  scan_id: string;
  at: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  outcome: string;
  /** JSON Seizure; null for nothing_found. */
  seizure_json: string | null;
  notes: string | null;
  /** JSON array of the alert ids the outcome decided. */
  alert_ids_json: string;
}

export interface ReviewTables {
  alert_events: AlertEventsTable;
  alert_seen: AlertSeenTable;
  scan_inspections: ScanInspectionsTable;
}

export function reviewMigration(dialect: Dialect): Migration {
  const key = keyText(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('alerts').addColumn('review_version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('alerts').addColumn('assignee_id', key).execute();
      await db.schema.alterTable('alerts').addColumn('assignee_name', 'text').execute();
      await db.schema.alterTable('alerts').addColumn('claim_expires_at', key).execute();
      await db.schema.alterTable('alerts').addColumn('decided_at', key).execute();
      await db.schema.alterTable('alerts').addColumn('decided_by_id', key).execute();
      await db.schema.alterTable('alerts').addColumn('decided_by_name', 'text').execute();
      await db.schema.alterTable('alerts').addColumn('decision_json', 'text').execute();
      // "My claims" and the export of decided alerts by time.
      await db.schema.createIndex('alerts_assignee_idx').on('alerts').columns(['assignee_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('alerts_decided_idx').on('alerts').columns(['decided_at', 'id']).execute();

      await db.schema
        .createTable('alert_events')
        .addColumn('alert_id', key, (c) => c.notNull().references('alerts.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('at', key, (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', key, (c) => c.notNull())
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('from_status', 'text', (c) => c.notNull())
        .addColumn('to_status', 'text', (c) => c.notNull())
        .addColumn('decision_json', 'text')
        .addColumn('notes', 'text')
        .addColumn('via', 'text')
        // Two writers can never record the same step of one alert.
        .addPrimaryKeyConstraint('alert_events_pk', ['alert_id', 'version'])
        .execute();

      await db.schema
        .createTable('alert_seen')
        .addColumn('alert_id', key, (c) => c.notNull().references('alerts.id').onDelete('cascade'))
        .addColumn('user_id', key, (c) => c.notNull())
        .addColumn('seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_seen_pk', ['alert_id', 'user_id'])
        .execute();
      await db.schema.createIndex('alert_seen_user_idx').on('alert_seen').columns(['user_id', 'alert_id']).execute();

      await db.schema
        .createTable('scan_inspections')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('scan_id', key, (c) => c.notNull().references('scans.scan_id').onDelete('cascade'))
        .addColumn('at', key, (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', key, (c) => c.notNull())
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('seizure_json', 'text')
        .addColumn('notes', 'text')
        .addColumn('alert_ids_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('scan_inspections_scan_idx').on('scan_inspections').columns(['scan_id', 'at', 'id']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('scan_inspections').execute();
      await db.schema.dropTable('alert_seen').execute();
      await db.schema.dropTable('alert_events').execute();
      await db.schema.dropIndex('alerts_decided_idx').execute();
      await db.schema.dropIndex('alerts_assignee_idx').execute();
      for (const col of ['decision_json', 'decided_by_name', 'decided_by_id', 'decided_at', 'claim_expires_at', 'assignee_name', 'assignee_id', 'review_version']) {
        await db.schema.alterTable('alerts').dropColumn(col).execute();
      }
    },
  };
}
