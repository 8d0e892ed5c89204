/**
 * Supervisor statistics and the alert export over HTTP on SQLite and PostgreSQL: alerts are
 * raised through the store and decided through the real review routes by logged-in inspectors,
 * then /v1/stats must count exactly what was decided (confirmed rate, false-alarm reasons,
 * time to decision, per lane / class / model / inspector), the export must carry every alert
 * with its outcome (CSV-injection guarded) and leave an audit entry, and other roles are refused.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs, type LoggedIn } from '../helpers/auth.ts';
import { backends } from '../store/backends.ts';
import { makeAlert, makeResult, makeScan, stamp } from '../store/factories.ts';

describe.each(backends)('stats and exports on $name', (backend) => {
  let dir: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let alice: LoggedIn;
  let bob: LoggedIn;
  let sue: LoggedIn;
  let olga: LoggedIn;
  let n = 0;
  const from = new Date(Date.now() - 3_600_000).toISOString();

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-stats-'));
    ({ store, cleanup } = await backend.open());
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    app = await buildApp({ config, store, images: new ImageStore(path.join(dir, 'images')) }, { logger: false, processMetrics: false });
    alice = await loginAs(app, store, 'inspector', { username: 'alice' });
    bob = await loginAs(app, store, 'inspector', { username: 'bob' });
    sue = await loginAs(app, store, 'supervisor', { username: 'sue' });
    olga = await loginAs(app, store, 'operator', { username: 'olga', lanes: ['lane-1'] });
  });

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const post = (who: LoggedIn, url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { ...who.headers, ...headers }, ...(payload ? { payload } : {}) });

  async function raise(laneId: string, cls: 'ivory' | 'rhino_horn' | 'timber', verdict: 'alert' | 'clear' = 'alert'): Promise<string> {
    const scanId = `stats-scan-${++n}`;
    await store.scans.insert(makeScan(scanId, { laneId }));
    if (verdict === 'clear') {
      await store.recordAnalysis([makeResult(scanId, 0, false)], { status: 'analysed', verdict: 'clear' });
      return scanId;
    }
    const r = makeResult(scanId, 1, true);
    r.alert = makeAlert(scanId, `stats-alert-${n}`, { laneId, class: cls, ...stamp });
    await store.recordAnalysis([r], { status: 'analysed', verdict: 'alert' });
    return r.alert.id;
  }

  async function decide(who: LoggedIn, alertId: string, body: object): Promise<void> {
    const claim = await post(who, `/v1/alerts/${alertId}/claim`);
    expect(claim.statusCode).toBe(200);
    const res = await post(who, `/v1/alerts/${alertId}/decision`, body, { 'if-match': claim.headers.etag as string });
    expect(res.statusCode, res.body).toBe(200);
  }

  it('counts what reviewers decided, per lane, class, model and inspector', async () => {
    // lane-1: 3 ivory alerts — one seized (via refer), one cleared as look-alike, one left open; 1 clear scan.
    const a1 = await raise('lane-1', 'ivory');
    const a2 = await raise('lane-1', 'ivory');
    await raise('lane-1', 'ivory');
    await raise('lane-1', 'ivory', 'clear');
    // lane-2: 2 timber alerts — cleared as packaging, and referred then nothing found.
    const b1 = await raise('lane-2', 'timber');
    const b2 = await raise('lane-2', 'timber');

    await decide(alice, a1, { decision: 'refer', notes: 'open the container' });
    const referred = await app.inject({ url: `/v1/alerts/${a1}`, headers: sue.headers });
    const seize = await post(sue, `/v1/alerts/${a1}/decision`, { decision: 'seize', seizure: { species: 'Loxodonta africana', count: 3, weightKg: 41.5 } }, {
      'if-match': referred.headers.etag as string,
    });
    expect(seize.statusCode, seize.body).toBe(200);
    await decide(alice, a2, { decision: 'clear', reason: 'look_alike_material', notes: '=HYPERLINK("http://x")' });
    await decide(bob, b1, { decision: 'clear', reason: 'packaging' });
    await decide(bob, b2, { decision: 'refer' });
    const b2now = await app.inject({ url: `/v1/alerts/${b2}`, headers: sue.headers });
    const nf = await post(sue, `/v1/alerts/${b2}/decision`, { decision: 'nothing_found' }, { 'if-match': b2now.headers.etag as string });
    expect(nf.statusCode, nf.body).toBe(200);

    const to = new Date(Date.now() + 60_000).toISOString();
    const byLane = await app.inject({ url: `/v1/stats?groupBy=lane&from=${from}&to=${to}`, headers: sue.headers });
    expect(byLane.statusCode, byLane.body).toBe(200);
    const report = byLane.json();
    expect(report.totals).toMatchObject({ scans: 6, alerts: 5, closed: 4, confirmedRate: { hits: 1, total: 4, rate: 0.25 } });
    expect(report.totals.verdicts).toMatchObject({ alert: 5, clear: 1 });
    expect(report.totals.falseAlarmReasons).toMatchObject({ look_alike_material: 1, packaging: 1, nothing_found: 1, other: 0 });
    expect(report.totals.byStatus).toMatchObject({ open: 1, seized: 1, cleared: 2, nothing_found: 1 });
    expect(report.totals.timeToDecisionS.decided).toBe(4);
    expect(report.totals.timeToDecisionS.median).toBeGreaterThanOrEqual(0);
    const lanes = Object.fromEntries(report.groups.map((g: { key: string }) => [g.key, g]));
    expect(lanes['lane-1']).toMatchObject({ scans: 4, alerts: 3, closed: 2, confirmedRate: { hits: 1, total: 2 } });
    expect(lanes['lane-2']).toMatchObject({ scans: 2, alerts: 2, closed: 2, confirmedRate: { hits: 0, total: 2 } });
    expect(report.models).toEqual([expect.objectContaining({ modelId: stamp.modelId, modelVersion: stamp.modelVersion, observed: expect.objectContaining({ alerts: 5 }) })]);

    const byClass = (await app.inject({ url: `/v1/stats?groupBy=class&from=${from}&to=${to}`, headers: sue.headers })).json();
    expect(byClass.groups.map((g: { key: string; alerts: number; scans: null }) => [g.key, g.alerts, g.scans])).toEqual([
      ['ivory', 3, null],
      ['timber', 2, null],
    ]);
    const byInspector = (await app.inject({ url: `/v1/stats?groupBy=inspector&from=${from}&to=${to}`, headers: sue.headers })).json();
    expect(byInspector.groups.map((g: { key: string; alerts: number }) => [g.key, g.alerts])).toEqual([
      ['(undecided)', 1],
      ['alice', 2],
      ['bob', 2],
    ]);
    const byModel = (await app.inject({ url: `/v1/stats?groupBy=model&from=${from}&to=${to}`, headers: sue.headers })).json();
    expect(byModel.groups.map((g: { key: string }) => g.key)).toEqual([`${stamp.modelId}@${stamp.modelVersion}`]);

    // A period before any of it counts nothing.
    const empty = (await app.inject({ url: `/v1/stats?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`, headers: sue.headers })).json();
    expect(empty.totals).toMatchObject({ scans: 0, alerts: 0, confirmedRate: { rate: null } });

    // Export: every alert with its outcome, CSV-injection guarded, audited.
    const csv = await app.inject({ url: `/v1/exports/alerts?from=${from}&to=${to}&format=csv`, headers: sue.headers });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toMatch(/^alertId,scanId,laneId,class,/);
    expect(lines).toHaveLength(6);
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv.body).toContain('Loxodonta africana');
    const json = (await app.inject({ url: `/v1/exports/alerts?from=${from}&to=${to}&format=json`, headers: sue.headers })).json();
    const seized = json.alerts.find((a: { alertId: string }) => a.alertId === a1);
    expect(seized).toMatchObject({ status: 'seized', decision: 'seize', seizureCount: 3, seizureWeightKg: 41.5, firstDecidedBy: 'alice', lastDecidedBy: 'sue' });
    const audit = await store.audit.list({ action: 'export.created', limit: 10 });
    expect(audit.map((e) => [e.actor.name, (e.after as { format: string; rows: number }).format, (e.after as { rows: number }).rows])).toEqual([
      ['sue', 'csv', 5],
      ['sue', 'json', 5],
    ]);
  });

  it('refuses other roles and bad periods', async () => {
    for (const who of [alice, olga]) {
      expect((await app.inject({ url: '/v1/stats', headers: who.headers })).statusCode).toBe(403);
      expect((await app.inject({ url: `/v1/exports/alerts?from=${from}&to=${from}`, headers: who.headers })).statusCode).toBe(403);
    }
    expect((await app.inject({ url: '/v1/stats' })).statusCode).toBe(401);
    const backwards = await app.inject({ url: `/v1/stats?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, headers: sue.headers });
    expect(backwards.statusCode).toBe(400);
    const tooLong = await app.inject({ url: `/v1/stats?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, headers: sue.headers });
    expect(tooLong.statusCode).toBe(400);
  });
});
