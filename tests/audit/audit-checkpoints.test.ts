/**
 * Signed checkpoints of the audit chain, on SQLite and PostgreSQL: they are written every N
 * entries and at the head; verification requires them (deleting checkpoints to hide a rewritten
 * chain is caught), checks them against the chain and the key, and against the signer's own
 * record of its last one (kept outside the database); the signer refuses to sign a chain that
 * does not extend what it signed before; a live chain being appended to verifies without false
 * alarms; the API's checkpointer signs on its own and on the way out.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditSigner, CheckpointRefused, readLastSigned, startCheckpointer, verifyChain, writeCheckpoints } from '#services/audit/audit-service.ts';
import { auditEntryHash, GENESIS_HASH } from '#services/core/audit.ts';
import { systemActor } from '#services/core/access.ts';
import type { Store } from '#services/store/types.ts';
import { backends } from '../store/backends.ts';

const EVERY = 5;

describe.each(backends)('audit checkpoints on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let sql: (s: string) => Promise<void>;
  let dir: string;
  let signer: AuditSigner;

  const append = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await store.audit.append({ actor: systemActor('worker'), action: 'scan.analysed', object: { type: 'scan', id: `s-${i}` }, after: { i } });
    }
  };
  /** `later`: verify an hour from now, when every checkpoint of the entries written so far is due. */
  const verify = (opts: { every?: number; lastSigned?: boolean; later?: boolean } = {}) =>
    verifyChain(store.audit, {
      publicKey: signer.publicKey,
      checkpointEvery: opts.every === undefined ? EVERY : opts.every || undefined,
      lastSigned: opts.lastSigned === false ? undefined : readLastSigned(signer.lastSignedFile),
      now: opts.later ? () => new Date(Date.now() + 3_600_000) : undefined,
    });
  const seqs = async () => (await store.audit.listCheckpoints()).map((c) => c.seq);

  /** The intruder (database access, no key) edits entry `from` and recomputes every hash after it, and the head. */
  async function rewriteFrom(from: number): Promise<void> {
    await sql(`update audit_log set after_json = '{"i":999}' where seq = ${from}`);
    let prev = GENESIS_HASH;
    for await (const e of store.audit.iterate()) {
      if (e.seq >= from) {
        const hash = auditEntryHash({ ...e, prevHash: prev });
        await sql(`update audit_log set prev_hash = '${prev}', hash = '${hash}' where seq = ${e.seq}`);
        prev = hash;
      } else prev = e.hash;
    }
    await sql(`update audit_head set hash = '${prev}' where id = 1`);
  }

  beforeEach(async () => {
    ({ store, cleanup, sql } = await backend.open());
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-audit-cp-'));
    signer = AuditSigner.load(path.join(dir, 'key.pem'));
    await append(23);
  });

  afterEach(async () => {
    await cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('signs every N entries and the head, creates the key 0600, and verifies', async () => {
    expect((await fs.stat(path.join(dir, 'key.pem'))).mode & 0o777).toBe(0o600);
    // The head only once the newest checkpoint is old enough.
    expect((await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 60_000 })).map((c) => c.seq)).toEqual([5, 10, 15, 20]);
    expect(await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 60_000 })).toEqual([]);
    expect((await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 })).map((c) => c.seq)).toEqual([23]);
    expect(readLastSigned(signer.lastSignedFile)).toMatchObject({ seq: 23, keyId: signer.keyId });
    await append(4);
    expect((await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 })).map((c) => c.seq)).toEqual([25, 27]);
    expect(await verify()).toMatchObject({ ok: true, entries: 27, checkpoints: { checked: 7, lastSeq: 27, unsigned: 0 } });
  });

  it('requires a checkpoint at every multiple of N once it is due (written more than the grace period ago)', async () => {
    expect(await verify()).toMatchObject({ ok: true, checkpoints: { lastSeq: 0, unsigned: 23 } }); // just written: not due yet
    expect(await verify({ later: true })).toMatchObject({ ok: false, firstBroken: { seq: 5, reason: 'checkpoint_missing' } });
    await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 60_000 });
    await append(4); // 27
    expect(await verify()).toMatchObject({ ok: true, checkpoints: { lastSeq: 20, unsigned: 7 } });
    const late = await verify({ later: true });
    expect(late).toMatchObject({ ok: false, firstBroken: { seq: 25, reason: 'checkpoint_missing' } });
    expect(late.firstBroken!.message).toContain('or the API (which signs them) has not run since');
  });

  it('names a deleted checkpoint', async () => {
    await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 });
    await sql('delete from audit_checkpoints where seq = 10');
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 10, reason: 'checkpoint_missing' } });
  });

  it('catches a chain rewritten behind deleted checkpoints, and the signer will not sign the rewrite', async () => {
    await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 });
    await rewriteFrom(12);
    await sql('delete from audit_checkpoints where seq >= 12');
    // The stored checkpoints (5, 10) match the chain; the signer's record of 23 does not, and once due, the missing 15 neither.
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 23, reason: 'checkpoint_mismatch' } });
    expect(await verify({ lastSigned: false, later: true })).toMatchObject({ ok: false, firstBroken: { seq: 15, reason: 'checkpoint_missing' } });
    // What the database alone shows, before the missing checkpoint is due: nothing (docs/audit.md says so).
    expect(await verify({ lastSigned: false })).toMatchObject({ ok: true });
    // The next checkpointer tick must not launder the rewrite by signing it.
    const err = await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointRefused);
    expect((err as CheckpointRefused).broken).toMatchObject({ seq: 23, reason: 'checkpoint_missing' });
    expect(await seqs()).toEqual([5, 10]);
  });

  it('catches a chain rewritten after all its checkpoints were deleted', async () => {
    await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 });
    await rewriteFrom(2);
    await sql('delete from audit_checkpoints');
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 23, reason: 'checkpoint_mismatch' } });
    expect(await verify({ lastSigned: false, later: true })).toMatchObject({ ok: false, firstBroken: { seq: 5, reason: 'checkpoint_missing' } });
    await expect(writeCheckpoints(store.audit, signer, { every: EVERY })).rejects.toBeInstanceOf(CheckpointRefused);
  });

  it('will not sign entries after its last checkpoint that were edited', async () => {
    await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 });
    await append(3);
    await sql(`update audit_log set actor_name = 'mallory' where seq = 25`);
    const err = await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 }).catch((e: unknown) => e);
    expect((err as CheckpointRefused).broken).toMatchObject({ seq: 25, reason: 'hash_mismatch' });
    expect(await seqs()).toEqual([5, 10, 15, 20, 23]);
  });

  it('names a tail deleted together with the head row set back, by the checkpoint past the head', async () => {
    await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 });
    const h20 = (await store.audit.get(20))!.hash;
    await sql('delete from audit_log where seq > 20');
    await sql(`update audit_head set seq = 20, hash = '${h20}' where id = 1`);
    expect(await verify({ lastSigned: false })).toMatchObject({ ok: false, firstBroken: { seq: 21, reason: 'head_mismatch' } });
    // Even with that checkpoint deleted too, the signer's record still names it.
    await sql('delete from audit_checkpoints where seq > 20');
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 21, reason: 'head_mismatch' } });
    expect(await verify({ lastSigned: false })).toMatchObject({ ok: true });
  });

  it('verifies a chain that is being appended to without false alarms, while another signer signs too', async () => {
    const other = AuditSigner.load(path.join(dir, 'key.pem')); // a second API process sharing the key and its record
    let appending = true;
    const writer = (async () => {
      await append(150);
      appending = false;
    })();
    const results = [];
    while (appending) {
      await Promise.all([
        writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 }),
        writeCheckpoints(store.audit, other, { every: EVERY, headAfterMs: 0, now: () => new Date(Date.now() + 1) }),
      ]);
      results.push(await verify());
    }
    await writer;
    expect(results.length).toBeGreaterThan(1);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    await writeCheckpoints(store.audit, signer, { every: EVERY, headAfterMs: 0 });
    expect(await verify()).toMatchObject({ ok: true, entries: 173, checkpoints: { lastSeq: 173, unsigned: 0 } });
  }, 60_000);

  it('the checkpointer signs on its own and the head on the way out', async () => {
    const errors: Error[] = [];
    const stop = startCheckpointer(store.audit, signer, { every: EVERY, headAfterMs: 60_000, pollMs: 20 }, (e) => errors.push(e));
    await append(9); // 32
    for (let i = 0; i < 200 && !(await seqs()).includes(30); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await seqs()).toEqual([5, 10, 15, 20, 25, 30]);
    await stop();
    expect(await seqs()).toEqual([5, 10, 15, 20, 25, 30, 32]);
    expect(errors).toEqual([]);
    expect(await verify()).toMatchObject({ ok: true, checkpoints: { lastSeq: 32, unsigned: 0 } });
  });
});
