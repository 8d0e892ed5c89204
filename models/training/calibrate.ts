/**
 * Threshold calibration: for each class, the lowest score threshold at which at most the target
 * fraction of calibration scans WITHOUT that class would raise it (a scan-level false-alarm rate).
 */
import type { DetectionClass } from '../../services/core/domain.ts';
import type { ClassThreshold } from '../../services/model-registry/card.ts';
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
