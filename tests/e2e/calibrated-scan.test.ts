/**
 * Per-scanner calibration end to end on real Redis, real SQLite and real PostgreSQL, with real
 * files and the committed active models: scans of a virtual X-ray tube scanner (family
 * tube-160/80-pb, read by the active tube model) are analysed with the nominal response until
 * that scanner's calibration package (written by the simulator) has been fitted and stored; scans
 * of that scanner made after the calibration are then analysed with its profile, which the scan
 * record names. Scans made before the calibration, scans declaring other energies and scans of
 * another scanner stay nominal. The profile and the scans' verdict reasons reach /v1/events.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdapter, type AdapterHandle } from '#adapter/main.ts';
import type { ScanMetadata } from '#adapter/scan-package/types.ts';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { drawScanner, simulateCalibration, simulateScan, writeCalibrationPackage, type VirtualScanner } from '#adapter/simulator/index.ts';
import { startApi } from '#services/api/main.ts';
import { loadConfig, type AppConfig } from '#services/core/config.ts';
import type { ScanCalibration, VerdictReason } from '#services/core/domain.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { startWorker, type WorkerHandle } from '#workers/main.ts';
import { waitFor, writePackage } from '../helpers/packages.ts';
import { TEST_ADMIN_PASSWORD, loginAtUrl } from '../helpers/auth.ts';
import { collectEvents, type ReceivedEvent } from '../helpers/sse.ts';
import { PG_URL, dropSchema } from '../store/backends.ts';

const FAMILY = 'tube-160/80-pb';
const LANE = 'lane-cal-e2e';
/** The calibration's acquiredAt; every scan time below is set relative to it. */
const ACQUIRED_AT = '2026-03-01T12:00:00.000Z';
const hoursAfter = (h: number) => new Date(Date.parse(ACQUIRED_AT) + h * 3_600_000).toISOString();

interface Detail {
  scanId: string;
  status: string;
  verdict: string | null;
  verdictReasons: VerdictReason[];
  failureReason: string | null;
  calibration: ScanCalibration | null;
  scanner?: { serial?: string };
  detections: Array<{ modelId: string }>;
}

interface Summary {
  id: string;
  calibrationId: string;
  version: number;
  status: string;
  reason: string | null;
  scanner: { serial: string };
  source: { kind: string };
  acquiredAt: string;
  maxResidual: number | null;
  residuals: Array<{ channel: string; withinTolerance: boolean }>;
}

const NOMINAL: ScanCalibration = { mode: 'nominal', profileId: null, version: null };

/**
 * The active model that reads tube scans (its card's input.sourceKinds). The test relies on it
 * reading this family's scans: a card domain that left them out would end them `needs_review`,
 * which the verdict assertions below catch.
 */
async function tubeModelId(config: AppConfig): Promise<string> {
  const reg = await loadModelRegistry(config.modelsDir);
  const tube = reg.active.filter((m) => m.card.input.sourceKinds.includes('tube'));
  expect(tube, 'an active model reads tube scans').toHaveLength(1);
  return tube[0]!.card.id;
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`calibrated scans on ${backend}`, () => {
    let root: string;
    let config: AppConfig;
    let worker: WorkerHandle;
    let adapter: AdapterHandle;
    let api: { url: string; close(): Promise<void> };
    let sse: AbortController;
    let auth: { authorization: string };
    let modelId: string;
    const schema = `t_cale2e_${randomBytes(4).toString('hex')}`;
    const events: ReceivedEvent[] = [];
    // Two units of the same family: the calibrated one and another one that never sends a package.
    const scanner = drawScanner(41, FAMILY);
    const other = drawScanner(42, FAMILY);
    let profileId: string;

    beforeAll(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), `cxr-cale2e-${backend}-`));
      config = loadConfig({
        ...process.env,
        DATA_DIR: root,
        QUEUE_PREFIX: `t_cale2e_${randomBytes(4).toString('hex')}`,
        DATABASE_URL: backend === 'postgres' ? PG_URL : '',
        DATABASE_SCHEMA: backend === 'postgres' ? schema : '',
        PORT: '0',
        INBOX_POLL_MS: '100',
        INBOX_SETTLE_MS: '200',
        LOG_LEVEL: 'silent',
        ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      });
      modelId = await tubeModelId(config);
      worker = await startWorker(config, () => {});
      adapter = await startAdapter(config, () => {});
      api = await startApi(config);
      auth = (await loginAtUrl(api.url, 'inspector')).headers;
      sse = collectEvents(`${api.url}/v1/events`, events, undefined, auth);
      await new Promise((r) => setTimeout(r, 300));
    });

    afterAll(async () => {
      sse?.abort();
      await adapter?.close();
      await api?.close();
      await worker?.close();
      if (backend === 'postgres') await dropSchema(schema);
      if (root) await fs.rm(root, { recursive: true, force: true });
    });

    /** Simulates a scan of `sc` made at `scannedAt`, and moves its package into the inbox. */
    async function drop(scanId: string, sc: VirtualScanner, seed: number, scannedAt: string): Promise<void> {
      const sim = simulateScan({ seed, index: 0, scenario: 'benign', scanner: sc, laneId: LANE });
      const meta: ScanMetadata = { ...sim.metadata, scanId, scannedAt };
      const tmp = path.join(root, 'staging', scanId);
      await writeScanPackage(tmp, meta, { width: sim.width, height: sim.height, data: sim.high }, { width: sim.width, height: sim.height, data: sim.low });
      await fs.rename(tmp, path.join(config.inboxDir, scanId));
    }

    async function finished(scanId: string): Promise<Detail> {
      return waitFor(async () => {
        const res = await fetch(`${api.url}/v1/scans/${scanId}`, { headers: auth });
        if (res.status !== 200) return undefined;
        const d = (await res.json()) as Detail;
        return d.status === 'analysed' || d.status === 'failed' ? d : undefined;
      }, 90_000, 100);
    }

    /** The `scan.status` event that announced the scan analysed. */
    const analysedEvent = (scanId: string) =>
      waitFor(async () => events.find((e) => e.event === 'scan.status' && e.data.scanId === scanId && e.data.status === 'analysed'), 10_000);

    it('analyses a scan dropped before any calibration with the nominal response', async () => {
      // Made after the calibration will say it was acquired, but no profile exists yet when it is analysed.
      await drop('cal-e2e-before', scanner, 501, hoursAfter(1));
      const d = await finished('cal-e2e-before');
      expect(d).toMatchObject({ status: 'analysed', failureReason: null, calibration: NOMINAL, verdictReasons: [] });
      expect(d.scanner?.serial).toBe(scanner.serial);
      expect(['clear', 'alert']).toContain(d.verdict);
      // The tube model read it (it was not left needs_review for want of a model).
      expect(d.detections.length).toBeGreaterThan(0);
      expect(d.detections.every((x) => x.modelId === modelId)).toBe(true);
      expect((await analysedEvent('cal-e2e-before')).data).toMatchObject({ verdict: d.verdict, verdictReasons: [] });
    });

    it('fits the scanner calibration package dropped next into active profile version 1, with residuals, and announces it', async () => {
      const cal = simulateCalibration(scanner, 7);
      cal.calibration.acquiredAt = ACQUIRED_AT;
      const name = cal.calibration.calibrationId;
      const tmp = path.join(root, 'staging', name);
      await writeCalibrationPackage(tmp, cal);
      await fs.rename(tmp, path.join(config.inboxDir, name));

      const items = await waitFor(async () => {
        const res = await fetch(`${api.url}/v1/calibrations?serial=${encodeURIComponent(scanner.serial)}`, { headers: auth });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { items: Summary[] };
        return body.items.length > 0 ? body.items : undefined;
      }, 30_000, 100);
      expect(items).toHaveLength(1);
      const p = items[0]!;
      expect(p).toMatchObject({
        calibrationId: name,
        version: 1,
        status: 'active',
        reason: null,
        scanner: { serial: scanner.serial },
        source: { kind: 'tube' },
        acquiredAt: ACQUIRED_AT,
      });
      // One residual per region and channel, every one within tolerance.
      expect(p.residuals).toHaveLength(2 * cal.calibration.regions.length);
      expect(p.residuals.every((r) => r.withinTolerance)).toBe(true);
      expect(p.maxResidual).not.toBeNull();
      profileId = p.id;
      // Accepted: the package left the inbox and nothing was quarantined.
      await waitFor(async () => !(await fs.readdir(config.inboxDir)).includes(name));
      expect(await fs.readdir(config.rejectedDir).catch(() => [])).toEqual([]);
      // The other unit has no profile.
      expect(((await (await fetch(`${api.url}/v1/calibrations?serial=${encodeURIComponent(other.serial)}`, { headers: auth })).json()) as { items: unknown[] }).items).toEqual([]);

      // Announced on /v1/events with the allow-listed fields only.
      const e = await waitFor(async () => events.find((x) => x.event === 'calibration.profile' && x.data.profileId === p.id), 10_000);
      expect(e.data).toEqual({
        type: 'calibration.profile',
        profileId: p.id,
        calibrationId: name,
        serial: scanner.serial,
        sourceKind: 'tube',
        status: 'active',
        version: 1,
        reason: null,
        at: expect.any(String),
      });
    });

    it('analyses later scans of that scanner with its profile; earlier scans, other energies and other scanners stay nominal', async () => {
      await drop('cal-e2e-after', scanner, 502, hoursAfter(2));
      // Made before the phantom was scanned: the profile does not apply, even though it is stored now.
      await drop('cal-e2e-earlier', scanner, 503, hoursAfter(-2));
      await drop('cal-e2e-other', other, 504, hoursAfter(2));
      // Same scanner and time, but declared single-energy: not the energies the profile was fitted for.
      // No active model reads a single-energy scan, so it is also the needs_review case for the event.
      const single = path.join(root, 'staging', 'cal-e2e-single');
      await writePackage(
        single,
        'cal-e2e-single',
        {
          laneId: LANE,
          scannedAt: hoursAfter(2),
          scanner: { serial: scanner.serial },
          source: { kind: 'tube', highKVp: 160 },
          images: { high: 'high.tiff' },
          pixelSpacingMm: { x: 2, y: 2 },
          conveyance: { type: 'pallet' },
        },
        { width: 96, height: 48 },
      );
      await fs.rename(single, path.join(config.inboxDir, 'cal-e2e-single'));

      const after = await finished('cal-e2e-after');
      expect(after).toMatchObject({ status: 'analysed', failureReason: null, verdictReasons: [] });
      expect(after.calibration).toEqual({ mode: 'profile', profileId, version: 1 });
      expect(['clear', 'alert']).toContain(after.verdict);
      expect(after.detections.length).toBeGreaterThan(0);
      expect(after.detections.every((x) => x.modelId === modelId)).toBe(true);

      for (const id of ['cal-e2e-earlier', 'cal-e2e-other']) {
        const d = await finished(id);
        expect(d, id).toMatchObject({ status: 'analysed', failureReason: null, calibration: NOMINAL, verdictReasons: [] });
      }
      const s = await finished('cal-e2e-single');
      expect(s).toMatchObject({ status: 'analysed', verdict: 'needs_review', calibration: NOMINAL, detections: [] });
      expect(s.verdictReasons).toHaveLength(1);
      expect(s.verdictReasons[0]!.code).toBe('outside_validated_domain');

      // The scan dropped before the calibration keeps the calibration it was analysed with.
      expect((await finished('cal-e2e-before')).calibration).toEqual(NOMINAL);

      // The analysed events carry the verdict reasons, as the scan record does.
      expect((await analysedEvent('cal-e2e-after')).data).toMatchObject({ verdict: after.verdict, verdictReasons: [] });
      expect((await analysedEvent('cal-e2e-single')).data).toMatchObject({ verdict: 'needs_review', verdictReasons: s.verdictReasons });
    });
  });
}
