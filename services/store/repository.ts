/**
 * The Store implementation over a Kysely instance. Dialect differences are confined to the
 * timings JSON merge; every other statement is the same SQL on SQLite and PostgreSQL.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { VERDICT_REASON_CODES, type AlertRecord, type DetectionClass, type ScanRecord, type ScanStatus, type Verdict, type VerdictReasonCode } from '../core/domain.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Dialect } from './migrations.ts';
import {
  alertToRow,
  calibrationToRow,
  detectionToRow,
  rowToAlert,
  rowToCalibration,
  rowToDetection,
  rowToScan,
  scanToRow,
} from './rows.ts';
import type { AuditInput } from '../core/audit.ts';
import { ScanTransitionError } from '../core/scan-lifecycle.ts';
import { appendAuditEntry, createAuditRepository } from './repositories/audit.ts';
import { createHeatmapRepository, replaceHeatmaps } from './repositories/heatmaps.ts';
import { createRejectionRepository } from './repositories/rejections.ts';
import { createReviewRepository } from './repositories/reviews.ts';
import { createStatsRepository } from './repositories/stats.ts';
import { createRetentionRepository } from './repositories/retention.ts';
import { createUserRepository } from './repositories/users.ts';
import type { Database } from './schema.ts';
import type {
  AlertFilter,
  AnalysisResult,
  CalibrationFilter,
  CalibrationInsertOutcome,
  CalibrationProfile,
  NewCalibrationProfile,
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
/** Attempts at taking the next calibration version number when concurrent inserts race for it. */
const VERSION_ATTEMPTS = 20;

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
    if (patch.from !== undefined && patch.from.length === 0) {
      const now = await dbx.selectFrom('scans').select('status').where('scan_id', '=', scanId).executeTakeFirst();
      throw new ScanTransitionError(scanId, now?.status as ScanStatus | undefined, patch.status);
    }
    const result = await dbx
      .updateTable('scans')
      .set({
        status: patch.status,
        updated_at: new Date().toISOString(),
        ...(patch.verdict !== undefined ? { verdict: patch.verdict } : {}),
        ...(patch.failureReason !== undefined ? { failure_reason: patch.failureReason } : {}),
        ...(patch.verdictReasons !== undefined || patch.verdict !== undefined
          ? { verdict_reasons_json: JSON.stringify(patch.verdictReasons ?? []) }
          : {}),
        ...(patch.calibration !== undefined ? { calibration_json: patch.calibration ? JSON.stringify(patch.calibration) : null } : {}),
        ...(patch.timings !== undefined ? { timings_json: mergedTimings(patch.timings) } : {}),
      })
      .where('scan_id', '=', scanId)
      .$if(patch.from !== undefined, (q) => q.where('status', 'in', [...patch.from!]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      if (patch.from === undefined) throw new Error(`scan not found: ${scanId}`);
      const now = await dbx.selectFrom('scans').select('status').where('scan_id', '=', scanId).executeTakeFirst();
      throw new ScanTransitionError(scanId, now?.status as ScanStatus | undefined, patch.status);
    }
    for (const entry of patch.audit ?? []) await appendAuditEntry(dbx, entry);
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
    // but the alert keeps its identity, its first creation time and its whole review state
    // (status, review_version, assignee, claim, decision: none is in the update set), so a
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
    users: createUserRepository(db, dialect),
    audit: createAuditRepository(db),
    reviews: createReviewRepository(db, dialect),
    rejections: createRejectionRepository(db, dialect),
    stats: createStatsRepository(db),
    retention: createRetentionRepository(db),
    heatmaps: createHeatmapRepository(db),

    scans: {
      async insert(scan: ScanRecord, audit: AuditInput[] = []): Promise<ScanInsertOutcome> {
        // Insert-or-ignore, then compare: two adapters racing on one scanId both end in a
        // well-defined outcome without relying on catching driver-specific error codes.
        const inserted = await db.transaction().execute(async (trx) => {
          const res = await trx
            .insertInto('scans')
            .values(scanToRow(scan))
            .onConflict((oc) => oc.column('scan_id').doNothing())
            .executeTakeFirst();
          if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return false;
          for (const entry of audit) await appendAuditEntry(trx, entry);
          return true;
        });
        if (inserted) return 'inserted';
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
        if (patch.audit?.length) await db.transaction().execute((trx) => patchScan(trx, scanId, patch));
        else await patchScan(db, scanId, patch);
      },

      async list(filter: ScanFilter): Promise<Page<ScanRecord>> {
        const limit = pageSize(filter.limit);
        const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
        let q = db.selectFrom('scans').selectAll();
        if (filter.laneId !== undefined) q = q.where('lane_id', '=', filter.laneId);
        if (filter.laneIds !== undefined) q = filter.laneIds.length ? q.where('lane_id', 'in', filter.laneIds) : q.where(sql<boolean>`1 = 0`);
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

      async countByVerdict(): Promise<Partial<Record<Verdict, number>>> {
        const rows = await db
          .selectFrom('scans')
          .select((eb) => ['verdict', eb.fn.countAll<string | number | bigint>().as('n')])
          .where('verdict', 'is not', null)
          .groupBy('verdict')
          .execute();
        const out: Partial<Record<Verdict, number>> = {};
        for (const r of rows) out[r.verdict as Verdict] = Number(r.n);
        return out;
      },

      async countByVerdictReason(): Promise<Partial<Record<VerdictReasonCode, number>>> {
        // Reasons are JSON text written by scanToRow/patchScan (JSON.stringify of {code, message}),
        // so `"code":"<code>"` occurs exactly for the reasons with that code: quotes inside a
        // message are escaped. Codes are [a-z_]; '_' is escaped for LIKE.
        const out: Partial<Record<VerdictReasonCode, number>> = {};
        for (const code of VERDICT_REASON_CODES) {
          const pattern = `%"code":"${code.replace(/_/g, '\\_')}"%`;
          const row = await db
            .selectFrom('scans')
            .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
            .where(sql<boolean>`verdict_reasons_json like ${pattern} escape '\\'`)
            .executeTakeFirst();
          out[code] = Number(row?.n ?? 0);
        }
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

    calibrations: {
      async insert(p: NewCalibrationProfile, audit?: (stored: CalibrationProfile) => AuditInput): Promise<CalibrationInsertOutcome> {
        // Read, then insert-or-ignore on the primary key (derived from the content) and the
        // (serial, kind, version) constraint; a lost race is seen on the next pass, so no
        // driver-specific error codes are involved.
        for (let attempt = 1; ; attempt++) {
          const earlier = await db
            .selectFrom('calibration_profiles')
            .selectAll()
            .where('calibration_id', '=', p.calibrationId)
            .orderBy('version', 'desc')
            .execute();
          const same = earlier.find((r) => r.content_sha256 === p.contentSha256);
          if (same) return { outcome: 'duplicate', profile: rowToCalibration(same) };
          const active = earlier.find((r) => r.status === 'active');
          if (active) return { outcome: 'conflict', profile: rowToCalibration(active) };

          const last = await db
            .selectFrom('calibration_profiles')
            .select((eb) => eb.fn.max('version').as('v'))
            .where('scanner_serial', '=', p.scanner.serial)
            .where('source_kind', '=', p.source.kind)
            .executeTakeFirst();
          const profile: CalibrationProfile = { ...p, version: Number(last?.v ?? 0) + 1 };
          // The profile and its audit entry commit together or not at all.
          const inserted = await db.transaction().execute(async (trx) => {
            const res = await trx
              .insertInto('calibration_profiles')
              .values(calibrationToRow(profile))
              .onConflict((oc) => oc.doNothing())
              .executeTakeFirst();
            if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return false;
            if (audit) await appendAuditEntry(trx, audit(profile));
            return true;
          });
          if (inserted) return { outcome: 'inserted', profile };
          if (attempt >= VERSION_ATTEMPTS) {
            throw new Error(`calibration ${p.calibrationId}: could not take a version number for ${p.scanner.serial}/${p.source.kind}`);
          }
        }
      },

      async get(id: string): Promise<CalibrationProfile | undefined> {
        const row = await db.selectFrom('calibration_profiles').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? rowToCalibration(row) : undefined;
      },

      async list(filter: CalibrationFilter): Promise<Page<CalibrationProfile>> {
        const limit = pageSize(filter.limit);
        const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
        let q = db.selectFrom('calibration_profiles').selectAll();
        if (filter.serial !== undefined) q = q.where('scanner_serial', '=', filter.serial);
        if (after) {
          q = q.where((eb) =>
            eb.or([eb('received_at', '<', after.at), eb.and([eb('received_at', '=', after.at), eb('id', '<', after.id)])]),
          );
        }
        const rows = await q
          .orderBy('received_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute();
        const items = rows.slice(0, limit).map(rowToCalibration);
        const last = items[items.length - 1];
        return {
          items,
          nextCursor: rows.length > limit && last ? encodeCursor({ at: last.receivedAt, id: last.id }) : null,
        };
      },

      async findCalibrationProfile(serial: string, sourceKind: 'linac' | 'tube', scannedAt: string): Promise<CalibrationProfile | undefined> {
        const at = new Date(scannedAt);
        if (Number.isNaN(at.getTime())) throw new RangeError(`scannedAt must be an ISO-8601 time, got "${scannedAt}"`);
        // Stored acquired_at is UTC ISO text, so comparing normalised text compares times.
        const row = await db
          .selectFrom('calibration_profiles')
          .selectAll()
          .where('scanner_serial', '=', serial)
          .where('source_kind', '=', sourceKind)
          .where('status', '=', 'active')
          .where('acquired_at', '<=', at.toISOString())
          .orderBy('acquired_at', 'desc')
          .orderBy('version', 'desc')
          .limit(1)
          .executeTakeFirst();
        return row ? rowToCalibration(row) : undefined;
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
          if (r.heatmaps) await replaceHeatmaps(trx, { scanId: r.scanId, ...r.stamp }, r.heatmaps);
          if (r.alert) {
            await upsertAlert(trx, r.alert);
          } else {
            // Only an alert nobody has touched yet goes; one with review history stays (with it).
            await trx
              .deleteFrom('alerts')
              .where('scan_id', '=', r.scanId)
              .where('model_id', '=', r.stamp.modelId)
              .where('model_version', '=', r.stamp.modelVersion)
              .where('status', '=', 'open')
              .where('review_version', '=', 1)
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
