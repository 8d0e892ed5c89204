/**
 * Calibration packages from the hot folder to the API, on SQLite and PostgreSQL, with real
 * files and real Redis: a good package becomes an active profile visible at the API and leaves
 * the inbox; an inconsistent one is stored as refused (with its reason) and quarantined; each new
 * profile is announced as a `calibration.profile` event, and an event channel that is down fails
 * no ingest; a malformed one is quarantined with its code; the database being down leaves the
 * package for retry.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotFolder } from '#adapter/hot-folder/hot-folder.ts';
import { IngestService, type IngestOutcome } from '#adapter/ingest/ingest-service.ts';
import { buildApp } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import { EventPublisher, EventSubscriber, type SystemEvent } from '#services/events/events.ts';
import { JobProducer } from '#services/queue/queue-repository.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { LINAC_BLOCKS, writeCalibrationJson, writeCalibrationPackage } from '../helpers/calibration-package.ts';
import { waitFor, writePackage } from '../helpers/packages.ts';
import { backends } from '../store/backends.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const SERIAL = 'SN-4411';

/** The 20 mm iron block declared as 10 mm but imaged 100 mm thick: no response can fit that. */
const INCONSISTENT = LINAC_BLOCKS.map((b) => (b.material === 'iron' && b.thicknessMm === 20 ? { ...b, thicknessMm: 10, imagedThicknessMm: 100 } : b));

describe.each(backends)('calibration packages through the hot folder on $name', (backend) => {
  let root: string;
  let inbox: string;
  let rejected: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  let producer: JobProducer;
  let hot: HotFolder;
  let app: FastifyInstance;
  /** Calibration profiles are what operators check at their scanner. */
  let auth: { authorization: string };
  let pubRedis: Redis;
  let subscriber: EventSubscriber;
  const outcomes: IngestOutcome[] = [];
  const events: SystemEvent[] = [];
  const profileEvent = (calibrationId: string) =>
    waitFor(async () => events.find((e) => e.type === 'calibration.profile' && e.calibrationId === calibrationId));

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-calingest-'));
    inbox = path.join(root, 'inbox');
    rejected = path.join(root, 'rejected');
    ({ store, cleanup } = await backend.open());
    const prefix = `t_cal_${randomBytes(4).toString('hex')}`;
    producer = new JobProducer(REDIS_URL, prefix);
    subscriber = new EventSubscriber(REDIS_URL, prefix);
    await subscriber.start();
    subscriber.on((e) => events.push(e));
    pubRedis = new Redis(REDIS_URL);
    const images = new ImageStore(path.join(root, 'images'));
    const ingest = new IngestService({ store, images, producer, events: new EventPublisher(pubRedis, prefix), rejectedDir: rejected });
    hot = new HotFolder(ingest, { inboxDir: inbox, rejectedDir: rejected, pollMs: 50, settleMs: 150, stuckMs: 800, onOutcome: (o) => outcomes.push(o) });
    await hot.start();
    app = await buildApp({ config: loadConfig({ DATA_DIR: root, LOG_LEVEL: 'silent' }), store, images }, { logger: false, processMetrics: false });
    auth = (await loginAs(app, store, 'operator', { lanes: ['lane-a'] })).headers;
  });

  afterAll(async () => {
    await app?.close();
    await hot?.stop();
    await producer?.close();
    await subscriber?.close();
    pubRedis?.disconnect();
    await cleanup?.();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function reasonOf(name: string): Promise<Record<string, unknown>> {
    return waitFor(async () => {
      try {
        return JSON.parse(await fs.readFile(path.join(rejected, name, 'reason.json'), 'utf8'));
      } catch {
        return undefined;
      }
    });
  }

  const get = async (url: string) => {
    const res = await app.inject({ headers: auth, url });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('turns a dropped package into an active profile visible at the API, and empties the inbox', async () => {
    await writeCalibrationPackage(path.join(inbox, 'cal-1'), { calibrationId: 'CAL-2026-10-01', serial: SERIAL, seed: 1 });
    const outcome = await waitFor(async () => outcomes.find((o) => o.kind === 'calibration' && o.calibrationId === 'CAL-2026-10-01'));
    expect(outcome).toMatchObject({ kind: 'calibration', version: 1, duplicate: false });
    await waitFor(async () => !(await fs.readdir(inbox)).includes('cal-1'));

    const list = await get('/v1/calibrations');
    expect(list.items).toHaveLength(1);
    const item = list.items[0];
    expect(item).toMatchObject({
      calibrationId: 'CAL-2026-10-01',
      version: 1,
      status: 'active',
      reason: null,
      scanner: { serial: SERIAL, vendor: 'test', model: 'phantom' },
      source: { kind: 'linac', highMeV: 6, lowMeV: 4 },
      acquiredAt: '2026-10-01T06:00:00.000Z',
    });
    expect(item.residuals).toHaveLength(2 * LINAC_BLOCKS.length);
    expect(item.residuals.every((r: { withinTolerance: boolean }) => r.withinTolerance)).toBe(true);
    expect(item.maxResidual).toBeLessThan(0.02);

    const detail = await get(`/v1/calibrations/${item.id}`);
    expect(detail.regions).toHaveLength(LINAC_BLOCKS.length);
    expect(detail.regions[0]).toMatchObject({ material: 'air', thicknessMm: 0, densityGcm3: null, pixels: 256 });
    expect(detail.response.high.energiesMeV.length).toBe(detail.response.high.weights.length);
    expect(detail.response.low).toBeDefined();
    expect(detail.airValue).toBe(60000);
    // Internal fields stay internal.
    expect(detail).not.toHaveProperty('calibrationJson');
    expect(detail).not.toHaveProperty('metadata');

    expect((await get(`/v1/scanners/${SERIAL}/calibrations`)).items.map((p: { id: string }) => p.id)).toEqual([item.id]);
    expect((await get('/v1/scanners/OTHER/calibrations')).items).toEqual([]);
    expect((await get(`/v1/calibrations?serial=${SERIAL}`)).items).toHaveLength(1);
    expect((await app.inject({ headers: auth, url: '/v1/calibrations/cal-nope' })).statusCode).toBe(404);

    // The worker's look-up finds it for scans after the calibration, not before.
    expect((await store.calibrations.findCalibrationProfile(SERIAL, 'linac', '2026-10-02T00:00:00Z'))?.id).toBe(item.id);
    expect(await store.calibrations.findCalibrationProfile(SERIAL, 'linac', '2026-09-30T00:00:00Z')).toBeUndefined();
    expect(await store.calibrations.findCalibrationProfile(SERIAL, 'tube', '2026-10-02T00:00:00Z')).toBeUndefined();
    expect(await fs.readdir(rejected)).toEqual([]);

    // Announced once stored.
    expect(await profileEvent('CAL-2026-10-01')).toEqual({
      type: 'calibration.profile',
      profileId: item.id,
      calibrationId: 'CAL-2026-10-01',
      serial: SERIAL,
      sourceKind: 'linac',
      status: 'active',
      version: 1,
      reason: null,
      at: item.receivedAt,
    });
  });

  it('acknowledges the same package dropped again without a second version', async () => {
    await writeCalibrationPackage(path.join(inbox, 'cal-1-again'), { calibrationId: 'CAL-2026-10-01', serial: SERIAL, seed: 1 });
    await waitFor(async () => outcomes.some((o) => o.kind === 'calibration' && o.duplicate));
    await waitFor(async () => !(await fs.readdir(inbox)).includes('cal-1-again'));
    expect((await get(`/v1/scanners/${SERIAL}/calibrations`)).items).toHaveLength(1);
    // Nothing new was stored, so nothing new is announced.
    await new Promise((r) => setTimeout(r, 200));
    expect(events.filter((e) => e.type === 'calibration.profile' && e.calibrationId === 'CAL-2026-10-01')).toHaveLength(1);
  });

  it('stores a fit out of tolerance as refused, with its reason, and quarantines the package', async () => {
    await writeCalibrationPackage(path.join(inbox, 'cal-bad'), { calibrationId: 'CAL-BAD-IRON', serial: SERIAL, blocks: INCONSISTENT, seed: 2 });
    const reason = await reasonOf('CAL-BAD-IRON');
    expect(reason).toMatchObject({ code: 'calibration_refused', calibrationId: 'CAL-BAD-IRON', originalName: 'cal-bad' });
    expect(reason.message).toContain('out of tolerance');
    // Nothing is lost: the package is kept beside its reason.
    expect(await fs.readdir(path.join(rejected, 'CAL-BAD-IRON'))).toEqual(
      expect.arrayContaining(['calibration.json', 'high.tiff', 'low.tiff', 'reason.json']),
    );
    expect(await fs.readdir(inbox)).not.toContain('cal-bad');

    const detail = await get(`/v1/calibrations/${reason.profileId as string}`);
    expect(detail).toMatchObject({ calibrationId: 'CAL-BAD-IRON', status: 'refused', version: 2, response: null, tolerance: null });
    expect(detail.reason).toContain('out of tolerance');
    expect(`calibration fit refused: ${detail.reason}`).toBe(reason.message);
    // The inconsistent block is out of tolerance, and the operator can see that region by region.
    const iron = detail.residuals.filter((r: { material: string; thicknessMm: number }) => r.material === 'iron' && r.thicknessMm === 10);
    expect(iron).toHaveLength(2);
    expect(detail.residuals.some((r: { withinTolerance: boolean }) => !r.withinTolerance)).toBe(true);
    expect(detail.maxResidual).toBeGreaterThan(0.1);

    const listed = (await get(`/v1/scanners/${SERIAL}/calibrations`)).items;
    expect(listed.map((p: { status: string; version: number }) => [p.version, p.status])).toEqual([
      [2, 'refused'],
      [1, 'active'],
    ]);
    // The refusal is announced with its reason.
    expect(await profileEvent('CAL-BAD-IRON')).toMatchObject({ profileId: detail.id, serial: SERIAL, status: 'refused', version: 2, reason: detail.reason });

    // Accepting and refusing are audited, each once (the re-dropped duplicate added nothing).
    const audited = (await store.audit.list({ objectType: 'calibration_profile', limit: 50 })).map((e) => [e.action, e.object!.id]);
    expect(audited).toEqual(expect.arrayContaining([['calibration.refused', detail.id]]));
    expect(audited.filter(([a]) => a === 'calibration.accepted')).toHaveLength(1);

    // A refused profile is never the one in force.
    expect((await store.calibrations.findCalibrationProfile(SERIAL, 'linac', '2027-01-01T00:00:00Z'))?.calibrationId).toBe('CAL-2026-10-01');
  });

  it('takes a corrected package under the refused calibrationId as a new version', async () => {
    await writeCalibrationPackage(path.join(inbox, 'cal-fixed'), {
      calibrationId: 'CAL-BAD-IRON',
      serial: SERIAL,
      acquiredAt: '2026-10-08T06:00:00Z',
      seed: 3,
    });
    const outcome = await waitFor(async () => outcomes.find((o) => o.kind === 'calibration' && o.calibrationId === 'CAL-BAD-IRON'));
    expect(outcome).toMatchObject({ version: 3, duplicate: false });
    const inForce = await store.calibrations.findCalibrationProfile(SERIAL, 'linac', '2026-10-09T00:00:00Z');
    expect(inForce).toMatchObject({ calibrationId: 'CAL-BAD-IRON', version: 3, status: 'active' });
  });

  it('quarantines malformed packages with their codes, and scans still flow through the same inbox', async () => {
    const few = path.join(inbox, 'few-regions');
    const meta = await writeCalibrationPackage(few, { calibrationId: 'CAL-FEW', serial: SERIAL });
    await writeCalibrationJson(few, { ...meta, regions: meta.regions.slice(0, 4) });
    const both = path.join(inbox, 'both');
    await writeCalibrationPackage(both, { calibrationId: 'CAL-BOTH', serial: SERIAL });
    await fs.writeFile(path.join(both, 'scan.json'), '{}');
    await writePackage(path.join(inbox, 'a-scan'), 'SCAN-BESIDE-CAL');

    expect(await reasonOf('CAL-FEW')).toMatchObject({ code: 'too_few_regions', field: 'regions' });
    expect(await reasonOf('both')).toMatchObject({ code: 'ambiguous_package' });
    await waitFor(async () => (await store.scans.get('SCAN-BESIDE-CAL'))?.status === 'queued');
    const ids = (await get('/v1/calibrations')).items.map((p: { calibrationId: string }) => p.calibrationId);
    expect(ids).not.toContain('CAL-FEW');
    expect(ids).not.toContain('CAL-BOTH');
  });

  it('leaves a good package in the inbox when the database is down', async () => {
    const down = await backend.open();
    await down.cleanup(); // closed: every query now fails, as with a database that went away
    const ingest = new IngestService({ store: down.store, images: new ImageStore(path.join(root, 'images')), producer, rejectedDir: rejected });
    const dir = path.join(root, 'held', 'cal-retry');
    await writeCalibrationPackage(dir, { calibrationId: 'CAL-RETRY', serial: SERIAL });
    await expect(ingest.ingest(dir)).rejects.toThrow('driver has already been destroyed');
    expect(await fs.readdir(dir)).toEqual(expect.arrayContaining(['calibration.json', 'high.tiff', 'low.tiff']));
    await expect(fs.access(path.join(rejected, 'CAL-RETRY'))).rejects.toThrow();
    // The same package goes through once the database answers again.
    const ok = new IngestService({ store, images: new ImageStore(path.join(root, 'images')), producer, rejectedDir: rejected });
    expect(await ok.ingest(dir)).toMatchObject({ kind: 'calibration', calibrationId: 'CAL-RETRY' });
  });

  it('stores a profile even when its event cannot be published', async () => {
    // A Redis that is not there and does not queue: every publish fails at once.
    const gone = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    gone.on('error', () => {});
    const logs: string[] = [];
    try {
      const ingest = new IngestService({
        store,
        images: new ImageStore(path.join(root, 'images')),
        producer,
        events: new EventPublisher(gone, 'nowhere'),
        rejectedDir: rejected,
        log: (m) => logs.push(m),
      });
      const dir = path.join(root, 'held', 'cal-no-events');
      await writeCalibrationPackage(dir, { calibrationId: 'CAL-NO-EVENTS', serial: 'SN-NO-EVENTS' });
      expect(await ingest.ingest(dir)).toMatchObject({ kind: 'calibration', calibrationId: 'CAL-NO-EVENTS', version: 1 });
      await expect(fs.access(dir)).rejects.toThrow();
      expect((await get('/v1/calibrations?serial=SN-NO-EVENTS')).items).toHaveLength(1);
      expect(logs.some((l) => l.startsWith('event calibration.profile for cal-') && l.includes('not published'))).toBe(true);
    } finally {
      gone.disconnect();
    }
  });
});
