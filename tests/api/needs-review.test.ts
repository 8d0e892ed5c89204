/**
 * Scans outside every active model's validated domain, through the real system (inbox →
 * adapter → BullMQ → worker with the committed ONNX weights → store → API) on SQLite and
 * PostgreSQL: they end `analysed` with verdict `needs_review` and the reason, never `clear`,
 * are listed by `?verdict=needs_review` and counted in /metrics. A shadow model validated for
 * the scan runs (its detections are kept) but cannot vouch for it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdapter, type AdapterHandle } from '#adapter/main.ts';
import type { ScanMetadata } from '#adapter/scan-package/types.ts';
import { startApi } from '#services/api/main.ts';
import { loadConfig, type AppConfig } from '#services/core/config.ts';
import type { ModelCard, ValidatedDomain } from '#services/model-registry/card.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { analyseImages } from '#workers/analysis/analyse.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import { startWorker, type WorkerHandle } from '#workers/main.ts';
import { TEST_ADMIN_PASSWORD, loginAtUrl } from '../helpers/auth.ts';
import { gradient, metadata, waitFor, writePackage } from '../helpers/packages.ts';
import { PG_URL, dropSchema } from '../store/backends.ts';

const ID = 'wildlife-timber-fcn';
const CANDIDATE = '9.9.9-wide';
/** The linac model, validated (for this test) on 4–7 MeV dual-energy scans at 2–12 mm. */
const DOMAIN: ValidatedDomain = { sourceKinds: ['linac'], highEnergyMeV: [4, 7], lowEnergyMeV: [2, 5], pixelSpacingMm: [2, 12], dualEnergy: true };

/** A private registry: the committed linac weights with a domain, plus a shadow candidate validated up to 10 MeV. */
async function modelsWithDomain(root: string): Promise<{ dir: string; version: string }> {
  const real = await loadModelRegistry(loadConfig().modelsDir);
  const linac = real.active.find((m) => m.card.id === ID)!;
  const dir = path.join(root, 'models');
  for (const [version, domain] of [
    [linac.card.version, DOMAIN],
    [CANDIDATE, { ...DOMAIN, highEnergyMeV: [4, 10], lowEnergyMeV: [2, 7] }],
  ] as const) {
    const to = path.join(dir, ID, version);
    await fs.cp(linac.dir, to, { recursive: true });
    const card = JSON.parse(await fs.readFile(path.join(to, 'card.json'), 'utf8')) as ModelCard;
    await fs.writeFile(path.join(to, 'card.json'), JSON.stringify({ ...card, version, domain }));
  }
  await fs.writeFile(path.join(dir, 'registry.json'), JSON.stringify({ active: { [ID]: linac.card.version } }));
  return { dir, version: linac.card.version };
}

interface Detail {
  status: string;
  verdict: string | null;
  verdictReasons: Array<{ code: string; message: string }>;
  calibration: unknown;
  failureReason: string | null;
  detections: Array<{ modelVersion: string; shadow: boolean }>;
  alerts: unknown[];
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`needs_review on ${backend}`, () => {
    let root: string;
    let config: AppConfig;
    let version: string;
    let worker: WorkerHandle;
    let adapter: AdapterHandle;
    let api: { url: string; close(): Promise<void> };
    const schema = `t_review_${randomBytes(4).toString('hex')}`;
    const logs: string[] = [];
    let auth: { authorization: string };

    beforeAll(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), `cxr-review-${backend}-`));
      const models = await modelsWithDomain(root);
      version = models.version;
      config = loadConfig({
        ...process.env,
        DATA_DIR: root,
        MODELS_DIR: models.dir,
        SHADOW_MODELS: `${ID}@${CANDIDATE}`,
        QUEUE_PREFIX: `t_review_${randomBytes(4).toString('hex')}`,
        DATABASE_URL: backend === 'postgres' ? PG_URL : '',
        DATABASE_SCHEMA: backend === 'postgres' ? schema : '',
        PORT: '0',
        INBOX_POLL_MS: '100',
        INBOX_SETTLE_MS: '200',
        LOG_LEVEL: 'silent',
        ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      });
      worker = await startWorker(config, (m) => logs.push(m));
      adapter = await startAdapter(config, () => {});
      api = await startApi(config);
      auth = (await loginAtUrl(api.url, 'supervisor')).headers;
    });

    afterAll(async () => {
      await adapter?.close();
      await api?.close();
      await worker?.close();
      if (backend === 'postgres') await dropSchema(schema);
      if (root) await fs.rm(root, { recursive: true, force: true });
    });

    async function ingest(scanId: string, over: Partial<ScanMetadata>): Promise<Detail> {
      const tmp = path.join(root, 'staging', scanId);
      await writePackage(tmp, scanId, { laneId: 'lane-review', ...over }, { width: 96, height: 48 });
      await fs.rename(tmp, path.join(config.inboxDir, scanId));
      return waitFor(async () => {
        const res = await fetch(`${api.url}/v1/scans/${scanId}`, { headers: auth });
        if (res.status !== 200) return undefined;
        const d = (await res.json()) as Detail;
        return d.status === 'analysed' || d.status === 'failed' ? d : undefined;
      }, 60_000, 100);
    }

    it('ends a 9/6 MeV scan needs_review with the reason; the shadow model validated for it runs but cannot vouch', async () => {
      const d = await ingest('review-9mev', { source: { kind: 'linac', highMeV: 9, lowMeV: 6 } });
      expect(d).toMatchObject({ status: 'analysed', verdict: 'needs_review', failureReason: null, alerts: [], calibration: { mode: 'nominal', profileId: null, version: null } });
      expect(d.verdictReasons).toEqual([
        {
          code: 'outside_validated_domain',
          message: `linac 9/6 MeV, 5×5 mm pixels: active models are validated for high energy 4–7 MeV and low energy 2–5 MeV (${ID}@${version})`,
        },
      ]);
      expect(d.detections.every((x) => x.shadow && x.modelVersion === CANDIDATE)).toBe(true);
      // The same scan on the analysis path in-process: the candidate ran, the active model did not.
      const reg = await loadModelRegistry(config.modelsDir, config.shadowModels);
      const pool = new InferencePool(1, 1);
      try {
        for (const m of [...reg.active, ...reg.shadow]) await pool.load(m.path);
        const [w, h] = [96, 48];
        const meta = metadata('review-9mev', { laneId: 'lane-review', source: { kind: 'linac', highMeV: 9, lowMeV: 6 } });
        const images = { high: { width: w, height: h, data: gradient(w, h, 1) }, low: { width: w, height: h, data: gradient(w, h, 2) } };
        const a = await analyseImages({ scanId: meta.scanId, metadata: meta, images }, { models: [...reg.active, ...reg.shadow], pool, species: loadSpeciesReference() });
        expect(a.results.map((r) => r.stamp.modelVersion)).toEqual([CANDIDATE]);
        expect(a.skipped.map((s) => s.model)).toEqual([`${ID}@${version}`]);
        expect(a.verdict).toBe('needs_review');
        expect(a.verdictReasons).toEqual(d.verdictReasons);
      } finally {
        await pool.close();
      }
      expect(logs.some((l) => l.startsWith('review-9mev: needs_review') && l.includes('outside_validated_domain'))).toBe(true);
    });

    it('ends a tube scan needs_review when only a linac model is active', async () => {
      const d = await ingest('review-tube', { source: { kind: 'tube', highKVp: 160, lowKVp: 80 } });
      expect(d).toMatchObject({ status: 'analysed', verdict: 'needs_review', detections: [], alerts: [] });
      expect(d.verdictReasons).toEqual([
        { code: 'outside_validated_domain', message: `tube 160/80 kVp, 5×5 mm pixels: active models are validated for linac sources (${ID}@${version})` },
      ]);
    });

    it('ends a single-energy and a too-coarse scan needs_review, saying why', async () => {
      const single = await ingest('review-single', { source: { kind: 'linac', highMeV: 6 }, images: { high: 'high.tiff' } });
      expect(single.verdict).toBe('needs_review');
      expect(single.verdictReasons[0]!.message).toBe(`linac 6 MeV single-energy, 5×5 mm pixels: active models are validated for dual-energy scans (${ID}@${version})`);
      const coarse = await ingest('review-coarse', { pixelSpacingMm: { x: 5, y: 15 } });
      expect(coarse.verdict).toBe('needs_review');
      expect(coarse.verdictReasons[0]!.message).toContain(`validated for pixel spacing 2–12 mm (${ID}@${version})`);
    });

    it('analyses an in-domain 6/4 MeV scan as before, with no verdict reason', async () => {
      const d = await ingest('review-6mev', { source: { kind: 'linac', highMeV: 6, lowMeV: 4 } });
      expect(d.status).toBe('analysed');
      expect(['clear', 'alert']).toContain(d.verdict);
      expect(d.verdictReasons).toEqual([]);
    });

    it('lists needs_review scans by verdict and counts them in /metrics', async () => {
      const list = (await (await fetch(`${api.url}/v1/scans?verdict=needs_review&lane=lane-review`, { headers: auth })).json()) as { items: Array<{ scanId: string; verdict: string }> };
      expect(list.items.map((s) => s.scanId).sort()).toEqual(['review-9mev', 'review-coarse', 'review-single', 'review-tube']);
      const bad = await fetch(`${api.url}/v1/scans?verdict=maybe`, { headers: auth });
      expect(bad.status).toBe(400);

      const metrics = await (await fetch(`${api.url}/metrics`, { headers: auth })).text();
      expect(metrics).toMatch(/^cxr_scan_verdicts\{verdict="needs_review"\} 4$/m);
      expect(metrics).toMatch(/^cxr_scan_verdict_reasons\{code="outside_validated_domain"\} 4$/m);
      const inDomain = Number(/^cxr_scan_verdicts\{verdict="clear"\} (\d+)$/m.exec(metrics)![1]) + Number(/^cxr_scan_verdicts\{verdict="alert"\} (\d+)$/m.exec(metrics)![1]);
      expect(inDomain).toBe(1);
    });
  });
}
