/**
 * The audit trail's rules: verifying the hash chain and signing checkpoints of its head.
 *
 * Verification walks every entry in sequence order and checks, for each, that its sequence number
 * follows the previous one, that its prevHash is the previous entry's hash, and that its own hash
 * is the sha-256 of its canonical form (services/core/audit.ts). An edited row fails its hash; a
 * deleted, inserted or moved row breaks the sequence or the link; a deleted tail no longer reaches
 * the recorded head. Someone who rewrites the whole chain (recomputing every hash) defeats all of
 * that, so the head is periodically signed with the server's Ed25519 key (a checkpoint): a
 * rewritten chain no longer matches the signed hashes. Whoever holds the private key can forge
 * checkpoints too, so keep a copy of the public key away from the server and verify with it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { auditEntryHash, GENESIS_HASH } from '../core/audit.ts';
import type { AuditCheckpoint, AuditStore } from '../store/repositories/audit.ts';

export const BREAK_REASONS = [
  /** The entry's content does not give its hash: edited, or moved from another position. */
  'hash_mismatch',
  /** The entry does not link to the one before it: an entry before it was deleted, inserted or moved. */
  'prev_hash_mismatch',
  /** A sequence number is missing or repeated. */
  'sequence_gap',
  /** The chain ends before (or after) the recorded head: entries were deleted from its end. */
  'head_mismatch',
  /** A signed checkpoint's hash is not the chain's hash at that position: the chain was rewritten. */
  'checkpoint_mismatch',
  /** A checkpoint's signature does not verify with the key: forged or altered checkpoint. */
  'checkpoint_signature_invalid',
] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];

export interface VerifyResult {
  ok: boolean;
  /** Entries checked. */
  entries: number;
  head: { seq: number; hash: string };
  checkpoints: { checked: number; keyId: string | null };
  firstBroken?: { seq: number; reason: BreakReason; message: string };
}

/** The server's audit signing key: created (mode 0600) on first use, shared by every API process of a deployment. */
export class AuditSigner {
  private constructor(
    readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
  ) {}

  /** sha-256 (hex) of the public key's SPKI DER: names the key in checkpoints. */
  get keyId(): string {
    return keyIdOf(this.publicKey);
  }

  static load(file: string): AuditSigner {
    try {
      const key = createPrivateKey(fs.readFileSync(file));
      return new AuditSigner(key, createPublicKey(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the audit signing key ${file}: ${(err as Error).message}`);
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      // 'wx': of two processes starting at once, one creates the key and the other reads it.
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return AuditSigner.load(file);
      throw err;
    }
    return new AuditSigner(privateKey, createPublicKey(privateKey));
  }

  sign(c: Omit<AuditCheckpoint, 'signature' | 'keyId'>): AuditCheckpoint {
    const signature = sign(null, Buffer.from(checkpointMessage(c)), this.privateKey).toString('base64');
    return { ...c, signature, keyId: this.keyId };
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

function checkpointMessage(c: { seq: number; hash: string; at: string }): string {
  return `${c.seq}:${c.hash}:${c.at}`;
}

export function loadPublicKey(file: string): KeyObject {
  return createPublicKey(fs.readFileSync(file));
}

/** Signs the current head unless it is already signed; returns the checkpoint written, if any. */
export async function writeCheckpoint(audit: AuditStore, signer: AuditSigner): Promise<AuditCheckpoint | null> {
  const head = await audit.head();
  if (head.seq === 0) return null;
  const last = (await audit.listCheckpoints()).at(-1);
  if (last && last.seq >= head.seq) return null;
  const checkpoint = signer.sign({ seq: head.seq, hash: head.hash, at: new Date().toISOString() });
  await audit.addCheckpoint(checkpoint);
  return checkpoint;
}

/**
 * Walks the whole chain. `publicKey` verifies checkpoint signatures (by default the key the
 * signer holds; pass one kept off the server to trust nothing on it). `onProgress` is called
 * every 10,000 entries.
 */
export async function verifyChain(
  audit: AuditStore,
  opts: { publicKey?: KeyObject; onProgress?: (entries: number) => void } = {},
): Promise<VerifyResult> {
  const head = await audit.head();
  const checkpoints = await audit.listCheckpoints();
  const wanted = new Map<number, AuditCheckpoint[]>();
  for (const c of checkpoints) wanted.set(c.seq, [...(wanted.get(c.seq) ?? []), c]);
  const hashAt = new Map<number, string>();

  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  const result = (firstBroken?: VerifyResult['firstBroken']): VerifyResult => ({
    ok: !firstBroken,
    entries,
    head,
    checkpoints: { checked: checkpoints.length, keyId: opts.publicKey ? keyIdOf(opts.publicKey) : null },
    ...(firstBroken ? { firstBroken } : {}),
  });

  for await (const e of audit.iterate()) {
    entries++;
    if (e.seq !== expectedSeq) {
      return result({
        seq: Math.min(e.seq, expectedSeq),
        reason: 'sequence_gap',
        message: e.seq > expectedSeq ? `entries ${expectedSeq}–${e.seq - 1} are missing (deleted)` : `entry ${e.seq} appears twice or out of order`,
      });
    }
    if (e.prevHash !== prevHash) {
      return result({ seq: e.seq, reason: 'prev_hash_mismatch', message: `entry ${e.seq} does not link to entry ${e.seq - 1}: an entry before it was deleted, inserted or replaced` });
    }
    const { hash, ...rest } = e;
    if (auditEntryHash(rest) !== hash) {
      return result({ seq: e.seq, reason: 'hash_mismatch', message: `entry ${e.seq} (${e.action}) does not match its hash: it was edited, or moved from another position` });
    }
    if (wanted.has(e.seq)) hashAt.set(e.seq, hash);
    prevHash = hash;
    expectedSeq++;
    if (entries % 10_000 === 0) opts.onProgress?.(entries);
  }
  const lastSeq = expectedSeq - 1;
  if (lastSeq !== head.seq || (lastSeq > 0 && prevHash !== head.hash)) {
    return result({
      seq: Math.min(lastSeq + 1, head.seq),
      reason: 'head_mismatch',
      message: `the chain ends at entry ${lastSeq} but the recorded head is entry ${head.seq}: entries were deleted from its end (or the head was altered)`,
    });
  }
  for (const c of checkpoints) {
    if (opts.publicKey && !verify(null, Buffer.from(checkpointMessage(c)), opts.publicKey, Buffer.from(c.signature, 'base64'))) {
      return result({ seq: c.seq, reason: 'checkpoint_signature_invalid', message: `the checkpoint at entry ${c.seq} (${c.at}) is not signed by key ${keyIdOf(opts.publicKey).slice(0, 16)}…` });
    }
    const actual = hashAt.get(c.seq);
    if (actual !== c.hash) {
      return result({
        seq: c.seq,
        reason: 'checkpoint_mismatch',
        message:
          actual === undefined
            ? `a checkpoint signed entry ${c.seq}, which the chain no longer has`
            : `entry ${c.seq}'s hash differs from the one signed at ${c.at}: the chain was rewritten up to there`,
      });
    }
  }
  return result();
}

/** Signs the head now and then, in the API process (the one holding the key). */
export function startCheckpointer(audit: AuditStore, signer: AuditSigner, everyMs: number, onError: (err: Error) => void): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = writeCheckpoint(audit, signer).catch((err: Error) => onError(err));
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    // A last checkpoint on the way out, so a quiet shutdown leaves the head signed.
    await writeCheckpoint(audit, signer).catch((err: Error) => onError(err));
  };
}
