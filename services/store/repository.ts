/**
 * The Store implementation over a Kysely instance. Dialect differences are confined to the
 * timings JSON merge; every other statement is the same SQL on SQLite and PostgreSQL.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AlertRecord, DetectionClass, ScanRecord, ScanStatus } from '../core/domain.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Dialect } from './migrations.ts';
import { alertToRow, detectionToRow, rowToAlert, rowToDetection, rowToScan, scanToRow } from './rows.ts';
import type { Database } from './schema.ts';
import type {
  AlertFilter,
  AnalysisResult,
  Page,
  ScanFilter,
  ScanInsertOutcome,
  ScanStatusPatch,
  Store,
} from './types.ts';

/** Safety net only: callers (the API) cap lower. */
const MAX_PAGE = 1000;
/** Rows per multi-row INSERT, well below SQLite's bound-parameter limit. */
const INSERT_CHUNK = 200;

type Db = Kysely<Database> | Transaction<Database>;

function pageSize(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return Math.min(limit, MAX_PAGE);
}

export function createRepository(db: Kysely<Database>, dialect: Dialect, onClose: () => Promise<void>): Store {
  /** Merges `timings` into the stored JSON in SQL, so concurrent patches cannot lose keys. */
  function mergedTimings(timings: ScanRecord['timings']) {
    const patch = JSON.stringify(timings);
    return dialect === 'postgres'
      ? sql<string>`(timings_json::jsonb || ${patch}::jsonb)::text`
      : sql<string>`json_patch(timings_json, ${patch})`;
  }

  async function patchScan(dbx: Db, scanId: string, patch: ScanStatusPatch): Promise<void> {
    const result = await dbx
      .updateTable('scans')
      .set({
        status: patch.status,
        updated_at: new Date().toISOString(),
        ...(patch.verdict !== undefined ? { verdict: patch.verdict } : {}),
        ...(patch.failureReason !== undefined ? { failure_reason: patch.failureReason } : {}),
        ...(patch.timings !== undefined ? { timings_json: mergedTimings(patch.timings) } : {}),
      })
      .where('scan_id', '=', scanId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new Error(`scan not found: ${scanId}`);
  }

  /** Checks that every row in a result carries the result's key, otherwise a re-run could not replace it. */
  function assertConsistent(r: AnalysisResult): void {
    const key = (x: { scanId: string; modelId: string; modelVersion: string }) => `${x.scanId}\u0000${x.modelId}\u0000${x.modelVersion}`;
    const expected = key({ scanId: r.scanId, ...r.stamp });
    for (const d of r.detections) {
      if (key(d) !== expected) throw new Error(`detection ${d.id} does not match result key ${r.scanId} ${r.stamp.modelId}@${r.stamp.modelVersion}`);
    }
    if (r.alert && key(r.alert) !== expected) {
      throw new Error(`alert ${r.alert.id} does not match result key ${r.scanId} ${r.stamp.modelId}@${r.stamp.modelVersion}`);
    }
  }

  async function upsertAlert(trx: Db, alert: AlertRecord): Promise<void> {
    // Replacement on the idempotency key: the latest analysis is the truth for what was found,
    // but the alert keeps its identity, its first creation time and any review status, so a
    // re-run (stalled job, retry) never reopens an alert an inspector has already dealt with.
    await trx
      .insertInto('alerts')
      .values(alertToRow(alert))
      .onConflict((oc) =>
        oc.columns(['scan_id', 'model_id', 'model_version']).doUpdateSet((eb) => ({
          lane_id: eb.ref('excluded.lane_id'),
          model_sha256: eb.ref('excluded.model_sha256'),
          class: eb.ref('excluded.class'),
          score: eb.ref('excluded.score'),
          reasons_json: eb.ref('excluded.reasons_json'),
        })),
      )
      .execute();
  }

  return {
    dialect,

    scans: {
      async insert(scan: ScanRecord): Promise<ScanInsertOutcome> {
        // Insert-or-ignore, then compare: two adapters racing on one scanId both end in a
        // well-defined outcome without relying on catching driver-specific error codes.
        const res = await db
          .insertInto('scans')
          .values(scanToRow(scan))
          .onConflict((oc) => oc.column('scan_id').doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) return 'inserted';
        const existing = await db
          .selectFrom('scans')
          .select('content_sha256')
          .where('scan_id', '=', scan.scanId)
          .executeTakeFirst();
        if (!existing) throw new Error(`scan ${scan.scanId} neither inserted nor found`);
        return existing.content_sha256 === scan.contentSha256 ? 'duplicate' : 'conflict';
      },

      async get(scanId: string): Promise<ScanRecord | undefined> {
        const row = await db.selectFrom('scans').selectAll().where('scan_id', '=', scanId).executeTakeFirst();
        return row ? rowToScan(row) : undefined;
      },

      async updateStatus(scanId: string, patch: ScanStatusPatch): Promise<void> {
        await patchScan(db, scanId, patch);
      },

      async list(filter: ScanFilter): Promise<Page<ScanRecord>> {
        const limit = pageSize(filter.limit);
        const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
        let q = db.selectFrom('scans').selectAll();
        if (filter.laneId !== undefined) q = q.where('lane_id', '=', filter.laneId);
        if (filter.status !== undefined) q = q.where('status', '=', filter.status);
        if (filter.verdict !== undefined) q = q.where('verdict', '=', filter.verdict);
        if (filter.since !== undefined) q = q.where('received_at', '>=', filter.since);
        if (after) {
          q = q.where((eb) =>
            eb.or([
              eb('received_at', '<', after.at),
              eb.and([eb('received_at', '=', after.at), eb('scan_id', '<', after.id)]),
            ]),
          );
        }
        const rows = await q
          .orderBy('received_at', 'desc')
          .orderBy('scan_id', 'desc')
          .limit(limit + 1)
          .execute();
        const items = rows.slice(0, limit).map(rowToScan);
        const last = items[items.length - 1];
        return {
          items,
          nextCursor: rows.length > limit && last ? encodeCursor({ at: last.receivedAt, id: last.scanId }) : null,
        };
      },

      async countByStatus(): Promise<Partial<Record<ScanStatus, number>>> {
        const rows = await db
          .selectFrom('scans')
          .select((eb) => ['status', eb.fn.countAll<string | number | bigint>().as('n')])
          .groupBy('status')
          .execute();
        const out: Partial<Record<ScanStatus, number>> = {};
        for (const r of rows) out[r.status as ScanStatus] = Number(r.n); // pg count() is bigint → string
        return out;
      },
    },

    detections: {
      async listByScan(scanId: string) {
        const rows = await db
          .selectFrom('detections')
          .selectAll()
          .where('scan_id', '=', scanId)
          .orderBy('model_id')
          .orderBy('model_version')
          .orderBy('score', 'desc')
          .orderBy('id')
          .execute();
        return rows.map(rowToDetection);
      },
    },

    alerts: {
      async get(id: string) {
        const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? rowToAlert(row) : undefined;
      },

      async list(filter: AlertFilter): Promise<Page<AlertRecord>> {
        const limit = pageSize(filter.limit);
        const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
        let q = db.selectFrom('alerts').selectAll();
        if (filter.status !== undefined) q = q.where('status', '=', filter.status);
        if (filter.laneId !== undefined) q = q.where('lane_id', '=', filter.laneId);
        if (filter.class !== undefined) q = q.where('class', '=', filter.class);
        if (filter.since !== undefined) q = q.where('created_at', '>=', filter.since);
        if (after) {
          q = q.where((eb) =>
            eb.or([eb('created_at', '<', after.at), eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)])]),
          );
        }
        const rows = await q
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute();
        const items = rows.slice(0, limit).map(rowToAlert);
        const last = items[items.length - 1];
        return {
          items,
          nextCursor: rows.length > limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
        };
      },

      async listByScan(scanId: string) {
        const rows = await db
          .selectFrom('alerts')
          .selectAll()
          .where('scan_id', '=', scanId)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .execute();
        return rows.map(rowToAlert);
      },

      async countByClass(): Promise<Partial<Record<DetectionClass, number>>> {
        const rows = await db
          .selectFrom('alerts')
          .select((eb) => ['class', eb.fn.countAll<string | number | bigint>().as('n')])
          .groupBy('class')
          .execute();
        const out: Partial<Record<DetectionClass, number>> = {};
        for (const r of rows) out[r.class as DetectionClass] = Number(r.n);
        return out;
      },
    },

    async recordAnalysis(results: AnalysisResult[], scanPatch: ScanStatusPatch): Promise<void> {
      // The patch needs a scan to apply to, and it can only be one scan.
      const scanIds = new Set(results.map((r) => r.scanId));
      if (scanIds.size !== 1) {
        throw new Error(
          scanIds.size === 0
            ? 'recordAnalysis needs at least one result (use scans.updateStatus for a scan with no model run)'
            : `recordAnalysis results span several scans: ${[...scanIds].join(', ')}`,
        );
      }
      const [scanId] = scanIds as unknown as [string];
      for (const r of results) assertConsistent(r);

      await db.transaction().execute(async (trx) => {
        for (const r of results) {
          await trx
            .deleteFrom('detections')
            .where('scan_id', '=', r.scanId)
            .where('model_id', '=', r.stamp.modelId)
            .where('model_version', '=', r.stamp.modelVersion)
            .execute();
          for (let i = 0; i < r.detections.length; i += INSERT_CHUNK) {
            await trx.insertInto('detections').values(r.detections.slice(i, i + INSERT_CHUNK).map(detectionToRow)).execute();
          }
          if (r.alert) {
            await upsertAlert(trx, r.alert);
          } else {
            await trx
              .deleteFrom('alerts')
              .where('scan_id', '=', r.scanId)
              .where('model_id', '=', r.stamp.modelId)
              .where('model_version', '=', r.stamp.modelVersion)
              .execute();
          }
        }
        await patchScan(trx, scanId, scanPatch);
      });
    },

    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },

    close: onClose,
  };
}
