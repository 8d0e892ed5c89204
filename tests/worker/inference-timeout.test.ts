/**
 * The inference time limit (INFERENCE_TIMEOUT_MS): a run that takes longer is abandoned, its
 * thread terminated (onnxruntime cannot be interrupted inside run()), and the pool serves the
 * next request from a fresh thread. Real onnxruntime-node on the shipped linac model.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { InferencePool, InferenceTimeoutError } from '#workers/inference/inference-pool.ts';

const MODELS = path.resolve(import.meta.dirname, '../../models');

describe('inference time limit', () => {
  it('stops a run that takes too long and keeps serving', async () => {
    const reg = await loadModelRegistry(MODELS);
    const model = reg.active.find((m) => m.card.input.sourceKinds.includes('linac'))!;
    const c = model.card.input.energies.length;
    const pool = new InferencePool(1, 1, 40);
    try {
      await pool.load(model.path);
      // A 10 m × 20 m region at the model's pixel size: seconds of work, far more than 40 ms.
      const big = { data: new Float32Array(c * 1024 * 2048).fill(0.3), dims: [1, c, 1024, 2048] };
      const t0 = performance.now();
      const err = await pool.run(model.path, { [model.card.input.name]: big }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InferenceTimeoutError);
      expect(performance.now() - t0).toBeLessThan(5000);
      // A small run on the replacement thread (the model is loaded there on first use).
      const small = { data: new Float32Array(c * 16 * 16).fill(0.1), dims: [1, c, 16, 16] };
      let out: Awaited<ReturnType<InferencePool['run']>> | undefined;
      for (let i = 0; i < 50 && !out; i++) {
        out = await pool.run(model.path, { [model.card.input.name]: small }).catch(async () => {
          await new Promise((r) => setTimeout(r, 100));
          return undefined;
        });
      }
      expect(out && Object.keys(out.outputs).length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
