/**
 * A small pool of inference threads (see inference-thread.mjs). Requests go round-robin;
 * tensors are transferred, not copied. A thread that dies is replaced, and its pending
 * requests fail so the job can retry.
 */
import { Worker } from 'node:worker_threads';

export interface TensorData {
  data: Float32Array;
  dims: number[];
}

interface Pending {
  resolve: (v: { outputs: Record<string, TensorData>; ms: number }) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

const THREAD_FILE = new URL('./inference-thread.mjs', import.meta.url);

export class InferencePool {
  private readonly slots: Slot[] = [];
  private next = 0;
  private seq = 0;
  private closed = false;

  constructor(
    size = 1,
    private readonly intraOpNumThreads = 1,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    // execArgv: [] — the thread is plain JS and must not inherit a TS loader's flags.
    const worker = new Worker(THREAD_FILE, { workerData: { intraOpNumThreads: this.intraOpNumThreads }, execArgv: [] });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (msg: { id: number; ok: boolean; outputs?: Record<string, TensorData>; ms?: number; error?: string }) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      if (msg.ok) p.resolve({ outputs: msg.outputs ?? {}, ms: msg.ms ?? 0 });
      else p.reject(new Error(msg.error));
    });
    const fail = (err: Error) => {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      if (!this.closed) {
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots[i] = this.spawn();
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`inference thread exited with code ${code}`));
    });
    return slot;
  }

  private send<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    const slot = this.slots[this.next++ % this.slots.length]!;
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as Pending['resolve'], reject });
      slot.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /** Loads (and caches) a model in every thread; returns its input and output names. */
  async load(modelPath: string): Promise<{ inputNames: string[]; outputNames: string[] }> {
    const results = await Promise.all(
      this.slots.map((slot) => {
        const id = ++this.seq;
        return new Promise<{ inputNames: string[]; outputNames: string[] }>((resolve, reject) => {
          slot.pending.set(id, { resolve: resolve as unknown as Pending['resolve'], reject });
          slot.worker.postMessage({ kind: 'load', id, modelPath });
        });
      }),
    );
    return results[0]!;
  }

  run(modelPath: string, feeds: Record<string, TensorData>): Promise<{ outputs: Record<string, TensorData>; ms: number }> {
    return this.send({ kind: 'run', modelPath, feeds }, Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
