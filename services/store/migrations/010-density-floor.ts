/**
 * Migration 010: the physical lower bound on a timber detection's density
 * (DetectionRecord.densityFloorGcm3, services/core/physics/density-floor.ts): one nullable column
 * on detections, null where the conveyance does not bound the path, for other classes and for
 * detections stored before it existed.
 */
import type { Kysely, Migration } from 'kysely';

export function densityFloorMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('detections').addColumn('density_floor', 'double precision').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('detections').dropColumn('density_floor').execute();
    },
  };
}
