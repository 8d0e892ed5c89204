/**
 * Versioned schema migrations, kept in code (no migration folder to ship or locate at run
 * time). Append new entries; never edit one that has been released. Migrations from 004 on live in
 * ./migrations/, one file per area, with the row shapes of their tables.
 * The same builder calls produce the schema on SQLite and PostgreSQL.
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { keyText, type Dialect } from './migrations/common.ts';
import { identityMigration } from './migrations/004-identity.ts';
import { auditMigration } from './migrations/005-audit.ts';
import { reviewMigration } from './migrations/006-review.ts';
import { rejectionsMigration } from './migrations/007-rejections.ts';
import { retentionMigration } from './migrations/008-retention.ts';
import { heatmapsMigration } from './migrations/009-heatmaps.ts';
import { densityFloorMigration } from './migrations/010-density-floor.ts';

export type { Dialect };


function initial(dialect: Dialect): Migration {
  const key = keyText(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('scans')
        .addColumn('scan_id', key, (c) => c.primaryKey())
        .addColumn('lane_id', key, (c) => c.notNull())
        .addColumn('scanned_at', 'text', (c) => c.notNull())
        .addColumn('received_at', key, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('verdict', 'text')
        .addColumn('failure_reason', 'text')
        .addColumn('content_sha256', 'text', (c) => c.notNull())
        .addColumn('metadata_json', 'text', (c) => c.notNull())
        .addColumn('images_json', 'text', (c) => c.notNull())
        .addColumn('timings_json', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Every list query orders by (received_at desc, scan_id desc); each filter gets an
      // index that leads with the filter column and continues in that order.
      await db.schema.createIndex('scans_received_idx').on('scans').columns(['received_at', 'scan_id']).execute();
      await db.schema.createIndex('scans_lane_idx').on('scans').columns(['lane_id', 'received_at', 'scan_id']).execute();
      await db.schema.createIndex('scans_status_idx').on('scans').columns(['status', 'received_at', 'scan_id']).execute();
      await db.schema.createIndex('scans_verdict_idx').on('scans').columns(['verdict', 'received_at', 'scan_id']).execute();

      await db.schema
        .createTable('detections')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('scan_id', key, (c) => c.notNull().references('scans.scan_id').onDelete('cascade'))
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.notNull())
        .addColumn('model_sha256', 'text', (c) => c.notNull())
        .addColumn('class', 'text', (c) => c.notNull())
        .addColumn('species', 'text')
        .addColumn('cites_appendix', 'text')
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('box_json', 'text', (c) => c.notNull())
        .addColumn('box_mm_json', 'text', (c) => c.notNull())
        .addColumn('density', 'double precision')
        .addColumn('above_threshold', 'integer', (c) => c.notNull())
        .addColumn('shadow', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('detections_scan_model_idx')
        .on('detections')
        .columns(['scan_id', 'model_id', 'model_version'])
        .execute();

      await db.schema
        .createTable('alerts')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('scan_id', key, (c) => c.notNull().references('scans.scan_id').onDelete('cascade'))
        .addColumn('lane_id', key, (c) => c.notNull())
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.notNull())
        .addColumn('model_sha256', 'text', (c) => c.notNull())
        .addColumn('class', 'text', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reasons_json', 'text', (c) => c.notNull())
        .addColumn('created_at', key, (c) => c.notNull())
        // The idempotency key of analysis results: one alert per scan and model version.
        .addUniqueConstraint('alerts_scan_model_uq', ['scan_id', 'model_id', 'model_version'])
        .execute();
      await db.schema.createIndex('alerts_created_idx').on('alerts').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('alerts_status_idx').on('alerts').columns(['status', 'created_at', 'id']).execute();
      await db.schema.createIndex('alerts_lane_idx').on('alerts').columns(['lane_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('alerts_class_idx').on('alerts').columns(['class', 'created_at', 'id']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('alerts').execute();
      await db.schema.dropTable('detections').execute();
      await db.schema.dropTable('scans').execute();
    },
  };
}

/**
 * Scanner calibration profiles (docs/calibration-package.md): one row per calibration package
 * received, active or refused, numbered per (scanner serial, source kind).
 */
function calibrationProfiles(dialect: Dialect): Migration {
  const key = keyText(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('calibration_profiles')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('calibration_id', key, (c) => c.notNull())
        .addColumn('content_sha256', 'text', (c) => c.notNull())
        .addColumn('scanner_serial', key, (c) => c.notNull())
        .addColumn('scanner_vendor', 'text')
        .addColumn('scanner_model', 'text')
        .addColumn('source_kind', 'text', (c) => c.notNull())
        .addColumn('source_json', 'text', (c) => c.notNull())
        .addColumn('acquired_at', key, (c) => c.notNull())
        .addColumn('received_at', key, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('response_json', 'text')
        .addColumn('residuals_json', 'text', (c) => c.notNull())
        .addColumn('max_residual', 'double precision')
        .addColumn('tolerance', 'text')
        .addColumn('measurements_json', 'text', (c) => c.notNull())
        .addColumn('metadata_json', 'text', (c) => c.notNull())
        .addColumn('calibration_json', 'text', (c) => c.notNull())
        // Two adapters storing profiles of one scanner at once cannot both take a version number.
        .addUniqueConstraint('calibration_profiles_version_uq', ['scanner_serial', 'source_kind', 'version'])
        .execute();
      await db.schema.createIndex('calibration_profiles_received_idx').on('calibration_profiles').columns(['received_at', 'id']).execute();
      await db.schema
        .createIndex('calibration_profiles_serial_idx')
        .on('calibration_profiles')
        .columns(['scanner_serial', 'received_at', 'id'])
        .execute();
      // The worker's look-up: newest active profile of a serial and source kind acquired by a time.
      await db.schema
        .createIndex('calibration_profiles_lookup_idx')
        .on('calibration_profiles')
        .columns(['scanner_serial', 'source_kind', 'status', 'acquired_at'])
        .execute();
      await db.schema.createIndex('calibration_profiles_calibration_idx').on('calibration_profiles').columns(['calibration_id']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('calibration_profiles').execute();
    },
  };
}

/**
 * Verdict reasons and calibration on scans (why a scan `needs_review`; which calibration its
 * analysis used), and the density interval of timber detections. One column per statement:
 * SQLite adds one column per ALTER TABLE.
 */
function verdictReasons(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('scans').addColumn('verdict_reasons_json', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('scans').addColumn('calibration_json', 'text').execute();
      await db.schema.alterTable('detections').addColumn('density_lo', 'double precision').execute();
      await db.schema.alterTable('detections').addColumn('density_hi', 'double precision').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('detections').dropColumn('density_hi').execute();
      await db.schema.alterTable('detections').dropColumn('density_lo').execute();
      await db.schema.alterTable('scans').dropColumn('calibration_json').execute();
      await db.schema.alterTable('scans').dropColumn('verdict_reasons_json').execute();
    },
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001_initial': initial(dialect),
        '002_calibration_profiles': calibrationProfiles(dialect),
        '003_verdict_reasons': verdictReasons(),
        '004_identity': identityMigration(dialect),
        '005_audit': auditMigration(dialect),
        '006_review': reviewMigration(dialect),
        '007_rejections': rejectionsMigration(dialect),
        '008_retention': retentionMigration(dialect),
        '009_heatmaps': heatmapsMigration(dialect),
        '010_density_floor': densityFloorMigration(),
      };
    },
  };
}
