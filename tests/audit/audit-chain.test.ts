/**
 * The audit trail is tamper-evident (issue 9 §3), on SQLite and PostgreSQL: a chain appended
 * through the real store verifies; then each kind of tampering, done directly in the database
 * with SQL as an intruder with database access would, is detected and named at the right entry —
 * an edited row, a deleted row, a deleted tail, a reordering, and a whole chain rewritten with
 * recomputed hashes (only the signed checkpoint catches that one). Two processes appending at once
 * keep one unbroken chain. The CLI prints the same verdict.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditSigner, verifyChain, writeCheckpoint } from '#services/audit/audit-service.ts';
import { auditEntryHash, GENESIS_HASH } from '#services/core/audit.ts';
import type { Store } from '#services/store/types.ts';
import { backends } from '../store/backends.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe.each(backends)('audit chain on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let sql: (s: string) => Promise<void>;
  let env: Record<string, string>;
  let dir: string;
  let signer: AuditSigner;

  beforeEach(async () => {
    ({ store, cleanup, sql, env } = await backend.open());
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-audit-'));
    signer = AuditSigner.load(path.join(dir, 'key.pem'));
    for (let i = 1; i <= 20; i++) {
      await store.audit.append({
        actor: { kind: 'user', id: `u-${i % 3}`, name: ['alice', 'bob', 'sue'][i % 3]! },
        action: i % 2 ? 'alert.claimed' : 'alert.decided',
        object: { type: 'alert', id: `alt-${i}` },
        before: { status: 'open' },
        after: { status: i % 2 ? 'in_review' : 'cleared', note: `entry ${i}` },
      });
    }
  });

  afterEach(async () => {
    await cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const verify = () => verifyChain(store.audit, { publicKey: signer.publicKey });

  it('verifies an untouched chain, with a signed checkpoint', async () => {
    expect(await writeCheckpoint(store.audit, signer)).toMatchObject({ seq: 20 });
    expect(await writeCheckpoint(store.audit, signer)).toBeNull(); // the head is already signed
    const r = await verify();
    expect(r).toMatchObject({ ok: true, entries: 20, head: { seq: 20 }, checkpoints: { checked: 1, keyId: signer.keyId } });
    expect(r.firstBroken).toBeUndefined();
  });

  it('names an edited row', async () => {
    await sql(`update audit_log set after_json = '{"status":"seized","note":"entry 7"}' where seq = 7`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 7, reason: 'hash_mismatch' } });
  });

  it('names an edited actor (who did it is evidence too)', async () => {
    await sql(`update audit_log set actor_name = 'mallory' where seq = 12`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 12, reason: 'hash_mismatch' } });
  });

  it('names a deleted row', async () => {
    await sql(`delete from audit_log where seq = 7`);
    const r = await verify();
    expect(r).toMatchObject({ ok: false, firstBroken: { seq: 7, reason: 'sequence_gap' } });
    expect(r.firstBroken!.message).toContain('7–7 are missing');
  });

  it('names a deleted row whose successors were renumbered', async () => {
    await sql(`delete from audit_log where seq = 7`);
    for (let s = 8; s <= 20; s++) await sql(`update audit_log set seq = ${s - 1} where seq = ${s}`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 7, reason: 'prev_hash_mismatch' } });
  });

  it('names a deleted tail', async () => {
    await sql(`delete from audit_log where seq >= 19`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 19, reason: 'head_mismatch' } });
  });

  it('names a reordering', async () => {
    await sql(`update audit_log set seq = -5 where seq = 5`);
    await sql(`update audit_log set seq = 5 where seq = 9`);
    await sql(`update audit_log set seq = 9 where seq = -5`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 5, reason: 'prev_hash_mismatch' } });
  });

  it('catches a whole chain rewritten with recomputed hashes by its signed checkpoint, and a forged checkpoint by its signature', async () => {
    await writeCheckpoint(store.audit, signer);
    // The intruder edits entry 3 and recomputes every hash after it, and the head: the chain is self-consistent again.
    await sql(`update audit_log set after_json = '{"status":"cleared","note":"rewritten"}' where seq = 3`);
    let prev = GENESIS_HASH;
    for await (const e of store.audit.iterate()) {
      const hash = auditEntryHash({ ...e, prevHash: prev });
      await sql(`update audit_log set prev_hash = '${prev}', hash = '${hash}' where seq = ${e.seq}`);
      prev = hash;
    }
    await sql(`update audit_head set hash = '${prev}' where id = 1`);
    const r = await verify();
    expect(r).toMatchObject({ ok: false, firstBroken: { seq: 20, reason: 'checkpoint_mismatch' } });
    // Forging the checkpoint to the new hash needs the private key: without it the signature fails.
    await sql(`update audit_checkpoints set hash = '${prev}' where seq = 20`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 20, reason: 'checkpoint_signature_invalid' } });
  });

  it('keeps one unbroken chain when two processes append at once', async () => {
    const results = await Promise.all([run(['tests/helpers/audit-append-child.ts', '150', 'p1'], env), run(['tests/helpers/audit-append-child.ts', '150', 'p2'], env)]);
    expect(results.map((r) => (r.code === 0 ? 'ok' : r.out))).toEqual(['ok', 'ok']);
    const r = await verify();
    expect(r).toMatchObject({ ok: true, entries: 320, head: { seq: 320 } });
    const objects = new Set((await store.audit.list({ afterSeq: 20, limit: 1000 })).map((e) => e.object!.id));
    expect(objects.size).toBe(300);
  }, 120_000);

  it('npm run audit:verify prints OK, then the broken entry and exits 1', async () => {
    const cliEnv = { ...env, DATA_DIR: dir, AUDIT_KEY_FILE: path.join(dir, 'key.pem'), LOG_LEVEL: 'silent' };
    const good = await run(['services/audit/cli.ts', '--checkpoint'], cliEnv);
    expect(good.code, good.out).toBe(0);
    expect(good.out).toContain('checkpoint signed at entry 20');
    expect(good.out).toContain('OK: every entry matches its hash');
    await sql(`update audit_log set action = 'alert.claimed' where seq = 8`);
    const bad = await run(['services/audit/cli.ts'], cliEnv);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/BROKEN at entry 8: hash_mismatch/);
  }, 60_000);
});
