/**
 * The scan lifecycle (issue 9 §0) on SQLite and PostgreSQL with real Redis: the one writer moves a
 * scan received → queued → analysing → analysed, each change audited in the same transaction and
 * announced after the write; an illegal move changes nothing; a failure never lands on a finished
 * analysis and never shows a server path; a supervisor's re-analysis queues an analysed scan again
 * with its own job id and an audit entry, and keeps a decided alert decided.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#services/api/app.ts';
import { verifyChain } from '#services/audit/audit-service.ts';
import { systemActor } from '#services/core/access.ts';
import { loadConfig } from '#services/core/config.ts';
import { jobId, JobName } from '#services/core/jobs.ts';
import { ScanTransitionError } from '#services/core/scan-lifecycle.ts';
import { EventPublisher, EventSubscriber, eventStreamKey, type SystemEvent } from '#services/events/events.ts';
import { publicReason, ScanLifecycle } from '#services/scans/lifecycle.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { waitFor } from '../helpers/packages.ts';
import { backends } from '../store/backends.ts';
import { makeResult, makeScan } from '../store/factories.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

describe.each(backends)('scan lifecycle on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let pub: Redis;
  let subscriber: EventSubscriber;
  let lifecycle: ScanLifecycle;
  let dir: string;
  const events: SystemEvent[] = [];
  const prefix = `t_life_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-life-'));
    pub = new Redis(REDIS_URL);
    subscriber = new EventSubscriber(REDIS_URL, prefix);
    await subscriber.start();
    subscriber.on((e) => events.push(e));
    lifecycle = new ScanLifecycle({ store, events: new EventPublisher(pub, prefix), actor: systemActor('worker') });
  });

  afterAll(async () => {
    await subscriber?.close();
    await pub?.del(eventStreamKey(prefix));
    pub?.disconnect();
    await cleanup?.();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const statusEvents = (scanId: string) => events.filter((e): e is Extract<SystemEvent, { type: 'scan.status' }> => e.type === 'scan.status' && e.scanId === scanId).map((e) => e.status);

  it('moves a scan through its life, audited and announced after each write', async () => {
    const scan = makeScan('life-1', { status: 'received' });
    expect(await lifecycle.receive(scan)).toBe('inserted');
    expect(await lifecycle.receive(scan)).toBe('duplicate'); // nothing new: no second entry
    await lifecycle.queued('life-1', scan.laneId);
    await lifecycle.analysing((await store.scans.get('life-1'))!);
    const r = makeResult('life-1', 2, true);
    await lifecycle.analysed(scan, [r], { verdict: 'alert', timings: { finishedAt: new Date().toISOString() } });

    expect((await store.scans.get('life-1'))?.status).toBe('analysed');
    await waitFor(async () => statusEvents('life-1').length >= 4);
    expect(statusEvents('life-1')).toEqual(['received', 'queued', 'analysing', 'analysed']);
    expect(events.some((e) => e.type === 'alert.created' && e.scanId === 'life-1')).toBe(true);
    const actions = (await store.audit.list({ objectId: 'life-1', limit: 20 })).map((e) => e.action);
    expect(actions).toEqual(['scan.received', 'scan.analysed']);
    expect((await store.audit.list({ action: 'alert.raised', limit: 5 })).map((e) => e.object!.id)).toEqual([r.alert!.id]);
    expect((await verifyChain(store.audit)).ok).toBe(true);
  });

  it('refuses an illegal move and writes nothing; a failure never lands on a finished analysis', async () => {
    const before = await store.scans.get('life-1');
    await expect(lifecycle.analysing(before!)).rejects.toBeInstanceOf(ScanTransitionError);
    await expect(lifecycle.analysing(before!)).rejects.toThrow('scan life-1 is analysed; it cannot become analysing');
    expect(await lifecycle.failed('life-1', 'late failure of an old attempt')).toBe(false);
    const after = await store.scans.get('life-1');
    expect(after).toMatchObject({ status: 'analysed', verdict: before!.verdict, updatedAt: before!.updatedAt });
  });

  it('records a failure with a reason that shows no server path', async () => {
    const scan = makeScan('life-2', { status: 'received' });
    await lifecycle.receive(scan);
    await lifecycle.queued('life-2', scan.laneId);
    const reason = `ENOENT: no such file or directory, access '${dir}/images/ab/cd/abcdef.tiff'`;
    expect(await lifecycle.failed('life-2', reason)).toBe(true);
    const failed = await store.scans.get('life-2');
    expect(failed?.status).toBe('failed');
    expect(failed?.failureReason).not.toContain(dir);
    expect(failed?.failureReason).toContain('cd/abcdef.tiff');
    expect(publicReason('cannot decode high image of s-1: bad header')).toBe('cannot decode high image of s-1: bad header');
    expect((await store.audit.list({ action: 'scan.failed', limit: 5 })).map((e) => e.object!.id)).toEqual(['life-2']);
  });

  it('lets a supervisor send an analysed scan back: queued, audited, its own job id, decided alert kept', async () => {
    let added: { scanId: string; contentSha256: string; run: string } | undefined;
    const app: FastifyInstance = await buildApp(
      {
        config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }),
        store,
        images: new ImageStore(path.join(dir, 'images')),
        enqueueAnalysis: async (p) => {
          added = p;
        },
      },
      { logger: false, processMetrics: false },
    );
    try {
      const sue = await loginAs(app, store, 'supervisor');
      const alice = await loginAs(app, store, 'inspector');
      const alertId = (await store.alerts.listByScan('life-1'))[0]!.id;
      const claim = await app.inject({ method: 'POST', url: `/v1/alerts/${alertId}/claim`, headers: alice.headers });
      await app.inject({ method: 'POST', url: `/v1/alerts/${alertId}/decision`, headers: { ...alice.headers, 'if-match': claim.headers.etag as string }, payload: { decision: 'clear', reason: 'packaging' } });

      expect((await app.inject({ method: 'POST', url: '/v1/scans/life-1/reanalyse', headers: alice.headers, payload: { reason: 'new model' } })).statusCode).toBe(403);
      const res = await app.inject({ method: 'POST', url: '/v1/scans/life-1/reanalyse', headers: sue.headers, payload: { reason: 'new calibration profile' } });
      expect(res.statusCode, res.body).toBe(202);
      expect((await store.scans.get('life-1'))?.status).toBe('queued');
      const base = jobId(JobName.AnalyseScan, { scanId: 'life-1', contentSha256: added!.contentSha256 });
      expect(jobId(JobName.AnalyseScan, added!)).not.toBe(base);
      const audit = (await store.audit.list({ action: 'scan.reanalyse_requested', limit: 5 }))[0]!;
      expect(audit).toMatchObject({ actor: { name: sue.username }, object: { id: 'life-1' }, after: { reason: 'new calibration profile' } });

      // The re-analysis writes its results: the decided alert stays decided.
      await lifecycle.analysing((await store.scans.get('life-1'))!);
      await lifecycle.analysed((await store.scans.get('life-1'))!, [makeResult('life-1', 2, true)], { verdict: 'alert' });
      expect((await store.alerts.get(alertId))?.status).toBe('cleared');

      // A scan in the queue cannot be sent back again.
      const twice = await app.inject({ method: 'POST', url: '/v1/scans/life-2/reanalyse', headers: sue.headers, payload: { reason: 'retry the failure' } });
      expect(twice.statusCode).toBe(202);
      const again = await app.inject({ method: 'POST', url: '/v1/scans/life-2/reanalyse', headers: sue.headers, payload: { reason: 'retry the failure' } });
      expect(again.statusCode).toBe(409);
      expect(again.json().message).toContain('scan life-2 is queued');
    } finally {
      await app.close();
    }
  });
});
