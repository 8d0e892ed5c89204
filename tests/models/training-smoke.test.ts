/**
 * Training smoke test: builds a tiny simulated dataset, trains a few steps with Debian's
 * python3-torch, exports ONNX, calibrates through the worker's analysis path, and loads the
 * result through the registry (sha-256 verified) into onnxruntime-node.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { train } from '#models/training/train.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';

describe('training toolkit', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('trains a tiny model, writes a verified card, and the ONNX file runs in onnxruntime-node', async () => {
    const modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-train-models-'));
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-train-cache-'));
    dirs.push(modelsDir, cacheDir);
    const card = await train({ model: 'wildlife-timber-fcn', version: '0.0.1-smoke', trainCount: 6, valCount: 4, epochs: 1, steps: 3, modelsDir, cacheDir, activate: true });
    expect(card.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const c of card.classes) expect(card.thresholds[c].score).toBeGreaterThanOrEqual(card.candidateScore);
    expect(card.trainingData).toMatch(/Simulated scans only/);

    const reg = await loadModelRegistry(modelsDir);
    expect(reg.problems).toEqual([]);
    expect(reg.active.map((m) => m.card.version)).toEqual(['0.0.1-smoke']);
    const pool = new InferencePool(1, 1);
    try {
      const io = await pool.load(reg.active[0]!.path);
      expect(io.inputNames).toEqual([card.input.name]);
      const H = 64;
      const W = 128;
      const { outputs } = await pool.run(reg.active[0]!.path, { [card.input.name]: { data: new Float32Array(2 * H * W).fill(0.3), dims: [1, 2, H, W] } });
      const heat = outputs[card.output.heatmap.name]!;
      expect(heat.dims).toEqual([1, card.classes.length, H / card.output.heatmap.stride, W / card.output.heatmap.stride]);
      // The score map carries logits (the worker applies the sigmoid in double precision).
      expect(card.output.heatmap.logits).toBe(true);
      expect(heat.data.every((v) => Number.isFinite(v))).toBe(true);
    } finally {
      await pool.close();
    }

    // A card whose file was altered is refused.
    await fs.appendFile(reg.active[0]!.path, Buffer.from([0]));
    const tampered = await loadModelRegistry(modelsDir);
    expect(tampered.active).toEqual([]);
    expect(tampered.problems[0]!.reason).toMatch(/does not match card/);

    // The cached split records what it was drawn from; the same size from other scanners is another dataset.
    const index = async () => JSON.parse(await fs.readFile(path.join(cacheDir, 'train', 'dataset.json'), 'utf8')) as { scans: number; spec: { count: number; scanners: { count: number } } };
    expect((await index()).spec).toMatchObject({ count: 6, scanners: { count: 6 } });
    await train({ model: 'wildlife-timber-fcn', version: '0.0.2-smoke', trainCount: 6, valCount: 4, epochs: 1, steps: 1, trainScanners: 3, modelsDir, cacheDir });
    expect(await index()).toMatchObject({ scans: 6, spec: { count: 6, scanners: { count: 3 } } });
  });

  it('trains the tube-source model on calibrated inputs from randomised scanners, with hard-negative crops, tube scans only', async () => {
    const modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-train-tube-'));
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-train-tube-cache-'));
    dirs.push(modelsDir, cacheDir);
    const card = await train({ model: 'wildlife-timber-fcn-tube', version: '0.0.1-smoke', trainCount: 6, valCount: 4, epochs: 1, steps: 3, modelsDir, cacheDir });
    expect(card.input.sourceKinds).toEqual(['tube']);
    expect(card.intendedUse).toMatch(/tube scan/);
    // Scanner-independent inputs, and a validated domain the worker enforces.
    expect(card.input.representation).toMatchObject({ kind: 'basis' });
    expect(card.domain?.sourceKinds).toEqual(['tube']);
    expect(card.trainingData).toMatch(/randomised virtual scanners/);
    expect(card.limits.join(' ')).toMatch(/needs_review/);
    const training = (card.evaluation as { training: { augment: unknown; hardNegativeFraction: number } }).training;
    expect(training.augment).toEqual({ channelGain: [0.03, 0.08] });
    expect(training.hardNegativeFraction).toBeGreaterThan(0);
    // The dataset lists look-alikes for the hard-negative crops.
    const shard = JSON.parse(await fs.readFile(path.join(cacheDir, 'train', 'shard-0.json'), 'utf8')) as { items: Array<{ hardNegatives: unknown[] }> };
    expect(shard.items.every((it) => Array.isArray(it.hardNegatives))).toBe(true);
    const pool = new InferencePool(1, 1);
    try {
      const file = path.join(modelsDir, card.id, card.version, 'model.onnx');
      await pool.load(file);
      const { outputs } = await pool.run(file, { [card.input.name]: { data: new Float32Array(2 * 64 * 64).fill(0.5), dims: [1, 2, 64, 64] } });
      expect(outputs[card.output.heatmap.name]!.dims).toEqual([1, 3, 16, 16]);
    } finally {
      await pool.close();
    }
  });
});
