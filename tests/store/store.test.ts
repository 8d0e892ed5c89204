import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '#services/store/cursor.ts';
import type { Store } from '#services/store/types.ts';
import { backends } from './backends.ts';
import { makeAlert, makeDetection, makeResult, makeScan, stamp, t } from './factories.ts';

describe.each(backends)('store on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('reports its dialect and answers ping', async () => {
    expect(store.dialect).toBe(backend.name);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('inserts, then tells duplicate from conflict, and round-trips the record', async () => {
    const scan = makeScan('ins-1', { receivedAt: t(1), timings: { queuedAt: t(2) } });
    expect(await store.scans.insert(scan)).toBe('inserted');
    expect(await store.scans.insert({ ...scan, laneId: 'other' })).toBe('duplicate');
    expect(await store.scans.insert({ ...scan, contentSha256: 'd'.repeat(64) })).toBe('conflict');
    expect(await store.scans.get('ins-1')).toEqual(scan);
    expect(await store.scans.get('missing')).toBeUndefined();
  });

  it('is race-safe: concurrent inserts of one scan give exactly one "inserted"', async () => {
    const scan = makeScan('race-1');
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => store.scans.insert(scan)));
    expect(outcomes.filter((o) => o === 'inserted')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(5);
  });

  it('lists with filters and keyset pagination, losing and repeating nothing', async () => {
    const lane = 'page-lane';
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      // Every third pair shares a received_at, so the scan_id tiebreak is exercised.
      const receivedAt = t(100 + Math.floor(i / 2));
      const id = `pg.${String(i).padStart(2, '0')}_x-${i % 3}`;
      ids.push(id);
      await store.scans.insert(
        makeScan(id, { laneId: lane, receivedAt, status: i % 2 ? 'analysed' : 'queued', verdict: i % 2 ? (i % 4 === 1 ? 'alert' : 'clear') : null }),
      );
    }
    await store.scans.insert(makeScan('other-lane-scan', { laneId: 'elsewhere', receivedAt: t(105) }));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.scans.list({ laneId: lane, limit: 5, cursor });
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((s) => s.scanId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(23);
    const expected = [...ids].sort((a, b) => {
      const ra = t(100 + Math.floor(ids.indexOf(a) / 2));
      const rb = t(100 + Math.floor(ids.indexOf(b) / 2));
      return ra === rb ? (a < b ? 1 : -1) : ra < rb ? 1 : -1;
    });
    expect(seen).toEqual(expected);

    const analysed = await store.scans.list({ laneId: lane, status: 'analysed', limit: 100 });
    expect(analysed.items).toHaveLength(11);
    expect(analysed.nextCursor).toBeNull();
    const alerts = await store.scans.list({ laneId: lane, verdict: 'alert', limit: 100 });
    expect(alerts.items.every((s) => s.verdict === 'alert')).toBe(true);
    expect(alerts.items).toHaveLength(6);
    const since = await store.scans.list({ laneId: lane, since: t(110), limit: 100 });
    expect(since.items.map((s) => s.scanId).sort()).toEqual(ids.slice(20).sort());
    const all = await store.scans.list({ limit: 1000 });
    expect(all.items.some((s) => s.laneId === 'elsewhere')).toBe(true);
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(store.scans.list({ limit: 5, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.alerts.list({ limit: 5, cursor: Buffer.from('{"a":1}').toString('base64url') })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it('patches status and merges timings', async () => {
    await store.scans.insert(makeScan('st-1', { timings: { queuedAt: t(1) } }));
    await store.scans.updateStatus('st-1', { status: 'analysing', timings: { startedAt: t(2) } });
    await store.scans.updateStatus('st-1', { status: 'failed', failureReason: 'decode_error', timings: { decodeMs: 12 } });
    const scan = await store.scans.get('st-1');
    expect(scan?.status).toBe('failed');
    expect(scan?.failureReason).toBe('decode_error');
    expect(scan?.verdict).toBeNull();
    expect(scan?.timings).toEqual({ queuedAt: t(1), startedAt: t(2), decodeMs: 12 });
    await expect(store.scans.updateStatus('no-such-scan', { status: 'queued' })).rejects.toThrow(/not found/);
  });

  it('recordAnalysis is idempotent: running twice leaves one set', async () => {
    await store.scans.insert(makeScan('ra-1', { laneId: 'ra-lane' }));
    const shadowStamp = { ...stamp, modelVersion: '2.0.0-rc1' };
    const shadow = {
      scanId: 'ra-1',
      stamp: shadowStamp,
      detections: [makeDetection('ra-1', 'ra-1-shadow-d0', { ...shadowStamp, shadow: true, aboveThreshold: false, class: 'timber', species: 'Dalbergia', citesAppendix: 'II', densityGcm3: 1.05 })],
      alert: null,
    };
    const patch = { status: 'analysed' as const, verdict: 'alert' as const, timings: { inferenceMs: 40, totalMs: 900 } };
    await store.recordAnalysis([makeResult('ra-1', 3, true), shadow], patch);
    await store.recordAnalysis([makeResult('ra-1', 3, true), shadow], patch);

    const dets = await store.detections.listByScan('ra-1');
    expect(dets).toHaveLength(4);
    const sh = dets.find((d) => d.shadow);
    expect(sh).toMatchObject({ aboveThreshold: false, species: 'Dalbergia', citesAppendix: 'II', densityGcm3: 1.05, modelVersion: '2.0.0-rc1' });
    expect(dets.filter((d) => !d.shadow).every((d) => d.aboveThreshold && d.box.width === 20 && d.boxMm.width === 40)).toBe(true);
    const alerts = await store.alerts.listByScan('ra-1');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.reasons[0]?.detectionIds).toHaveLength(3);
    const scan = await store.scans.get('ra-1');
    expect(scan).toMatchObject({ status: 'analysed', verdict: 'alert', timings: { inferenceMs: 40, totalMs: 900 } });

    // A re-run that now finds less replaces detections and removes the stale alert.
    await store.recordAnalysis([makeResult('ra-1', 1, false, 'b')], { status: 'analysed', verdict: 'clear' });
    const after = await store.detections.listByScan('ra-1');
    expect(after.map((d) => d.id).sort()).toEqual(['ra-1-b-d0', 'ra-1-shadow-d0']);
    expect(await store.alerts.listByScan('ra-1')).toHaveLength(0);
    expect((await store.scans.get('ra-1'))?.verdict).toBe('clear');
  });

  it('recordAnalysis rolls back everything when one statement fails', async () => {
    await store.scans.insert(makeScan('rb-1'));
    const good = makeResult('rb-1', 2, true);
    const v2 = { ...stamp, modelVersion: '9' };
    const bad = {
      scanId: 'rb-1',
      stamp: v2,
      // Same id twice: the second insert violates the primary key.
      detections: [makeDetection('rb-1', 'dup', v2), makeDetection('rb-1', 'dup', v2)],
      alert: null,
    };
    await expect(store.recordAnalysis([good, bad], { status: 'analysed', verdict: 'alert' })).rejects.toThrow();
    expect(await store.detections.listByScan('rb-1')).toHaveLength(0);
    expect(await store.alerts.listByScan('rb-1')).toHaveLength(0);
    expect((await store.scans.get('rb-1'))?.status).toBe('received');
  });

  it('recordAnalysis refuses rows that do not match their result key, and empty input', async () => {
    await store.scans.insert(makeScan('key-1'));
    const r = makeResult('key-1', 1, false);
    r.detections[0]!.modelVersion = 'other';
    await expect(store.recordAnalysis([r], { status: 'analysed' })).rejects.toThrow(/does not match/);
    await expect(store.recordAnalysis([], { status: 'analysed' })).rejects.toThrow(/at least one/);
  });

  it('lists alerts with filters and pagination, and counts by class and status', async () => {
    const before = await store.alerts.countByClass();
    const statusBefore = await store.scans.countByStatus();
    const classes = ['ivory', 'rhino_horn', 'timber'] as const;
    for (let i = 0; i < 12; i++) {
      const scanId = `al-${i}`;
      const lane = i % 2 ? 'al-lane-odd' : 'al-lane-even';
      await store.scans.insert(makeScan(scanId, { laneId: lane }));
      const alert = makeAlert(scanId, `alert-${String(i).padStart(2, '0')}`, {
        laneId: lane,
        class: classes[i % 3]!,
        status: i < 4 ? 'cleared' : 'open',
        createdAt: t(200 + Math.floor(i / 3)),
      });
      await store.recordAnalysis([{ scanId, stamp, detections: [], alert }], { status: 'analysed', verdict: 'alert' });
    }
    const after = await store.alerts.countByClass();
    for (const c of classes) expect((after[c] ?? 0) - (before[c] ?? 0)).toBe(4);
    const statusAfter = await store.scans.countByStatus();
    expect((statusAfter.analysed ?? 0) - (statusBefore.analysed ?? 0)).toBe(12);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.alerts.list({ since: t(200), limit: 5, cursor });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `alert-${String(11 - i).padStart(2, '0')}`));

    const odd = await store.alerts.list({ laneId: 'al-lane-odd', limit: 50 });
    expect(odd.items).toHaveLength(6);
    const open = await store.alerts.list({ status: 'cleared', since: t(200), limit: 50 });
    expect(open.items.map((a) => a.id).sort()).toEqual(['alert-00', 'alert-01', 'alert-02', 'alert-03']);
    const timber = await store.alerts.list({ class: 'timber', laneId: 'al-lane-even', limit: 50 });
    expect(timber.items.map((a) => a.id).sort()).toEqual(['alert-02', 'alert-08']);
    const late = await store.alerts.list({ since: t(203), limit: 50 });
    expect(late.items.map((a) => a.id).sort()).toEqual(['alert-09', 'alert-10', 'alert-11']);
    expect(await store.alerts.get('alert-05')).toMatchObject({ scanId: 'al-5', class: 'timber', laneId: 'al-lane-odd' });
    expect(await store.alerts.get('nope')).toBeUndefined();
  });
});
