/**
 * A small pool of inference threads (see inference-thread.mjs). Requests go round-robin;
 * tensors are transferred, not copied. A thread that dies is replaced (with a back-off, so a
 * thread that cannot start does not spin), and its pending requests fail so the job can retry.
 */
import { Worker } from 'node:worker_threads';

export interface TensorData {
  data: Float32Array;
  dims: number[];
}

interface Reply {
  id: number;
  ok: boolean;
  outputs?: Record<string, TensorData>;
  ms?: number;
  inputNames?: string[];
  outputNames?: string[];
  error?: string;
}

interface Pending {
  resolve: (reply: Reply) => void;
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
  private respawnDelayMs = 100;

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
    worker.on('message', (msg: Reply) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      this.respawnDelayMs = 100;
      if (msg.ok) p.resolve(msg);
      else p.reject(new Error(msg.error));
    });
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      if (this.closed) return;
      const delay = this.respawnDelayMs;
      this.respawnDelayMs = Math.min(10_000, delay * 2);
      setTimeout(() => {
        if (this.closed) return;
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots[i] = this.spawn();
      }, delay).unref();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`inference thread exited with code ${code}`)));
    return slot;
  }

  private request(slot: Slot, msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    const id = ++this.seq;
    return new Promise<Reply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      try {
        slot.worker.postMessage({ ...msg, id }, transfer);
      } catch (err) {
        slot.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  /** Loads (and caches) a model in every thread; returns its input and output names. */
  async load(modelPath: string): Promise<{ inputNames: string[]; outputNames: string[] }> {
    const replies = await Promise.all(this.slots.map((slot) => this.request(slot, { kind: 'load', modelPath })));
    return { inputNames: replies[0]!.inputNames ?? [], outputNames: replies[0]!.outputNames ?? [] };
  }

  async run(modelPath: string, feeds: Record<string, TensorData>): Promise<{ outputs: Record<string, TensorData>; ms: number }> {
    // Transfer only buffers the tensor owns entirely; copy views so the caller's buffer survives.
    const own: Record<string, TensorData> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [name, t] of Object.entries(feeds)) {
      const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength && t.data.buffer instanceof ArrayBuffer;
      const data = whole && !transfer.includes(t.data.buffer as ArrayBuffer) ? t.data : new Float32Array(t.data);
      own[name] = { data, dims: t.dims };
      transfer.push(data.buffer as ArrayBuffer);
    }
    const slot = this.slots[this.next++ % this.slots.length]!;
    const reply = await this.request(slot, { kind: 'run', modelPath, feeds: own }, transfer);
    return { outputs: reply.outputs ?? {}, ms: reply.ms ?? 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
