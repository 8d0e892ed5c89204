/**
 * The evaluation report: per-class detection at the operating threshold, ROC AUC, localisation,
 * scan-level false alarms, timber density-group confusion and manifest-mismatch checks, the share
 * of scans left `needs_review`, and breakdowns by concealment, source kind and dose. Pure
 * computation over analysed scans.
 */
import type { TruthObject } from '#adapter/scan-package/types.ts';
import type { DetectionClass, DetectionRecord } from '#services/core/domain.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { nearestTimberGroup, type ModelCard } from '#services/model-registry/card.ts';
import { auc, iou, localisationIoU, rate, roc, wilson, type RocPoint } from './metrics.ts';
import { truthClasses, type AnalysedScan } from './run-analysis.ts';

const WILDLIFE = ['ivory', 'rhino_horn'] as const;
const TIMBER_REASONS = new Set(['cites_timber_without_permit', 'declared_species_mismatch', 'undeclared_timber']);
const HIT_IOU = 0.1;
const LOC_IOU = 0.5;

type Rate = ReturnType<typeof rate> & { ci95?: [number, number] | null };
function r(h: number, t: number): Rate {
  return { ...rate(h, t), ci95: wilson(h, t) };
}

export interface ClassReport {
  threshold: number;
  scans: { positive: number; negative: number };
  detectionRate: Rate;
  falseAlarmRate: Rate;
  rocAuc: number;
  /** Of the true objects hit by a tier-1 detection of their class, the fraction with IoU ≥ 0.5. */
  localisedFraction: Rate;
  objectRecallAtIoU50: Rate;
  roc: RocPoint[];
}

export interface EvaluationReport {
  model: { id: string; version: string; sha256: string };
  scans: number;
  scansWithoutContraband: number;
  classes: Record<string, ClassReport>;
  /** Fraction of scans with no ivory or rhino horn that got a wildlife alert reason. */
  wildlifeFalseAlarmRate: Rate;
  /** Fraction of scans with no contraband and an honest manifest whose verdict is alert. */
  verdictFalseAlarmRate: Rate;
  /** What raised the false alarms above: scans per alert reason code (a scan may have several). */
  verdictFalseAlarmReasons: Record<string, number>;
  /**
   * Fraction of all scans whose verdict is `needs_review` (the model is not validated for the scan,
   * so it did not read it). Such a scan is not cleared, and it is no alert either: in the rates
   * above it has no detections and no alert reason (a miss where it holds contraband, never a
   * false alarm), which is why it is reported here on its own.
   */
  needsReview: Rate;
  concealed: Rate;
  byConcealment: Record<string, Rate>;
  bySource: Record<string, { detection: Rate; falseAlarm: Rate }>;
  byDose: Record<string, { detection: Rate; falseAlarm: Rate }>;
  timber: {
    groups: string[];
    /** rows = truth group, columns = predicted group, plus a final "missed" column. */
    confusion: number[][];
    /** Of the timber objects found by a tier-1 timber detection, the fraction given the right band. */
    densityBandAccuracy: Rate;
    /** Right band over all timber objects (missed ones count as wrong). */
    densityBandAccuracyAllObjects: Rate;
    misdeclaredCitesFlagged: Rate;
    honestFalseFlags: Rate;
  };
  timing: { inferenceMsMedian: number; inferenceMsP95: number; totalMsMedian: number; totalMsP95: number };
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function wildlifeObjects(s: AnalysedScan): TruthObject[] {
  return s.truth.objects.filter((o) => o.class === 'ivory' || o.class === 'rhino_horn');
}

function tier1(s: AnalysedScan, cls: DetectionClass): DetectionRecord[] {
  return s.detections.filter((d) => d.class === cls && d.aboveThreshold);
}

function hasWildlifeAlert(s: AnalysedScan): boolean {
  return !!s.alert?.reasons.some((x) => x.code === 'wildlife_product');
}

/** Scans whose truth holds CITES-listed timber that the manifest does not honestly declare. */
function misdeclaredCites(s: AnalysedScan, cites: Set<string>): boolean {
  return !s.truth.manifestTruth.honest && s.truth.objects.some((o) => o.class === 'timber' && o.species && cites.has(o.species));
}

/** The best localisation IoU any of `dets` reaches on object `o` among the same-class objects `objs`. */
function bestLocalisation(dets: DetectionRecord[], o: TruthObject, objs: TruthObject[]): number {
  return Math.max(0, ...dets.map((d) => localisationIoU(d.box, o.boundingBox, objs.map((x) => x.boundingBox))));
}

/** One wildlife object of a scan and whether a tier-1 detection of its class is on it. */
export interface ObjectOutcome {
  class: 'ivory' | 'rhino_horn';
  concealment: TruthObject['concealment'];
  /** Ivory: whole tusk or cut piece (from the truth notes); horn: none. */
  form: 'whole tusk' | 'cut piece' | null;
  hit: boolean;
}

/**
 * Per-object outcomes (same hit rule as the detection rate: a tier-1 detection of the class on the
 * object, localisation IoU ≥ HIT_IOU), for breakdowns by concealment and form.
 */
export function objectOutcomes(s: AnalysedScan): ObjectOutcome[] {
  const out: ObjectOutcome[] = [];
  for (const cls of WILDLIFE) {
    const objs = s.truth.objects.filter((x) => x.class === cls);
    const dets = tier1(s, cls);
    for (const o of objs) {
      const best = bestLocalisation(dets, o, objs);
      const form = cls !== 'ivory' ? null : /whole tusk/.test(o.notes ?? '') ? 'whole tusk' : /cut piece/.test(o.notes ?? '') ? 'cut piece' : null;
      out.push({ class: cls, concealment: o.concealment, form, hit: best >= HIT_IOU });
    }
  }
  return out;
}

export function evaluate(scans: AnalysedScan[], card: ModelCard): EvaluationReport {
  const ref = loadSpeciesReference();
  const cites = new Set(ref.entries.filter((e) => e.citesAppendix).map((e) => e.species));
  const groups = card.output.timberGroups?.groups ?? [];
  const classes: Record<string, ClassReport> = {};

  for (const cls of WILDLIFE) {
    const pos = scans.filter((s) => truthClasses(s.truth).has(cls));
    const neg = scans.filter((s) => !truthClasses(s.truth).has(cls));
    const t = card.thresholds[cls].score;
    let hit = 0;
    let loc = 0;
    let objects = 0;
    const objsOf = (s: AnalysedScan) => s.truth.objects.filter((x) => x.class === cls);
    // A scan counts as detected only when a tier-1 detection of the class overlaps a truth object
    // of the class: a box on a cattle horn elsewhere in the scan does not detect the ivory.
    const found = (s: AnalysedScan) => tier1(s, cls).some((d) => objsOf(s).some((o) => iou(d.box, o.boundingBox) >= HIT_IOU));
    for (const s of pos) {
      const dets = tier1(s, cls);
      const objs = objsOf(s);
      for (const o of objs) {
        objects++;
        const best = bestLocalisation(dets, o, objs);
        if (best >= HIT_IOU) hit++;
        if (best >= LOC_IOU) loc++;
      }
    }
    classes[cls] = {
      threshold: t,
      scans: { positive: pos.length, negative: neg.length },
      detectionRate: r(pos.filter(found).length, pos.length),
      falseAlarmRate: r(neg.filter((s) => s.maxScore[cls] >= t).length, neg.length),
      rocAuc: auc(pos.map((s) => s.maxScore[cls]), neg.map((s) => s.maxScore[cls])),
      localisedFraction: r(loc, hit),
      objectRecallAtIoU50: r(loc, objects),
      roc: roc(pos.map((s) => s.maxScore[cls]), neg.map((s) => s.maxScore[cls])),
    };
  }

  const noWildlife = scans.filter((s) => wildlifeObjects(s).length === 0);
  // No contraband and an honest manifest: any alert here is a false alarm.
  const clean = noWildlife.filter((s) => !misdeclaredCites(s, cites) && s.truth.manifestTruth.honest);

  // Concealment breakdown: a wildlife object counts as detected when a tier-1 detection of its class overlaps it.
  const byConcealment: Record<string, { h: number; t: number }> = {};
  let concealedHit = 0;
  let concealedTotal = 0;
  for (const s of scans) {
    for (const o of wildlifeObjects(s)) {
      const cls = o.class as DetectionClass;
      const ok = tier1(s, cls).some((d) => iou(d.box, o.boundingBox) >= HIT_IOU);
      const k = o.concealment;
      byConcealment[k] ??= { h: 0, t: 0 };
      byConcealment[k].t++;
      if (ok) byConcealment[k].h++;
      if (k === 'in_log' || k === 'behind_steel') {
        concealedTotal++;
        if (ok) concealedHit++;
      }
    }
  }

  const split = (key: (s: AnalysedScan) => string) => {
    const out: Record<string, { detection: Rate; falseAlarm: Rate }> = {};
    const keys = [...new Set(scans.map(key))].sort();
    for (const k of keys) {
      const sub = scans.filter((s) => key(s) === k);
      const pos = sub.filter((s) => wildlifeObjects(s).length > 0);
      const neg = sub.filter((s) => wildlifeObjects(s).length === 0);
      out[k] = { detection: r(pos.filter(hasWildlifeAlert).length, pos.length), falseAlarm: r(neg.filter(hasWildlifeAlert).length, neg.length) };
    }
    return out;
  };

  // Timber: density-group confusion over timber objects, matched to the best-overlapping timber detection.
  const G = groups.length;
  const confusion = Array.from({ length: G }, () => new Array<number>(G + 1).fill(0));
  let bandOk = 0;
  let bandTotal = 0;
  let bandObjects = 0;
  for (const s of scans) {
    const dets = s.detections.filter((d) => d.class === 'timber' && d.aboveThreshold);
    for (const o of s.truth.objects.filter((x) => x.class === 'timber' || x.class === 'dense_hardwood')) {
      if (o.densityGcm3 === undefined) continue;
      const tg = nearestTimberGroup(o.densityGcm3, groups);
      bandObjects++;
      let best: DetectionRecord | undefined;
      let bestIou = HIT_IOU;
      for (const d of dets) {
        const v = iou(d.box, o.boundingBox);
        if (v >= bestIou) {
          bestIou = v;
          best = d;
        }
      }
      const pg = best ? groups.findIndex((g) => g.id === best!.species) : -1;
      confusion[tg]![pg >= 0 ? pg : G]!++;
      if (pg >= 0) {
        bandTotal++;
        if (pg === tg) bandOk++;
      }
    }
  }
  const timberFlag = (s: AnalysedScan) => !!s.alert?.reasons.some((x) => TIMBER_REASONS.has(x.code));
  const misdeclared = scans.filter((s) => misdeclaredCites(s, cites));
  const honest = scans.filter((s) => s.truth.manifestTruth.honest && s.truth.objects.some((o) => o.class === 'timber'));

  const inf = scans.map((s) => s.inferenceMs).sort((a, b) => a - b);
  const tot = scans.map((s) => s.totalMs).sort((a, b) => a - b);
  return {
    model: { id: card.id, version: card.version, sha256: card.sha256 },
    scans: scans.length,
    scansWithoutContraband: clean.length,
    classes,
    wildlifeFalseAlarmRate: r(noWildlife.filter(hasWildlifeAlert).length, noWildlife.length),
    verdictFalseAlarmRate: r(clean.filter((s) => s.verdict === 'alert').length, clean.length),
    verdictFalseAlarmReasons: reasonCounts(clean.filter((s) => s.verdict === 'alert')),
    needsReview: r(scans.filter((s) => s.verdict === 'needs_review').length, scans.length),
    concealed: r(concealedHit, concealedTotal),
    byConcealment: Object.fromEntries(Object.entries(byConcealment).map(([k, v]) => [k, r(v.h, v.t)])),
    bySource: split((s) => s.metadata.source.kind),
    byDose: split((s) => String(s.truth.dose)),
    timber: {
      groups: groups.map((g) => g.id),
      confusion,
      densityBandAccuracy: r(bandOk, bandTotal),
      densityBandAccuracyAllObjects: r(bandOk, bandObjects),
      misdeclaredCitesFlagged: r(misdeclared.filter(timberFlag).length, misdeclared.length),
      honestFalseFlags: r(honest.filter(timberFlag).length, honest.length),
    },
    timing: { inferenceMsMedian: pct(inf, 0.5), inferenceMsP95: pct(inf, 0.95), totalMsMedian: pct(tot, 0.5), totalMsP95: pct(tot, 0.95) },
  };
}

function f(x: Rate): string {
  if (x.rate === null) return 'n/a';
  const ci = x.ci95 ? ` [${(x.ci95[0] * 100).toFixed(1)}–${(x.ci95[1] * 100).toFixed(1)}]` : '';
  return `${(x.rate * 100).toFixed(1)}% (${x.hits}/${x.total})${ci}`;
}

/** Human-readable table of the report. */
export function formatReport(rep: EvaluationReport): string {
  const L: string[] = [];
  L.push(`model ${rep.model.id}@${rep.model.version} (sha256 ${rep.model.sha256.slice(0, 12)}…) — ${rep.scans} scans, ${rep.scansWithoutContraband} without contraband and with an honest manifest`);
  L.push('');
  L.push('detection (scan) = a tier-1 box of the class on a true object; false alarms (scan) and ROC use the scan\'s highest class score.');
  L.push('class       threshold  detection (scan)          false alarms (scan)     ROC AUC  localised IoU≥0.5       object recall@0.5');
  for (const [c, x] of Object.entries(rep.classes)) {
    L.push(`${c.padEnd(11)} ${x.threshold.toFixed(4).padEnd(10)} ${f(x.detectionRate).padEnd(25)} ${f(x.falseAlarmRate).padEnd(23)} ${x.rocAuc.toFixed(4).padEnd(8)} ${f(x.localisedFraction).padEnd(23)} ${f(x.objectRecallAtIoU50)}`);
  }
  L.push('');
  L.push(`wildlife false-alarm rate (scans without ivory/horn): ${f(rep.wildlifeFalseAlarmRate)}`);
  L.push(`verdict false-alarm rate (no contraband, honest manifest): ${f(rep.verdictFalseAlarmRate)}`);
  const why = Object.entries(rep.verdictFalseAlarmReasons ?? {}).sort((a, b) => b[1] - a[1]);
  if (why.length) L.push(`  raised by (scans per reason): ${why.map(([k, n]) => `${k} ${n}`).join('; ')}`);
  if (rep.needsReview) L.push(`needs_review (no model validated for the scan; not cleared, not alerted): ${f(rep.needsReview)} of all scans`);
  L.push(`concealed (in log, behind steel) detection:          ${f(rep.concealed)}`);
  L.push('by concealment: ' + Object.entries(rep.byConcealment).map(([k, v]) => `${k} ${f(v)}`).join('; '));
  L.push('by source: ' + Object.entries(rep.bySource).map(([k, v]) => `${k} detection ${f(v.detection)}, false alarms ${f(v.falseAlarm)}`).join('; '));
  L.push('by dose: ' + Object.entries(rep.byDose).map(([k, v]) => `${k} detection ${f(v.detection)}, false alarms ${f(v.falseAlarm)}`).join('; '));
  L.push('');
  L.push(`timber density-band accuracy: ${f(rep.timber.densityBandAccuracy)} of detected timber; ${f(rep.timber.densityBandAccuracyAllObjects)} of all timber objects`);
  L.push(`CITES timber misdeclared → flagged: ${f(rep.timber.misdeclaredCitesFlagged)}; honestly declared timber falsely flagged: ${f(rep.timber.honestFalseFlags)}`);
  L.push('confusion (rows truth, columns predicted, last = missed):');
  L.push('  ' + ''.padEnd(20) + [...rep.timber.groups, 'missed'].map((g) => g.slice(0, 12).padStart(13)).join(''));
  rep.timber.confusion.forEach((row, i) => L.push('  ' + rep.timber.groups[i]!.padEnd(20) + row.map((v) => String(v).padStart(13)).join('')));
  L.push('');
  L.push(`inference per scan: median ${rep.timing.inferenceMsMedian.toFixed(0)} ms, p95 ${rep.timing.inferenceMsP95.toFixed(0)} ms; whole analysis median ${rep.timing.totalMsMedian.toFixed(0)} ms, p95 ${rep.timing.totalMsP95.toFixed(0)} ms`);
  return L.join('\n');
}

function reasonCounts(scans: AnalysedScan[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of scans) for (const code of new Set((s.alert?.reasons ?? []).map((x) => x.code))) out[code] = (out[code] ?? 0) + 1;
  return out;
}
