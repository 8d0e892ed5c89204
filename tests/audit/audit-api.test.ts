/**
 * /v1/audit over HTTP with real logins on SQLite and PostgreSQL: the review workflow and logins
 * leave entries a supervisor can filter and page through; verify answers ok, then names a row
 * edited in the database; the export streams the period (CSV escaped, JSON re-verifiable with
 * nothing but the rule in docs/audit.md) and is itself audited; inspectors are refused.
 */
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#services/api/app.ts';
import { systemActor } from '#services/core/access.ts';
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
    // Pages follow one another without a gap or an overlap, down to the first entry.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { seq: number }[]; nextCursor: string | null } = (await app.inject({ url: `/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`, headers: sue.headers })).json();
      seen.push(...page.items.map((e: { seq: number }) => e.seq));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(seqs);
    expect(seen.at(-1)).toBe(1);
    // The actor filter takes a username as well as an id.
    const byName = (await app.inject({ url: '/v1/audit?actor=alice', headers: sue.headers })).json().items;
    const byId = (await app.inject({ url: `/v1/audit?actor=${alice.userId}`, headers: sue.headers })).json().items;
    expect(byName.length).toBeGreaterThan(1);
    expect(byId).toEqual(byName);
    expect((await app.inject({ url: '/v1/audit?cursor=abc', headers: sue.headers })).statusCode).toBe(400);
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

  it('exports a period as CSV and JSON, streamed across batches, and audits the export', async () => {
    // Awkward values for CSV: separators, quotes, line breaks, a would-be spreadsheet formula.
    await store.audit.append({
      actor: { kind: 'user', id: 'u-x', name: 'O\'Brien, "Bob"\nline two' },
      action: 'user.updated',
      object: { type: 'user', id: '=HYPERLINK("http://evil")' },
      after: { note: 'a,b\r\n"c"' },
    });
    for (let i = 0; i < 1005; i++) await store.audit.append({ actor: systemActor('worker'), action: 'scan.analysed', object: { type: 'scan', id: `bulk-${i}` } });
    const head = (await store.audit.head()).seq;
    const to = new Date(Date.now() + 60_000).toISOString();

    const csv = await app.inject({ url: `/v1/audit/export?from=${from}&to=${to}&format=csv`, headers: sue.headers });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(csv.body);
    expect(rows[0]).toEqual(['seq', 'at', 'actorKind', 'actorId', 'actorName', 'action', 'objectType', 'objectId', 'before', 'after', 'prevHash', 'hash']);
    const body = rows.slice(1);
    expect(body.map((r) => Number(r[0]))).toEqual(Array.from({ length: head }, (_, i) => i + 1)); // every entry up to the head, once, in order
    const odd = body.find((r) => r[3] === 'u-x')!;
    expect(odd[4]).toBe('O\'Brien, "Bob"\nline two');
    expect(odd[7]).toBe('\'=HYPERLINK("http://evil")');
    expect(JSON.parse(odd[9]!)).toEqual({ note: 'a,b\r\n"c"' });

    const json = await app.inject({ url: `/v1/audit/export?from=${from}&to=${to}&format=json`, headers: sue.headers });
    expect(json.statusCode).toBe(200);
    const doc = json.json();
    expect(doc).toMatchObject({ from, to, throughSeq: head + 1 }); // the CSV export's own entry is in it, this one's is not
    expect(doc.entries).toHaveLength(head + 1);
    // An auditor re-verifies the export with the rule of docs/audit.md alone.
    let prev = '0'.repeat(64);
    for (const e of doc.entries) {
      expect(e.prevHash).toBe(prev);
      expect(outsideHash(e)).toBe(e.hash);
      prev = e.hash;
    }

    const exports = (await app.inject({ url: '/v1/audit?action=export.created', headers: sue.headers })).json().items;
    expect(exports.map((e: { after: { kind: string; format: string; throughSeq: number } }) => [e.after.kind, e.after.format, e.after.throughSeq])).toEqual([
      ['audit', 'json', head + 1],
      ['audit', 'csv', head],
    ]);
    expect((await app.inject({ url: `/v1/audit/export?from=${to}&to=${from}`, headers: sue.headers })).statusCode).toBe(400);
  }, 60_000);

  it('carries the signed checkpoints in the JSON export, verifiable with the exported public key', async () => {
    const { AuditSigner, writeCheckpoints } = await import('#services/audit/audit-service.ts');
    const signer = AuditSigner.load(path.join(dir, 'audit-signing-key.pem'));
    await writeCheckpoints(store.audit, signer, { every: 100 }); // AUDIT_CHECKPOINT_EVERY, as the route verifies it
    const to = new Date(Date.now() + 60_000).toISOString();
    const doc = (await app.inject({ url: `/v1/audit/export?from=${from}&to=${to}&format=json`, headers: sue.headers })).json();
    expect(doc.checkpoints.map((c: { seq: number }) => c.seq)).toContain(1000);
    const publicKey = createPublicKey(signer.publicKeyPem());
    const hashes = new Map(doc.entries.map((e: { seq: number; hash: string }) => [e.seq, e.hash]));
    for (const c of doc.checkpoints) {
      expect(verifySignature(null, Buffer.from(`${c.seq}:${c.hash}:${c.at}`), publicKey, Buffer.from(c.signature, 'base64'))).toBe(true);
      expect(hashes.get(c.seq)).toBe(c.hash);
    }
    const v = (await app.inject({ url: '/v1/audit/verify', headers: sue.headers })).json();
    expect(v).toMatchObject({ ok: true, checkpoints: { keyId: signer.keyId } });
    expect(v.checkpoints.checked).toBeGreaterThan(0);
  });

  it('refuses inspectors and anonymous callers', async () => {
    for (const url of ['/v1/audit', '/v1/audit/verify', `/v1/audit/export?from=${from}&to=${from}`]) {
      expect((await app.inject({ url, headers: alice.headers })).statusCode).toBe(403);
      expect((await app.inject({ url })).statusCode).toBe(401);
    }
  });
});

/** The hash rule as docs/audit.md states it, written from the text (not from services/core). */
function outsideHash(e: Record<string, unknown>): string {
  const canonical = (v: unknown): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  };
  const { seq, at, actor, action, object, before, after, prevHash } = e;
  const body = canonical({ seq, at, actor, action, object, before, after, prevHash });
  return createHash('sha256').update(`${prevHash as string}\n${body}`, 'utf8').digest('hex');
}

/** RFC 4180 CSV (quoted fields may hold commas, quotes doubled, line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}
