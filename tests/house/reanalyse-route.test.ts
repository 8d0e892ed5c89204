/**
 * POST /v1/scans/:scanId/reanalyse (services/api/routes/reanalyse.ts) goes through the scan
 * lifecycle: only a supervisor, only an analysed or failed scan (else 409 with the lifecycle's
 * message), audited with the reason, a job id of its own; a decided alert stays decided when the
 * new analysis is written. Kept apart from tests/house/lifecycle.test.ts so the route and its
 * test can move together.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#services/api/app.ts';
import { systemActor } from '#services/core/access.ts';
import { loadConfig } from '#services/core/config.ts';
import { jobId, JobName } from '#services/core/jobs.ts';
import { ScanLifecycle } from '#services/scans/lifecycle.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { sqliteBackend } from '../store/backends.ts';
import { makeResult, makeScan } from '../store/factories.ts';

describe('re-analysis on request', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let dir: string;
  let app: FastifyInstance;
  const added: Array<{ scanId: string; contentSha256: string; run: string }> = [];

  beforeAll(async () => {
    ({ store, cleanup } = await sqliteBackend.open());
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-reanalyse-'));
    app = await buildApp(
      {
        config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }),
        store,
        images: new ImageStore(path.join(dir, 'images')),
        enqueueAnalysis: async (p) => void added.push(p),
      },
      { logger: false, processMetrics: false },
    );
  });

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('queues an analysed scan again for a supervisor only, with its own job id, and keeps a decided alert decided', async () => {
    const adapter = new ScanLifecycle({ store, actor: systemActor('adapter') });
    const worker = new ScanLifecycle({ store, actor: systemActor('worker') });
    const scan = makeScan('re-1');
    await adapter.receive(scan);
    await adapter.queued('re-1', scan.laneId);
    await worker.analysing(scan);
    await worker.analysed(scan, [makeResult('re-1', 2, true)], { verdict: 'alert' });

    const sue = await loginAs(app, store, 'supervisor');
    const alice = await loginAs(app, store, 'inspector');
    const alertId = (await store.alerts.listByScan('re-1'))[0]!.id;
    const claim = await app.inject({ method: 'POST', url: `/v1/alerts/${alertId}/claim`, headers: alice.headers });
    const decided = await app.inject({ method: 'POST', url: `/v1/alerts/${alertId}/decision`, headers: { ...alice.headers, 'if-match': claim.headers.etag as string }, payload: { decision: 'clear', reason: 'packaging' } });
    expect(decided.statusCode, decided.body).toBe(200);

    expect((await app.inject({ method: 'POST', url: '/v1/scans/re-1/reanalyse', headers: alice.headers, payload: { reason: 'new model' } })).statusCode).toBe(403);
    const res = await app.inject({ method: 'POST', url: '/v1/scans/re-1/reanalyse', headers: sue.headers, payload: { reason: 'new calibration profile' } });
    expect(res.statusCode, res.body).toBe(202);
    expect((await store.scans.get('re-1'))?.status).toBe('queued');
    expect(added).toHaveLength(1);
    expect(jobId(JobName.AnalyseScan, added[0]!)).not.toBe(jobId(JobName.AnalyseScan, { scanId: 're-1', contentSha256: scan.contentSha256 }));
    const audit = (await store.audit.list({ action: 'scan.reanalyse_requested', limit: 5 }))[0]!;
    expect(audit).toMatchObject({ actor: { name: sue.username }, object: { id: 're-1' }, after: { reason: 'new calibration profile' } });

    // Sent back twice: the lifecycle refuses (it is queued), nothing is enqueued.
    const again = await app.inject({ method: 'POST', url: '/v1/scans/re-1/reanalyse', headers: sue.headers, payload: { reason: 'again' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toContain('scan re-1 is queued; it cannot become queued');
    expect(added).toHaveLength(1);

    // The new analysis is written: the decided alert stays decided.
    await worker.analysing(scan);
    await worker.analysed(scan, [makeResult('re-1', 2, true)], { verdict: 'alert' });
    expect((await store.alerts.get(alertId))?.status).toBe('cleared');
    expect((await app.inject({ method: 'POST', url: '/v1/scans/nope/reanalyse', headers: sue.headers, payload: { reason: 'missing' } })).statusCode).toBe(404);
  });
});
