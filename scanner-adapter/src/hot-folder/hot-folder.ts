/**
 * Hot-folder driver: polls INBOX_DIR and hands ready packages to the ingest service one at a
 * time. Polling (not inotify) is deliberate: it works on network shares that scanners and
 * vendor gateways often write to, and its readiness rule needs size checks anyway.
 * A failure on one entry is logged and retried on the next poll; the loop never dies.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { IngestOutcome, IngestService } from '../ingest/ingest-service.ts';
import { quarantine } from '../ingest/quarantine.ts';
import { ReadinessTracker } from './readiness.ts';

export interface HotFolderOptions {
  inboxDir: string;
  rejectedDir: string;
  pollMs: number;
  settleMs: number;
  /** After this long without change, an entry that cannot become ready is quarantined. */
  stuckMs?: number;
  /** Unexpected ingest failures (database or queue down) tolerated before quarantine; default 5. */
  maxAttempts?: number;
  log?: (msg: string) => void;
  onOutcome?: (outcome: IngestOutcome) => void;
}

export class HotFolder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly tracker: ReadinessTracker;
  /** Consecutive unexpected ingest failures per entry; after maxAttempts it is quarantined. */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly ingest: IngestService,
    private readonly opts: HotFolderOptions,
  ) {
    this.tracker = new ReadinessTracker(opts.settleMs, opts.stuckMs ?? Math.max(30_000, opts.settleMs * 10));
  }

  async start(): Promise<void> {
    await fs.mkdir(this.opts.inboxDir, { recursive: true });
    await fs.mkdir(this.opts.rejectedDir, { recursive: true });
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the package being ingested, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => this.schedule(this.opts.pollMs));
    }, ms);
  }

  /** One pass over the inbox; exported for tests and tools. */
  async poll(): Promise<void> {
    const log = this.opts.log ?? (() => {});
    let names: string[];
    try {
      names = (await fs.readdir(this.opts.inboxDir)).filter((n) => !n.startsWith('.')).sort();
    } catch (err) {
      log(`cannot read inbox ${this.opts.inboxDir}: ${(err as Error).message}`);
      return;
    }
    const present = new Set(names.map((n) => path.join(this.opts.inboxDir, n)));
    this.tracker.retain(present);
    for (const name of names) {
      if (this.stopped) return;
      const entry = path.join(this.opts.inboxDir, name);
      try {
        const r = await this.tracker.check(entry);
        if (r.state === 'waiting') continue;
        this.tracker.forget(entry);
        if (r.state === 'stuck') {
          const to = await quarantine(entry, this.opts.rejectedDir, { code: r.code, message: r.message });
          log(`rejected ${name}: ${r.code}: ${r.message}`);
          this.opts.onOutcome?.({ kind: 'rejected', code: r.code, message: r.message, quarantinedTo: to });
          continue;
        }
        const outcome = await this.ingest.ingest(entry);
        this.failures.delete(entry);
        this.opts.onOutcome?.(outcome);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // vanished meanwhile
        const n = (this.failures.get(entry) ?? 0) + 1;
        this.failures.set(entry, n);
        const max = this.opts.maxAttempts ?? 5;
        if (n < max) {
          log(`ingest of ${name} failed (attempt ${n}/${max}), will retry: ${(err as Error).message}`);
          continue;
        }
        // Keep it, with the reason, rather than retrying for ever and blocking nothing but the log.
        this.failures.delete(entry);
        try {
          const message = `ingest failed ${n} times: ${(err as Error).message}`;
          const to = await quarantine(entry, this.opts.rejectedDir, { code: 'ingest_failed', message });
          log(`rejected ${name}: ingest_failed: ${message}`);
          this.opts.onOutcome?.({ kind: 'rejected', code: 'ingest_failed', message, quarantinedTo: to });
        } catch (qerr) {
          log(`cannot quarantine ${name}: ${(qerr as Error).message}`);
        }
      }
    }
  }
}
