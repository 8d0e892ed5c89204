// Inference thread: owns the onnxruntime-node sessions. onnxruntime-node's run() is
// synchronous on the calling JS thread, so it lives here, off the thread that renews
// BullMQ job locks. Plain JavaScript so it loads in a worker thread without a TS loader.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const sessions = new Map();

async function session(modelPath) {
  let s = sessions.get(modelPath);
  if (!s) {
    s = ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: workerData?.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
    sessions.set(modelPath, s);
    // A model that failed to load may be fixed on disk: do not cache the failure.
    s.catch(() => sessions.delete(modelPath));
  }
  return s;
}

// Set by the pool when a run of this thread went past its time limit: the pool has already
// replaced it, so it ends itself as soon as it is out of run() (never terminated from outside
// while inside run(), which would abort the process).
const retired = workerData?.retireFlag ? new Int32Array(workerData.retireFlag.buffer ?? workerData.retireFlag) : new Int32Array(1);
const endIfRetired = () => {
  if (Atomics.load(retired, 0) === 1) process.exit(0);
};

parentPort.on('message', async (msg) => {
  endIfRetired();
  const { id, modelPath, feeds } = msg;
  try {
    const s = await session(modelPath);
    if (msg.kind === 'load') {
      parentPort.postMessage({ id, ok: true, inputNames: s.inputNames, outputNames: s.outputNames });
      return;
    }
    const ortFeeds = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);
    // Tells the pool its time limit starts now (loading the model does not count against it).
    if (msg.timed) parentPort.postMessage({ id, ok: true, started: true });
    const t0 = performance.now();
    const out = await s.run(ortFeeds);
    const ms = performance.now() - t0;
    const outputs = {};
    const transfer = [];
    for (const [name, t] of Object.entries(out)) {
      const data = new Float32Array(t.data);
      outputs[name] = { data, dims: Array.from(t.dims) };
      transfer.push(data.buffer);
    }
    parentPort.postMessage({ id, ok: true, outputs, ms }, transfer);
    endIfRetired();
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: String(err?.message ?? err) });
  }
});
