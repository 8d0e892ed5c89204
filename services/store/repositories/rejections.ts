/**
 * Rejected packages as the API lists them: one row per quarantined package, written by the
 * adapter when it quarantines (scanner-adapter/src/ingest/rejection-recorder.ts). Thin: keyset
 * pagination newest first, lane filters, counts by reason for /metrics.
 */
import type { Kysely } from 'kysely';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { Dialect } from '../migrations/common.ts';
import type { Database } from '../schema.ts';
import type { Page } from '../types.ts';

export interface Rejection {
  id: string;
  packageName: string;
  kind: 'scan' | 'calibration' | 'unknown';
  laneId: string | null;
  scanId: string | null;
  code: string;
  message: string;
  field: string | null;
  rejectedAt: string;
  /** Folder under the rejected directory holding the package and its reason.json. */
  quarantinedAs: string;
}

export interface RejectionFilter {
  laneId?: string;
  /** Only these lanes, plus rejections whose lane is unknown (an operator's view); empty: unknown lane only. */
  visibleToLanes?: string[];
  since?: string;
  limit: number;
  cursor?: string;
}

export interface RejectionStore {
  /** Idempotent on id. */
  insert(r: Rejection): Promise<void>;
  list(filter: RejectionFilter): Promise<Page<Rejection>>;
  countByCode(): Promise<Record<string, number>>;
}

type Row = Database['rejections'];

function fromRow(r: Row): Rejection {
  return {
    id: r.id,
    packageName: r.package_name,
    kind: r.kind as Rejection['kind'],
    laneId: r.lane_id,
    scanId: r.scan_id,
    code: r.code,
    message: r.message,
    field: r.field,
    rejectedAt: r.rejected_at,
    quarantinedAs: r.quarantined_as,
  };
}

export function createRejectionRepository(db: Kysely<Database>, _dialect: Dialect): RejectionStore {
  return {
    async insert(r) {
      await db
        .insertInto('rejections')
        .values({
          id: r.id,
          package_name: r.packageName,
          kind: r.kind,
          lane_id: r.laneId,
          scan_id: r.scanId,
          code: r.code,
          message: r.message,
          field: r.field,
          rejected_at: r.rejectedAt,
          quarantined_as: r.quarantinedAs,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
    async list(f) {
      const limit = Math.min(Math.max(1, f.limit), 1000);
      let q = db.selectFrom('rejections').selectAll();
      if (f.laneId) q = q.where('lane_id', '=', f.laneId);
      if (f.visibleToLanes) {
        const lanes = f.visibleToLanes;
        q = q.where((eb) => (lanes.length ? eb.or([eb('lane_id', 'is', null), eb('lane_id', 'in', lanes)]) : eb('lane_id', 'is', null)));
      }
      if (f.since) q = q.where('rejected_at', '>=', f.since);
      if (f.cursor) {
        const c = decodeCursor(f.cursor);
        q = q.where((eb) => eb.or([eb('rejected_at', '<', c.at), eb.and([eb('rejected_at', '=', c.at), eb('id', '<', c.id)])]));
      }
      const rows = await q.orderBy('rejected_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      const items = rows.slice(0, limit).map(fromRow);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeCursor({ at: last.rejectedAt, id: last.id }) : null };
    },
    async countByCode() {
      const rows = await db.selectFrom('rejections').select(['code', (eb) => eb.fn.countAll<string | number>().as('n')]).groupBy('code').execute();
      return Object.fromEntries(rows.map((r) => [r.code, Number(r.n)]));
    },
  };
}
