/**
 * The leave-scanners-out report breaks wildlife objects down by concealment and form (whole tusk,
 * cut piece), because the targets name them separately. A box counts for the object it lies on,
 * only when it passed its class threshold, and only for its own class.
 */
import { describe, expect, it } from 'vitest';
import type { TruthObject } from '#adapter/scan-package/types.ts';
import type { DetectionRecord } from '#services/core/domain.ts';
import { objectOutcomes } from '#models/evaluation/evaluate.ts';
import { formatObjectBreakdown } from '#models/evaluation/leave-scanners-out.ts';
import type { AnalysedScan } from '#models/evaluation/run-analysis.ts';

const box = (x: number, y: number, width = 40, height = 20) => ({ x, y, width, height });

function object(id: string, cls: TruthObject['class'], b: TruthObject['boundingBox'], concealment: TruthObject['concealment'], notes?: string): TruthObject {
  return { id, class: cls, boundingBox: b, concealment, ...(notes ? { notes } : {}) };
}

function detection(cls: DetectionRecord['class'], b: DetectionRecord['box'], aboveThreshold: boolean): DetectionRecord {
  return { id: `d-${b.x}`, scanId: 's', class: cls, species: null, citesAppendix: null, score: 0.9, box: b, boxMm: b, densityGcm3: null, aboveThreshold, shadow: false, createdAt: '', modelId: 'm', modelVersion: '1', modelSha256: 'x' } as DetectionRecord;
}

function scan(objects: TruthObject[], detections: DetectionRecord[]): AnalysedScan {
  return { scanId: 's', truth: { objects, manifestTruth: { honest: true, notes: [] } }, detections } as unknown as AnalysedScan;
}

describe('wildlife objects by concealment and form', () => {
  it('counts a box only on its own object, of its own class, above threshold', () => {
    const s = scan(
      [
        object('a', 'ivory', box(0, 0), 'open', 'whole tusk 180 cm, hollow conical pulp cavity over basal 30 %'),
        object('b', 'ivory', box(200, 0), 'in_log', 'cut piece 32 cm, solid dentine'),
        object('c', 'rhino_horn', box(400, 0), 'behind_steel'),
        object('d', 'ivory', box(600, 0), 'among_timber', 'cut piece 20 cm, solid dentine'),
        object('w', 'timber', box(800, 0), 'open'),
      ],
      [
        detection('ivory', box(2, 1), true), // on a
        detection('ivory', box(201, 0), false), // on b but below threshold
        detection('ivory', box(400, 0), true), // on the horn: wrong class
        detection('rhino_horn', box(600, 0), true), // on d: wrong class
      ],
    );
    const out = objectOutcomes(s);
    expect(out).toEqual([
      { class: 'ivory', concealment: 'open', form: 'whole tusk', hit: true },
      { class: 'ivory', concealment: 'in_log', form: 'cut piece', hit: false },
      { class: 'ivory', concealment: 'among_timber', form: 'cut piece', hit: false },
      { class: 'rhino_horn', concealment: 'behind_steel', form: null, hit: false },
    ]);
    const table = formatObjectBreakdown([...out, { class: 'ivory', concealment: 'open', form: 'whole tusk', hit: false }]);
    expect(table).toContain('| ivory | open | whole tusk | 50.0 % [');
    expect(table).toContain('(1/2) |');
    expect(table).toContain('| rhino horn | behind steel | — | 0.0 % [');
  });
});
