/**
 * Queries behind the retention run (services/retention): which scans' images may go, whether an
 * image file is still referenced by a scan that keeps its images, and the deletion of old tier-2
 * detections. "May go" is decided in SQL here so that it is one statement per rule, the same on
 * SQLite and PostgreSQL: a scan with any alert row — open or decided — is never a candidate.
 * A scan's heat maps go with its images (they are drawn over them and show where things lie).
 */
import type { Kysely } from 'kysely';
import type { ScanImageRef } from '../../core/domain.ts';
import type { Database } from '../schema.ts';

export interface PrunableScan {
  scanId: string;
  images: ScanImageRef[];
}

export interface RetentionStore {
  /**
   * Analysed `clear` scans received before `cutoff`, images not yet pruned, with no alert at all
   * (scans that end needs_review are kept: nobody has vouched for them).
   */
  prunableScans(cutoff: string, limit: number): Promise<PrunableScan[]>;
  /** Scans received before `cutoff` that would qualify but have alerts (reported, never pruned). */
  countKeptForAlerts(cutoff: string): Promise<number>;
  /** True when a scan that keeps its images (not pruned, not in `except`) references this image. */
  imageStillReferenced(sha256: string, except: readonly string[]): Promise<boolean>;
  markImagesPruned(scanIds: readonly string[], at: string): Promise<void>;
  /** Deletes the heat maps of these scans (pruned with their images); returns how many (a dry run only counts). */
  deleteHeatmaps(scanIds: readonly string[], dryRun: boolean): Promise<number>;
  /** Deletes tier-2 detections (below threshold) created before `cutoff` of scans without alerts; returns how many. */
  deleteTier2Detections(cutoff: string, dryRun: boolean): Promise<number>;
}

export function createRetentionRepository(db: Kysely<Database>): RetentionStore {
  return {
    async prunableScans(cutoff, limit) {
      const rows = await db
        .selectFrom('scans')
        .select(['scan_id', 'images_json'])
        .where('received_at', '<', cutoff)
        .where('status', '=', 'analysed')
        .where('verdict', '=', 'clear')
        .where('images_pruned_at', 'is', null)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('alerts').select('alerts.id').whereRef('alerts.scan_id', '=', 'scans.scan_id'))))
        .orderBy('received_at', 'asc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ scanId: r.scan_id, images: JSON.parse(r.images_json) as ScanImageRef[] }));
    },
    async countKeptForAlerts(cutoff) {
      const r = await db
        .selectFrom('scans')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('received_at', '<', cutoff)
        .where((eb) => eb.exists(eb.selectFrom('alerts').select('alerts.id').whereRef('alerts.scan_id', '=', 'scans.scan_id')))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async imageStillReferenced(sha256, except) {
      let q = db
        .selectFrom('scans')
        .select('scan_id')
        .where('images_pruned_at', 'is', null)
        .where('images_json', 'like', `%${sha256}%`);
      if (except.length) q = q.where('scan_id', 'not in', [...except]);
      return (await q.limit(1).executeTakeFirst()) !== undefined;
    },
    async markImagesPruned(scanIds, at) {
      if (scanIds.length === 0) return;
      await db.updateTable('scans').set({ images_pruned_at: at }).where('scan_id', 'in', [...scanIds]).execute();
    },
    async deleteHeatmaps(scanIds, dryRun) {
      if (scanIds.length === 0) return 0;
      if (dryRun) {
        const r = await db
          .selectFrom('heatmaps')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .where('scan_id', 'in', [...scanIds])
          .executeTakeFirstOrThrow();
        return Number(r.n);
      }
      const res = await db.deleteFrom('heatmaps').where('scan_id', 'in', [...scanIds]).executeTakeFirst();
      return Number(res.numDeletedRows ?? 0);
    },
    async deleteTier2Detections(cutoff, dryRun) {
      const where = db
        .selectFrom('detections')
        .select('detections.id')
        .where('detections.above_threshold', '=', 0)
        .where('detections.created_at', '<', cutoff)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('alerts').select('alerts.id').whereRef('alerts.scan_id', '=', 'detections.scan_id'))));
      if (dryRun) {
        const r = await db.selectFrom(where.as('d')).select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
        return Number(r.n);
      }
      const res = await db.deleteFrom('detections').where('id', 'in', where).executeTakeFirst();
      return Number(res.numDeletedRows ?? 0);
    },
  };
}
