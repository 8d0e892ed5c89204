/**
 * The review workflow over HTTP, through the real Fastify app with real logins (tests/helpers/auth.ts)
 * on SQLite and PostgreSQL: claim / release / decide / seen / history / list filters, If-Match and
 * ETag, the 409s (illegal transition, claimed, conflict naming the winner), 428 without a version,
 * who may call what (route roles and lanes), and the operator's inspection outcome.
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
import { makeResult, makeScan } from '../store/factories.ts';

const SEIZURE = { species: 'Loxodonta africana', count: 2, weightKg: 18.2 };

describe.each(backends)('review API on $name', (backend) => {
  let dir: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let alice: LoggedIn;
  let bob: LoggedIn;
  let sue: LoggedIn;
  let olga: LoggedIn;
  let otto: LoggedIn;
  let n = 0;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-review-api-'));
    ({ store, cleanup } = await backend.open());
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    app = await buildApp({ config, store, images: new ImageStore(path.join(dir, 'images')) }, { logger: false, processMetrics: false });
    alice = await loginAs(app, store, 'inspector', { username: 'alice' });
    bob = await loginAs(app, store, 'inspector', { username: 'bob' });
    sue = await loginAs(app, store, 'supervisor', { username: 'sue' });
    olga = await loginAs(app, store, 'operator', { username: 'olga', lanes: ['lane-1'] });
    otto = await loginAs(app, store, 'operator', { username: 'otto', lanes: ['lane-9'] });
  });

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  async function freshAlert(): Promise<{ alertId: string; scanId: string }> {
    const scanId = `api-scan-${++n}`;
    await store.scans.insert(makeScan(scanId));
    const r = makeResult(scanId, 2, true);
    await store.recordAnalysis([r], { status: 'analysed', verdict: 'alert' });
    return { alertId: r.alert!.id, scanId };
  }

  const post = (who: LoggedIn, url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { ...who.headers, ...headers }, ...(payload ? { payload } : {}) });
  const get = (who: LoggedIn, url: string) => app.inject({ url, headers: who.headers });

  it('runs the workflow: read, claim, decide on the version read, history, seen', async () => {
    const { alertId } = await freshAlert();
    const detail = await get(alice, `/v1/alerts/${alertId}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.headers.etag).toBe('"1"');
    expect(detail.json()).toMatchObject({ id: alertId, status: 'open', seenAt: null, review: { version: 1, assignee: null }, history: [] });
    expect(detail.json().actions).toEqual(['claim', 'escalate']);

    const claim = await post(alice, `/v1/alerts/${alertId}/claim`); // no body at all
    expect(claim.statusCode).toBe(200);
    expect(claim.headers.etag).toBe('"2"');
    expect(claim.json()).toMatchObject({ status: 'in_review', review: { version: 2, assignee: { name: 'alice' } } });

    const mine = await get(alice, '/v1/alerts?assignee=me');
    expect(mine.json().items.map((a: { id: string }) => a.id)).toEqual([alertId]);
    expect((await get(bob, '/v1/alerts?assignee=me')).json().items).toEqual([]);
    expect((await get(bob, '/v1/alerts?status=in_review')).json().items.map((a: { id: string }) => a.id)).toContain(alertId);

    const taken = await post(bob, `/v1/alerts/${alertId}/claim`, {});
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: 'claimed' });
    expect(taken.json().message).toContain('in review by alice');

    const noVersion = await post(alice, `/v1/alerts/${alertId}/decision`, { decision: 'clear', reason: 'packaging' });
    expect(noVersion.statusCode).toBe(428);
    expect(noVersion.json().error).toBe('version_required');

    const stale = await post(alice, `/v1/alerts/${alertId}/decision`, { decision: 'clear', reason: 'packaging' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: 'conflict', current: { status: 'in_review', version: 2, changedBy: { name: 'alice' } } });
    expect(stale.json().message).toContain('was claimed by alice');

    const disagree = await post(alice, `/v1/alerts/${alertId}/decision`, { decision: 'clear', reason: 'packaging', version: 1 }, { 'if-match': '"2"' });
    expect(disagree.statusCode).toBe(400);

    const cleared = await post(alice, `/v1/alerts/${alertId}/decision`, { decision: 'clear', reason: 'look_alike_material', notes: 'cattle horn' }, { 'if-match': '"2"' });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({
      status: 'cleared',
      review: { version: 3, assignee: null, decidedBy: { name: 'alice' }, decision: { decision: 'clear', reason: 'look_alike_material', notes: 'cattle horn' } },
    });

    const again = await post(bob, `/v1/alerts/${alertId}/claim`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'illegal_transition' });
    expect(again.json().message).toMatch(new RegExp(`^alert ${alertId} is cleared; it cannot be claimed`));

    const history = await get(bob, `/v1/alerts/${alertId}/history`);
    expect(history.json().items.map((h: { action: string; actor: { name: string }; to: string }) => [h.action, h.actor.name, h.to])).toEqual([
      ['claim', 'alice', 'in_review'],
      ['clear', 'alice', 'cleared'],
    ]);

    const seen = await post(bob, `/v1/alerts/${alertId}/seen`);
    expect(seen.statusCode).toBe(200);
    expect(seen.json()).toMatchObject({ alertId, first: true });
    expect((await get(bob, `/v1/alerts/${alertId}`)).json().seenAt).toBe(seen.json().seenAt);
    expect((await get(alice, `/v1/alerts/${alertId}`)).json().seenAt).toBeNull();
    expect((await post(bob, `/v1/alerts/${alertId}/seen`)).json().first).toBe(false);

    const audit = await store.audit.list({ objectType: 'alert', objectId: alertId, limit: 20 });
    expect(audit.map((e) => [e.action, e.actor.name])).toEqual([
      ['alert.claimed', 'alice'],
      ['alert.decided', 'alice'],
      ['alert.seen', 'bob'],
    ]);
  });

  it('releases, escalates to a supervisor, validates bodies and has no bulk decision', async () => {
    const { alertId } = await freshAlert();
    await post(alice, `/v1/alerts/${alertId}/claim`, { notes: 'mine' });
    expect((await post(bob, `/v1/alerts/${alertId}/release`)).statusCode).toBe(403);
    const released = await post(alice, `/v1/alerts/${alertId}/release`, { version: 2 });
    expect(released.json()).toMatchObject({ status: 'open', review: { version: 3, assignee: null } });

    const esc = await post(bob, `/v1/alerts/${alertId}/decision`, { decision: 'escalate', notes: 'second opinion', version: 3 });
    expect(esc.json().status).toBe('escalated');
    const notMine = await post(alice, `/v1/alerts/${alertId}/decision`, { decision: 'clear', reason: 'packaging', version: 4 });
    expect(notMine.statusCode).toBe(403);
    expect(notMine.json().message).toContain('a supervisor decides it');
    expect((await get(sue, `/v1/alerts/${alertId}`)).json().actions).toEqual(['clear', 'refer']);

    expect((await post(sue, `/v1/alerts/${alertId}/decision`, { decision: 'shred', version: 4 })).statusCode).toBe(400);
    expect((await post(sue, `/v1/alerts/${alertId}/decision`, { decision: 'clear', version: 4 })).json().message).toContain('needs a reason');
    expect((await post(sue, `/v1/alerts/${alertId}/decision`, { decision: 'clear', reason: 'vibes', version: 4 })).statusCode).toBe(400);
    const referred = await post(sue, `/v1/alerts/${alertId}/decision`, { decision: 'refer', version: 4 });
    expect(referred.json().status).toBe('referred');

    expect((await post(sue, '/v1/alerts/decision', { decision: 'clear', reason: 'packaging', version: 1 })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/v1/alerts/${alertId}/claim` })).statusCode).toBe(401);
  });

  it('lets exactly one of two simultaneous decisions on one version through', async () => {
    const { alertId } = await freshAlert();
    await post(alice, `/v1/alerts/${alertId}/claim`);
    const [a, b] = await Promise.all([
      post(alice, `/v1/alerts/${alertId}/decision`, { decision: 'refer' }, { 'if-match': '"2"' }),
      post(sue, `/v1/alerts/${alertId}/decision`, { decision: 'clear', reason: 'image_artefact' }, { 'if-match': '"2"' }),
    ]);
    const codes = [a.statusCode, b.statusCode].sort();
    expect(codes).toEqual([200, 409]);
    const loser = a.statusCode === 409 ? a : b;
    const winner = a.statusCode === 200 ? a : b;
    expect(loser.json().error).toBe('conflict');
    expect(loser.json().current.changedBy.name).toBe(winner.json().review.decidedBy.name);
  });

  it('limits operators to their lanes and to reading; records their inspection outcome', async () => {
    const { alertId, scanId } = await freshAlert();
    expect((await get(olga, `/v1/alerts/${alertId}`)).statusCode).toBe(200);
    expect((await get(olga, '/v1/alerts')).json().items.every((a: { laneId: string }) => a.laneId === 'lane-1')).toBe(true);
    expect((await get(otto, `/v1/alerts/${alertId}`)).statusCode).toBe(404);
    expect((await get(otto, '/v1/alerts')).json().items).toEqual([]);
    expect((await get(otto, '/v1/alerts?lane=lane-1')).statusCode).toBe(403);
    expect((await post(olga, `/v1/alerts/${alertId}/claim`)).statusCode).toBe(403);
    expect((await post(olga, `/v1/alerts/${alertId}/seen`)).statusCode).toBe(200);

    await post(alice, `/v1/alerts/${alertId}/claim`);
    await post(alice, `/v1/alerts/${alertId}/decision`, { decision: 'refer', notes: 'hold for inspection', version: 2 });

    expect((await post(otto, `/v1/scans/${scanId}/inspection`, { outcome: 'seized', seizure: SEIZURE })).statusCode).toBe(403);
    expect((await post(alice, `/v1/scans/${scanId}/inspection`, { outcome: 'seized', seizure: SEIZURE })).statusCode).toBe(403);
    expect((await post(olga, `/v1/scans/${scanId}/inspection`, { outcome: 'seized' })).statusCode).toBe(400);
    expect((await post(olga, `/v1/scans/${scanId}/inspection`, { outcome: 'seized', seizure: { ...SEIZURE, weightKg: 0 } })).statusCode).toBe(400);
    const res = await post(olga, `/v1/scans/${scanId}/inspection`, { outcome: 'seized', seizure: SEIZURE, notes: 'tusks in crate 3' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      inspection: { scanId, outcome: 'seized', seizure: SEIZURE, alertIds: [alertId], actor: { name: 'olga' } },
      decided: [{ id: alertId, status: 'seized', review: { decidedBy: { name: 'olga' }, decision: { decision: 'seize', seizure: SEIZURE } } }],
      stillOpen: [],
    });
    const listed = await get(olga, `/v1/scans/${scanId}/inspections`);
    expect(listed.json().items).toHaveLength(1);
    expect((await get(otto, `/v1/scans/${scanId}/inspections`)).statusCode).toBe(404);
    const audit = await store.audit.list({ objectType: 'scan', objectId: scanId, action: 'scan.inspection_recorded', limit: 5 });
    expect(audit).toHaveLength(1);
  });

  it('documents the routes in OpenAPI with their roles', async () => {
    const spec = (await app.inject({ url: '/docs/json' })).json();
    for (const p of ['/v1/alerts/{id}/claim', '/v1/alerts/{id}/release', '/v1/alerts/{id}/decision', '/v1/alerts/{id}/seen', '/v1/alerts/{id}/history', '/v1/scans/{scanId}/inspection']) {
      expect(Object.keys(spec.paths)).toContain(p);
    }
    expect(spec.paths['/v1/alerts/{id}/decision'].post.description).toContain('Roles: inspector, supervisor');
  });
});
