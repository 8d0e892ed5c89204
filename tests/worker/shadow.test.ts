/**
 * Shadow mode: a candidate version runs beside the active one on the same analysis path; its
 * detections are stored (flagged shadow) and never raise alerts. Real ONNX, real SQLite.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateScan } from '#adapter/simulator/index.ts';
import { loadConfig } from '#services/core/config.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { analyseImages } from '#workers/analysis/analyse.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import { sqliteBackend } from '../store/backends.ts';
import { makeScan } from '../store/factories.ts';

describe('shadow mode', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('runs a candidate beside the active model, stores its detections as shadow, raises no alert from it', async () => {
    const real = await loadModelRegistry(loadConfig().modelsDir);
    expect(real.problems).toEqual([]);
    // The linac model: the scans below are linac scans.
    const active = real.active.find((m) => m.card.input.sourceKinds.includes('linac'))!;
    expect(active).toBeDefined();
    // A candidate version: same weights, another version number, in a private registry.
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-shadow-'));
    dirs.push(tmp);
    const id = active.card.id;
    await fs.cp(active.dir, path.join(tmp, id, active.card.version), { recursive: true });
    await fs.cp(active.dir, path.join(tmp, id, '9.9.9-candidate'), { recursive: true });
    const cardFile = path.join(tmp, id, '9.9.9-candidate', 'card.json');
    const card = JSON.parse(await fs.readFile(cardFile, 'utf8'));
    card.version = '9.9.9-candidate';
    await fs.writeFile(cardFile, JSON.stringify(card));
    await fs.writeFile(path.join(tmp, 'registry.json'), JSON.stringify({ active: { [id]: active.card.version } }));
    const reg = await loadModelRegistry(tmp, [`${id}@9.9.9-candidate`]);
    expect(reg.problems).toEqual([]);
    expect(reg.shadow.map((m) => m.shadow)).toEqual([true]);

    const sim = simulateScan({ seed: 71, index: 3, scenario: 'ivory', source: 'linac' });
    const pool = new InferencePool(1, 2);
    const { store, cleanup } = await sqliteBackend.open();
    try {
      for (const m of [...reg.active, ...reg.shadow]) await pool.load(m.path);
      const images = { high: { width: sim.width, height: sim.height, data: sim.high }, low: { width: sim.width, height: sim.height, data: sim.low } };
      const a = await analyseImages({ scanId: sim.metadata.scanId, metadata: sim.metadata, images }, { models: [...reg.active, ...reg.shadow], pool, species: loadSpeciesReference() });
      expect(a.results).toHaveLength(2);
      const [act, sh] = a.results as [(typeof a.results)[0], (typeof a.results)[0]];
      expect(sh.stamp.modelVersion).toBe('9.9.9-candidate');
      expect(sh.alert).toBeNull();
      expect(sh.detections.every((d) => d.shadow)).toBe(true);
      expect(act.detections.every((d) => !d.shadow)).toBe(true);
      // Same weights, same path: the same regions and scores.
      expect(sh.detections.map((d) => [d.class, d.score, d.box])).toEqual(act.detections.map((d) => [d.class, d.score, d.box]));
      expect(sh.detections.length).toBeGreaterThan(0);

      await store.scans.insert(makeScan(sim.metadata.scanId, { metadata: sim.metadata }));
      await store.recordAnalysis(a.results, { status: 'analysed', verdict: a.verdict });
      const stored = await store.detections.listByScan(sim.metadata.scanId);
      expect(stored.filter((d) => d.shadow)).toHaveLength(sh.detections.length);
      const alerts = await store.alerts.listByScan(sim.metadata.scanId);
      expect(alerts.every((x) => x.modelVersion === active.card.version)).toBe(true);
      expect(a.verdict).toBe(act.alert ? 'alert' : 'clear');
    } finally {
      await pool.close();
      await cleanup();
    }
  });
});
