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
  started?: boolean;
  outputs?: Record<string, TensorData>;
  ms?: number;
  inputNames?: string[];
  outputNames?: string[];
  error?: string;
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (e: Error) => void;
  /** The thread has the session and is entering run() (the time limit starts here, not at loading). */
  onStart?: () => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Replaced after a time-out: it finishes the run it is in, then ends itself (see the thread). */
  retired?: boolean;
  /** Shared with the thread: set to 1 to retire it. */
  retireFlag: Int32Array;
}

const THREAD_FILE = new URL('./inference-thread.mjs', import.meta.url);

/** A model run exceeded the pool's time limit (INFERENCE_TIMEOUT_MS). */
export class InferenceTimeoutError extends Error {
  override name = 'InferenceTimeoutError';
}

export class InferencePool {
  private readonly slots: Slot[] = [];
  private next = 0;
  private seq = 0;
  private closed = false;
  private respawnDelayMs = 100;
  /** Retired threads still inside a run; close() waits for them (terminating one in run() aborts the process). */
  private readonly retiredSlots = new Set<Slot>();

  constructor(
    size = 1,
    private readonly intraOpNumThreads = 1,
    /** A run that takes longer is abandoned: its thread is terminated (and replaced). 0: no limit. */
    private readonly runTimeoutMs = 0,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    // execArgv: [] — the thread is plain JS and must not inherit a TS loader's flags.
    const retireFlag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(THREAD_FILE, { workerData: { intraOpNumThreads: this.intraOpNumThreads, retireFlag }, execArgv: [] });
    const slot: Slot = { worker, pending: new Map(), retireFlag };
    worker.on('message', (msg: Reply) => {
      if (slot.retired) return;
      const p = slot.pending.get(msg.id);
      if (!p) return;
      if (msg.started) {
        p.onStart?.();
        return;
      }
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
      if (this.closed || slot.retired) return;
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

  private request(slot: Slot, msg: Record<string, unknown>, transfer: ArrayBuffer[] = [], onStart?: () => void): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    const id = ++this.seq;
    return new Promise<Reply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, onStart });
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
    if (!this.runTimeoutMs) {
      const reply = await this.request(slot, { kind: 'run', modelPath, feeds: own }, transfer);
      return { outputs: reply.outputs ?? {}, ms: reply.ms ?? 0 };
    }
    // onnxruntime cannot be interrupted inside run(), and terminating a thread while it is in
    // run() aborts the whole process. So a run past its time is abandoned: the job gets its
    // error at once, the thread is retired (replaced for every later request, stopped as soon as
    // its run returns), and anything else queued on it fails so its job retries elsewhere. The
    // core stays busy until that run ends; the input-size bounds keep that finite.
    let timer: NodeJS.Timeout | undefined;
    let expire: (e: Error) => void = () => {};
    const timedOut = new Promise<never>((_, reject) => (expire = reject));
    const start = () => {
      timer = setTimeout(() => expire(this.retire(slot)), this.runTimeoutMs);
    };
    const pending = this.request(slot, { kind: 'run', modelPath, feeds: own, timed: true }, transfer, start);
    try {
      const reply = await Promise.race([pending, timedOut]);
      return { outputs: reply.outputs ?? {}, ms: reply.ms ?? 0 };
    } finally {
      clearTimeout(timer);
      pending.catch(() => {});
    }
  }

  /** Takes a stuck thread out of service; returns the error its requests fail with. */
  private retire(slot: Slot): InferenceTimeoutError {
    const err = new InferenceTimeoutError(`inference took longer than ${this.runTimeoutMs} ms; the run was abandoned and its thread replaced`);
    if (slot.retired) return err;
    slot.retired = true;
    // Terminating a thread inside run() aborts the process; the thread reads this flag between
    // runs and ends itself instead.
    Atomics.store(slot.retireFlag, 0, 1);
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    this.retiredSlots.add(slot);
    slot.worker.once('exit', () => this.retiredSlots.delete(slot));
    return err;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    // A retired thread stops itself when its run returns.
    await Promise.all([...this.retiredSlots].map((s) => new Promise((r) => s.worker.once('exit', r))));
  }
}
