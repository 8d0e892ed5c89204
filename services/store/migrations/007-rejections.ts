/**
 * Migration 007: rejected packages. A package the adapter quarantines (invalid, implausible,
 * conflicting, stuck) is kept on disk with its reason.json; this table makes it visible at the API
 * (GET /v1/rejections), so a lane whose scanner writes bad packages does not look idle.
 */
import type { Kysely, Migration } from 'kysely';
import { keyText, type Dialect } from './common.ts';

export interface RejectionsTable {
  id: string;
  /** Name of the package directory (or file) as it arrived in the inbox. */
  package_name: string;
  kind: string;
  /** Lane and scan id, when the package's metadata could be read far enough; else null. */
  lane_id: string | null;
  scan_id: string | null;
  code: string;
  message: string;
  field: string | null;
  rejected_at: string;
  /** Quarantine folder, relative to the rejected directory (never an absolute server path). */
  quarantined_as: string;
}

export interface RejectionTables {
  rejections: RejectionsTable;
}

export function rejectionsMigration(dialect: Dialect): Migration {
  const key = keyText(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('rejections')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('package_name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('lane_id', key)
        .addColumn('scan_id', key)
        .addColumn('code', key, (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('field', 'text')
        .addColumn('rejected_at', key, (c) => c.notNull())
        .addColumn('quarantined_as', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rejections_at_idx').on('rejections').columns(['rejected_at', 'id']).execute();
      await db.schema.createIndex('rejections_lane_idx').on('rejections').columns(['lane_id', 'rejected_at', 'id']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('rejections').execute();
    },
  };
}
