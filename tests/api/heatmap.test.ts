/**
 * Model heat maps (issue 11 §1), on SQLite and PostgreSQL: a simulated rhino-horn scan and a simulated
 * CITES-timber scan are analysed on the worker's path (real ONNX models), the results recorded,
 * and GET /v1/scans/:id/heatmap read back as an inspector. The stored map must be the model's:
 * its peak equals the best detection's score (to the 8-bit step), every detection's peak cell lies
 * inside that detection's box, the hottest cell lies on the simulated object, and every cell above the threshold lies near a box. Operators are
 * refused the route; another class or model version that did not run is a 404; deleting with
 * retention is covered in tests/retention. Every heat map served is evidence access, audited as
 * `heatmap.viewed` like an image view; a refusal or a 404 is not a view. The cells are decoded
 * with the server's own decoder (services/core/heatmap.ts).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateScan, type SimulatedScan } from '#adapter/simulator/index.ts';
import { buildApp } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import type { DetectionClass } from '#services/core/domain.ts';
import { decodeHeatmap, HEATMAP_ENCODINGS } from '#services/core/heatmap.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { loadModelRegistry, type ModelRegistry } from '#services/model-registry/registry.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { analyseImages, type ScanAnalysis } from '#workers/analysis/analyse.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import { loginAs } from '../helpers/auth.ts';
import { backends } from '../store/backends.ts';
import { makeScan } from '../store/factories.ts';

interface HeatmapBody {
  modelId: string;
  modelVersion: string;
  class: string;
  width: number;
  height: number;
  cellWidthPx: number;
  cellHeightPx: number;
  cellWidthMm: number;
  scanWidth: number;
  scanHeight: number;
  maxScore: number;
  candidateScore: number | null;
  threshold: number | null;
  encoding: (typeof HEATMAP_ENCODINGS)[number];
  data: string;
}

interface Case {
  cls: DetectionClass;
  sim: SimulatedScan;
  analysis: ScanAnalysis;
}

/** Seeds whose simulated scan holds an object of the class that the linac model finds (checked below, not assumed). */
const CASES: Array<{ cls: DetectionClass; scenario: string; seed: number; index: number }> = [
  { cls: 'rhino_horn', scenario: 'rhino_horn', seed: 500, index: 3 },
  { cls: 'timber', scenario: 'cites_timber', seed: 74, index: 0 },
];

describe('model heat maps', () => {
  let registry: ModelRegistry;
  let pool: InferencePool;
  const cases: Case[] = [];

  beforeAll(async () => {
    registry = await loadModelRegistry(loadConfig().modelsDir);
    expect(registry.problems).toEqual([]);
    const linac = registry.active.filter((m) => m.card.input.sourceKinds.includes('linac'));
    pool = new InferencePool(1, 2);
    for (const m of linac) await pool.load(m.path);
    for (const c of CASES) {
      const sim = simulateScan({ seed: c.seed, index: c.index, scenario: c.scenario, source: 'linac', laneId: 'lane-a' });
      const images = { high: { width: sim.width, height: sim.height, data: sim.high }, low: { width: sim.width, height: sim.height, data: sim.low } };
      const analysis = await analyseImages({ scanId: sim.metadata.scanId, metadata: sim.metadata, images }, { models: linac, pool, species: loadSpeciesReference() });
      cases.push({ cls: c.cls, sim, analysis });
    }
    // Distinct scans (the store keys on the scan id).
    expect(new Set(cases.map((c) => c.sim.metadata.scanId)).size).toBe(cases.length);
  }, 120_000);

  afterAll(async () => {
    await pool?.close();
  });

  it('the worker path makes one heat map per class, on the grid its boxes come from', () => {
    for (const { analysis, sim } of cases) {
      const r = analysis.results[0]!;
      const model = registry.active.find((m) => m.card.id === r.stamp.modelId)!;
      expect(r.heatmaps?.map((h) => h.class)).toEqual(model.card.classes);
      for (const h of r.heatmaps!) {
        expect(h.scanWidth).toBe(sim.width);
        // The grid covers the scan: less than one cell short or over at the right and bottom edges.
        expect(Math.abs(h.width * h.cellWidthPx - sim.width)).toBeLessThan(h.cellWidthPx);
        expect(Math.abs(h.height * h.cellHeightPx - sim.height)).toBeLessThan(h.cellHeightPx);
      }
    }
  });

  describe.each(backends)('stored and served on $name', (backend) => {
    let store: Awaited<ReturnType<typeof backend.open>>['store'];
    let cleanup: () => Promise<void>;
    let dir: string;
    let app: Awaited<ReturnType<typeof buildApp>>;

    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-heatmap-'));
      for (const { sim, analysis } of cases) {
        await store.scans.insert(
          makeScan(sim.metadata.scanId, {
            laneId: 'lane-a',
            metadata: sim.metadata,
            images: [{ energy: 'high', sha256: 'a'.repeat(64), width: sim.width, height: sim.height, bytes: 1 }],
          }),
        );
        await store.recordAnalysis(analysis.results, { status: 'analysed', verdict: analysis.verdict });
      }
      app = await buildApp(
        { config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images: new ImageStore(path.join(dir, 'images')), models: async () => registry },
        { logger: false, processMetrics: false },
      );
    });

    afterAll(async () => {
      await app?.close();
      await cleanup?.();
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    });

    it.each(CASES.map((c) => c.cls))('the %s heat map: peak = best score, peaks inside their boxes, hottest cell on the object', async (cls) => {
      const { sim, analysis } = cases.find((c) => c.cls === cls)!;
      const { headers } = await loginAs(app, store, 'inspector');
      const res = await app.inject({ url: `/v1/scans/${sim.metadata.scanId}/heatmap?class=${cls}`, headers });
      expect(res.statusCode, res.body).toBe(200);
      const h = res.json() as HeatmapBody;
      const stamp = analysis.results[0]!.stamp;
      expect([h.modelId, h.modelVersion, h.class, h.encoding]).toEqual([stamp.modelId, stamp.modelVersion, cls, 'u8-deflate']);
      expect(h.cellWidthMm).toBeCloseTo(h.cellWidthPx * sim.metadata.pixelSpacingMm.x, 6);
      const card = registry.active.find((m) => m.card.id === h.modelId)!.card;
      expect(h.candidateScore).toBe(card.candidateScore);
      expect(h.threshold).toBe(card.thresholds[cls].score);
      const cells = decodeHeatmap({ ...h, data: Buffer.from(h.data, 'base64') });
      expect(cells.length).toBe(h.width * h.height);

      const dets = analysis.results[0]!.detections.filter((d) => d.class === cls);
      const found = dets.filter((d) => d.aboveThreshold);
      expect(found.length, `the model finds the simulated ${cls}`).toBeGreaterThan(0);
      // The map is the one the detections came from: its peak is the best detection's score.
      let peak = 0;
      let at = 0;
      cells.forEach((v, i) => {
        if (v > peak) [peak, at] = [v, i];
      });
      const best = Math.max(...dets.map((d) => d.score));
      expect(Math.abs(peak - Math.round(best * 255))).toBeLessThanOrEqual(1);
      expect(h.maxScore).toBeCloseTo(best, 5);

      const centre = (i: number) => ({ x: ((i % h.width) + 0.5) * h.cellWidthPx, y: (Math.floor(i / h.width) + 0.5) * h.cellHeightPx });
      const inside = (p: { x: number; y: number }, b: { x: number; y: number; width: number; height: number }, margin: number) =>
        p.x >= b.x - margin && p.x <= b.x + b.width + margin && p.y >= b.y - margin && p.y <= b.y + b.height + margin;
      const half = Math.max(h.cellWidthPx, h.cellHeightPx) / 2;
      // Each detection's own peak: a cell whose centre lies in its box (half a cell of tolerance:
      // a refined box hugs the object, cells are coarser) holds the detection's score.
      for (const d of found) {
        let localPeak = 0;
        cells.forEach((v, i) => {
          if (v > localPeak && inside(centre(i), d.box, half)) localPeak = v;
        });
        expect(localPeak, `peak of ${d.id} inside its box`).toBeGreaterThanOrEqual(Math.round(d.score * 255) - 1);
      }
      // The hottest cell is on a simulated object of the class, and inside a detection's box.
      const truthClass = cls === 'timber' ? /timber/ : new RegExp(cls);
      const objects = sim.truth.objects.filter((o) => truthClass.test(o.class));
      expect(objects.length).toBeGreaterThan(0);
      const hot = centre(at);
      expect(objects.some((o) => inside(hot, o.boundingBox, half)), `hottest cell ${JSON.stringify(hot)} on a simulated ${cls}`).toBe(true);
      expect(found.some((d) => inside(hot, d.box, half))).toBe(true);
      // And the other way round: every cell at or above the class threshold lies near a box of the class.
      const strong = [...cells].map((v, i) => [v, i] as const).filter(([v]) => v >= card.thresholds[cls].score * 255);
      expect(strong.length).toBeGreaterThan(0);
      for (const [, i] of strong) expect(dets.some((d) => inside(centre(i), d.box, 4 * half)), `cell ${i} near a ${cls} box`).toBe(true);
    });

    it('every heat map served is audited as heatmap.viewed (who, which scan, class and model); refusals and 404s are not', async () => {
      const { sim, analysis } = cases[0]!;
      const scanId = sim.metadata.scanId;
      const stamp = analysis.results[0]!.stamp;
      const { seq: before } = await store.audit.head();
      const inspector = await loginAs(app, store, 'inspector');
      const supervisor = await loginAs(app, store, 'supervisor');
      const op = await loginAs(app, store, 'operator', { lanes: ['lane-a'] });
      expect((await app.inject({ url: `/v1/scans/${scanId}/heatmap?class=ivory`, headers: inspector.headers })).statusCode).toBe(200);
      expect((await app.inject({ url: `/v1/scans/${scanId}/heatmap?class=timber&model=${stamp.modelId}@${stamp.modelVersion}`, headers: supervisor.headers })).statusCode).toBe(200);
      // Not views: a model version that did not run (404), an operator (403).
      expect((await app.inject({ url: `/v1/scans/${scanId}/heatmap?class=ivory&model=no-such-model@1.0.0`, headers: inspector.headers })).statusCode).toBe(404);
      expect((await app.inject({ url: `/v1/scans/${scanId}/heatmap?class=ivory`, headers: op.headers })).statusCode).toBe(403);
      const added = await store.audit.list({ action: 'heatmap.viewed', objectType: 'scan', objectId: scanId, afterSeq: before, order: 'asc', limit: 100 });
      expect(added.map((e) => [e.actor.id, e.object, e.after])).toEqual([
        [inspector.userId, { type: 'scan', id: scanId }, { laneId: 'lane-a', class: 'ivory', modelId: stamp.modelId, modelVersion: stamp.modelVersion, shadow: false }],
        [supervisor.userId, { type: 'scan', id: scanId }, { laneId: 'lane-a', class: 'timber', modelId: stamp.modelId, modelVersion: stamp.modelVersion, shadow: false }],
      ]);
    });

    it('404 for a model version that did not run; operators are refused; the scan detail is unchanged', async () => {
      const { sim } = cases[0]!;
      const { headers } = await loginAs(app, store, 'supervisor');
      const miss = await app.inject({ url: `/v1/scans/${sim.metadata.scanId}/heatmap?class=ivory&model=no-such-model@1.0.0`, headers });
      expect(miss.statusCode).toBe(404);
      expect((await app.inject({ url: `/v1/scans/nope/heatmap?class=ivory`, headers })).statusCode).toBe(404);
      expect((await app.inject({ url: `/v1/scans/${sim.metadata.scanId}/heatmap?class=elephant`, headers })).statusCode).toBe(400);
      const op = await loginAs(app, store, 'operator', { lanes: ['lane-a'] });
      expect((await app.inject({ url: `/v1/scans/${sim.metadata.scanId}/heatmap?class=ivory`, headers: op.headers })).statusCode).toBe(403);
      const stored = await store.heatmaps.listByScan(sim.metadata.scanId);
      expect(stored.map((x) => x.class).sort()).toEqual(['ivory', 'rhino_horn', 'timber']);
      // Re-recording the same analysis replaces, never duplicates.
      await store.recordAnalysis(cases[0]!.analysis.results, { status: 'analysed', verdict: cases[0]!.analysis.verdict });
      expect(await store.heatmaps.listByScan(sim.metadata.scanId)).toHaveLength(3);
    });
  });
});
