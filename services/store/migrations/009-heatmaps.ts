/**
 * Migration 009: model heat maps. One row per (scan, model, version, class): the class's score
 * map at the model's output grid, quantised to 8 bits and deflated (services/core/heatmap.ts),
 * with the geometry that places it on the scan image. Written and replaced with the detections
 * of the same (scan, model, version); deleted with the scan (cascade) and by retention when the
 * scan's images are pruned.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { keyText, type Dialect } from './common.ts';

export interface HeatmapsTable {
  scan_id: string;
  model_id: string;
  model_version: string;
  model_sha256: string;
  class: string;
  shadow: number;
  width: number;
  height: number;
  cell_width_px: number;
  cell_height_px: number;
  scan_width: number;
  scan_height: number;
  max_score: number;
  encoding: string;
  /** BLOB on SQLite, bytea on PostgreSQL: both drivers read and write a Buffer. */
  data: Buffer;
  created_at: string;
}

export interface HeatmapTables {
  heatmaps: HeatmapsTable;
}

export function heatmapsMigration(dialect: Dialect): Migration {
  const key = keyText(dialect);
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('heatmaps')
        .addColumn('scan_id', key, (c) => c.notNull().references('scans.scan_id').onDelete('cascade'))
        .addColumn('model_id', key, (c) => c.notNull())
        .addColumn('model_version', key, (c) => c.notNull())
        .addColumn('model_sha256', 'text', (c) => c.notNull())
        .addColumn('class', key, (c) => c.notNull())
        .addColumn('shadow', 'integer', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('cell_width_px', 'double precision', (c) => c.notNull())
        .addColumn('cell_height_px', 'double precision', (c) => c.notNull())
        .addColumn('scan_width', 'integer', (c) => c.notNull())
        .addColumn('scan_height', 'integer', (c) => c.notNull())
        .addColumn('max_score', 'double precision', (c) => c.notNull())
        .addColumn('encoding', 'text', (c) => c.notNull())
        .addColumn('data', bytes, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('heatmaps_pk', ['scan_id', 'model_id', 'model_version', 'class'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('heatmaps').execute();
    },
  };
}
