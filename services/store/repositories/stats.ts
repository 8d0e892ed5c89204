/**
 * Read-only queries behind supervisor statistics and exports: scan counts per group, the
 * alerts raised in a period with their review state and the time of their first decision, and
 * how a shadow model version agrees with the active one on the same scans.
 * Thin on purpose — the statistics service (services/stats) decides what a figure means. The
 * same SQL runs on SQLite and PostgreSQL (ISO time text compares and substrings alike).
 */
import { sql, type Kysely } from 'kysely';
import type { DetectionClass } from '../../core/domain.ts';
import { DECISIONS } from '../../core/review.ts';
import type { Database } from '../schema.ts';

export interface StatsRange {
  /** ISO-8601 UTC, inclusive. */
  from: string;
  /** ISO-8601 UTC, exclusive. */
  to: string;
}

export interface ScanCountRow {
  laneId: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  verdict: string | null;
  status: string;
  count: number;
}

/** An alert as statistics see it (non-shadow alerts only; shadow models never raise alerts). */
export interface StatsAlertRow {
  id: string;
  scanId: string;
  laneId: string;
  class: string;
  modelId: string;
  modelVersion: string;
  status: string;
  score: number;
  createdAt: string;
  decidedAt: string | null;
  decidedById: string | null;
  decidedByName: string | null;
  /** JSON of the last decision, as stored. */
  decisionJson: string | null;
  /** Time of the first decision (clear, refer, escalate, seize, nothing_found); null if none yet. */
  firstDecisionAt: string | null;
  /** Who took the first decision. */
  firstDeciderId: string | null;
  firstDeciderName: string | null;
}

/** A model version: `<modelId>@<modelVersion>`, split. */
export interface ModelKey {
  modelId: string;
  modelVersion: string;
}

/**
 * Per class, the scans both versions analysed, split by whether each found the class (a
 * detection of it at or above that version's threshold: what raises an alert for an active model).
 */
export interface ShadowAgreementRow {
  class: DetectionClass;
  both: number;
  activeOnly: number;
  shadowOnly: number;
  neither: number;
}

export interface StatsStore {
  /** Scans received in the range, counted per lane, day, verdict and status. */
  scanCounts(range: StatsRange): Promise<ScanCountRow[]>;
  /** Alerts raised in the range, oldest first (bounded by `limit`). */
  alerts(range: StatsRange, limit: number): Promise<StatsAlertRow[]>;
  /**
   * Scans received in the range that both versions analysed — each left its heat map of the class
   * (every analysis since migration 009 stores one per class and version, shadow or not) — per
   * class: found by both, by the active only, by the shadow only, by neither. Classes in name order.
   */
  shadowAgreement(range: StatsRange, active: ModelKey, shadow: ModelKey): Promise<ShadowAgreementRow[]>;
}

export function createStatsRepository(db: Kysely<Database>): StatsStore {
  /** 1 when the version behind heat map `alias` found its class on its scan, else 0. */
  const found = (alias: 'ha' | 'hs') =>
    sql<number>`(case when exists (select 1 from detections d where d.scan_id = ${sql.ref(`${alias}.scan_id`)} and d.model_id = ${sql.ref(`${alias}.model_id`)} and d.model_version = ${sql.ref(`${alias}.model_version`)} and d.class = ${sql.ref(`${alias}.class`)} and d.above_threshold = 1) then 1 else 0 end)`;

  return {
    async shadowAgreement({ from, to }, active, shadow) {
      // One row per (scan, class) both versions analysed, then counted per class and outcome pair.
      const pairs = db
        .selectFrom('heatmaps as ha')
        .innerJoin('heatmaps as hs', (j) => j.onRef('hs.scan_id', '=', 'ha.scan_id').onRef('hs.class', '=', 'ha.class'))
        .innerJoin('scans as s', 's.scan_id', 'ha.scan_id')
        .select(['ha.class as class', found('ha').as('a'), found('hs').as('b')])
        .where('ha.model_id', '=', active.modelId)
        .where('ha.model_version', '=', active.modelVersion)
        .where('hs.model_id', '=', shadow.modelId)
        .where('hs.model_version', '=', shadow.modelVersion)
        .where('s.received_at', '>=', from)
        .where('s.received_at', '<', to)
        .as('p');
      const rows = await db
        .selectFrom(pairs)
        .select(['p.class', 'p.a', 'p.b', (eb) => eb.fn.countAll<string | number>().as('n')])
        .groupBy(['p.class', 'p.a', 'p.b'])
        .execute();
      const byClass = new Map<string, ShadowAgreementRow>();
      for (const r of rows) {
        const row = byClass.get(r.class) ?? { class: r.class as DetectionClass, both: 0, activeOnly: 0, shadowOnly: 0, neither: 0 };
        const a = Number(r.a) === 1;
        const b = Number(r.b) === 1;
        row[a && b ? 'both' : a ? 'activeOnly' : b ? 'shadowOnly' : 'neither'] += Number(r.n);
        byClass.set(r.class, row);
      }
      return [...byClass.values()].sort((x, y) => (x.class < y.class ? -1 : x.class > y.class ? 1 : 0));
    },

    async scanCounts({ from, to }) {
      const rows = await db
        .selectFrom('scans')
        .select([
          'lane_id',
          sql<string>`substr(received_at, 1, 10)`.as('day'),
          'verdict',
          'status',
          (eb) => eb.fn.countAll<string | number>().as('n'),
        ])
        .where('received_at', '>=', from)
        .where('received_at', '<', to)
        .groupBy(['lane_id', sql`substr(received_at, 1, 10)`, 'verdict', 'status'])
        .execute();
      return rows.map((r) => ({ laneId: r.lane_id, day: r.day, verdict: r.verdict, status: r.status, count: Number(r.n) }));
    },

    async alerts({ from, to }, limit) {
      // The first decision of each alert: its lowest-version history row with a decision action.
      const first = db
        .selectFrom('alert_events as e')
        .select(['e.alert_id', (eb) => eb.fn.min('e.version').as('version')])
        .where('e.action', 'in', [...DECISIONS])
        .groupBy('e.alert_id')
        .as('f');
      const rows = await db
        .selectFrom('alerts as a')
        .leftJoin(first, 'f.alert_id', 'a.id')
        .leftJoin('alert_events as fe', (j) => j.onRef('fe.alert_id', '=', 'a.id').onRef('fe.version', '=', 'f.version'))
        .select([
          'a.id',
          'a.scan_id',
          'a.lane_id',
          'a.class',
          'a.model_id',
          'a.model_version',
          'a.status',
          'a.score',
          'a.created_at',
          'a.decided_at',
          'a.decided_by_id',
          'a.decided_by_name',
          'a.decision_json',
          'fe.at as first_at',
          'fe.actor_id as first_actor_id',
          'fe.actor_name as first_actor_name',
        ])
        .where('a.created_at', '>=', from)
        .where('a.created_at', '<', to)
        .orderBy('a.created_at', 'asc')
        .orderBy('a.id', 'asc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        scanId: r.scan_id,
        laneId: r.lane_id,
        class: r.class,
        modelId: r.model_id,
        modelVersion: r.model_version,
        status: r.status,
        score: Number(r.score),
        createdAt: r.created_at,
        decidedAt: r.decided_at,
        decidedById: r.decided_by_id,
        decidedByName: r.decided_by_name,
        decisionJson: r.decision_json,
        firstDecisionAt: r.first_at ?? null,
        firstDeciderId: r.first_actor_id ?? null,
        firstDeciderName: r.first_actor_name ?? null,
      }));
    },
  };
}
