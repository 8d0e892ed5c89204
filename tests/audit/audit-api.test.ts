/**
 * /v1/audit over HTTP with real logins on SQLite and PostgreSQL: the review workflow and logins
 * leave entries a supervisor can filter; verify answers ok, then names a row edited in the
 * database; the export carries the period and is itself audited; inspectors are refused.
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

describe.each(backends)('audit API on $name', (backend) => {
  let dir: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  let sql: (s: string) => Promise<void>;
  let app: FastifyInstance;
  let alice: LoggedIn;
  let sue: LoggedIn;
  const from = new Date(Date.now() - 60_000).toISOString();

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-audit-api-'));
    ({ store, cleanup, sql } = await backend.open());
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    app = await buildApp({ config, store, images: new ImageStore(path.join(dir, 'images')) }, { logger: false, processMetrics: false });
    alice = await loginAs(app, store, 'inspector', { username: 'alice' });
    sue = await loginAs(app, store, 'supervisor', { username: 'sue' });
    await store.scans.insert(makeScan('audit-scan-1'));
    const r = makeResult('audit-scan-1', 1, true);
    await store.recordAnalysis([r], { status: 'analysed', verdict: 'alert' });
    const claim = await app.inject({ method: 'POST', url: `/v1/alerts/${r.alert!.id}/claim`, headers: alice.headers });
    expect(claim.statusCode).toBe(200);
    const decided = await app.inject({
      method: 'POST',
      url: `/v1/alerts/${r.alert!.id}/decision`,
      headers: { ...alice.headers, 'if-match': claim.headers.etag as string },
      payload: { decision: 'clear', reason: 'packaging' },
    });
    expect(decided.statusCode).toBe(200);
  });

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('lists entries newest first with filters and a cursor', async () => {
    const all = (await app.inject({ url: '/v1/audit?limit=500', headers: sue.headers })).json();
    const actions = all.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.login', 'alert.claimed', 'alert.decided', 'user.created']));
    const seqs = all.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const decisions = (await app.inject({ url: '/v1/audit?action=alert.decided', headers: sue.headers })).json();
    expect(decisions.items).toHaveLength(1);
    expect(decisions.items[0]).toMatchObject({ actor: { name: 'alice' }, object: { type: 'alert' } });
    const page1 = (await app.inject({ url: '/v1/audit?limit=2', headers: sue.headers })).json();
    const page2 = (await app.inject({ url: `/v1/audit?limit=2&before=${page1.nextBefore}`, headers: sue.headers })).json();
    expect(page2.items[0].seq).toBe(page1.items[1].seq - 1);
  });

  it('verifies, then names a row edited in the database', async () => {
    const ok = (await app.inject({ url: '/v1/audit/verify', headers: sue.headers })).json();
    expect(ok).toMatchObject({ ok: true });
    expect(ok.entries).toBeGreaterThan(4);
    const decided = (await app.inject({ url: '/v1/audit?action=alert.decided', headers: sue.headers })).json().items[0];
    await sql(`update audit_log set actor_name = 'bob' where seq = ${decided.seq}`);
    const bad = (await app.inject({ url: '/v1/audit/verify', headers: sue.headers })).json();
    expect(bad).toMatchObject({ ok: false, firstBroken: { seq: decided.seq, reason: 'hash_mismatch' } });
    await sql(`update audit_log set actor_name = 'alice' where seq = ${decided.seq}`);
    expect((await app.inject({ url: '/v1/audit/verify', headers: sue.headers })).json().ok).toBe(true);
  });

  it('exports a period as CSV and JSON, and audits the export', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const csv = await app.inject({ url: `/v1/audit/export?from=${from}&to=${to}&format=csv`, headers: sue.headers });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.split('\n')[0]).toBe('seq,at,actorKind,actorId,actorName,action,objectType,objectId,before,after,prevHash,hash');
    expect(csv.body).toContain('alert.decided');
    const json = (await app.inject({ url: `/v1/audit/export?from=${from}&to=${to}&format=json`, headers: sue.headers })).json();
    expect(json.entries.length).toBeGreaterThan(4);
    const exports = (await app.inject({ url: '/v1/audit?action=export.created', headers: sue.headers })).json().items;
    expect(exports.map((e: { after: { kind: string; format: string } }) => [e.after.kind, e.after.format])).toEqual([
      ['audit', 'json'],
      ['audit', 'csv'],
    ]);
  });

  it('refuses inspectors and anonymous callers', async () => {
    for (const url of ['/v1/audit', '/v1/audit/verify', `/v1/audit/export?from=${from}&to=${from}`]) {
      expect((await app.inject({ url, headers: alice.headers })).statusCode).toBe(403);
      expect((await app.inject({ url })).statusCode).toBe(401);
    }
  });
});
