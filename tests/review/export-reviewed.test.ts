/**
 * Reviewed outcomes become labelled data: decided scans are exported as scan packages with
 * truth.json (seized → the boxes of the detections behind the seizure, species from it; cleared →
 * a negative with the reason in notes), and the dataset builder's package reader
 * (models/evaluation/labelled-scans.ts packageScans, used by `npm run dataset -- --packages`)
 * reads the export. On SQLite and PostgreSQL.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '#services/core/access.ts';
import type { ScanImageRef } from '#services/core/domain.ts';
import { packageScans } from '#models/evaluation/labelled-scans.ts';
import { exportReviewed, trainingCommands, type ReviewedTruth } from '#models/training/export-reviewed.ts';
import { createReviewService, type ReviewService } from '#services/review/service.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { metadata, writePackage } from '../helpers/packages.ts';
import { backends } from '../store/backends.ts';
import { makeDetection, makeResult, makeScan } from '../store/factories.ts';

const alice: Actor = { kind: 'user', id: 'alice', name: 'alice', role: 'inspector', lanes: null };
const olga: Actor = { kind: 'user', id: 'olga', name: 'olga', role: 'operator', lanes: ['lane-1'] };
const SEIZURE = { species: 'Loxodonta africana', count: 2, weightKg: 18.2 };

describe.each(backends)('export of reviewed scans on $name', (backend) => {
  let dir: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  let images: ImageStore;
  let reviews: ReviewService;

  /** A real package's images in the image store and its scan row, analysed with one alert. */
  async function analysedScan(scanId: string, alerts = 1): Promise<string[]> {
    const pkg = await writePackage(path.join(dir, 'in', scanId), scanId);
    const meta = metadata(scanId);
    const refs: ScanImageRef[] = [];
    for (const energy of ['high', 'low'] as const) {
      const stored = await images.put(path.join(pkg, `${energy}.tiff`));
      refs.push({ energy, sha256: stored.sha256, width: 64, height: 32, bytes: stored.bytes });
    }
    await store.scans.insert(makeScan(scanId, { metadata: meta, images: refs }));
    const ids: string[] = [];
    for (let k = 0; k < alerts; k++) {
      const r = makeResult(scanId, 1, true, `m${k}`);
      const version = `1.${k}.0`;
      r.stamp = { ...r.stamp, modelVersion: version };
      r.detections = [makeDetection(scanId, `${scanId}-m${k}-d0`, { modelVersion: version, box: { x: 10 + k, y: 5, width: 20, height: 8 } })];
      r.alert = { ...r.alert!, modelVersion: version, reasons: [{ code: 'wildlife_product', message: 'ivory', detectionIds: [r.detections[0]!.id] }] };
      await store.recordAnalysis([r], { status: 'analysed', verdict: 'alert' });
      ids.push(r.alert.id);
    }
    return ids;
  }

  const v = async (id: string) => (await store.alerts.get(id))!.review!.version;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-export-'));
    ({ store, cleanup } = await backend.open());
    images = new ImageStore(path.join(dir, 'images'));
    reviews = createReviewService({ store, claimMinutes: 15 });

    // exp-seized: referred, then seized at inspection.
    const [s] = await analysedScan('exp-seized');
    await reviews.claim(alice, s!);
    await reviews.decide(alice, s!, { decision: 'refer', version: await v(s!) });
    await reviews.recordInspection(olga, 'exp-seized', { outcome: 'seized', seizure: SEIZURE, notes: 'crate 3' });
    // exp-cleared: a false alarm.
    const [c] = await analysedScan('exp-cleared');
    await reviews.claim(alice, c!);
    await reviews.decide(alice, c!, { decision: 'clear', reason: 'look_alike_material', notes: 'cattle horn', version: await v(c!) });
    // exp-open: one alert cleared, one still waiting → not exported.
    const [o1] = await analysedScan('exp-open', 2);
    await reviews.claim(alice, o1!);
    await reviews.decide(alice, o1!, { decision: 'clear', reason: 'packaging', version: await v(o1!) });
  });

  afterAll(async () => {
    await cleanup?.();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes a package + truth.json per decided scan, and the dataset reader reads them', async () => {
    const out = path.join(dir, 'export');
    const now = Date.now();
    const report = await exportReviewed({
      store,
      images,
      from: new Date(now - 3_600_000).toISOString(),
      to: new Date(now + 3_600_000).toISOString(),
      out,
    });
    expect(report).toMatchObject({ positives: 1, negatives: 1, objects: { ivory: 1 }, bySource: { linac: 2 }, skipped: { undecided: 1, seizedWithoutBoxes: 0, missingImages: 0 } });
    expect(report.scanIds.sort()).toEqual(['exp-cleared', 'exp-seized']);
    expect((await fs.readdir(out)).sort()).toEqual(['exp-cleared', 'exp-seized']);
    expect((await fs.readdir(path.join(out, 'exp-seized'))).sort()).toEqual(['high.tiff', 'low.tiff', 'scan.json', 'truth.json']);

    const seized = JSON.parse(await fs.readFile(path.join(out, 'exp-seized', 'truth.json'), 'utf8')) as ReviewedTruth;
    expect(seized).toMatchObject({ format: 'xray-scan-truth/1', scanId: 'exp-seized', scenario: 'reviewed' });
    expect(seized.objects).toEqual([
      expect.objectContaining({ class: 'ivory', species: 'Loxodonta africana', boundingBox: { x: 10, y: 5, width: 20, height: 8 } }),
    ]);
    expect(seized.review.alerts[0]).toMatchObject({ status: 'seized', decidedBy: 'olga', seizure: SEIZURE });
    const cleared = JSON.parse(await fs.readFile(path.join(out, 'exp-cleared', 'truth.json'), 'utf8')) as ReviewedTruth;
    expect(cleared.objects).toEqual([]);
    expect(cleared.notes.join('\n')).toContain('cleared (look_alike_material): cattle horn');

    const read = [];
    for await (const scan of packageScans(out)) read.push(scan);
    expect(read.map((s) => s.metadata.scanId).sort()).toEqual(['exp-cleared', 'exp-seized']);
    const pos = read.find((s) => s.metadata.scanId === 'exp-seized')!;
    expect(pos.images.high).toMatchObject({ width: 64, height: 32 });
    expect(pos.images.low).toMatchObject({ width: 64, height: 32 });
    expect(pos.truth.objects.map((o) => o.class)).toEqual(['ivory']);

    expect(trainingCommands(report).join('\n')).toContain(`npm run train -- --model wildlife-timber-fcn --version <new version> --packages ${out}`);
    const audit = await store.audit.list({ action: 'export.created', limit: 5 });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toMatchObject({ positives: 1, negatives: 1 });

    // Outside the range: nothing.
    const empty = await exportReviewed({ store, images, from: '2020-01-01T00:00:00Z', to: '2020-02-01T00:00:00Z', out: path.join(dir, 'none') });
    expect(empty.positives + empty.negatives).toBe(0);
  });
});
