/**
 * Supervisor statistics and the export of decided alerts: what happened to the alerts of a
 * period, per lane, class, model version, day or deciding inspector — how many were confirmed
 * (the alerts' precision as reviewers judged it), why the false alarms were false, how long a
 * decision took, who carried the load — with each model card's held-out figures beside what was
 * observed. The figures are defined here once; the API, the console and exports read them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { ALERT_STATUSES, CLEAR_REASONS, type AlertDecision, type AlertStatus, type ClearReason } from '../core/review.ts';
import { VERDICTS, type Verdict } from '../core/domain.ts';
import type { StatsAlertRow, StatsRange, StatsStore } from '../store/repositories/stats.ts';

export const STATS_GROUP_BY = ['lane', 'class', 'model', 'day', 'inspector'] as const;
export type StatsGroupBy = (typeof STATS_GROUP_BY)[number];

/** Alerts a single report or export reads at most; beyond it the report says `truncated`. */
export const MAX_STATS_ALERTS = 200_000;

/** False-alarm categories: the clear reasons, and referred alerts where inspection found nothing. */
export const FALSE_ALARM_KINDS = [...CLEAR_REASONS, 'nothing_found'] as const;
export type FalseAlarmKind = (typeof FALSE_ALARM_KINDS)[number];

export interface Rate {
  rate: number | null;
  hits: number;
  total: number;
}

export interface StatsGroup {
  key: string;
  /** Scans received (lane and day groupings only; alerts cannot be split into other groups' scans). */
  scans: number | null;
  /** Scans by verdict (lane and day groupings only). */
  verdicts: Record<Verdict, number> | null;
  alerts: number;
  /** Alerts by their current review state. */
  byStatus: Record<AlertStatus, number>;
  /** Alerts with a final outcome: cleared, seized or nothing_found. */
  closed: number;
  /** Confirmed rate: seized / closed — the alerts' precision as review judged it. */
  confirmedRate: Rate;
  falseAlarmReasons: Record<FalseAlarmKind, number>;
  /** Seconds from alert to its first decision, over alerts that have one. */
  timeToDecisionS: { median: number | null; p90: number | null; decided: number };
}

export interface ModelFigures {
  modelId: string;
  modelVersion: string;
  /** Held-out figures from the model card, per class: simulated scans (the card says so). */
  heldOut: { data: string | null; classes: Record<string, { detectionRate: number | null; falseAlarmRate: number | null; threshold: number | null }> } | null;
  observed: { alerts: number; closed: number; confirmedRate: Rate };
}

export interface StatsReport {
  from: string;
  to: string;
  groupBy: StatsGroupBy;
  generatedAt: string;
  totals: StatsGroup;
  groups: StatsGroup[];
  models: ModelFigures[];
  /** True when the period held more than MAX_STATS_ALERTS alerts and only the first were counted. */
  truncated: boolean;
  note: string;
}

const NOTE =
  'confirmedRate is seized / (cleared + seized + nothing_found) among alerts raised in the period. ' +
  "Model held-out figures come from each model card and were measured on the project's simulated scans, not on real scans; they are scan-level detection and false-alarm rates, not precision, which depends on how often contraband actually occurs.";

function decisionOf(row: StatsAlertRow): AlertDecision | null {
  if (!row.decisionJson) return null;
  try {
    return JSON.parse(row.decisionJson) as AlertDecision;
  } catch {
    return null;
  }
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

function emptyGroup(key: string, withScans: boolean): StatsGroup {
  return {
    key,
    scans: withScans ? 0 : null,
    verdicts: withScans ? (Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>) : null,
    alerts: 0,
    byStatus: Object.fromEntries(ALERT_STATUSES.map((s) => [s, 0])) as Record<AlertStatus, number>,
    closed: 0,
    confirmedRate: { rate: null, hits: 0, total: 0 },
    falseAlarmReasons: Object.fromEntries(FALSE_ALARM_KINDS.map((k) => [k, 0])) as Record<FalseAlarmKind, number>,
    timeToDecisionS: { median: null, p90: null, decided: 0 },
  };
}

class Accumulator {
  readonly group: StatsGroup;
  private readonly durations: number[] = [];
  constructor(key: string, withScans: boolean) {
    this.group = emptyGroup(key, withScans);
  }
  addAlert(row: StatsAlertRow): void {
    const g = this.group;
    g.alerts++;
    const status = (ALERT_STATUSES as readonly string[]).includes(row.status) ? (row.status as AlertStatus) : 'open';
    g.byStatus[status]++;
    if (status === 'cleared' || status === 'seized' || status === 'nothing_found') {
      g.closed++;
      g.confirmedRate.total++;
      if (status === 'seized') g.confirmedRate.hits++;
    }
    if (status === 'cleared') {
      const reason = decisionOf(row)?.reason;
      g.falseAlarmReasons[(CLEAR_REASONS as readonly string[]).includes(reason ?? '') ? (reason as ClearReason) : 'other']++;
    }
    if (status === 'nothing_found') g.falseAlarmReasons.nothing_found++;
    if (row.firstDecisionAt) this.durations.push((Date.parse(row.firstDecisionAt) - Date.parse(row.createdAt)) / 1000);
  }
  finish(): StatsGroup {
    const g = this.group;
    g.confirmedRate.rate = g.confirmedRate.total ? g.confirmedRate.hits / g.confirmedRate.total : null;
    const d = [...this.durations].sort((a, b) => a - b);
    g.timeToDecisionS = { median: quantile(d, 0.5), p90: quantile(d, 0.9), decided: d.length };
    return g;
  }
}

function groupKey(row: StatsAlertRow, by: StatsGroupBy): string {
  switch (by) {
    case 'lane':
      return row.laneId;
    case 'class':
      return row.class;
    case 'model':
      return `${row.modelId}@${row.modelVersion}`;
    case 'day':
      return row.createdAt.slice(0, 10);
    case 'inspector':
      return row.firstDeciderName ?? '(undecided)';
  }
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]{1,128}$/;

/** The held-out figures of a model version, from its card on disk (null when absent or unreadable). */
export async function heldOutFigures(modelsDir: string, modelId: string, modelVersion: string): Promise<ModelFigures['heldOut']> {
  if (!SAFE_SEGMENT.test(modelId) || !SAFE_SEGMENT.test(modelVersion)) return null;
  let card: { evaluation?: { heldOut?: { data?: string; classes?: Record<string, Record<string, unknown>> } } };
  try {
    card = JSON.parse(await fs.readFile(path.join(modelsDir, modelId, modelVersion, 'card.json'), 'utf8')) as typeof card;
  } catch {
    return null;
  }
  const h = card.evaluation?.heldOut;
  if (!h?.classes) return null;
  const rate = (v: unknown): number | null => {
    const r = (v as { rate?: unknown } | undefined)?.rate;
    return typeof r === 'number' ? r : null;
  };
  const classes: NonNullable<ModelFigures['heldOut']>['classes'] = {};
  for (const [cls, f] of Object.entries(h.classes)) {
    classes[cls] = { detectionRate: rate(f.detectionRate), falseAlarmRate: rate(f.falseAlarmRate), threshold: typeof f.threshold === 'number' ? f.threshold : null };
  }
  return { data: typeof h.data === 'string' ? h.data : null, classes };
}

export class StatsService {
  constructor(
    private readonly stats: StatsStore,
    private readonly modelsDir: string,
  ) {}

  async report(range: StatsRange, groupBy: StatsGroupBy): Promise<StatsReport> {
    const rows = await this.stats.alerts(range, MAX_STATS_ALERTS + 1);
    const truncated = rows.length > MAX_STATS_ALERTS;
    if (truncated) rows.length = MAX_STATS_ALERTS;
    const withScans = groupBy === 'lane' || groupBy === 'day';
    const groups = new Map<string, Accumulator>();
    const acc = (key: string) => {
      let a = groups.get(key);
      if (!a) groups.set(key, (a = new Accumulator(key, withScans)));
      return a;
    };
    const totals = new Accumulator('all', true);

    for (const c of await this.stats.scanCounts(range)) {
      for (const a of withScans ? [acc(groupBy === 'lane' ? c.laneId : c.day), totals] : [totals]) {
        a.group.scans! += c.count;
        if (c.verdict && (VERDICTS as readonly string[]).includes(c.verdict)) a.group.verdicts![c.verdict as Verdict] += c.count;
      }
    }
    const perModel = new Map<string, Accumulator>();
    for (const row of rows) {
      acc(groupKey(row, groupBy)).addAlert(row);
      totals.addAlert(row);
      const mk = `${row.modelId}@${row.modelVersion}`;
      let m = perModel.get(mk);
      if (!m) perModel.set(mk, (m = new Accumulator(mk, false)));
      m.addAlert(row);
    }
    const models: ModelFigures[] = [];
    for (const [mk, m] of [...perModel].sort(([a], [b]) => a.localeCompare(b))) {
      const at = mk.lastIndexOf('@');
      const [modelId, modelVersion] = [mk.slice(0, at), mk.slice(at + 1)];
      const g = m.finish();
      models.push({
        modelId,
        modelVersion,
        heldOut: await heldOutFigures(this.modelsDir, modelId, modelVersion),
        observed: { alerts: g.alerts, closed: g.closed, confirmedRate: g.confirmedRate },
      });
    }
    return {
      from: range.from,
      to: range.to,
      groupBy,
      generatedAt: new Date().toISOString(),
      totals: totals.finish(),
      groups: [...groups.values()].map((a) => a.finish()).sort((a, b) => a.key.localeCompare(b.key)),
      models,
      truncated,
      note: NOTE,
    };
  }

  /** Alerts raised in the range with their review outcome, one flat record each (for CSV and JSON). */
  async alertExport(range: StatsRange): Promise<{ rows: AlertExportRow[]; truncated: boolean }> {
    const rows = await this.stats.alerts(range, MAX_STATS_ALERTS + 1);
    const truncated = rows.length > MAX_STATS_ALERTS;
    if (truncated) rows.length = MAX_STATS_ALERTS;
    return {
      truncated,
      rows: rows.map((r) => {
        const d = decisionOf(r);
        return {
          alertId: r.id,
          scanId: r.scanId,
          laneId: r.laneId,
          class: r.class,
          modelId: r.modelId,
          modelVersion: r.modelVersion,
          score: r.score,
          raisedAt: r.createdAt,
          status: r.status,
          firstDecisionAt: r.firstDecisionAt,
          firstDecidedBy: r.firstDeciderName,
          lastDecisionAt: r.decidedAt,
          lastDecidedBy: r.decidedByName,
          decision: d?.decision ?? null,
          clearReason: d?.reason ?? null,
          seizureSpecies: d?.seizure?.species ?? null,
          seizureCount: d?.seizure?.count ?? null,
          seizureWeightKg: d?.seizure?.weightKg ?? null,
          notes: d?.notes ?? null,
        };
      }),
    };
  }
}

export interface AlertExportRow {
  alertId: string;
  scanId: string;
  laneId: string;
  class: string;
  modelId: string;
  modelVersion: string;
  score: number;
  raisedAt: string;
  status: string;
  firstDecisionAt: string | null;
  firstDecidedBy: string | null;
  lastDecisionAt: string | null;
  lastDecidedBy: string | null;
  decision: string | null;
  clearReason: string | null;
  seizureSpecies: string | null;
  seizureCount: number | null;
  seizureWeightKg: number | null;
  notes: string | null;
}

export const ALERT_EXPORT_COLUMNS: (keyof AlertExportRow)[] = [
  'alertId',
  'scanId',
  'laneId',
  'class',
  'modelId',
  'modelVersion',
  'score',
  'raisedAt',
  'status',
  'firstDecisionAt',
  'firstDecidedBy',
  'lastDecisionAt',
  'lastDecidedBy',
  'decision',
  'clearReason',
  'seizureSpecies',
  'seizureCount',
  'seizureWeightKg',
  'notes',
];

/**
 * CSV for spreadsheets: RFC 4180 quoting by csv-stringify, and text cells that a spreadsheet
 * would run as a formula (=, +, -, @, tab, CR at the start) are prefixed with ' (OWASP CSV injection).
 */
export function toCsv<T extends object>(rows: T[], columns: (keyof T & string)[]): string {
  const guard = (v: unknown) => (typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
  return stringify(
    rows.map((r) => columns.map((c) => guard((r as Record<string, unknown>)[c]))),
    { header: true, columns: columns as string[], cast: { boolean: (b) => (b ? 'true' : 'false') } },
  );
}
