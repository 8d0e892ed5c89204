/**
 * The audit trail's rules: verifying the hash chain and signing checkpoints of it.
 *
 * Verification walks every entry in sequence order and checks, for each, that its sequence number
 * follows the previous one, that its prevHash is the previous entry's hash, and that its own hash
 * is the sha-256 of its canonical form (services/core/audit.ts). An edited row fails its hash; a
 * deleted, inserted or moved row breaks the sequence or the link; a deleted tail no longer reaches
 * the recorded head. Someone who rewrites the whole chain (recomputing every hash) defeats all of
 * that, so the chain is signed with the server's Ed25519 key every N entries and now and then at
 * its head (checkpoints): a rewritten chain no longer matches the signed hashes, and deleting the
 * checkpoints leaves holes where one must be. The signer only ever signs entries that extend the
 * last checkpoint it signed (kept in a file beside the key, outside the database), so it cannot be
 * tricked into signing a rewritten chain after its checkpoints were deleted. Whoever holds the
 * private key can forge checkpoints too, so keep a copy of the public key away from the server
 * and verify with it (docs/audit.md).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { auditEntryHash, GENESIS_HASH, type AuditEntry } from '../core/audit.ts';
import type { AuditCheckpoint, AuditStore } from '../store/repositories/audit.ts';

export const BREAK_REASONS = [
  /** The entry's content does not give its hash: edited (or its stored JSON no longer parses). */
  'hash_mismatch',
  /** The entry does not link to the one before it: an entry before it was deleted (and the rest renumbered), inserted or replaced. */
  'prev_hash_mismatch',
  /** The entry links to an entry stored later in the chain: rows were reordered (sequence numbers swapped). */
  'out_of_order',
  /** A sequence number is missing (a deleted row), or one below 1 is stored. */
  'sequence_gap',
  /** The chain ends before the recorded head, or goes on past it: entries were deleted from (or added at) its end. */
  'head_mismatch',
  /** A signed checkpoint's hash is not the chain's hash at that position: the chain was rewritten. */
  'checkpoint_mismatch',
  /** A checkpoint's signature does not verify with the key: forged or altered checkpoint, or another key. */
  'checkpoint_signature_invalid',
  /** A checkpoint that must exist (every N entries, or the signer's own record of its last one) does not. */
  'checkpoint_missing',
] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];

export interface ChainBreak {
  seq: number;
  reason: BreakReason;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Entries checked. */
  entries: number;
  /** The head as recorded when verification started; entries appended since are left for the next run. */
  head: { seq: number; hash: string };
  checkpoints: {
    /** Checkpoints compared with the chain (and with the key, if one was given). */
    checked: number;
    /** Id of the key signatures were verified with; null: signatures were not verified. */
    keyId: string | null;
    /** Seq of the newest checkpoint (0: none). */
    lastSeq: number;
    /** Entries after the newest checkpoint, not yet covered by a signature. */
    unsigned: number;
  };
  firstBroken?: ChainBreak;
}

export interface VerifyOptions {
  /** Verifies checkpoint signatures with this key (the server's, or one kept off the server); without it they are not verified. */
  publicKey?: KeyObject;
  /**
   * AUDIT_CHECKPOINT_EVERY: a checkpoint must exist at every multiple of it below the newest
   * checkpoint (they are signed in order), and at every multiple whose entry is older than
   * `checkpointGraceMs` (the checkpointer has had time to sign it). Omitted: not required.
   */
  checkpointEvery?: number;
  /** Default 120 s: the checkpointer polls every 5 s, so a due checkpoint this late is not coming. */
  checkpointGraceMs?: number;
  /** The time verification runs at (tests). */
  now?: () => Date;
  /** The signer's own record of the last checkpoint it signed (lastSignedFile), checked like a stored one that must exist. */
  lastSigned?: AuditCheckpoint;
  /** Called every 10,000 entries with the entries checked so far and the head's seq. */
  onProgress?: (entries: number, total: number) => void;
}

/** The server's audit signing key: created (mode 0600) on first use, shared by every API process of a deployment. */
export class AuditSigner {
  private constructor(
    readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
    /** Where this signer records the last checkpoint it signed (outside the database). */
    readonly lastSignedFile: string,
  ) {}

  /** sha-256 (hex) of the public key's SPKI DER: names the key in checkpoints. */
  get keyId(): string {
    return keyIdOf(this.publicKey);
  }

  static load(file: string): AuditSigner {
    try {
      const key = createPrivateKey(fs.readFileSync(file));
      return new AuditSigner(key, createPublicKey(key), lastSignedFileOf(file));
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
    return new AuditSigner(privateKey, createPublicKey(privateKey), lastSignedFileOf(file));
  }

  sign(c: Omit<AuditCheckpoint, 'signature' | 'keyId'>): AuditCheckpoint {
    const signature = sign(null, Buffer.from(checkpointMessage(c)), this.privateKey).toString('base64');
    return { ...c, signature, keyId: this.keyId };
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
}

/** The public half of an existing key file, without creating one (verification must never make a new key). */
export function publicKeyOfKeyFile(file: string): KeyObject | undefined {
  try {
    return createPublicKey(createPrivateKey(fs.readFileSync(file)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the audit signing key ${file}: ${(err as Error).message}`);
  }
}

/** A public key file (PEM, SPKI), e.g. one exported with `npm run audit:verify -- --export-public-key`. */
export function loadPublicKey(file: string): KeyObject {
  return createPublicKey(fs.readFileSync(file));
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** The signed message of a checkpoint: "<seq>:<hash>:<at>" (UTF-8). */
export function checkpointMessage(c: { seq: number; hash: string; at: string }): string {
  return `${c.seq}:${c.hash}:${c.at}`;
}

/** The file beside the key where the signer records the last checkpoint it signed. */
export function lastSignedFileOf(keyFile: string): string {
  return `${keyFile}.last-checkpoint.json`;
}

export function readLastSigned(file: string): AuditCheckpoint | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const c = JSON.parse(text) as AuditCheckpoint;
  if (!Number.isInteger(c.seq) || typeof c.hash !== 'string' || typeof c.at !== 'string' || typeof c.signature !== 'string') {
    throw new Error(`${file} is not a checkpoint record`);
  }
  return c;
}

/** Records `c` unless the file already holds a later one (API processes sharing the file). */
function recordLastSigned(file: string, c: AuditCheckpoint): void {
  const known = readLastSigned(file);
  if (known && known.seq >= c.seq) return;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(c)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Thrown when the signer refuses to sign: the chain no longer extends what it signed before. */
export class CheckpointRefused extends Error {
  constructor(
    message: string,
    readonly broken: ChainBreak,
  ) {
    super(message);
  }
}

/**
 * Walks entries after `from` (seq and hash of the entry before them; seq 0 and the genesis hash
 * for the whole chain) up to `throughSeq`, checking sequence, link and hash of each; `visit` may
 * name a break at an intact entry (a checkpoint check). Returns the entries walked, the last
 * intact entry and the first break.
 */
async function walk(
  audit: AuditStore,
  from: { seq: number; hash: string },
  throughSeq: number,
  visit?: (e: AuditEntry) => ChainBreak | undefined,
  onEntry?: (walked: number) => void,
): Promise<{ walked: number; end: { seq: number; hash: string }; broken?: ChainBreak }> {
  let prevHash = from.hash;
  let expectedSeq = from.seq + 1;
  let walked = 0;
  const end = () => ({ seq: expectedSeq - 1, hash: prevHash });
  // From 0, start below 1 so that rows renumbered to 0 or below are seen.
  for await (const e of audit.iterate({ afterSeq: from.seq === 0 ? Number.MIN_SAFE_INTEGER : from.seq, throughSeq })) {
    walked++;
    if (e.seq !== expectedSeq) {
      const broken: ChainBreak =
        e.seq > expectedSeq
          ? {
              seq: expectedSeq,
              reason: 'sequence_gap',
              message: e.seq - 1 === expectedSeq ? `entry ${expectedSeq} is missing (deleted)` : `entries ${expectedSeq}–${e.seq - 1} are missing (deleted)`,
            }
          : { seq: e.seq, reason: 'sequence_gap', message: `an entry is stored with seq ${e.seq}; the chain starts at 1` };
      return { walked, end: end(), broken };
    }
    if (e.prevHash !== prevHash) return { walked, end: end(), broken: await diagnoseLink(audit, e.seq, e.prevHash, throughSeq) };
    const { hash, ...rest } = e;
    if (auditEntryHash(rest) !== hash) {
      const invalidJson = [rest.before, rest.after].some((v) => typeof v === 'object' && v !== null && '$invalidJson' in v);
      const message = invalidJson
        ? `entry ${e.seq} (${e.action}) holds before/after text that is not JSON: it was edited`
        : `entry ${e.seq} (${e.action}) does not match its hash: it was edited`;
      return { walked, end: end(), broken: { seq: e.seq, reason: 'hash_mismatch', message } };
    }
    const broken = visit?.(e);
    if (broken) return { walked, end: end(), broken };
    prevHash = hash;
    expectedSeq++;
    onEntry?.(walked);
  }
  return { walked, end: end() };
}

/**
 * Names a broken link at `seq` (its prevHash is not the hash of entry seq − 1): when the hash it
 * links to belongs to an entry stored later, rows were reordered; to one stored earlier, entries
 * were inserted before it; when no entry has it, the entry it followed was deleted (and the rest
 * renumbered) or replaced. One more pass over the chain, only on failure.
 */
async function diagnoseLink(audit: AuditStore, seq: number, prevHash: string, throughSeq: number): Promise<ChainBreak> {
  let linkedTo: number | undefined;
  if (prevHash !== GENESIS_HASH) {
    for await (const e of audit.iterate({ afterSeq: Number.MIN_SAFE_INTEGER, throughSeq })) {
      if (e.hash === prevHash) {
        linkedTo = e.seq;
        break;
      }
    }
  }
  if (linkedTo !== undefined && linkedTo >= seq) {
    return {
      seq,
      reason: 'out_of_order',
      message: `the entry stored as ${seq} follows entry ${linkedTo}: it was written as entry ${linkedTo + 1}, so rows were reordered (sequence numbers swapped)`,
    };
  }
  if (linkedTo !== undefined) {
    return {
      seq,
      reason: 'prev_hash_mismatch',
      message: `entry ${seq} follows entry ${linkedTo}, not ${seq - 1}: entries were inserted before it, or rows were reordered`,
    };
  }
  return {
    seq,
    reason: 'prev_hash_mismatch',
    message:
      prevHash === GENESIS_HASH
        ? `entry ${seq} claims to be the first entry: the entries before it were put there afterwards`
        : `entry ${seq} does not link to entry ${seq - 1}, and the entry it followed is gone: an entry before it was deleted (the rest renumbered) or replaced`,
  };
}

/**
 * Signs what is due, in order: every multiple of `every` up to the head that is past the newest
 * checkpoint (so a checkpoint at seq s means every multiple of `every` up to s was signed before
 * it, which verification relies on), then the head itself if it is past the newest checkpoint
 * and that one is at least `headAfterMs` old (0: sign the head now). Called by the API's
 * checkpointer and on demand (`npm run audit:verify -- --checkpoint`).
 *
 * It signs only entries that extend the last checkpoint this signer signed (its lastSignedFile):
 * that checkpoint must still be in the database and still match the chain, and every entry
 * after it must link and hash correctly; otherwise it signs nothing and throws CheckpointRefused
 * (deleting checkpoints and rewriting the chain behind them must not get the rewrite signed).
 */
export async function writeCheckpoints(
  audit: AuditStore,
  signer: AuditSigner,
  opts: { every: number; headAfterMs?: number; now?: () => Date },
): Promise<AuditCheckpoint[]> {
  const now = opts.now ?? (() => new Date());
  const every = Math.max(1, Math.floor(opts.every));
  // The record first, then the database: a signer records a checkpoint only after storing it, so
  // read in this order a record shared by two processes never names a checkpoint the read missed.
  const mine = readLastSigned(signer.lastSignedFile);
  const head = await audit.head();
  let last = await audit.lastCheckpoint();
  const refuse = (broken: ChainBreak): never => {
    throw new CheckpointRefused(`not signing the audit chain: ${broken.reason} at entry ${broken.seq}: ${broken.message}`, broken);
  };

  // Where the signed part of the chain ends, as far as this signer knows.
  let base = { seq: 0, hash: GENESIS_HASH };
  if (mine) {
    if (!last || last.seq < mine.seq) {
      refuse({ seq: mine.seq, reason: 'checkpoint_missing', message: `this signer signed entry ${mine.seq} at ${mine.at}; the database's newest checkpoint is ${last ? `at entry ${last.seq}` : 'none'}: checkpoints were deleted` });
    }
    base = { seq: mine.seq, hash: mine.hash };
  } else if (last) {
    // First signing by this signer (e.g. a fresh data volume): the stored checkpoint must be one of its key.
    if (!verify(null, Buffer.from(checkpointMessage(last)), signer.publicKey, Buffer.from(last.signature, 'base64'))) {
      refuse({ seq: last.seq, reason: 'checkpoint_signature_invalid', message: `the newest checkpoint (entry ${last.seq}) is not signed by this key` });
    }
    base = { seq: last.seq, hash: last.hash };
  }
  if (base.seq > 0) {
    const at = await audit.get(base.seq);
    if (!at || at.hash !== base.hash) {
      refuse({ seq: base.seq, reason: 'checkpoint_mismatch', message: `entry ${base.seq} is ${at ? 'not the one' : 'no longer there that was'} signed: the chain was rewritten` });
    }
    // From now on this signer extends only what it has seen signed.
    if (!mine) recordLastSigned(signer.lastSignedFile, last!);
  }
  if (head.seq <= (last?.seq ?? 0)) return [];

  // Everything after the signed part must link and hash correctly before any of it is signed.
  const checked = await walk(audit, base, head.seq);
  if (checked.broken) refuse(checked.broken);
  if (checked.end.seq !== head.seq || checked.end.hash !== head.hash) {
    refuse({ seq: checked.end.seq + 1, reason: 'head_mismatch', message: `the chain ends at entry ${checked.end.seq}, the recorded head is entry ${head.seq}` });
  }

  const written: AuditCheckpoint[] = [];
  const write = async (seq: number, hash: string) => {
    const c = signer.sign({ seq, hash, at: now().toISOString() });
    await audit.addCheckpoint(c);
    written.push(c);
    last = c;
  };
  for (let m = (Math.floor((last?.seq ?? 0) / every) + 1) * every; m <= head.seq; m += every) {
    const entry = await audit.get(m);
    if (!entry) refuse({ seq: m, reason: 'sequence_gap', message: `entry ${m} is missing` });
    await write(m, entry!.hash);
  }
  const age = last ? now().getTime() - Date.parse(last.at) : Infinity;
  if (head.seq > (last?.seq ?? 0) && age >= (opts.headAfterMs ?? 0)) await write(head.seq, head.hash);
  const newest = written.at(-1);
  if (newest) recordLastSigned(signer.lastSignedFile, newest);
  return written;
}

/**
 * Walks the chain in seq order up to the head recorded at the start and returns the first break,
 * in seq order: an entry whose seq, link or hash is wrong; a checkpoint that does not match the
 * chain or the key, or one that must exist and does not; a chain that does not end at the head.
 */
export async function verifyChain(audit: AuditStore, opts: VerifyOptions = {}): Promise<VerifyResult> {
  // One snapshot of head and highest seq: appends move both together, so they differ only after tampering.
  const { head, maxSeq } = await audit.state();
  const stored = await audit.listCheckpoints();
  // Read after the checkpoints: every checkpoint signed before this read is of a seq at or below it.
  const headAfter = await audit.head();
  const checkpoints = stored.filter((c) => c.seq <= head.seq);
  const bySeq = new Map<number, AuditCheckpoint[]>();
  for (const c of checkpoints) bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c]);
  const lastSeq = checkpoints.at(-1)?.seq ?? 0;
  const keyId = opts.publicKey ? keyIdOf(opts.publicKey) : null;
  const every = opts.checkpointEvery && opts.checkpointEvery > 0 ? Math.floor(opts.checkpointEvery) : undefined;
  // Entries written before this should have their checkpoint by now.
  const dueBefore = (opts.now?.() ?? new Date()).getTime() - (opts.checkpointGraceMs ?? 120_000);
  const external = opts.lastSigned;
  let checked = 0;

  const signatureBreak = (c: AuditCheckpoint, where: string): ChainBreak | undefined => {
    if (!opts.publicKey || verify(null, Buffer.from(checkpointMessage(c)), opts.publicKey, Buffer.from(c.signature, 'base64'))) return undefined;
    return {
      seq: c.seq,
      reason: 'checkpoint_signature_invalid',
      message:
        c.keyId === keyId
          ? `the checkpoint at entry ${c.seq} (${c.at}${where}) does not verify with key ${keyId!.slice(0, 16)}…: it was forged or altered`
          : `the checkpoint at entry ${c.seq} (${c.at}${where}) names key ${c.keyId.slice(0, 16)}…, not ${keyId!.slice(0, 16)}…: forged, or signed with another key`,
    };
  };

  const atEntry = (e: AuditEntry): ChainBreak | undefined => {
    const here = bySeq.get(e.seq) ?? [];
    if (here.length === 0 && every && e.seq % every === 0 && (e.seq <= lastSeq || Date.parse(e.at) < dueBefore)) {
      return {
        seq: e.seq,
        reason: 'checkpoint_missing',
        message:
          `no signed checkpoint at entry ${e.seq} (one is signed every ${every} entries` +
          (e.seq <= lastSeq ? `, in order, and entry ${lastSeq} is signed)` : `; this one was written at ${e.at})`) +
          `: checkpoints were deleted` +
          (e.seq <= lastSeq ? '' : ', or the API (which signs them) has not run since'),
      };
    }
    for (const c of here) {
      checked++;
      const bad = signatureBreak(c, '');
      if (bad) return bad;
      if (c.hash !== e.hash) {
        return { seq: e.seq, reason: 'checkpoint_mismatch', message: `entry ${e.seq}'s hash differs from the one signed at ${c.at}: the chain was rewritten up to there` };
      }
    }
    if (external && external.seq === e.seq) {
      const bad = signatureBreak(external, ', the signer’s record');
      if (bad) return bad;
      if (external.hash !== e.hash) {
        return { seq: e.seq, reason: 'checkpoint_mismatch', message: `entry ${e.seq}'s hash differs from the one the signer recorded signing at ${external.at}: the chain was rewritten up to there` };
      }
      // Same hash, not necessarily the same signature: of two API processes signing one seq, the first one's is stored.
      if (!here.some((c) => c.hash === external.hash)) {
        return { seq: e.seq, reason: 'checkpoint_missing', message: `the signer signed entry ${e.seq} at ${external.at}, but the database holds no such checkpoint: checkpoints were deleted` };
      }
    }
    return undefined;
  };

  const progressEvery = 10_000;
  const r = await walk(audit, { seq: 0, hash: GENESIS_HASH }, head.seq, atEntry, (n) => {
    if (n % progressEvery === 0) opts.onProgress?.(n, head.seq);
  });
  const result = (firstBroken?: ChainBreak): VerifyResult => ({
    ok: !firstBroken,
    entries: r.walked,
    head,
    checkpoints: { checked, keyId, lastSeq, unsigned: Math.max(0, head.seq - lastSeq) },
    ...(firstBroken ? { firstBroken } : {}),
  });
  if (r.broken) return result(r.broken);

  const chainEnd = r.end.seq;
  if (chainEnd < head.seq) {
    const signedBeyond = checkpoints.find((c) => c.seq > chainEnd);
    return result({
      seq: chainEnd + 1,
      reason: 'head_mismatch',
      message:
        `the chain ends at entry ${chainEnd} but the recorded head is entry ${head.seq}: entries were deleted from its end` +
        (signedBeyond ? ` (entry ${signedBeyond.seq} was signed at ${signedBeyond.at})` : ''),
    });
  }
  if (chainEnd > 0 && r.end.hash !== head.hash) {
    return result({ seq: head.seq, reason: 'head_mismatch', message: `entry ${head.seq}'s hash is not the recorded head's: the last entry or the head row was altered` });
  }
  if (maxSeq > head.seq) {
    return result({ seq: head.seq + 1, reason: 'head_mismatch', message: `entries up to ${maxSeq} are stored past the recorded head (entry ${head.seq}): rows were added, or the head row was set back` });
  }
  // A checkpoint past the head read after it: the head was set back after that checkpoint was signed.
  const beyond = [...stored, ...(external ? [external] : [])].find((c) => c.seq > headAfter.seq);
  if (beyond) {
    return result({
      seq: headAfter.seq + 1,
      reason: 'head_mismatch',
      message: `entry ${beyond.seq} was signed at ${beyond.at} but the recorded head is entry ${headAfter.seq}: entries were deleted from the end and the head set back`,
    });
  }
  return result();
}

/**
 * The API's checkpointer: at once and then every `pollMs` it signs what writeCheckpoints finds
 * due (every `every` entries; the head once the newest checkpoint is `headAfterMs` old), and the
 * head on the way out. Only the process holding the key runs it. A refusal (the chain does not
 * extend what was signed) is reported through onError on every tick until someone looks.
 */
export function startCheckpointer(
  audit: AuditStore,
  signer: AuditSigner,
  opts: { every: number; headAfterMs: number; pollMs?: number },
  onError: (err: Error) => void,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    // One tick at a time: a slow database must not pile them up.
    running = running.then(() => (stopped ? undefined : writeCheckpoints(audit, signer, opts).catch((err: Error) => onError(err))));
  };
  tick();
  const timer = setInterval(tick, opts.pollMs ?? Math.min(5000, opts.headAfterMs));
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
    // A last checkpoint on the way out, so a quiet shutdown leaves the head signed.
    await writeCheckpoints(audit, signer, { every: opts.every, headAfterMs: 0 }).catch((err: Error) => onError(err));
  };
}
