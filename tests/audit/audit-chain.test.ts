/**
 * The audit trail is tamper-evident (issue 9 §3), on SQLite and PostgreSQL: a chain appended
 * through the real store verifies; then each kind of tampering, done directly in the database
 * with SQL as an intruder with database access would, is detected and named at the right entry
 * with the right reason — an edited row, a deleted row, a deleted tail, two rows' seq swapped,
 * rows added past the head, and a whole chain rewritten with recomputed hashes (only the signed
 * checkpoint catches that one). Values that do not survive storage unchanged (a Date, a lone
 * surrogate, NUL) must not read as tampering. The CLI prints the same verdict.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditSigner, verifyChain, writeCheckpoints } from '#services/audit/audit-service.ts';
import { auditEntryHash, GENESIS_HASH } from '#services/core/audit.ts';
import type { Store } from '#services/store/types.ts';
import { backends } from '../store/backends.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const N = 20;

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
    for (let i = 1; i <= N; i++) {
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
    expect(await writeCheckpoints(store.audit, signer, { every: 100 })).toMatchObject([{ seq: N }]);
    expect(await writeCheckpoints(store.audit, signer, { every: 100 })).toEqual([]); // the head is already signed
    const r = await verify();
    expect(r).toEqual({ ok: true, entries: N, head: { seq: N, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }, checkpoints: { checked: 1, keyId: signer.keyId, lastSeq: N, unsigned: 0 } });
  });

  it('names a row whose after_json was edited', async () => {
    await sql(`update audit_log set after_json = '{"status":"seized","note":"entry 7"}' where seq = 7`);
    expect(await verify()).toMatchObject({ ok: false, entries: 7, firstBroken: { seq: 7, reason: 'hash_mismatch' } });
  });

  it('names an edited actor (who did it is evidence too)', async () => {
    await sql(`update audit_log set actor_name = 'mallory' where seq = 12`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 12, reason: 'hash_mismatch' } });
  });

  it('names a row whose JSON was replaced by text that is not JSON, and still lists it', async () => {
    await sql(`update audit_log set before_json = 'not json' where seq = 4`);
    const r = await verify();
    expect(r).toMatchObject({ ok: false, firstBroken: { seq: 4, reason: 'hash_mismatch' } });
    expect(r.firstBroken!.message).toContain('not JSON');
    expect((await store.audit.list({ afterSeq: 3, limit: 1 }))[0]!.before).toEqual({ $invalidJson: 'not json' });
  });

  it('names a deleted middle row', async () => {
    await sql(`delete from audit_log where seq = 7`);
    const r = await verify();
    expect(r).toMatchObject({ ok: false, firstBroken: { seq: 7, reason: 'sequence_gap' } });
    expect(r.firstBroken!.message).toBe('entry 7 is missing (deleted)');
  });

  it('names a deleted row whose successors were renumbered', async () => {
    await sql(`delete from audit_log where seq = 7`);
    for (let s = 8; s <= N; s++) await sql(`update audit_log set seq = ${s - 1} where seq = ${s}`);
    await sql(`update audit_head set seq = ${N - 1} where id = 1`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 7, reason: 'prev_hash_mismatch' } });
  });

  it('names a deleted last row', async () => {
    await sql(`delete from audit_log where seq = ${N}`);
    const r = await verify();
    expect(r).toMatchObject({ ok: false, entries: N - 1, firstBroken: { seq: N, reason: 'head_mismatch' } });
  });

  it('names two rows whose seq was swapped (reordered)', async () => {
    await sql(`update audit_log set seq = -5 where seq = 5`);
    await sql(`update audit_log set seq = 5 where seq = 9`);
    await sql(`update audit_log set seq = 9 where seq = -5`);
    const r = await verify();
    expect(r).toMatchObject({ ok: false, firstBroken: { seq: 5, reason: 'out_of_order' } });
    expect(r.firstBroken!.message).toContain('written as entry 9');
  });

  it('names a row renumbered to 0', async () => {
    await sql(`update audit_log set seq = 0 where seq = 1`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 0, reason: 'sequence_gap' } });
  });

  it('names rows added past the recorded head', async () => {
    await sql(
      `insert into audit_log (seq, at, actor_kind, actor_id, actor_name, action, object_type, object_id, before_json, after_json, prev_hash, hash)
       select ${N + 1}, at, actor_kind, actor_id, actor_name, action, object_type, object_id, before_json, after_json, prev_hash, hash from audit_log where seq = ${N}`,
    );
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: N + 1, reason: 'head_mismatch' } });
  });

  /** What an intruder with database access but without the key does: edits entry 3, recomputes every hash after it and the head. */
  async function rewriteChain(): Promise<string> {
    await sql(`update audit_log set after_json = '{"status":"cleared","note":"rewritten"}' where seq = 3`);
    let prev = GENESIS_HASH;
    for await (const e of store.audit.iterate()) {
      const hash = auditEntryHash({ ...e, prevHash: prev });
      await sql(`update audit_log set prev_hash = '${prev}', hash = '${hash}' where seq = ${e.seq}`);
      prev = hash;
    }
    await sql(`update audit_head set hash = '${prev}' where id = 1`);
    return prev;
  }

  it('cannot tell a rewritten chain from the chain alone (which is why checkpoints exist)', async () => {
    await rewriteChain();
    expect(await verify()).toMatchObject({ ok: true, entries: N });
  });

  it('catches a whole chain rewritten with recomputed hashes by its signed checkpoint, and a forged checkpoint by its signature', async () => {
    await writeCheckpoints(store.audit, signer, { every: 100 });
    const prev = await rewriteChain();
    const r = await verify();
    expect(r).toMatchObject({ ok: false, entries: N, firstBroken: { seq: N, reason: 'checkpoint_mismatch' } });
    // Forging the checkpoint to the new hash needs the private key: without it the signature fails.
    await sql(`update audit_checkpoints set hash = '${prev}' where seq = ${N}`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: N, reason: 'checkpoint_signature_invalid' } });
    // A checkpoint signed with the intruder's own key names another key.
    const intruder = AuditSigner.load(path.join(dir, 'intruder.pem'));
    const forged = intruder.sign({ seq: N, hash: prev, at: new Date().toISOString() });
    await sql(`update audit_checkpoints set signature = '${forged.signature}', key_id = '${forged.keyId}', at = '${forged.at}' where seq = ${N}`);
    const third = await verify();
    expect(third).toMatchObject({ ok: false, firstBroken: { seq: N, reason: 'checkpoint_signature_invalid' } });
    expect(third.firstBroken!.message).toContain('names key');
  });

  it('stores values that do not survive storage unchanged so that they still verify (Date, lone surrogate, NUL, undefined)', async () => {
    const cut = 'ab😀'.slice(0, 3); // ends in half a surrogate pair, as username.slice() can leave it
    const e = await store.audit.append({
      actor: { kind: 'user', id: 'unknown', name: cut },
      action: 'auth.login_failed',
      object: { type: 'user', id: 'x\u0000y' },
      at: '2025-03-01T10:00:00+01:00',
      before: undefined,
      after: { when: new Date('2025-01-02T03:04:05Z'), gone: undefined, list: [undefined, 1], name: cut, nan: Number.NaN },
    });
    expect(e.at).toBe('2025-03-01T09:00:00.000Z');
    expect(e.actor.name).toBe('ab\uFFFD');
    expect(e.after).toEqual({ when: '2025-01-02T03:04:05.000Z', list: [null, 1], name: cut, nan: null });
    const r = await verify();
    expect(r).toMatchObject({ ok: true, entries: N + 1 });
  });

  it('npm run audit:verify signs on demand, prints OK, then names an edited row and exits 1', async () => {
    const cliEnv = { ...env, DATA_DIR: dir, AUDIT_KEY_FILE: path.join(dir, 'key.pem'), LOG_LEVEL: 'silent', AUDIT_CHECKPOINT_EVERY: '8' };
    const good = await run(['services/audit/cli.ts', '--checkpoint'], cliEnv);
    expect(good.code, good.out).toBe(0);
    expect(good.out).toContain(`signed 3 checkpoint(s), the newest at entry ${N}`); // 8, 16 and the head
    expect(good.out).toContain(`entries checked: ${N}`);
    expect(good.out).toContain(`checkpoints checked: 3, the newest at entry ${N}`);
    expect(good.out).toContain('OK: every entry matches its hash');
    await sql(`update audit_log set action = 'alert.claimed' where seq = 8`);
    const bad = await run(['services/audit/cli.ts'], cliEnv);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/BROKEN at entry 8: hash_mismatch: entry 8 \(alert\.claimed\) does not match its hash/);
    // Signing on demand refuses to extend a broken chain.
    const refused = await run(['services/audit/cli.ts', '--checkpoint'], cliEnv);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/checkpoint REFUSED|nothing to sign/);
  }, 60_000);
});
