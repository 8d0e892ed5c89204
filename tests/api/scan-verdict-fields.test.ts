/**
 * The scan's verdict reasons and calibration, and the timber density interval, from the store's
 * one status writer to GET /v1/scans/:id and /metrics, on SQLite and PostgreSQL.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import type { ScanCalibration, VerdictReason } from '#services/core/domain.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { backends } from '../store/backends.ts';
import { makeDetection, makeScan, stamp, t } from '../store/factories.ts';

const REVIEW: VerdictReason = { code: 'outside_validated_domain', message: 'linac 9/6 MeV, 5×5 mm pixels: active models are validated for high energy 4–7 MeV (m@1)' };
const PROFILE: ScanCalibration = { mode: 'profile', profileId: 'cal-0123456789abcdef0123456789abcdef', version: 3 };

describe.each(backends)('scan verdict fields on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let dir: string;
  let auth: { authorization: string };

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-verdict-'));
    app = await buildApp({ config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images: new ImageStore(path.join(dir, 'images')) }, { logger: false, processMetrics: false });
    auth = (await loginAs(app, store, 'supervisor')).headers;
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const detail = async (id: string) => (await app.inject({ headers: auth, url: `/v1/scans/${id}` })).json();

  it('shows no reasons and no calibration before analysis', async () => {
    await store.scans.insert(makeScan('v-new', { receivedAt: t(1) }));
    expect(await detail('v-new')).toMatchObject({ verdict: null, verdictReasons: [], calibration: null });
  });

  it('stores needs_review with its reason and the calibration without a model run (updateStatus)', async () => {
    await store.scans.insert(makeScan('v-review', { receivedAt: t(2) }));
    await store.scans.updateStatus('v-review', { status: 'analysed', verdict: 'needs_review', verdictReasons: [REVIEW], calibration: PROFILE, failureReason: null });
    expect(await store.scans.get('v-review')).toMatchObject({ verdict: 'needs_review', verdictReasons: [REVIEW], calibration: PROFILE });
    expect(await detail('v-review')).toMatchObject({ status: 'analysed', verdict: 'needs_review', verdictReasons: [REVIEW], calibration: PROFILE });
  });

  it('stores them beside the results (recordAnalysis), with the detections\' density interval', async () => {
    await store.scans.insert(makeScan('v-rec', { receivedAt: t(3) }));
    const timber = makeDetection('v-rec', 'v-rec-d1', { class: 'timber', species: 'very-dense-hardwood', densityGcm3: 1.1, densityIntervalGcm3: [0.78, 1.4], densityFloorGcm3: 0.712 });
    const ivory = makeDetection('v-rec', 'v-rec-d2');
    const nominal: ScanCalibration = { mode: 'nominal', profileId: null, version: null };
    await store.recordAnalysis([{ scanId: 'v-rec', stamp, detections: [timber, ivory], alert: null }], {
      status: 'analysed',
      verdict: 'needs_review',
      verdictReasons: [REVIEW],
      calibration: nominal,
    });
    const stored = await store.detections.listByScan('v-rec');
    expect(stored.find((d) => d.id === 'v-rec-d1')).toMatchObject({ densityIntervalGcm3: [0.78, 1.4], densityFloorGcm3: 0.712 });
    expect(stored.find((d) => d.id === 'v-rec-d2')?.densityFloorGcm3).toBeUndefined();
    const d = await detail('v-rec');
    expect(d).toMatchObject({ verdict: 'needs_review', verdictReasons: [REVIEW], calibration: nominal });
    const byId = Object.fromEntries(d.detections.map((x: { id: string }) => [x.id, x]));
    expect(byId['v-rec-d1']).toMatchObject({ densityGcm3: 1.1, densityIntervalGcm3: [0.78, 1.4], densityFloorGcm3: 0.712 });
    expect(byId['v-rec-d2']).toMatchObject({ densityIntervalGcm3: null, densityFloorGcm3: null });
  });

  it('keeps reasons with their verdict: a new verdict without reasons clears them; calibration stays unless given', async () => {
    await store.scans.updateStatus('v-review', { status: 'analysing' });
    expect(await detail('v-review')).toMatchObject({ verdictReasons: [REVIEW], calibration: PROFILE });
    await store.scans.updateStatus('v-review', { status: 'analysed', verdict: 'clear' });
    expect(await detail('v-review')).toMatchObject({ verdict: 'clear', verdictReasons: [], calibration: PROFILE });
    await store.scans.updateStatus('v-review', { status: 'failed', verdict: null, failureReason: 'x', calibration: null });
    expect(await detail('v-review')).toMatchObject({ verdict: null, verdictReasons: [], calibration: null });
  });

  it('filters by verdict=needs_review and counts by verdict and reason', async () => {
    await store.scans.insert(makeScan('v-alert', { receivedAt: t(4) }));
    await store.scans.updateStatus('v-alert', { status: 'analysed', verdict: 'alert' });
    // A message quoting a reason code does not count as that reason.
    await store.scans.insert(makeScan('v-quote', { receivedAt: t(5) }));
    await store.scans.updateStatus('v-quote', { status: 'analysed', verdict: 'needs_review', verdictReasons: [{ code: 'outside_validated_domain', message: 'says "code":"outside_validated_domain"' }] });

    const list = (await app.inject({ headers: auth, url: '/v1/scans?verdict=needs_review' })).json();
    expect(list.items.map((s: { scanId: string }) => s.scanId)).toEqual(['v-quote', 'v-rec']);
    expect(await store.scans.countByVerdict()).toEqual({ needs_review: 2, alert: 1 });
    expect(await store.scans.countByVerdictReason()).toEqual({ outside_validated_domain: 2 });

    const metrics = (await app.inject({ headers: auth, url: '/metrics' })).body;
    expect(metrics).toMatch(/^cxr_scan_verdicts\{verdict="needs_review"\} 2$/m);
    expect(metrics).toMatch(/^cxr_scan_verdicts\{verdict="clear"\} 0$/m);
    expect(metrics).toMatch(/^cxr_scan_verdicts\{verdict="alert"\} 1$/m);
    expect(metrics).toMatch(/^cxr_scan_verdict_reasons\{code="outside_validated_domain"\} 2$/m);
  });
});
