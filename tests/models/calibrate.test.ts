/**
 * Threshold calibration: per-class scan-level false-alarm budgets, and the joint choice for the
 * wildlife classes that share one budget.
 */
import { describe, expect, it } from 'vitest';
import type { ScanTruth, TruthClass } from '#adapter/scan-package/types.ts';
import type { DetectionClass } from '#services/core/domain.ts';
import type { AnalysedScan } from '#models/evaluation/run-analysis.ts';
import { calibrate, calibrateJointly, thresholdAt } from '#models/training/calibrate.ts';

function scan(id: number, classes: TruthClass[], scores: Partial<Record<DetectionClass, number>>): AnalysedScan {
  const truth = {
    format: 'xray-scan-truth/1',
    scanId: `s${id}`,
    scenario: 'test',
    seed: id,
    dose: 1,
    objects: classes.map((c, k) => ({ id: `o${k}`, class: c, boundingBox: { x: 0, y: 0, width: 1, height: 1 }, concealment: 'open' })),
    manifestTruth: { honest: true, notes: [] },
  } as ScanTruth;
  return { scanId: truth.scanId, truth, maxScore: { ivory: 0, rhino_horn: 0, timber: 0, ...scores } } as AnalysedScan;
}

describe('thresholdAt', () => {
  it('lets at most the budgeted share of negatives reach the threshold', () => {
    const neg = Array.from({ length: 200 }, (_, i) => i / 200);
    const t = thresholdAt(neg, 0.01, 0.2);
    expect(neg.filter((v) => v >= t).length).toBe(2);
    expect(thresholdAt(neg, 0, 0.2)).toBeGreaterThan(Math.max(...neg));
  });
});

describe('calibrateJointly', () => {
  // 200 clean scans; ivory is hard (its negatives score high), horn separates cleanly.
  const clean = Array.from({ length: 200 }, (_, i) => scan(i, [], { ivory: 0.3 + (i % 50) / 100, rhino_horn: 0.2 + (i % 10) / 100 }));
  const ivory = Array.from({ length: 50 }, (_, i) => scan(1000 + i, ['ivory'], { ivory: 0.6 + i / 200 }));
  const horn = Array.from({ length: 50 }, (_, i) => scan(2000 + i, ['rhino_horn'], { rhino_horn: 0.5 + i / 100 }));
  const all = [...clean, ...ivory, ...horn];

  it('keeps the union false-alarm rate on clean scans within the budget', () => {
    const th = calibrateJointly(all, ['ivory', 'rhino_horn'], 0.02, 0.2);
    const fa = clean.filter((s) => s.maxScore.ivory >= th.ivory.score || s.maxScore.rhino_horn >= th.rhino_horn.score).length / clean.length;
    expect(fa).toBeLessThanOrEqual(0.02);
  });

  it('detects at least as much as splitting the budget evenly, giving the unused share to the harder class', () => {
    const joint = calibrateJointly(all, ['ivory', 'rhino_horn'], 0.02, 0.2);
    const even = calibrate(all, ['ivory', 'rhino_horn'], { ivory: 0.01, rhino_horn: 0.01, timber: 0.05 }, 0.2);
    const mean = (t: typeof joint) => (t.ivory.calibratedDetectionRate! + t.rhino_horn.calibratedDetectionRate!) / 2;
    expect(mean(joint)).toBeGreaterThan(mean(even));
    // Horn needs no false alarm to be fully detected, so ivory may use the whole budget.
    expect(joint.rhino_horn.calibratedDetectionRate).toBe(1);
    expect(joint.ivory.calibratedFalseAlarmRate).toBeGreaterThan(0.01);
  });
});
