/**
 * Shadow comparisons (issue 11, the supervisor's models view): GET /v1/stats/shadow on SQLite and
 * PostgreSQL with real data. Simulated scans are analysed on the worker's path (real ONNX) by the
 * active linac model and a shadow candidate set up as tests/worker/shadow.test.ts does (a private
 * registry, the same weights under another version) — but with the candidate's card made looser
 * for rhino horn (threshold = candidate score) and stricter for timber (0.9999), so the two
 * disagree each way. The figures per class (both found it,
 * only the active, only the shadow, neither) must equal the ones counted here from the analysis
 * results themselves; a scan received outside the period and a scan only the active model
 * analysed are left out; operators and inspectors are refused.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateScan } from '#adapter/simulator/index.ts';
import { buildApp } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import { DETECTION_CLASSES } from '#services/core/domain.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { loadModelRegistry, type ModelRegistry } from '#services/model-registry/registry.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { analyseImages, type ScanAnalysis } from '#workers/analysis/analyse.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import { loginAs } from '../helpers/auth.ts';
import { backends } from '../store/backends.ts';
import { makeScan, t } from '../store/factories.ts';

const CANDIDATE = '9.9.9-candidate';
/** Scans of each kind; the last one is received outside the period asked for. */
const SCANS = [
  { scenario: 'rhino_horn', seed: 72, index: 0 },
  { scenario: 'cites_timber', seed: 74, index: 0 },
  { scenario: 'ivory', seed: 71, index: 3 },
  { scenario: 'benign', seed: 73, index: 1 },
  { scenario: 'timber_honest', seed: 75, index: 0 },
  { scenario: 'rhino_horn', seed: 76, index: 2, outside: true },
];

interface Analysed {
  scanId: string;
  receivedAt: string;
  metadata: ReturnType<typeof simulateScan>['metadata'];
  size: { width: number; height: number };
  analysis: ScanAnalysis;
}

describe('shadow comparison', () => {
  let registry: ModelRegistry;
  let tmp: string;
  const analysed: Analysed[] = [];
  let activeKey: { modelId: string; modelVersion: string };
  let shadowKey: { modelId: string; modelVersion: string };

  beforeAll(async () => {
    const real = await loadModelRegistry(loadConfig().modelsDir);
    expect(real.problems).toEqual([]);
    const active = real.active.find((m) => m.card.input.sourceKinds.includes('linac'))!;
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-shadow-cmp-'));
    const id = active.card.id;
    await fs.cp(active.dir, path.join(tmp, id, active.card.version), { recursive: true });
    await fs.cp(active.dir, path.join(tmp, id, CANDIDATE), { recursive: true });
    const cardFile = path.join(tmp, id, CANDIDATE, 'card.json');
    const card = JSON.parse(await fs.readFile(cardFile, 'utf8'));
    card.version = CANDIDATE;
    // Looser on rhino horn (every candidate counts), stricter on timber (finds none): a disagreement each way.
    card.thresholds.rhino_horn.score = card.candidateScore;
    card.thresholds.timber.score = 0.9999;
    await fs.writeFile(cardFile, JSON.stringify(card));
    await fs.writeFile(path.join(tmp, 'registry.json'), JSON.stringify({ active: { [id]: active.card.version } }));
    registry = await loadModelRegistry(tmp, [`${id}@${CANDIDATE}`]);
    expect(registry.problems).toEqual([]);
    activeKey = { modelId: id, modelVersion: active.card.version };
    shadowKey = { modelId: id, modelVersion: CANDIDATE };

    const models = [...registry.active.filter((m) => m.card.id === id), ...registry.shadow];
    const pool = new InferencePool(1, 2);
    try {
      for (const m of models) await pool.load(m.path);
      for (const [i, s] of SCANS.entries()) {
        const sim = simulateScan({ seed: s.seed, index: s.index, scenario: s.scenario, source: 'linac', laneId: 'lane-a' });
        const images = { high: { width: sim.width, height: sim.height, data: sim.high }, low: { width: sim.width, height: sim.height, data: sim.low } };
        const analysis = await analyseImages({ scanId: sim.metadata.scanId, metadata: sim.metadata, images }, { models, pool, species: loadSpeciesReference() });
        expect(analysis.results.map((r) => r.stamp.modelVersion)).toEqual([activeKey.modelVersion, CANDIDATE]);
        analysed.push({
          scanId: sim.metadata.scanId,
          receivedAt: s.outside ? '2025-02-01T00:00:00.000Z' : t(60 * i),
          metadata: sim.metadata,
          size: { width: sim.width, height: sim.height },
          analysis,
        });
      }
    } finally {
      await pool.close();
    }
    expect(new Set(analysed.map((a) => a.scanId)).size).toBe(SCANS.length);
  }, 180_000);

  afterAll(async () => {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  /** The figures counted from the analysis results, per class, over the scans received before `to`. */
  function expected(to = '2025-01-02') {
    const found = (a: Analysed, version: string, cls: string) =>
      a.analysis.results.find((r) => r.stamp.modelVersion === version)!.detections.some((d) => d.class === cls && d.aboveThreshold);
    return DETECTION_CLASSES.map((cls) => {
      const row = { class: cls, scans: 0, both: 0, activeOnly: 0, shadowOnly: 0, neither: 0 };
      for (const a of analysed.filter((x) => x.receivedAt < to)) {
        const x = found(a, activeKey.modelVersion, cls);
        const y = found(a, CANDIDATE, cls);
        row.scans++;
        row[x && y ? 'both' : x ? 'activeOnly' : y ? 'shadowOnly' : 'neither']++;
      }
      return row;
    });
  }

  describe.each(backends)('on $name', (backend) => {
    let store: Awaited<ReturnType<typeof backend.open>>['store'];
    let cleanup: () => Promise<void>;
    let dir: string;
    let app: Awaited<ReturnType<typeof buildApp>>;

    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-shadow-api-'));
      for (const a of analysed) {
        await store.scans.insert(
          makeScan(a.scanId, {
            laneId: 'lane-a',
            receivedAt: a.receivedAt,
            metadata: a.metadata,
            images: [{ energy: 'high', sha256: 'a'.repeat(64), width: a.size.width, height: a.size.height, bytes: 1 }],
          }),
        );
        await store.recordAnalysis(a.analysis.results, { status: 'analysed', verdict: a.analysis.verdict });
      }
      // A scan only the active version analysed (before the shadow was configured): not compared.
      const only = analysed[0]!;
      await store.scans.insert(makeScan('active-only', { laneId: 'lane-a', receivedAt: t(30), metadata: { ...only.metadata, scanId: 'active-only' } }));
      const activeResult = only.analysis.results[0]!;
      await store.recordAnalysis(
        [
          {
            ...activeResult,
            scanId: 'active-only',
            detections: activeResult.detections.map((d) => ({ ...d, id: `${d.id}-x`, scanId: 'active-only' })),
            heatmaps: activeResult.heatmaps?.map((h) => ({ ...h, scanId: 'active-only' })),
            alert: activeResult.alert ? { ...activeResult.alert, id: `${activeResult.alert.id}-x`, scanId: 'active-only' } : null,
          },
        ],
        { status: 'analysed', verdict: 'alert' },
      );
      app = await buildApp(
        { config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images: new ImageStore(path.join(dir, 'images')), models: async () => registry },
        { logger: false, processMetrics: false },
      );
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await cleanup?.();
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    });

    it('per class: both, only active, only shadow, neither — as counted from the analyses', async () => {
      const { headers } = await loginAs(app, store, 'supervisor');
      const res = await app.inject({ url: '/v1/stats/shadow?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z', headers });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.comparisons).toHaveLength(1);
      const c = body.comparisons[0];
      expect([c.active, c.shadow]).toEqual([activeKey, shadowKey]);
      const want = expected();
      expect(c.classes).toEqual(want);
      // The data really holds a disagreement each way and an agreement each way.
      const by = Object.fromEntries(want.map((r) => [r.class, r]));
      expect(by.timber!.activeOnly, 'the stricter shadow misses timber the active model finds').toBeGreaterThan(0);
      expect(by.timber!.both + by.timber!.shadowOnly).toBe(0);
      expect(by.rhino_horn!.shadowOnly, 'the looser shadow finds rhino horn the active model does not').toBeGreaterThan(0);
      expect(by.rhino_horn!.activeOnly).toBe(0);
      expect(want.some((r) => r.neither > 0)).toBe(true);
      expect(want.every((r) => r.scans === SCANS.length - 1)).toBe(true);
    });

    it('the same pair asked for explicitly; a wider period takes in the outside scan; roles and bad input refused', async () => {
      const sup = await loginAs(app, store, 'admin');
      const explicit = await app.inject({
        url: `/v1/stats/shadow?from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z&shadow=${shadowKey.modelId}@${CANDIDATE}&active=${activeKey.modelId}@${activeKey.modelVersion}`,
        headers: sup.headers,
      });
      expect(explicit.statusCode, explicit.body).toBe(200);
      expect(explicit.json().comparisons[0].classes).toEqual(expected('2025-03-01'));
      expect(expected('2025-03-01').every((r) => r.scans === SCANS.length)).toBe(true);
      // A version that never ran: nothing to compare.
      const none = await app.inject({ url: `/v1/stats/shadow?from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z&shadow=${shadowKey.modelId}@0.0.1`, headers: sup.headers });
      expect(none.json().comparisons[0].classes).toEqual([]);
      expect((await app.inject({ url: '/v1/stats/shadow?shadow=no-at-sign', headers: sup.headers })).statusCode).toBe(400);
      expect((await app.inject({ url: '/v1/stats/shadow?shadow=other-model@1.0.0', headers: sup.headers })).statusCode).toBe(400);
      for (const role of ['inspector', 'operator'] as const) {
        const who = await loginAs(app, store, role);
        expect((await app.inject({ url: '/v1/stats/shadow', headers: who.headers })).statusCode).toBe(403);
      }
    });
  });
});
