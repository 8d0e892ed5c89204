/**
 * Calibration profiles in the store, on SQLite and PostgreSQL: versions per serial and source
 * kind, idempotency on (calibrationId, content), conflicts, listing, and the look-up the worker
 * uses to find the profile in force for a scan.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationProfileId } from '#adapter/ingest/calibration-ingest.ts';
import type { CalibrationProfile, NewCalibrationProfile, Store } from '#services/store/types.ts';
import { synthesiseCalibration } from '../helpers/calibration-package.ts';
import { backends } from '../store/backends.ts';

function profile(calibrationId: string, over: Partial<NewCalibrationProfile> & { content?: string } = {}): NewCalibrationProfile {
  const { content, ...rest } = over;
  const contentSha256 = createHash('sha256').update(`${calibrationId}:${content ?? 'v1'}`).digest('hex');
  const { metadata } = synthesiseCalibration({ calibrationId });
  return {
    id: calibrationProfileId(contentSha256),
    calibrationId,
    contentSha256,
    scanner: { serial: 'SN-1', vendor: 'Acme', model: 'LX-6' },
    source: { kind: 'linac', highMeV: 6, lowMeV: 4 },
    acquiredAt: '2026-10-01T06:00:00.000Z',
    receivedAt: new Date().toISOString(),
    status: 'active',
    reason: null,
    response: { kind: 'linac', high: { energiesMeV: [1, 2], weights: [0.4, 0.6] }, low: { energiesMeV: [1], weights: [1] } },
    residuals: [{ material: 'iron', thicknessMm: 20, channel: 'high', measured: 0.8, fitted: 0.801, residual: 0.001, tolerance: 0.05 }],
    maxResidual: 0.001,
    tolerance: 'rule',
    measurements: [
      { material: 'iron', thicknessMm: 20, attenuation: { high: 0.8, low: 0.9 }, stdError: { high: 1e-4, low: 2e-4 }, pixels: 256 },
    ],
    metadata,
    calibrationJson: JSON.stringify(metadata),
    ...rest,
  };
}

describe.each(backends)('calibration profiles on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('stores a profile as version 1 and round-trips it; the same package again is a duplicate', async () => {
    const p = profile('CAL-A');
    const first = await store.calibrations.insert(p);
    expect(first.outcome).toBe('inserted');
    expect(first.profile.version).toBe(1);
    const got = await store.calibrations.get(p.id);
    expect(got).toEqual({ ...p, version: 1 });

    const again = await store.calibrations.insert({ ...p, receivedAt: new Date().toISOString() });
    expect(again).toEqual({ outcome: 'duplicate', profile: got });
    expect((await store.calibrations.list({ serial: 'SN-1', limit: 50 })).items).toHaveLength(1);
    expect(await store.calibrations.get('cal-missing')).toBeUndefined();
  });

  it('numbers versions per serial and source kind, refused profiles included', async () => {
    const refused = await store.calibrations.insert(
      profile('CAL-B', { status: 'refused', reason: 'iron 10 mm out of tolerance', response: null, tolerance: null, maxResidual: 1.2 }),
    );
    expect(refused.profile).toMatchObject({ version: 2, status: 'refused', reason: 'iron 10 mm out of tolerance', response: null });
    const tube = await store.calibrations.insert(profile('CAL-T', { source: { kind: 'tube', highKVp: 160, lowKVp: 80 } }));
    expect(tube.profile.version).toBe(1);
    const other = await store.calibrations.insert(profile('CAL-O', { scanner: { serial: 'SN-2', vendor: null, model: null } }));
    expect(other.profile.version).toBe(1);
    expect((await store.calibrations.get(other.profile.id))?.scanner).toEqual({ serial: 'SN-2', vendor: null, model: null });
  });

  it('refuses different content under the calibrationId of an active profile, but takes a correction of a refused one', async () => {
    const conflict = await store.calibrations.insert(profile('CAL-A', { content: 'v2' }));
    expect(conflict.outcome).toBe('conflict');
    expect(conflict.profile.id).toBe(profile('CAL-A').id);

    const corrected = await store.calibrations.insert(profile('CAL-B', { content: 'fixed thickness' }));
    expect(corrected.outcome).toBe('inserted');
    expect(corrected.profile).toMatchObject({ version: 3, status: 'active' });
    // The refused one stays, for the record.
    expect((await store.calibrations.get(profile('CAL-B').id))?.status).toBe('refused');
  });

  it('gives concurrent inserts for one scanner distinct versions', async () => {
    const serial = 'SN-RACE';
    const ps = Array.from({ length: 6 }, (_, i) => profile(`CAL-R${i}`, { scanner: { serial, vendor: null, model: null } }));
    const outcomes = await Promise.all(ps.map((p) => store.calibrations.insert(p)));
    expect(outcomes.every((o) => o.outcome === 'inserted')).toBe(true);
    expect(outcomes.map((o) => o.profile.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('lists newest received first, filtered by serial, with keyset pages', async () => {
    const serial = 'SN-PAGE';
    for (let i = 0; i < 7; i++) {
      await store.calibrations.insert(
        profile(`CAL-P${i}`, { scanner: { serial, vendor: null, model: null }, receivedAt: `2026-10-0${1 + Math.floor(i / 2)}T00:00:00.000Z` }),
      );
    }
    const seen: CalibrationProfile[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.calibrations.list({ serial, limit: 3, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.map((p) => p.calibrationId).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `CAL-P${i}`));
    const keys = seen.map((p) => `${p.receivedAt}|${p.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    const all = await store.calibrations.list({ limit: 200 });
    expect(new Set(all.items.map((p) => p.scanner.serial))).toEqual(new Set(['SN-1', 'SN-2', 'SN-RACE', 'SN-PAGE']));
  });

  it('finds the active profile in force at a scan time', async () => {
    const serial = 'SN-FIND';
    const mk = (id: string, acquiredAt: string, over: Partial<NewCalibrationProfile> = {}) =>
      store.calibrations.insert(profile(id, { scanner: { serial, vendor: null, model: null }, acquiredAt, ...over }));
    const jan = await mk('CAL-JAN', '2026-01-01T00:00:00.000Z');
    const mar = await mk('CAL-MAR', '2026-03-01T00:00:00.000Z');
    await mk('CAL-FEB-REFUSED', '2026-02-01T00:00:00.000Z', { status: 'refused', reason: 'bad', response: null });
    await mk('CAL-TUBE', '2026-02-15T00:00:00.000Z', { source: { kind: 'tube', highKVp: 160 } });
    // Received later but acquired earlier (a backfill): acquiredAt decides, not arrival.
    const janLate = await mk('CAL-JAN-2', '2026-01-15T00:00:00.000Z');

    const find = (at: string, kind: 'linac' | 'tube' = 'linac') => store.calibrations.findCalibrationProfile(serial, kind, at);
    expect(await find('2025-12-31T23:59:59Z')).toBeUndefined();
    expect((await find('2026-01-01T00:00:00Z'))?.id).toBe(jan.profile.id);
    expect((await find('2026-02-10T00:00:00Z'))?.id).toBe(janLate.profile.id); // refused Feb profile skipped
    // Offsets are normalised: 01:30+02:00 is 23:30Z on Feb 28, before March's profile.
    expect((await find('2026-03-01T01:30:00+02:00'))?.id).toBe(janLate.profile.id);
    expect((await find('2026-03-01T00:00:00.000Z'))?.id).toBe(mar.profile.id);
    expect((await find('2027-01-01T00:00:00Z'))?.id).toBe(mar.profile.id);
    expect((await find('2026-02-20T00:00:00Z', 'tube'))?.calibrationId).toBe('CAL-TUBE');
    expect(await store.calibrations.findCalibrationProfile('SN-NONE', 'linac', '2027-01-01T00:00:00Z')).toBeUndefined();
    await expect(find('not a time')).rejects.toThrow(RangeError);
  });
});
