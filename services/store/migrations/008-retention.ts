/**
 * Migration 008: retention bookkeeping. `images_pruned_at` marks a scan whose images the
 * retention run deleted (services/retention), so it is not considered again and its image route
 * can answer 410 Gone rather than fail.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './common.ts';

export interface ScanRetentionColumns {
  images_pruned_at: string | null;
}

export function retentionMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('scans').addColumn('images_pruned_at', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('scans').dropColumn('images_pruned_at').execute();
    },
  };
}
