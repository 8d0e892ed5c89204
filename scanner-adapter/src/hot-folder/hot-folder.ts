/**
 * Hot-folder driver: polls INBOX_DIR and hands ready packages to the ingest service one at a
 * time. Polling (not inotify) is deliberate: it works on network shares that scanners and
 * vendor gateways often write to, and its readiness rule needs size checks anyway.
 * A failure on one entry is logged and retried on the next poll; the loop never dies.
 *
 * Only a package's own faults quarantine it (the ingest service answers `rejected`, or the entry
 * never becomes ready). An error thrown by the ingest — the database, Redis or the image store
 * away or full — is the infrastructure's fault: the package stays in the inbox and is retried,
 * with a growing pause, for as long as it takes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { IngestOutcome, IngestService } from '../ingest/ingest-service.ts';
import { quarantine, sweepRemoved } from '../ingest/quarantine.ts';
import { ReadinessTracker } from './readiness.ts';

export interface HotFolderOptions {
  inboxDir: string;
  rejectedDir: string;
  pollMs: number;
  settleMs: number;
  /** After this long without change, an entry that cannot become ready is quarantined. */
  stuckMs?: number;
  /** Longest pause between retries of an entry whose ingest failed for an infrastructure reason (default 30 s). */
  maxRetryDelayMs?: number;
  log?: (msg: string) => void;
  onOutcome?: (outcome: IngestOutcome) => void;
  /** Called after each package was quarantined (its reason.json written): makes the rejection visible. */
  onRejected?: (quarantinedTo: string) => Promise<unknown>;
  /**
   * Backpressure: asked before each package is taken; a reason (e.g. "200 scans already wait for
   * analysis") holds intake — packages wait in the inbox — until it answers null again.
   */
  admit?: () => Promise<string | null>;
}

export class HotFolder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly tracker: ReadinessTracker;
  /** Consecutive infrastructure failures per entry, and when it may be tried again. */
  private readonly failures = new Map<string, { n: number; retryAt: number }>();

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

  /** Entries waiting for the infrastructure (retrying), for readiness and metrics. */
  get retrying(): number {
    return this.failures.size;
  }

  /** Why intake is held (backpressure), or undefined while packages are taken. */
  get heldBecause(): string | undefined {
    return this.held;
  }
  private held: string | undefined;

  /** Entries in the inbox at the last poll (the lag an operator sees). */
  get inboxEntries(): number {
    return this.lastSeen;
  }
  private lastSeen = 0;

  /** Why the newest infrastructure failure happened, while any entry is waiting for a retry. */
  get waitingFor(): string | undefined {
    return this.failures.size ? this.lastFailure : undefined;
  }
  private lastFailure: string | undefined;

  private async rejected(quarantinedTo: string): Promise<void> {
    try {
      await this.opts.onRejected?.(quarantinedTo);
    } catch (err) {
      this.opts.log?.(`rejection at ${path.basename(quarantinedTo)} not recorded: ${(err as Error).message}`);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => this.schedule(this.opts.pollMs));
    }, ms);
  }

  /** Asks the backpressure check; logs when intake is held and when it resumes. */
  private async admitted(log: (m: string) => void): Promise<boolean> {
    if (!this.opts.admit) return true;
    let reason: string | null;
    try {
      reason = await this.opts.admit();
    } catch {
      reason = null; // cannot tell (Redis away): the ingest itself fails and retries
    }
    if (reason && reason !== this.held) log(`intake held, packages wait in the inbox: ${reason}`);
    if (!reason && this.held) log('intake resumed');
    this.held = reason ?? undefined;
    return !reason;
  }

  /** One pass over the inbox; exported for tests and tools. */
  async poll(): Promise<void> {
    const log = this.opts.log ?? (() => {});
    let names: string[];
    try {
      const all = await fs.readdir(this.opts.inboxDir);
      await sweepRemoved(this.opts.inboxDir, all); // leftovers of a process killed while removing an ingested package
      names = all.filter((n) => !n.startsWith('.')).sort();
    } catch (err) {
      log(`cannot read inbox ${this.opts.inboxDir}: ${(err as Error).message}`);
      return;
    }
    this.lastSeen = names.length;
    const present = new Set(names.map((n) => path.join(this.opts.inboxDir, n)));
    this.tracker.retain(present);
    for (const e of this.failures.keys()) if (!present.has(e)) this.failures.delete(e);
    for (const name of names) {
      if (this.stopped) return;
      const entry = path.join(this.opts.inboxDir, name);
      const failed = this.failures.get(entry);
      if (failed && Date.now() < failed.retryAt) continue;
      try {
        const r = await this.tracker.check(entry);
        if (r.state === 'waiting') continue;
        this.tracker.forget(entry);
        if (r.state === 'stuck') {
          const to = await quarantine(entry, this.opts.rejectedDir, { code: r.code, message: r.message });
          log(`rejected ${name}: ${r.code}: ${r.message}`);
          await this.rejected(to);
          this.opts.onOutcome?.({ kind: 'rejected', code: r.code, message: r.message, quarantinedTo: to });
          continue;
        }
        if (!(await this.admitted(log))) return;
        const outcome = await this.ingest.ingest(entry);
        // One ingest went through: the infrastructure is back, so the others waiting for it
        // need not sit out the rest of their growing pause.
        if (this.failures.delete(entry)) for (const f of this.failures.values()) f.retryAt = 0;
        if (outcome.kind === 'rejected') await this.rejected(outcome.quarantinedTo);
        this.opts.onOutcome?.(outcome);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // vanished meanwhile
        // Infrastructure: leave the package where it is and try again later, never quarantine it.
        const n = (failed?.n ?? 0) + 1;
        const delay = Math.min(this.opts.maxRetryDelayMs ?? 30_000, this.opts.pollMs * 2 ** Math.min(n, 16));
        this.failures.set(entry, { n, retryAt: Date.now() + delay });
        this.lastFailure = (err as Error).message;
        log(`ingest of ${name} failed (attempt ${n}; the package stays in the inbox, next try in ${Math.round(delay / 1000)} s): ${(err as Error).message}`);
      }
    }
  }
}
