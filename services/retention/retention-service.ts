/**
 * Retention: what the system may forget after N days, and nothing else.
 *  - images of analysed `clear` scans without any alert (a scan with an alert — open or decided —
 *    keeps its images: they are evidence); an image file shared with a scan that keeps its images
 *    stays; the scan's heat maps go with its images; the scan's record, detections and audit
 *    entries stay;
 *  - tier-2 detections (below threshold, kept for statistics) of scans without alerts;
 *  - quarantined packages (the rejections row stays);
 *  - half-copied `.incoming-*.tmp` files an adapter killed mid-copy left in the image store.
 * Every run that deletes anything appends one `data.pruned` audit entry with the counts and the
 * scan ids. A dry run reports the same counts and deletes nothing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Actor } from '../core/access.ts';
import type { ImageStore } from '../storage/image-store.ts';
import type { Store } from '../store/types.ts';

/** Scans handled per batch. */
const BATCH = 500;
/** A temp file this old is an orphan, not a copy in progress. */
const TEMP_ORPHAN_MS = 60 * 60 * 1000;

export interface RetentionOptions {
  days: number;
  rejectedDir: string;
  dryRun?: boolean;
  now?: Date;
  actor: Actor;
}

export interface RetentionReport {
  cutoff: string;
  dryRun: boolean;
  scansPruned: number;
  imagesDeleted: number;
  imagesKeptShared: number;
  bytesFreed: number;
  /** Heat-map rows deleted with the images of the pruned scans. */
  heatmapsDeleted: number;
  scansKeptForAlerts: number;
  tier2DetectionsDeleted: number;
  quarantineDeleted: number;
  tempFilesDeleted: number;
}

async function removeIfPresent(file: string, dryRun: boolean): Promise<number> {
  try {
    const st = await fs.stat(file);
    if (!dryRun) await fs.rm(file, { force: true });
    return st.size;
  } catch {
    return -1;
  }
}

export async function runRetention(store: Store, images: ImageStore, opts: RetentionOptions): Promise<RetentionReport> {
  if (!(Number.isInteger(opts.days) && opts.days >= 1)) throw new Error(`retention days must be a whole number ≥ 1, got ${opts.days}`);
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() - opts.days * 86_400_000).toISOString();
  const dryRun = opts.dryRun ?? false;
  const report: RetentionReport = {
    cutoff,
    dryRun,
    scansPruned: 0,
    imagesDeleted: 0,
    imagesKeptShared: 0,
    bytesFreed: 0,
    heatmapsDeleted: 0,
    scansKeptForAlerts: await store.retention.countKeptForAlerts(cutoff),
    tier2DetectionsDeleted: 0,
    quarantineDeleted: 0,
    tempFilesDeleted: 0,
  };
  const prunedIds: string[] = [];

  // Images of old clear scans without alerts, batch by batch (a dry run sees the same batch once).
  for (;;) {
    const batch = await store.retention.prunableScans(cutoff, BATCH);
    const fresh = batch.filter((s) => !prunedIds.includes(s.scanId));
    if (fresh.length === 0) break;
    const ids = fresh.map((s) => s.scanId);
    for (const scan of fresh) {
      for (const ref of scan.images) {
        if (await store.retention.imageStillReferenced(ref.sha256, [...prunedIds, ...ids])) {
          report.imagesKeptShared++;
          continue;
        }
        const bytes = await removeIfPresent(images.pathOf(ref.sha256), dryRun);
        if (bytes >= 0) {
          report.imagesDeleted++;
          report.bytesFreed += bytes;
        }
      }
    }
    report.heatmapsDeleted += await store.retention.deleteHeatmaps(ids, dryRun);
    if (!dryRun) await store.retention.markImagesPruned(ids, now.toISOString());
    prunedIds.push(...ids);
    report.scansPruned += ids.length;
    if (dryRun || batch.length < BATCH) break;
  }

  report.tier2DetectionsDeleted = await store.retention.deleteTier2Detections(cutoff, dryRun);

  // Quarantined packages: by the time their reason.json records.
  let entries: string[] = [];
  try {
    entries = await fs.readdir(opts.rejectedDir);
  } catch {
    /* no quarantine yet */
  }
  for (const name of entries) {
    const dir = path.join(opts.rejectedDir, name);
    try {
      const reason = JSON.parse(await fs.readFile(path.join(dir, 'reason.json'), 'utf8')) as { rejectedAt?: string };
      if (reason.rejectedAt && reason.rejectedAt < cutoff) {
        if (!dryRun) await fs.rm(dir, { recursive: true, force: true });
        report.quarantineDeleted++;
      }
    } catch {
      /* not a quarantine folder we wrote: leave it */
    }
  }

  // Orphaned temp copies in the image store.
  try {
    for (const name of await fs.readdir(images.root)) {
      if (!/^\.incoming-.*\.tmp$/.test(name)) continue;
      const file = path.join(images.root, name);
      const st = await fs.stat(file);
      if (now.getTime() - st.mtimeMs > TEMP_ORPHAN_MS) {
        if (!dryRun) await fs.rm(file, { force: true });
        report.tempFilesDeleted++;
      }
    }
  } catch {
    /* no image store yet */
  }

  const deleted = report.imagesDeleted + report.heatmapsDeleted + report.tier2DetectionsDeleted + report.quarantineDeleted + report.tempFilesDeleted;
  if (!dryRun && deleted > 0) {
    await store.audit.append({
      actor: opts.actor,
      action: 'data.pruned',
      object: { type: 'retention', id: cutoff },
      after: { ...report, scanIds: prunedIds.slice(0, 1000), scanIdsTruncated: prunedIds.length > 1000 },
    });
  }
  return report;
}
