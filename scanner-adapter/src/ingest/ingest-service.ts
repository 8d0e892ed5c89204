/**
 * Ingest: validate a ready package, store its images by content, record the scan, enqueue
 * analysis, and only then remove it from the inbox. The order matters for crash safety: a
 * package still in the inbox after a crash is ingested again and takes the duplicate path,
 * which re-enqueues a scan that never left `received`. Calibration packages (calibration.json)
 * arrive in the same inbox and take their own path, ./calibration-ingest.ts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ScanImageRef, ScanRecord } from '#services/core/domain.ts';
import { JobName } from '#services/core/jobs.ts';
import { systemActor } from '#services/core/access.ts';
import { ScanLifecycle } from '#services/scans/lifecycle.ts';
import type { EventPublisher } from '#services/events/events.ts';
import type { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import type { JobProducer } from '#services/queue/queue-repository.ts';
import { readScanPackage, ScanPackageError } from '../scan-package/read.ts';
import { ingestCalibration, isCalibrationPackage, type CalibrationIngestOutcome } from './calibration-ingest.ts';
import { quarantine, removeIngested } from './quarantine.ts';

export type IngestOutcome =
  | { kind: 'accepted'; scanId: string }
  | { kind: 'duplicate'; scanId: string; requeued: boolean }
  | { kind: 'rejected'; code: string; message: string; quarantinedTo: string }
  | CalibrationIngestOutcome;

export interface IngestDeps {
  store: Store;
  images: ImageStore;
  producer: JobProducer;
  events?: EventPublisher;
  rejectedDir: string;
  log?: (msg: string) => void;
}

export class IngestService {
  private readonly lifecycle: ScanLifecycle;

  constructor(private readonly deps: IngestDeps) {
    this.lifecycle = new ScanLifecycle({ store: deps.store, events: deps.events, actor: systemActor('adapter'), log: deps.log });
  }

  async ingest(dir: string): Promise<IngestOutcome> {
    const { store, images, rejectedDir } = this.deps;
    const log = this.deps.log ?? (() => {});
    // Calibration packages share the hot folder; calibration.json is what tells them apart.
    if (await isCalibrationPackage(dir)) {
      if (await exists(path.join(dir, 'scan.json'))) {
        const message = 'the package holds both scan.json and calibration.json; it must be one or the other';
        const to = await quarantine(dir, rejectedDir, { code: 'ambiguous_package', message });
        log(`rejected ${path.basename(dir)}: ambiguous_package`);
        return { kind: 'rejected', code: 'ambiguous_package', message, quarantinedTo: to };
      }
      return ingestCalibration(dir, { store, rejectedDir, events: this.deps.events, log });
    }
    let pkg;
    try {
      pkg = await readScanPackage(dir);
    } catch (err) {
      if (!(err instanceof ScanPackageError)) throw err; // I/O trouble: leave it for the next poll
      const scanId = await peekScanId(dir);
      const to = await quarantine(dir, rejectedDir, { code: err.code, message: err.message, field: err.field, scanId });
      log(`rejected ${path.basename(dir)}: ${err.code}: ${err.message}`);
      return { kind: 'rejected', code: err.code, message: err.message, quarantinedTo: to };
    }

    const meta = pkg.metadata;
    const refs: ScanImageRef[] = [];
    for (const energy of ['high', 'low'] as const) {
      const file = pkg.imagePaths[energy];
      if (!file) continue;
      const stored = await images.put(file);
      refs.push({ energy, sha256: stored.sha256, width: pkg.width, height: pkg.height, bytes: stored.bytes });
    }
    const contentSha256 = createHash('sha256')
      .update(pkg.metadataBytes)
      .update(refs.map((r) => `${r.energy}:${r.sha256}`).join('\n'))
      .digest('hex');
    const now = new Date().toISOString();
    const record: ScanRecord = {
      scanId: meta.scanId,
      laneId: meta.laneId,
      scannedAt: meta.scannedAt,
      receivedAt: now,
      status: 'received',
      verdict: null,
      failureReason: null,
      contentSha256,
      metadata: meta,
      images: refs,
      timings: {},
      updatedAt: now,
    };

    const outcome = await this.lifecycle.receive(record);
    if (outcome === 'conflict') {
      const message = `scanId ${meta.scanId} was already received with different content; refusing to overwrite it`;
      const to = await quarantine(dir, rejectedDir, { code: 'scan_id_conflict', message, field: 'scanId', scanId: meta.scanId });
      log(`rejected ${meta.scanId}: conflict`);
      return { kind: 'rejected', code: 'scan_id_conflict', message, quarantinedTo: to };
    }

    let requeued = false;
    if (outcome === 'inserted') {
      await this.enqueue(record.scanId, record.laneId, contentSha256, true);
    } else {
      // Same content again: acknowledge. Re-enqueue only if it may never have reached the
      // queue (the deterministic job id makes this a no-op when the job is there).
      const existing = await store.scans.get(meta.scanId);
      if (existing && (existing.status === 'received' || existing.status === 'queued')) {
        await this.enqueue(existing.scanId, existing.laneId, existing.contentSha256, existing.status === 'received');
        requeued = true;
      }
    }
    await removeIngested(dir);
    if (outcome === 'duplicate') {
      log(`duplicate ${meta.scanId} acknowledged${requeued ? ' (re-enqueued)' : ''}`);
      return { kind: 'duplicate', scanId: meta.scanId, requeued };
    }
    log(`accepted ${meta.scanId} (lane ${meta.laneId}, ${pkg.width}x${pkg.height})`);
    return { kind: 'accepted', scanId: meta.scanId };
  }

  /**
   * Marks the scan `queued` before adding the job, so the worker's later status writes can
   * never be overwritten by this one. If the add fails the package stays in the inbox and the
   * next poll re-enqueues it (and the worker's reconciler re-enqueues scans left `queued`).
   */
  private async enqueue(scanId: string, laneId: string, contentSha256: string, markQueued: boolean): Promise<void> {
    if (markQueued) await this.lifecycle.queued(scanId, laneId);
    await this.deps.producer.add(JobName.AnalyseScan, { scanId, contentSha256 });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Best effort: the scanId of a package that failed validation, to name its quarantine folder. */
async function peekScanId(dir: string): Promise<string | undefined> {
  try {
    const json = JSON.parse(await fs.readFile(path.join(dir, 'scan.json'), 'utf8')) as { scanId?: unknown };
    return typeof json.scanId === 'string' ? json.scanId : undefined;
  } catch {
    return undefined;
  }
}
