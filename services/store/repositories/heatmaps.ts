/**
 * Model heat maps (migration 009): written with the detections of one (scan, model, version) in
 * recordAnalysis' transaction (replaceHeatmaps), read one class at a time by the API
 * (GET /v1/scans/:id/heatmap). Thin: row ⇄ record mapping and two queries.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DetectionClass } from '../../core/domain.ts';
import type { HeatmapEncoding, HeatmapRecord } from '../../core/heatmap.ts';
import type { HeatmapsTable } from '../migrations/009-heatmaps.ts';
import type { Database } from '../schema.ts';
import type { HeatmapKey, HeatmapStore } from '../types.ts';

type Db = Kysely<Database> | Transaction<Database>;

function toRow(h: HeatmapRecord): HeatmapsTable {
  return {
    scan_id: h.scanId,
    model_id: h.modelId,
    model_version: h.modelVersion,
    model_sha256: h.modelSha256,
    class: h.class,
    shadow: h.shadow ? 1 : 0,
    width: h.width,
    height: h.height,
    cell_width_px: h.cellWidthPx,
    cell_height_px: h.cellHeightPx,
    scan_width: h.scanWidth,
    scan_height: h.scanHeight,
    max_score: h.maxScore,
    encoding: h.encoding,
    data: h.data,
    created_at: h.createdAt,
  };
}

function fromRow<R extends Omit<Selectable<HeatmapsTable>, 'data'>>(r: R): Omit<HeatmapRecord, 'data'> {
  return {
    scanId: r.scan_id,
    modelId: r.model_id,
    modelVersion: r.model_version,
    modelSha256: r.model_sha256,
    class: r.class as DetectionClass,
    shadow: Number(r.shadow) === 1,
    width: Number(r.width),
    height: Number(r.height),
    cellWidthPx: Number(r.cell_width_px),
    cellHeightPx: Number(r.cell_height_px),
    scanWidth: Number(r.scan_width),
    scanHeight: Number(r.scan_height),
    maxScore: Number(r.max_score),
    encoding: r.encoding as HeatmapEncoding,
    createdAt: r.created_at,
  };
}

/** Replaces the heat maps of (scan, model, version) inside the caller's transaction. */
export async function replaceHeatmaps(trx: Db, key: { scanId: string; modelId: string; modelVersion: string }, heatmaps: HeatmapRecord[]): Promise<void> {
  for (const h of heatmaps) {
    if (h.scanId !== key.scanId || h.modelId !== key.modelId || h.modelVersion !== key.modelVersion) {
      throw new Error(`heat map ${h.class} does not match result key ${key.scanId} ${key.modelId}@${key.modelVersion}`);
    }
  }
  await trx
    .deleteFrom('heatmaps')
    .where('scan_id', '=', key.scanId)
    .where('model_id', '=', key.modelId)
    .where('model_version', '=', key.modelVersion)
    .execute();
  // One row per statement: a row can hold a large blob, and there are a few classes.
  for (const h of heatmaps) await trx.insertInto('heatmaps').values(toRow(h)).execute();
}

const META = [
  'scan_id',
  'model_id',
  'model_version',
  'model_sha256',
  'class',
  'shadow',
  'width',
  'height',
  'cell_width_px',
  'cell_height_px',
  'scan_width',
  'scan_height',
  'max_score',
  'encoding',
  'created_at',
] as const;

export function createHeatmapRepository(db: Kysely<Database>): HeatmapStore {
  return {
    async get(scanId: string, cls: DetectionClass, model?: HeatmapKey) {
      let q = db.selectFrom('heatmaps').selectAll().where('scan_id', '=', scanId).where('class', '=', cls);
      q = model ? q.where('model_id', '=', model.modelId).where('model_version', '=', model.modelVersion) : q.where('shadow', '=', 0);
      const row = await q.orderBy('created_at', 'desc').orderBy('model_id', 'desc').orderBy('model_version', 'desc').limit(1).executeTakeFirst();
      if (!row) return undefined;
      return { ...fromRow(row), data: Buffer.from(row.data) };
    },
    async listByScan(scanId: string) {
      const rows = await db.selectFrom('heatmaps').select(META).where('scan_id', '=', scanId).orderBy('model_id').orderBy('model_version').orderBy('class').execute();
      return rows.map(fromRow);
    },
  };
}
