/**
 * Threshold calibration: for each class, the lowest score threshold at which at most the target
 * fraction of calibration scans WITHOUT that class would raise it (a scan-level false-alarm rate).
 */
import type { DetectionClass } from '#services/core/domain.ts';
import type { ClassThreshold } from '#services/model-registry/card.ts';
import { truthClasses, type AnalysedScan } from '../evaluation/run-analysis.ts';

export function thresholdAt(negScores: number[], targetRate: number, floor: number): number {
  const sorted = [...negScores].sort((a, b) => b - a);
  const allowed = Math.floor(targetRate * sorted.length);
  if (allowed >= sorted.length) return floor;
  // Just above the (allowed+1)-th highest negative score: at most `allowed` negatives reach it.
  const t = sorted[allowed]! + 1e-6;
  // No clamp at 1: a threshold above every possible score means "never alarms", which is honest.
  return Math.max(floor, Math.ceil(t * 1e6) / 1e6);
}

export function calibrate(scans: AnalysedScan[], classes: DetectionClass[], budgets: Record<DetectionClass, number>, floor: number): Record<DetectionClass, ClassThreshold> {
  const out = {} as Record<DetectionClass, ClassThreshold>;
  for (const c of classes) {
    const neg = scans.filter((s) => !truthClasses(s.truth).has(c)).map((s) => s.maxScore[c]);
    const pos = scans.filter((s) => truthClasses(s.truth).has(c)).map((s) => s.maxScore[c]);
    const score = thresholdAt(neg, budgets[c], floor);
    out[c] = {
      score,
      calibratedFalseAlarmRate: neg.length ? neg.filter((v) => v >= score).length / neg.length : 0,
      calibratedDetectionRate: pos.length ? pos.filter((v) => v >= score).length / pos.length : undefined,
    };
  }
  return out;
}

/**
 * Thresholds for classes that share one scan-level false-alarm budget (the wildlife classes:
 * either one raises the scan's alert). Instead of splitting the budget evenly, every pair of
 * per-class operating points allowed by the budget is tried, and the pair with the highest mean
 * detection rate whose UNION false-alarm rate on scans without any of the classes stays within
 * the budget wins. A class that separates cleanly then leaves budget to the harder one.
 */
export function calibrateJointly(scans: AnalysedScan[], classes: DetectionClass[], targetRate: number, floor: number): Record<DetectionClass, ClassThreshold> {
  const present = scans.map((s) => truthClasses(s.truth));
  const clean = scans.filter((_, i) => classes.every((c) => !present[i]!.has(c)));
  // Per class, once: scores of scans without it (negatives) and with it (positives).
  const split = classes.map((c) => ({
    neg: scans.filter((_, i) => !present[i]!.has(c)).map((s) => s.maxScore[c]),
    pos: scans.filter((_, i) => present[i]!.has(c)).map((s) => s.maxScore[c]),
  }));
  const rateAt = (v: number[], t: number) => (v.length ? v.filter((x) => x >= t).length / v.length : 0);
  // Candidate thresholds per class: just above the k-th highest score of scans without that class.
  const candidates = split.map(({ neg }) => {
    const most = Math.floor(targetRate * neg.length);
    const out: number[] = [];
    for (let k = 0; k <= most; k++) out.push(thresholdAt(neg, k / Math.max(1, neg.length) + 1e-12, floor));
    return [...new Set(out)];
  });
  let best: { ts: number[]; score: number } | null = null;
  const walk = (k: number, ts: number[]): void => {
    if (k === classes.length) {
      const fa = clean.length ? clean.filter((s) => classes.some((c, j) => s.maxScore[c] >= ts[j]!)).length / clean.length : 0;
      if (fa > targetRate) return;
      const score = split.reduce((a, { pos }, j) => a + rateAt(pos, ts[j]!), 0) / classes.length;
      // Ties go to the stricter thresholds (fewer false alarms).
      if (!best || score > best.score + 1e-12 || (Math.abs(score - best.score) <= 1e-12 && ts.reduce((a, b) => a + b, 0) > best.ts.reduce((a, b) => a + b, 0))) best = { ts: [...ts], score };
      return;
    }
    for (const t of candidates[k]!) walk(k + 1, [...ts, t]);
  };
  walk(0, []);
  // The strictest candidates always fit (they allow no false alarm on their own negatives).
  const chosen = (best as { ts: number[] } | null)?.ts ?? candidates.map((c) => c[0]!);
  const out = {} as Record<DetectionClass, ClassThreshold>;
  classes.forEach((c, j) => {
    const t = chosen[j]!;
    out[c] = { score: t, calibratedFalseAlarmRate: rateAt(split[j]!.neg, t), calibratedDetectionRate: rateAt(split[j]!.pos, t) };
  });
  return out;
}
