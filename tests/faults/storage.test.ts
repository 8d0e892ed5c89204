/**
 * Fault suite, storage and models: the image store full (a small tmpfs) or read-only (remounted)
 * while scans arrive — packages stay in the inbox, the adapter's /readyz says why, nothing is
 * quarantined, and everything is analysed once when space or write access returns; and a model
 * file corrupted on disk — refused at load with its reason while the other model keeps working.
 * The storage cases need mount(8) (root in a container that allows it) and are skipped, visibly,
 * where it is not allowed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cluster.ts';
import { assertExactlyOnce, makeLane, report, until, waitTerminal, type Lane } from './kit.ts';

function canMount(): boolean {
  if (process.platform !== 'linux') return false;
  const dir = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0;
  if (ok) spawnSync('umount', [dir]);
  spawnSync('rmdir', [dir]);
  return ok;
}
const MOUNT = canMount();

function mount(args: string[]): void {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount ${args.join(' ')}: ${r.stderr}`);
}

let lane: Lane | undefined;
let mounted: string | undefined;
afterEach(async () => {
  await lane?.cluster?.stop();
  if (mounted) spawnSync('umount', ['-l', mounted]);
  await lane?.close();
  lane = undefined;
  mounted = undefined;
});

async function adapterReadiness(lane: Lane): Promise<{ status: number; body: { checks?: Record<string, string> } }> {
  const p = lane.cluster!.proc('adapter');
  const res = await fetch(`http://127.0.0.1:${p.port}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks?: Record<string, string> } };
}

describe.skipIf(!MOUNT)('fault: image store', () => {
  it('full: packages wait in the inbox, readiness names it, all analysed once when space returns', async () => {
    const images = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-fault-images-'));
    // Room for about two scans (each 2 × 190 KB of 16-bit noise, which deflate cannot shrink).
    mount(['-t', 'tmpfs', '-o', 'size=900k', 'tmpfs', images]);
    mounted = images;
    lane = await makeLane({ IMAGE_STORE_DIR: images });
    const ids = await lane.stage(8, 'full', { noise: true });
    await lane.start();
    await lane.drop(ids);
    await until('the adapter to report waiting packages', async () => (await adapterReadiness(lane!)).status === 503, 60_000, 200);
    const r = await adapterReadiness(lane);
    expect(r.body.checks?.intake).toMatch(/waiting in the inbox/);
    const waiting = (await fs.readdir(lane.inbox)).length;
    expect(waiting).toBeGreaterThan(0);
    expect(await fs.readdir(path.join(lane.dataDir, 'rejected')).catch(() => [])).toEqual([]);
    mount(['-o', 'remount,size=64m', images]);
    const backAt = performance.now();
    const doneAt = await waitTerminal(lane, ids, 180_000);
    await until('the adapter ready again', async () => (await adapterReadiness(lane!)).status === 200, 60_000, 200);
    const t = await assertExactlyOnce(lane, ids);
    expect(t.analysed).toBe(ids.length);
    report('image store full', t, (doneAt - backAt) / 1000, `${waiting} packages waited in the inbox; time from space back to all analysed`);
  }, 300_000);

  it('read-only: packages wait in the inbox, readiness names it, all analysed once when it is writable again', async () => {
    const images = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-fault-images-'));
    mount(['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', images]);
    mounted = images;
    lane = await makeLane({ IMAGE_STORE_DIR: images });
    const ids = await lane.stage(6, 'ro');
    await lane.start();
    await lane.drop(ids.slice(0, 2));
    await waitTerminal(lane, ids.slice(0, 2));
    mount(['-o', 'remount,ro', images]);
    await lane.drop(ids.slice(2));
    await until('the adapter not ready', async () => (await adapterReadiness(lane!)).status === 503, 60_000, 200);
    const r = await adapterReadiness(lane);
    expect(r.body.checks?.images).toMatch(/read-only|EROFS/i);
    await new Promise((res) => setTimeout(res, 1500));
    expect((await fs.readdir(lane.inbox)).length).toBe(4);
    mount(['-o', 'remount,rw', images]);
    const backAt = performance.now();
    const doneAt = await waitTerminal(lane, ids, 180_000);
    const t = await assertExactlyOnce(lane, ids);
    expect(t.analysed).toBe(ids.length);
    report('image store read-only', t, (doneAt - backAt) / 1000, 'time from writable again to all analysed');
  }, 300_000);
});

describe('fault: a model file corrupted on disk', () => {
  it('is refused at load with its reason; scans for the other model are analysed, its own scans are not cleared', async () => {
    const models = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-fault-models-'));
    await fs.cp(path.join(ROOT, 'models'), models, { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) && !src.endsWith('.pt') });
    const registry = JSON.parse(await fs.readFile(path.join(models, 'registry.json'), 'utf8')) as { active: Record<string, string> };
    const tubeVersion = registry.active['wildlife-timber-fcn-tube']!;
    const onnx = path.join(models, 'wildlife-timber-fcn-tube', tubeVersion, 'model.onnx');
    const bytes = await fs.readFile(onnx);
    bytes.fill(0, 1000, 2000);
    await fs.writeFile(onnx, bytes);
    try {
      lane = await makeLane({ MODELS_DIR: models });
      const linac = await lane.stage(3, 'ml');
      const tube = ['FAULT-mt-000'];
      const { writePackage } = await import('../helpers/packages.ts');
      await writePackage(path.join(lane.staging, tube[0]!), tube[0]!, { laneId: 'lane-faults', source: { kind: 'tube', highKVp: 160, lowKVp: 80 }, pixelSpacingMm: { x: 3, y: 3 } }, { width: 300, height: 150 });
      const c = await lane.start();
      const worker = c.proc('worker').output.join('');
      expect(worker).toMatch(new RegExp(`wildlife-timber-fcn-tube.*sha-?256|sha-?256.*wildlife-timber-fcn-tube`, 'i'));
      await lane.drop([...linac, ...tube]);
      await waitTerminal(lane, [...linac, ...tube]);
      const store = await lane.store();
      const t = await assertExactlyOnce(lane, [...linac, ...tube]);
      for (const id of linac) expect((await store.scans.get(id))?.verdict).not.toBe('needs_review');
      const tubeScan = await store.scans.get(tube[0]!);
      expect(tubeScan?.verdict).toBe('needs_review');
      expect(tubeScan?.verdictReasons?.map((r) => r.code)).toContain('outside_validated_domain');
      report('model file corrupted on disk', t, null, 'refused at load; linac scans analysed, the tube scan needs_review');
    } finally {
      await fs.rm(models, { recursive: true, force: true });
    }
  }, 240_000);
});
