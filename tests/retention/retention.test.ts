/**
 * Retention (issue 10 §3) on SQLite and PostgreSQL with a real image store and quarantine: after
 * N days it deletes the images of clear scans without alerts (not an image a newer scan shares),
 * old tier-2 detections of scans without alerts, old quarantined packages and orphaned temp
 * copies, and the heat maps of the scans whose images go — never anything of a scan with an alert
 * or of a scan that ended needs_review — audits what it deleted, and a dry run deletes nothing. A
 * pruned image answers 410 at the API, its heat map 404.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '#services/api/app.ts';
import { systemActor } from '#services/core/access.ts';
import { loadConfig } from '#services/core/config.ts';
import type { ScanImageRef } from '#services/core/domain.ts';
import { runRetention } from '#services/retention/retention-service.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { tiff16 } from '../helpers/packages.ts';
import { backends } from '../store/backends.ts';
import { makeDetection, makeHeatmap, makeResult, makeScan } from '../store/factories.ts';

const DAY = 86_400_000;

describe.each(backends)('retention on $name', (backend) => {
  let dir: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  let images: ImageStore;
  let rejected: string;
  const now = new Date(Date.now() + 100 * DAY); // everything written "now" is 100 days old then
  const old = new Date(Date.now()).toISOString();
  const recent = new Date(now.getTime() - 5 * DAY).toISOString();

  async function image(seed: number): Promise<ScanImageRef> {
    const f = path.join(dir, `img-${seed}.tiff`);
    await fs.writeFile(f, await tiff16(32, 32, seed));
    const s = await images.put(f);
    return { energy: 'high', sha256: s.sha256, width: 32, height: 32, bytes: s.bytes };
  }

  async function scan(id: string, opts: { receivedAt: string; img: ScanImageRef; verdict: 'clear' | 'alert' | 'needs_review'; tier2?: number }): Promise<void> {
    await store.scans.insert(makeScan(id, { receivedAt: opts.receivedAt, images: [opts.img] }));
    const r = makeResult(id, 0, opts.verdict === 'alert');
    r.detections = Array.from({ length: opts.tier2 ?? 0 }, (_, i) => makeDetection(id, `${id}-t2-${i}`, { aboveThreshold: false, score: 0.1 }));
    r.heatmaps = [makeHeatmap(id, 'ivory'), makeHeatmap(id, 'timber')];
    await store.recordAnalysis([r], { status: 'analysed', verdict: opts.verdict });
  }

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-retention-'));
    ({ store, cleanup } = await backend.open());
    images = new ImageStore(path.join(dir, 'images'));
    rejected = path.join(dir, 'rejected');
    const unique = await image(1);
    const shared = await image(2);
    await scan('old-clear', { receivedAt: old, img: unique, verdict: 'clear', tier2: 3 });
    await scan('old-clear-shared', { receivedAt: old, img: shared, verdict: 'clear' });
    await scan('new-clear-shared', { receivedAt: recent, img: shared, verdict: 'clear' });
    await scan('old-alert', { receivedAt: old, img: await image(3), verdict: 'alert', tier2: 2 });
    await scan('old-needs-review', { receivedAt: old, img: await image(4), verdict: 'needs_review' });
    for (const [name, at] of [
      ['q-old', old],
      ['q-recent', recent],
    ] as const) {
      await fs.mkdir(path.join(rejected, name), { recursive: true });
      await fs.writeFile(path.join(rejected, name, 'reason.json'), JSON.stringify({ code: 'bad_json', rejectedAt: at }));
    }
    const tmp = path.join(images.root, '.incoming-orphan.tmp');
    await fs.writeFile(tmp, 'half a copy');
    await fs.utimes(tmp, new Date(Date.now() - 2 * 3_600_000), new Date(Date.now() - 2 * 3_600_000));
  });

  afterEach(async () => {
    await cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const exists = (p: string) =>
    fs.access(p).then(
      () => true,
      () => false,
    );

  it('a dry run counts and deletes nothing', async () => {
    const r = await runRetention(store, images, { days: 30, rejectedDir: rejected, dryRun: true, now, actor: systemActor('cli') });
    expect(r).toMatchObject({ dryRun: true, scansPruned: 2, imagesDeleted: 1, imagesKeptShared: 1, heatmapsDeleted: 4, scansKeptForAlerts: 1, tier2DetectionsDeleted: 3, quarantineDeleted: 1, tempFilesDeleted: 1 });
    expect(await store.detections.listByScan('old-clear')).toHaveLength(3);
    expect(await store.heatmaps.listByScan('old-clear')).toHaveLength(2);
    expect(await exists(path.join(rejected, 'q-old'))).toBe(true);
    expect(await store.audit.list({ action: 'data.pruned', limit: 5 })).toEqual([]);
  });

  it('deletes only what may go, audits it, and the API answers 410 for a pruned image', async () => {
    const before = await store.scans.get('old-clear');
    const r = await runRetention(store, images, { days: 30, rejectedDir: rejected, now, actor: systemActor('cli') });
    expect(r).toMatchObject({ dryRun: false, scansPruned: 2, imagesDeleted: 1, imagesKeptShared: 1, heatmapsDeleted: 4, scansKeptForAlerts: 1, tier2DetectionsDeleted: 3, quarantineDeleted: 1, tempFilesDeleted: 1 });
    // Heat maps go with the images of the pruned scans (even when an image file is shared), and only theirs.
    expect(await store.heatmaps.listByScan('old-clear')).toHaveLength(0);
    expect(await store.heatmaps.listByScan('old-clear-shared')).toHaveLength(0);
    expect(await store.heatmaps.listByScan('new-clear-shared')).toHaveLength(2);
    expect(await store.heatmaps.listByScan('old-alert')).toHaveLength(2);
    expect(await store.heatmaps.listByScan('old-needs-review')).toHaveLength(2);
    expect(r.bytesFreed).toBeGreaterThan(0);

    const file = (id: string) => store.scans.get(id).then((s) => images.pathOf(s!.images[0]!.sha256));
    expect(await exists(await file('old-clear'))).toBe(false);
    expect(await exists(await file('new-clear-shared'))).toBe(true); // shared with a scan that keeps it
    expect(await exists(await file('old-alert'))).toBe(true); // evidence
    expect(await exists(await file('old-needs-review'))).toBe(true); // nobody vouched for it
    expect(await store.detections.listByScan('old-clear')).toHaveLength(0);
    expect(await store.detections.listByScan('old-alert')).toHaveLength(2);
    expect(await exists(path.join(rejected, 'q-old'))).toBe(false);
    expect(await exists(path.join(rejected, 'q-recent'))).toBe(true);
    expect(await exists(path.join(images.root, '.incoming-orphan.tmp'))).toBe(false);
    // The scan record itself stays.
    expect(await store.scans.get('old-clear')).toMatchObject({ scanId: 'old-clear', verdict: before!.verdict });

    const audit = await store.audit.list({ action: 'data.pruned', limit: 5 });
    expect(audit).toHaveLength(1);
    expect((audit[0]!.after as { scanIds: string[] }).scanIds.sort()).toEqual(['old-clear', 'old-clear-shared']);

    // A second run finds nothing more.
    const again = await runRetention(store, images, { days: 30, rejectedDir: rejected, now, actor: systemActor('cli') });
    expect(again).toMatchObject({ scansPruned: 0, imagesDeleted: 0, heatmapsDeleted: 0, tier2DetectionsDeleted: 0, quarantineDeleted: 0 });

    const app = await buildApp({ config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images }, { logger: false, processMetrics: false });
    try {
      const { headers } = await loginAs(app, store, 'inspector');
      for (const format of ['tiff', 'png']) {
        const res = await app.inject({ url: `/v1/scans/old-clear/image?energy=high&format=${format}`, headers });
        expect(res.statusCode).toBe(410);
        expect(res.json().error).toBe('gone');
      }
      expect((await app.inject({ url: '/v1/scans/old-alert/image?energy=high&format=tiff', headers })).statusCode).toBe(200);
      expect((await app.inject({ url: '/v1/scans/old-clear/heatmap?class=ivory', headers })).statusCode).toBe(404);
      const kept = await app.inject({ url: '/v1/scans/old-alert/heatmap?class=ivory', headers });
      expect(kept.statusCode).toBe(200);
      expect(kept.json()).toMatchObject({ class: 'ivory', width: 8, height: 4, maxScore: 0.9 });
    } finally {
      await app.close();
    }
  });
});
