/**
 * Versioned schema migrations, kept in code (no migration folder to ship or locate at run
 * time). Append new entries (`002_…`); never edit one that has been released.
 * The same builder calls produce the schema on SQLite and PostgreSQL.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Ids and ISO times are compared and ordered in keyset pagination. PostgreSQL's default
 * collation (e.g. en_US) ignores punctuation on the first pass, so '.', '-' and '_' in ids
 * would sort differently than on SQLite; "C" gives byte order like SQLite's BINARY.
 */
function keyText(dialect: Dialect) {
  return dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
}

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

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return { '001_initial': initial(dialect) };
    },
  };
}
