/**
 * End to end on real Redis, real SQLite and real PostgreSQL, with the committed model:
 * simulated packages dropped into the inbox come out as scans with verdicts; alerts' boxes
 * overlap the truth boxes; SSE delivers the alerts; a transient failure is retried and leaves
 * exactly one set of detections.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdapter, type AdapterHandle } from '#adapter/main.ts';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import type { ScanTruth } from '#adapter/scan-package/types.ts';
import { simulateScan } from '#adapter/simulator/index.ts';
import { startApi } from '#services/api/main.ts';
import { loadConfig, type AppConfig } from '#services/core/config.ts';
import type { AlertRecord, DetectionRecord, ScanRecord } from '#services/core/domain.ts';
import { startWorker, type WorkerHandle } from '#workers/main.ts';
import { analyseImages } from '#workers/analysis/analyse.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { TEST_ADMIN_PASSWORD, loginAtUrl } from '../helpers/auth.ts';
import { waitFor } from '../helpers/packages.ts';
import { localisationIoU } from '#models/evaluation/metrics.ts';
import { collectEvents, type ReceivedEvent } from '../helpers/sse.ts';
import { PG_URL, dropSchema } from '../store/backends.ts';

const SCENARIOS: Array<{ scenario: string; seed: number; index: number }> = [
  { scenario: 'ivory', seed: 71, index: 0 },
  { scenario: 'ivory', seed: 71, index: 1 },
  { scenario: 'rhino_horn', seed: 72, index: 0 },
  { scenario: 'rhino_horn', seed: 72, index: 1 },
  { scenario: 'benign', seed: 73, index: 0 },
  { scenario: 'benign', seed: 73, index: 1 },
  { scenario: 'cites_timber', seed: 74, index: 0 },
];

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`pipeline on ${backend}`, () => {
    let root: string;
    let config: AppConfig;
    let worker: WorkerHandle;
    let adapter: AdapterHandle;
    let api: { url: string; close(): Promise<void> };
    const schema = `t_e2e_${randomBytes(4).toString('hex')}`;
    const truths = new Map<string, ScanTruth>();
    const events: ReceivedEvent[] = [];
    let sse: AbortController;
    /** An operator of the lane the scans come through: sees them and their events. */
    let auth: { authorization: string };

    beforeAll(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), `cxr-e2e-${backend}-`));
      config = loadConfig({
        ...process.env,
        DATA_DIR: root,
        QUEUE_PREFIX: `t_e2e_${randomBytes(4).toString('hex')}`,
        DATABASE_URL: backend === 'postgres' ? PG_URL : '',
        DATABASE_SCHEMA: backend === 'postgres' ? schema : '',
        PORT: '0',
        INBOX_POLL_MS: '100',
        INBOX_SETTLE_MS: '200',
        ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      });
      worker = await startWorker(config, () => {});
      adapter = await startAdapter(config, () => {});
      api = await startApi(config);
      auth = (await loginAtUrl(api.url, 'operator', { lanes: ['lane-e2e'] })).headers;
      sse = collectEvents(`${api.url}/v1/events`, events, undefined, auth);
      await new Promise((r) => setTimeout(r, 300));
    });

    afterAll(async () => {
      sse?.abort();
      await adapter?.close();
      await api?.close();
      await worker?.close();
      if (backend === 'postgres') await dropSchema(schema);
      await fs.rm(root, { recursive: true, force: true });
    });

    it('turns simulated packages into scans with the verdicts of the analysis path, and alerts that overlap the truth', async () => {
      const offline = new Map<string, Awaited<ReturnType<typeof analyseImages>>>();
      const reg = await loadModelRegistry(config.modelsDir);
      const pool = new InferencePool(1, 1);
      try {
        for (const m of reg.active) await pool.load(m.path);
        for (const s of SCENARIOS) {
          const sim = simulateScan({ seed: s.seed, index: s.index, scenario: s.scenario, source: 'linac', laneId: 'lane-e2e' });
          truths.set(sim.metadata.scanId, sim.truth);
          const images = { high: { width: sim.width, height: sim.height, data: sim.high }, low: { width: sim.width, height: sim.height, data: sim.low } };
          // What the analysis code path says in-process; the system must say the same after files, queue and store.
          offline.set(sim.metadata.scanId, await analyseImages({ scanId: sim.metadata.scanId, metadata: sim.metadata, images }, { models: reg.active, pool, species: loadSpeciesReference() }));
          const tmp = path.join(root, 'staging', sim.metadata.scanId);
          await writeScanPackage(tmp, sim.metadata, images.high, images.low);
          // Scanners move finished packages in; so do we.
          await fs.rename(tmp, path.join(config.inboxDir, sim.metadata.scanId));
        }
      } finally {
        await pool.close();
      }
      const ids = [...truths.keys()];
      const scans = await waitFor(async () => {
        const res = await fetch(`${api.url}/v1/scans?lane=lane-e2e&limit=50`, { headers: auth });
        const body = (await res.json()) as { items: ScanRecord[] };
        const done = body.items.filter((s) => s.status === 'analysed' || s.status === 'failed');
        return done.length === ids.length ? body.items : undefined;
      }, 120_000, 250);
      expect(scans.every((s) => s.status === 'analysed')).toBe(true);

      let localised = 0;
      for (const id of ids) {
        const truth = truths.get(id)!;
        const expected = offline.get(id)!;
        const res = await fetch(`${api.url}/v1/scans/${id}`, { headers: auth });
        const detail = (await res.json()) as ScanRecord & { detections: DetectionRecord[]; alerts: AlertRecord[] };
        expect(detail.verdict, id).toBe(expected.verdict);
        const key = (d: DetectionRecord) => `${d.class}|${d.score}|${d.box.x},${d.box.y},${d.box.width},${d.box.height}`;
        expect(detail.detections.map(key).sort(), id).toEqual(expected.results.flatMap((r) => r.detections).map(key).sort());
        for (const d of detail.detections) expect(d.modelSha256).toMatch(/^[0-9a-f]{64}$/);

        const wildlife = truth.objects.filter((o) => o.class === 'ivory' || o.class === 'rhino_horn');
        if (detail.verdict === 'alert') {
          expect(detail.alerts).toHaveLength(1);
          expect(events.some((e) => e.event === 'alert.created' && e.data.scanId === id), `SSE alert for ${id}`).toBe(true);
          const raised = detail.detections.filter((d) => d.aboveThreshold && (d.class === 'ivory' || d.class === 'rhino_horn'));
          if (raised.length > 0 && wildlife.length > 0) {
            // A wildlife alert on a scan that holds wildlife points at it: "box on the object", IoU ≥ 0.3
            // (the definition of issue 8's measurements), with a truth box of its class or with the box
            // around the bundle of such objects it covers (crowd-aware). A 2.3.0 box on a wrapped horn
            // 94 × 38 px (seed 72 index 1) has IoU 0.38: on the object, looser than 0.5.
            const of = (c: string) => wildlife.filter((o) => o.class === c).map((o) => o.boundingBox);
            expect(raised.some((d) => of(d.class).some((o) => localisationIoU(d.box, o, of(d.class)) >= 0.3)), `${id} localised`).toBe(true);
            localised++;
          }
        }
        if (truth.objects.every((o) => !['ivory', 'rhino_horn', 'timber', 'dense_hardwood'].includes(o.class))) {
          expect(detail.verdict, `${id} holds no contraband and no wood`).toBe('clear');
        }
      }
      // The set holds scans the active model catches on this simulator (rhino horn seeds 72: see its card's
      // leave-scanners-out table): at least one wildlife alert must come through, localised.
      expect(localised).toBeGreaterThan(0);
      expect(events.filter((e) => e.event === 'scan.status' && e.data.status === 'analysed').length).toBeGreaterThanOrEqual(ids.length);
    });
  });
}

describe('retries', () => {
  /**
   * An adapter (no worker yet) on a fresh SQLite deployment with one simulated scan ingested and
   * queued; returns the stored high-energy image's path so a test can damage it first.
   */
  async function queuedScan(tag: string, sim: ReturnType<typeof simulateScan>) {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), `cxr-${tag}-`));
    const config = loadConfig({ ...process.env, DATA_DIR: root, QUEUE_PREFIX: `t_${tag}_${randomBytes(4).toString('hex')}`, DATABASE_URL: '', PORT: '0', INBOX_POLL_MS: '100', INBOX_SETTLE_MS: '200' });
    const adapter = await startAdapter(config, () => {});
    const { openStore } = await import('#services/store/database.ts');
    const { ImageStore } = await import('#services/storage/image-store.ts');
    const store = await openStore({ sqlitePath: config.sqlitePath });
    const id = sim.metadata.scanId;
    const tmp = path.join(root, 'staging', id);
    await writeScanPackage(tmp, sim.metadata, { width: sim.width, height: sim.height, data: sim.high }, { width: sim.width, height: sim.height, data: sim.low });
    await fs.rename(tmp, path.join(config.inboxDir, id));
    const queued = await waitFor(async () => {
      const s = await store.scans.get(id);
      return s?.status === 'queued' ? s : undefined;
    });
    const highFile = new ImageStore(config.imageStoreDir).pathOf(queued.images.find((i) => i.energy === 'high')!.sha256);
    const close = async () => {
      await adapter.close();
      await store.close();
      await fs.rm(root, { recursive: true, force: true });
    };
    return { config, store, id, highFile, close };
  }

  it('retries a job after a transient storage fault and ends with exactly one set of detections', async () => {
    const { config, store, id, highFile: file, close } = await queuedScan('retry', simulateScan({ seed: 71, index: 0, scenario: 'ivory', source: 'linac', laneId: 'lane-retry' }));
    let worker: WorkerHandle | undefined;
    try {
      // Take the stored high-energy image away: the first attempt must fail and be retried.
      await fs.rename(file, `${file}.away`);
      const logs: string[] = [];
      worker = await startWorker(config, (m) => logs.push(m));
      await waitFor(async () => logs.some((l) => l.includes(`${id}: attempt 1 failed, will retry`)), 30_000);
      expect((await store.scans.get(id))?.status).not.toBe('analysed');
      await fs.rename(`${file}.away`, file);
      const done = await waitFor(async () => {
        const s = await store.scans.get(id);
        return s?.status === 'analysed' ? s : undefined;
      }, 60_000);
      const alertsExpected = done.verdict === 'alert' ? 1 : 0;
      const dets = await store.detections.listByScan(id);
      expect(dets.length).toBeGreaterThan(0);
      expect(new Set(dets.map((d) => d.id)).size).toBe(dets.length);
      expect(await store.alerts.listByScan(id)).toHaveLength(alertsExpected);
      // One run's worth: the retried job did not add to the first attempt's rows.
      const models = new Set(dets.map((d) => `${d.modelId}@${d.modelVersion}`));
      expect(models.size).toBe(1);

      // A second run of the same job (as after a stalled lock) replaces, never adds.
      const { loadModelRegistry } = await import('#services/model-registry/registry.ts');
      const { InferencePool } = await import('#workers/inference/inference-pool.ts');
      const { loadSpeciesReference } = await import('#services/core/species-reference.ts');
      const { handleAnalyseScan } = await import('#workers/handlers/analyse-scan.ts');
      const { ImageStore } = await import('#services/storage/image-store.ts');
      const reg = await loadModelRegistry(config.modelsDir);
      const pool = new InferencePool(1, 1);
      try {
        await handleAnalyseScan({ data: { scanId: id, contentSha256: done.contentSha256 } } as Parameters<typeof handleAnalyseScan>[0], {
          models: reg.active, pool, species: loadSpeciesReference(), store, images: new ImageStore(config.imageStoreDir),
        });
      } finally {
        await pool.close();
      }
      const again = await store.detections.listByScan(id);
      expect(again.map((d) => d.id).sort()).toEqual(dets.map((d) => d.id).sort());
      expect(await store.alerts.listByScan(id)).toHaveLength(alertsExpected);
    } finally {
      await worker?.close();
      await close();
    }
  });

  it('fails a scan whose stored image turns out corrupt at once, with the reason on the scan', async () => {
    const { config, store, id, highFile: file, close } = await queuedScan('bad', simulateScan({ seed: 73, index: 0, scenario: 'benign', source: 'linac', laneId: 'lane-bad' }));
    const logs: string[] = [];
    let worker: WorkerHandle | undefined;
    try {
      // The stored file is damaged after ingest (disk fault): garbage where the pixels were.
      await fs.writeFile(file, Buffer.alloc(4096, 0x5a));
      worker = await startWorker(config, (m) => logs.push(m));
      const failed = await waitFor(async () => {
        const s = await store.scans.get(id);
        return s?.status === 'failed' ? s : undefined;
      }, 30_000);
      expect(failed.failureReason).toMatch(/stored high image does not match its sha-256/);
      expect(failed.verdict).toBeNull();
      // Failed at once: an unrecoverable input is not retried.
      await waitFor(async () => logs.some((l) => l.includes(`${id}: attempt`)));
      expect(logs.filter((l) => l.includes(`${id}: attempt`))).toEqual([expect.stringContaining('failed (final)')]);
      expect(await store.detections.listByScan(id)).toEqual([]);
    } finally {
      await worker?.close();
      await close();
    }
  });
});
