/**
 * Hot-folder ingest against real files, real SQLite and real Redis (BullMQ):
 * acceptance, quarantine with reasons, duplicates and conflicts, partial packages.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotFolder } from '#adapter/hot-folder/hot-folder.ts';
import { IngestService, type IngestOutcome } from '#adapter/ingest/ingest-service.ts';
import { JobName, jobId, QueueName } from '#services/core/jobs.ts';
import { JobProducer } from '#services/queue/queue-repository.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { sqliteBackend } from '../store/backends.ts';
import { metadata, tiff16, tiff8, waitFor, writePackage, writeRawPackage } from '../helpers/packages.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

describe('hot-folder ingest', () => {
  let root: string;
  let inbox: string;
  let rejected: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  let producer: JobProducer;
  let queue: Queue;
  let hot: HotFolder;
  let images: ImageStore;
  const prefix = `t_ingest_${randomBytes(4).toString('hex')}`;
  const outcomes: IngestOutcome[] = [];

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-ingest-'));
    inbox = path.join(root, 'inbox');
    rejected = path.join(root, 'rejected');
    ({ store, cleanup } = await sqliteBackend.open());
    producer = new JobProducer(REDIS_URL, prefix);
    queue = new Queue(QueueName.Analysis, { connection: { url: REDIS_URL }, prefix });
    images = new ImageStore(path.join(root, 'images'));
    const ingest = new IngestService({ store, images, producer, rejectedDir: rejected });
    hot = new HotFolder(ingest, { inboxDir: inbox, rejectedDir: rejected, pollMs: 50, settleMs: 150, stuckMs: 800, onOutcome: (o) => outcomes.push(o) });
    await hot.start();
  });

  afterAll(async () => {
    await hot.stop();
    await queue.obliterate({ force: true });
    await queue.close();
    await producer.close();
    await cleanup();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function reasonOf(name: string): Promise<{ code: string; message: string }> {
    return waitFor(async () => {
      try {
        return JSON.parse(await fs.readFile(path.join(rejected, name, 'reason.json'), 'utf8'));
      } catch {
        return undefined;
      }
    });
  }

  it('accepts a valid package: stores images by sha-256, records the scan, enqueues, empties the inbox', async () => {
    await writePackage(path.join(inbox, 'pkg-ok-1'), 'SCAN-OK-1');
    const scan = await waitFor(async () => {
      const s = await store.scans.get('SCAN-OK-1');
      return s?.status === 'queued' ? s : undefined;
    });
    expect(scan.images.map((i) => i.energy).sort()).toEqual(['high', 'low']);
    for (const ref of scan.images) {
      const buf = await fs.readFile(images.pathOf(ref.sha256));
      expect(buf.length).toBe(ref.bytes);
    }
    const job = await queue.getJob(jobId(JobName.AnalyseScan, { scanId: 'SCAN-OK-1', contentSha256: scan.contentSha256 }));
    expect(job?.data).toEqual({ scanId: 'SCAN-OK-1', contentSha256: scan.contentSha256 });
    await waitFor(async () => !(await fs.readdir(inbox)).includes('pkg-ok-1'));
  });

  it('takes an ingested package out in one step: what a killed adapter left half-removed is swept, never quarantined', async () => {
    // A package caught by SIGKILL inside removeIngested: already renamed to its hidden name, one TIFF left.
    const leftover = path.join(inbox, '.done-SCAN-KILLED-4242-abc');
    await fs.mkdir(leftover, { recursive: true });
    await fs.writeFile(path.join(leftover, 'high.tiff'), 'half of a package');
    await writePackage(path.join(inbox, 'pkg-ok-2'), 'SCAN-OK-2');
    // Gone once no hidden name is left: pkg-ok-2's own '.done-…' exists between its rename and its delete.
    await waitFor(async () => {
      const left = await fs.readdir(inbox);
      return !left.includes('pkg-ok-2') && !left.some((n) => n.startsWith('.done-')) ? true : undefined;
    });
    expect(await fs.readdir(rejected).catch(() => [])).not.toContain('.done-SCAN-KILLED-4242-abc');
    expect((await store.scans.get('SCAN-OK-2'))?.status).toBe('queued');
  });

  it('quarantines each kind of bad input with its reason, keeps running, and still takes a good package after', async () => {
    const w = 40;
    const h = 20;
    const good = await tiff16(w, h);
    await writeRawPackage(path.join(inbox, 'bad-json'), '{"format": "xray-scan-package/1", ', { 'high.tiff': good });
    await writeRawPackage(path.join(inbox, 'bad-id'), metadata('has space/slash'), { 'high.tiff': good, 'low.tiff': good });
    const noLane: Record<string, unknown> = { ...metadata('NO-LANE') };
    delete noLane.laneId;
    await writeRawPackage(path.join(inbox, 'no-lane'), noLane, { 'high.tiff': good, 'low.tiff': good });
    await writeRawPackage(path.join(inbox, 'eight-bit'), metadata('EIGHT-BIT'), { 'high.tiff': await tiff8(w, h), 'low.tiff': await tiff8(w, h) });
    await writeRawPackage(path.join(inbox, 'size-mismatch'), metadata('SIZE-MISMATCH'), { 'high.tiff': good, 'low.tiff': await tiff16(w + 1, h) });
    await writeRawPackage(path.join(inbox, 'path-name'), metadata('PATH-NAME', { images: { high: '../high.tiff' } }), { 'high.tiff': good });
    await fs.writeFile(path.join(inbox, 'stray.bin'), 'not a package');

    expect((await reasonOf('bad-json')).code).toBe('bad_json');
    expect((await reasonOf('bad-id')).code).toBe('bad_scan_id');
    expect((await reasonOf('NO-LANE')).code).toBe('missing_field');
    expect((await reasonOf('EIGHT-BIT')).code).toBe('image_not_16bit');
    expect((await reasonOf('SIZE-MISMATCH')).code).toBe('image_size_mismatch');
    expect((await reasonOf('PATH-NAME')).code).toBe('bad_image_name');
    const stray = await reasonOf('stray.bin');
    expect(stray.code).toBe('not_a_package');
    // Nothing is lost: the rejected files are kept beside their reason.
    expect(await fs.readdir(path.join(rejected, 'EIGHT-BIT'))).toEqual(expect.arrayContaining(['high.tiff', 'low.tiff', 'scan.json', 'reason.json']));
    expect(await fs.readFile(path.join(rejected, 'stray.bin', 'stray.bin'), 'utf8')).toBe('not a package');

    await writePackage(path.join(inbox, 'pkg-ok-2'), 'SCAN-OK-2');
    await waitFor(async () => (await store.scans.get('SCAN-OK-2'))?.status === 'queued');
  });

  it('acknowledges the same scan again without re-analysis, and rejects a different one with the same id', async () => {
    const before = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    const first = await waitFor(async () => store.scans.get('SCAN-OK-1'));
    await writePackage(path.join(inbox, 'pkg-ok-1-again'), 'SCAN-OK-1');
    await waitFor(async () => outcomes.some((o) => o.kind === 'duplicate' && o.scanId === 'SCAN-OK-1'));
    await waitFor(async () => !(await fs.readdir(inbox)).includes('pkg-ok-1-again'));
    const after = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    expect(after).toEqual(before);

    await writePackage(path.join(inbox, 'pkg-conflict'), 'SCAN-OK-1', {}, { width: 64, height: 32 }, 99);
    const reason = await reasonOf('SCAN-OK-1');
    expect(reason.code).toBe('scan_id_conflict');
    const still = await store.scans.get('SCAN-OK-1');
    expect(still?.contentSha256).toBe(first.contentSha256);
  });

  it('waits for a package whose scan.json has not arrived yet', async () => {
    const dir = path.join(inbox, 'slow-writer');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'high.tiff'), await tiff16(64, 32));
    await new Promise((r) => setTimeout(r, 400));
    expect(await fs.readdir(inbox)).toContain('slow-writer');
    await fs.rm(dir, { recursive: true });
    await writePackage(dir, 'SCAN-SLOW');
    await waitFor(async () => (await store.scans.get('SCAN-SLOW'))?.status === 'queued');
  });
});
