/**
 * The scan lifecycle (issue 9 §0) on SQLite and PostgreSQL with real Redis: the one writer moves a
 * scan received → queued → analysing → analysed, each change audited in the same transaction
 * (the chain verifies) and announced only after the write (each event finds the store already
 * changed); an illegal move throws and writes nothing; a Redis failure never fails a write; a
 * failure never lands on a finished analysis and never shows a server path (including the real
 * message of the worker's image check); a re-analysis queues a finished scan again.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '#services/audit/audit-service.ts';
import { systemActor, type Actor } from '#services/core/access.ts';
import type { ScanStatus } from '#services/core/domain.ts';
import { ScanTransitionError } from '#services/core/scan-lifecycle.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { EventPublisher, EventSubscriber, eventStreamKey, type SystemEvent } from '#services/events/events.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { publicReason, ScanLifecycle } from '#services/scans/lifecycle.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { failScan, handleAnalyseScan, type HandlerDeps } from '#workers/handlers/analyse-scan.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import { waitFor } from '../helpers/packages.ts';
import { backends } from '../store/backends.ts';
import { makeResult, makeScan } from '../store/factories.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const MODELS_DIR = path.resolve(import.meta.dirname, '../../models');

type StatusEvent = Extract<SystemEvent, { type: 'scan.status' }>;

describe.each(backends)('scan lifecycle on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let pub: Redis;
  let publisher: EventPublisher;
  let subscriber: EventSubscriber;
  let adapter: ScanLifecycle;
  let worker: ScanLifecycle;
  let dir: string;
  /** Every event, with the scan's stored status at the moment the event arrived. */
  const seen: Array<{ event: SystemEvent; stored: ScanStatus | undefined }> = [];
  const prefix = `t_life_${randomBytes(4).toString('hex')}`;
  const supervisor: Actor = { kind: 'user', id: 'usr-sue', name: 'sue', role: 'supervisor', lanes: null };

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-life-'));
    pub = new Redis(REDIS_URL);
    publisher = new EventPublisher(pub, prefix);
    subscriber = new EventSubscriber(REDIS_URL, prefix);
    await subscriber.start();
    subscriber.on((event) => {
      const entry: { event: SystemEvent; stored: ScanStatus | undefined } = { event, stored: undefined };
      seen.push(entry);
      if ('scanId' in event && event.scanId) void store.scans.get(event.scanId).then((s) => (entry.stored = s?.status));
    });
    adapter = new ScanLifecycle({ store, events: publisher, actor: systemActor('adapter') });
    worker = new ScanLifecycle({ store, events: publisher, actor: systemActor('worker') });
  });

  afterAll(async () => {
    await subscriber?.close();
    await pub?.del(eventStreamKey(prefix));
    pub?.disconnect();
    await cleanup?.();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const statusEvents = (scanId: string) => seen.filter((s) => s.event.type === 'scan.status' && s.event.scanId === scanId) as Array<{ event: StatusEvent; stored: ScanStatus | undefined }>;
  /** Waits for the n-th status event of a scan and for its store read; returns it. */
  const nth = (scanId: string, n: number) => waitFor(async () => statusEvents(scanId)[n - 1]?.stored !== undefined && statusEvents(scanId)[n - 1]);
  const auditOf = async (id: string) => store.audit.list({ objectId: id, limit: 50, order: 'asc' });

  it('moves a scan through its life: written, audited in the same step, then announced', async () => {
    const scan = makeScan('life-1', { status: 'received' });
    const steps: Array<[ScanStatus, () => Promise<unknown>]> = [
      ['received', () => adapter.receive(scan)],
      ['queued', () => adapter.queued('life-1', scan.laneId)],
      ['analysing', () => worker.analysing(scan)],
      ['analysed', () => worker.analysed(scan, [makeResult('life-1', 2, true)], { verdict: 'alert', timings: { finishedAt: new Date().toISOString() } })],
    ];
    for (const [i, [status, step]] of steps.entries()) {
      await step();
      // The event arrives only after the write: the store already says so when it is read.
      const { event, stored } = await nth('life-1', i + 1);
      expect(event.status).toBe(status);
      expect(stored).toBe(status);
    }
    expect(statusEvents('life-1').map((s) => s.event.status)).toEqual(['received', 'queued', 'analysing', 'analysed']);
    const alertId = (await store.alerts.listByScan('life-1'))[0]!.id;
    await waitFor(async () => seen.some((s) => s.event.type === 'alert.created' && s.event.alertId === alertId));

    const trail = await auditOf('life-1');
    expect(trail.map((e) => [e.action, e.actor.id])).toEqual([
      ['scan.received', 'adapter'],
      ['scan.analysed', 'worker'],
    ]);
    expect(trail[1]!.after).toMatchObject({ verdict: 'alert', models: [{ modelId: 'wildlife-det', modelVersion: '1.0.0', modelSha256: 'f'.repeat(64) }], detections: 2 });
    const raised = await auditOf(alertId);
    expect(raised.map((e) => [e.action, e.actor.kind, e.actor.id])).toEqual([['alert.raised', 'system', 'worker']]);
    expect(raised[0]!.after).toMatchObject({ scanId: 'life-1', class: 'ivory', reasons: ['wildlife_product'] });
    // The chain holds (every entry appended inside the transaction of its change).
    expect(await verifyChain(store.audit)).toMatchObject({ ok: true });
  });

  it('a duplicate or conflicting receive writes nothing', async () => {
    const before = (await store.audit.list({ action: 'scan.received', limit: 50 })).length;
    expect(await adapter.receive(makeScan('life-1', { status: 'received' }))).toBe('duplicate');
    expect(await adapter.receive(makeScan('life-1', { contentSha256: 'e'.repeat(64) }))).toBe('conflict');
    expect((await store.audit.list({ action: 'scan.received', limit: 50 })).length).toBe(before);
    expect((await store.scans.get('life-1'))?.status).toBe('analysed');
  });

  it('refuses an illegal move with a clear error and writes nothing', async () => {
    const before = (await store.scans.get('life-1'))!;
    const entries = (await store.audit.head())?.seq;
    const events = seen.length;
    await expect(worker.analysing(before)).rejects.toBeInstanceOf(ScanTransitionError);
    await expect(worker.analysing(before)).rejects.toThrow('scan life-1 is analysed; it cannot become analysing (from analysed it can become queued)');
    await expect(adapter.queued('life-1', before.laneId)).rejects.toThrow('scan life-1 is analysed; it cannot become queued');
    await expect(worker.analysed(before, [makeResult('life-1', 1, false, 'b')], { verdict: 'clear' })).rejects.toBeInstanceOf(ScanTransitionError);
    // A late failure of an old attempt never lands on a finished analysis.
    expect(await worker.failed('life-1', 'late failure of an old attempt')).toBe(false);
    await expect(worker.analysing({ scanId: 'no-such-scan', laneId: 'lane-1' })).rejects.toThrow('scan no-such-scan does not exist');

    const after = (await store.scans.get('life-1'))!;
    expect(after).toEqual(before);
    // The refused analysed write rolled back with its results.
    expect((await store.detections.listByScan('life-1')).map((d) => d.id).sort()).toEqual(['life-1-a-d0', 'life-1-a-d1']);
    expect((await store.audit.head())?.seq).toBe(entries);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.length).toBe(events);
  });

  it('records a failure with a reason that shows no server path', async () => {
    const scan = makeScan('life-2');
    await adapter.receive(scan);
    await adapter.queued('life-2', scan.laneId);
    const reason = `ENOENT: no such file or directory, access '${dir}/images/ab/cd/abcdef'`;
    expect(await worker.failed('life-2', reason)).toBe(true);
    const failed = (await store.scans.get('life-2'))!;
    expect(failed).toMatchObject({ status: 'failed', verdict: null, failureReason: "ENOENT: no such file or directory, access '…/abcdef'" });
    const event = await waitFor(async () => statusEvents('life-2').find((s) => s.event.status === 'failed'));
    expect(event.event.failureReason).toBe(failed.failureReason);
    const audit = (await auditOf('life-2')).find((e) => e.action === 'scan.failed')!;
    expect(audit).toMatchObject({ actor: { id: 'worker' }, before: { status: 'queued' }, after: { status: 'failed', reason: failed.failureReason } });
    expect(JSON.stringify(await auditOf('life-2'))).not.toContain(dir);
    // Failed once is failed: a second failure writes nothing.
    expect(await worker.failed('life-2', 'again')).toBe(false);
  });

  it('the worker: a missing image file fails the scan naming the image, not the server path', async () => {
    const images = new ImageStore(path.join(dir, 'images'));
    const scan = makeScan('life-3', { images: [{ energy: 'high', sha256: 'b'.repeat(64), width: 64, height: 32, bytes: 1000 }] });
    await adapter.receive(scan);
    await adapter.queued('life-3', scan.laneId);
    const registry = await loadModelRegistry(MODELS_DIR);
    const pool = new InferencePool(1, 1);
    const deps: HandlerDeps = { models: registry.active, pool, species: loadSpeciesReference(), store, images, events: publisher };
    let message = '';
    try {
      // What BullMQ hands the handler (a plain job object, as tests/e2e/pipeline.test.ts does).
      await handleAnalyseScan({ data: { scanId: 'life-3', contentSha256: scan.contentSha256 } } as Parameters<typeof handleAnalyseScan>[0], deps);
    } catch (err) {
      message = (err as Error).message;
    } finally {
      await pool.close();
    }
    expect(message).toBe(`stored high image ${'b'.repeat(64)} is not readable in the image store (ENOENT)`);
    // The worker's `failed` listener on the final attempt.
    await failScan(deps, 'life-3', message);
    const failed = (await store.scans.get('life-3'))!;
    expect(failed.status).toBe('failed');
    expect(failed.failureReason).toBe(message);
    expect(failed.failureReason).not.toContain(dir);
    expect(path.isAbsolute(images.pathOf('b'.repeat(64)))).toBe(true);
  });

  it('publicReason cuts absolute paths, quoted or bare, and leaves the rest', () => {
    expect(publicReason("EACCES: permission denied, open '/srv/cargo data/images/ab/cd/abc'")).toBe("EACCES: permission denied, open '…/abc'");
    expect(publicReason('cannot read /var/lib/cxr/images/ab/cd/abc: gone')).toBe('cannot read …/abc: gone');
    expect(publicReason('cannot decode high image of s-1: bad header')).toBe('cannot decode high image of s-1: bad header');
    expect(publicReason('Redis at redis://127.0.0.1:6379/0 refused; see docs/deployment.md')).toBe('Redis at redis://127.0.0.1:6379/0 refused; see docs/deployment.md');
    expect(publicReason('x'.repeat(5000))).toHaveLength(2000);
  });

  it('a Redis failure is logged, never fails the write', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => {});
    const logs: string[] = [];
    const offline = new ScanLifecycle({ store, events: new EventPublisher(dead, prefix), actor: systemActor('adapter'), log: (m) => logs.push(m) });
    try {
      expect(await offline.receive(makeScan('life-4'))).toBe('inserted');
      await offline.queued('life-4', 'lane-1');
    } finally {
      dead.disconnect();
    }
    expect((await store.scans.get('life-4'))?.status).toBe('queued');
    expect((await auditOf('life-4')).map((e) => e.action)).toEqual(['scan.received']);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/^event scan\.status for life-4 not published: /);
  });

  it('a scan no model read ends analysed through the same writer (needs_review, audited)', async () => {
    const scan = makeScan('life-5');
    await adapter.receive(scan);
    await adapter.queued('life-5', scan.laneId);
    await worker.analysing(scan);
    await worker.analysing(scan); // a retried job starts again
    await worker.analysed(scan, [], { verdict: 'needs_review', verdictReasons: [{ code: 'outside_validated_domain', message: 'linac 9/6 MeV' }] });
    expect(await store.scans.get('life-5')).toMatchObject({ status: 'analysed', verdict: 'needs_review', verdictReasons: [{ code: 'outside_validated_domain' }] });
    expect((await auditOf('life-5')).map((e) => e.action)).toEqual(['scan.received', 'scan.analysed']);
  });

  it('a re-analysis queues an analysed or failed scan again, audited with who asked and why', async () => {
    await worker.queued('life-1', 'lane-1', { reanalysis: { requestedBy: supervisor, reason: 'new model version' } });
    await worker.queued('life-2', 'lane-1', { reanalysis: { requestedBy: supervisor, reason: 'image restored' } });
    expect(await store.scans.get('life-1')).toMatchObject({ status: 'queued', verdict: null });
    expect(await store.scans.get('life-2')).toMatchObject({ status: 'queued', failureReason: null });
    const asked = await store.audit.list({ action: 'scan.reanalyse_requested', limit: 5, order: 'asc' });
    expect(asked.map((e) => [e.object?.id, e.actor.id, (e.after as { reason: string }).reason])).toEqual([
      ['life-1', 'usr-sue', 'new model version'],
      ['life-2', 'usr-sue', 'image restored'],
    ]);
    // Only a finished scan is sent back.
    await expect(worker.queued('life-1', 'lane-1', { reanalysis: { requestedBy: supervisor, reason: 'twice' } })).rejects.toThrow('scan life-1 is queued; it cannot become queued');
    await worker.analysing((await store.scans.get('life-1'))!);
    await worker.analysed((await store.scans.get('life-1'))!, [makeResult('life-1', 2, true)], { verdict: 'alert' });
    expect((await store.scans.get('life-1'))?.status).toBe('analysed');
    expect(await verifyChain(store.audit)).toMatchObject({ ok: true });
  });
});
