/**
 * The audit trail's repository: appends chained entries and reads them back. Appending happens
 * inside the caller's transaction where there is one (a review decision and its audit entry
 * commit together or not at all), so other repositories call appendAuditEntry(trx, …).
 * The rules (what gets audited, verification, checkpoints) live in services/audit.
 */
import type { Kysely, Transaction } from 'kysely';
import { auditEntryHash, auditJson, auditText, type AuditAction, type AuditEntry, type AuditInput } from '../../core/audit.ts';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface AuditFilter {
  /** Entries with seq greater than this (keyset pagination, ascending). */
  afterSeq?: number;
  /** Entries with seq below this (keyset pagination, newest first). */
  beforeSeq?: number;
  /** Entries with seq at most this (an export bounded to the head at its start). */
  throughSeq?: number;
  from?: string;
  to?: string;
  /** Actor id or actor name (a username, key label or system role). */
  actor?: string;
  /** Actor id only. */
  actorId?: string;
  action?: AuditAction;
  objectType?: string;
  objectId?: string;
  limit: number;
  order?: 'asc' | 'desc';
}

export interface AuditCheckpoint {
  seq: number;
  hash: string;
  at: string;
  signature: string;
  keyId: string;
}

export interface AuditStore {
  /** Appends one entry in its own transaction. */
  append(input: AuditInput): Promise<AuditEntry>;
  list(filter: AuditFilter): Promise<AuditEntry[]>;
  /** The chain head as recorded (last seq and hash). */
  head(): Promise<{ seq: number; hash: string }>;
  /**
   * The head and the highest stored seq, read in one statement (one snapshot on both databases):
   * untouched, they are equal; a larger maxSeq means rows were added past the head.
   */
  state(): Promise<{ head: { seq: number; hash: string }; maxSeq: number }>;
  /** Entries in seq order, read in batches (verification, exports): after `afterSeq` (default 0), up to `throughSeq`. */
  iterate(opts?: { batch?: number; afterSeq?: number; throughSeq?: number }): AsyncGenerator<AuditEntry>;
  /** The entry with this seq, if stored. */
  get(seq: number): Promise<AuditEntry | undefined>;
  /** Ignored when a checkpoint of that seq exists (two signers racing: the first one stands). */
  addCheckpoint(c: AuditCheckpoint): Promise<void>;
  listCheckpoints(): Promise<AuditCheckpoint[]>;
  /** The checkpoint with the highest seq. */
  lastCheckpoint(): Promise<AuditCheckpoint | undefined>;
}

/**
 * Stands in for a before/after column that is no longer valid JSON (edited in the database), so
 * that listing still works and verification reports the entry instead of failing on it.
 */
export interface InvalidAuditJson {
  $invalidJson: string;
}

function parseStoredJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { $invalidJson: text } satisfies InvalidAuditJson;
  }
}

type Row = Database['audit_log'];

export function rowToAuditEntry(r: Row): AuditEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
    action: r.action as AuditAction,
    object: r.object_type !== null && r.object_id !== null ? { type: r.object_type, id: r.object_id } : null,
    before: parseStoredJson(r.before_json),
    after: parseStoredJson(r.after_json),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Appends within `trx`, which must be a transaction. Its first statement is the UPDATE of the
 * head row, which serialises appenders until their transactions end, in this process and in
 * others: on PostgreSQL it takes the row lock (a waiting UPDATE then re-reads the committed row,
 * so it continues from the other's seq and hash); on SQLite it takes the database write lock
 * (WAL allows one writer; the other waits up to busy_timeout). Callers append after their own
 * writes, so the head is always the last lock a transaction takes (no lock-order deadlock).
 * The entry is hashed as it will read back (auditText, auditJson), not as it was handed in.
 */
export async function appendAuditEntry(trx: Db, input: AuditInput): Promise<AuditEntry> {
  const locked = await trx
    .updateTable('audit_head')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('id', '=', 1)
    .returning(['seq', 'hash'])
    .executeTakeFirstOrThrow();
  const entry: Omit<AuditEntry, 'hash'> = {
    seq: Number(locked.seq),
    // Normalised, so that time filters compare like with like on both databases.
    at: input.at === undefined ? new Date().toISOString() : new Date(input.at).toISOString(),
    actor: { kind: auditText(input.actor.kind), id: auditText(input.actor.id), name: auditText(input.actor.name) },
    action: input.action,
    object: input.object ? { type: auditText(input.object.type), id: auditText(input.object.id) } : null,
    before: auditJson(input.before),
    after: auditJson(input.after),
    prevHash: locked.hash,
  };
  const hash = auditEntryHash(entry);
  await trx
    .insertInto('audit_log')
    .values({
      seq: entry.seq,
      at: entry.at,
      actor_kind: entry.actor.kind,
      actor_id: entry.actor.id,
      actor_name: entry.actor.name,
      action: entry.action,
      object_type: entry.object?.type ?? null,
      object_id: entry.object?.id ?? null,
      before_json: JSON.stringify(entry.before ?? null),
      after_json: JSON.stringify(entry.after ?? null),
      prev_hash: entry.prevHash,
      hash,
    })
    .execute();
  await trx.updateTable('audit_head').set({ hash }).where('id', '=', 1).execute();
  return { ...entry, hash };
}

function rowToCheckpoint(r: Database['audit_checkpoints']): AuditCheckpoint {
  return { seq: Number(r.seq), hash: r.hash, at: r.at, signature: r.signature, keyId: r.key_id };
}

export function createAuditRepository(db: Kysely<Database>): AuditStore {
  return {
    append(input) {
      return db.transaction().execute((trx) => appendAuditEntry(trx, input));
    },
    async list(f) {
      let q = db.selectFrom('audit_log').selectAll();
      if (f.afterSeq !== undefined) q = q.where('seq', '>', f.afterSeq);
      if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
      if (f.throughSeq !== undefined) q = q.where('seq', '<=', f.throughSeq);
      if (f.from) q = q.where('at', '>=', f.from);
      if (f.to) q = q.where('at', '<', f.to);
      const actor = f.actor;
      if (actor) q = q.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_name', '=', actor)]));
      if (f.actorId) q = q.where('actor_id', '=', f.actorId);
      if (f.action) q = q.where('action', '=', f.action);
      if (f.objectType) q = q.where('object_type', '=', f.objectType);
      if (f.objectId) q = q.where('object_id', '=', f.objectId);
      const rows = await q
        .orderBy('seq', f.order ?? 'asc')
        .limit(Math.min(Math.max(1, f.limit), 5000))
        .execute();
      return rows.map(rowToAuditEntry);
    },
    async head() {
      const h = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
      return { seq: Number(h.seq), hash: h.hash };
    },
    async state() {
      const r = await db
        .selectFrom('audit_head')
        .select((eb) => ['seq', 'hash', eb.selectFrom('audit_log').select((e2) => e2.fn.max('seq').as('m')).as('max_seq')])
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      return { head: { seq: Number(r.seq), hash: r.hash }, maxSeq: Number(r.max_seq ?? 0) };
    },
    async *iterate({ batch = 1000, afterSeq = 0, throughSeq }: { batch?: number; afterSeq?: number; throughSeq?: number } = {}) {
      let after = afterSeq;
      for (;;) {
        let q = db.selectFrom('audit_log').selectAll().where('seq', '>', after);
        if (throughSeq !== undefined) q = q.where('seq', '<=', throughSeq);
        const rows = await q.orderBy('seq', 'asc').limit(batch).execute();
        for (const r of rows) yield rowToAuditEntry(r);
        if (rows.length < batch) return;
        after = Number(rows[rows.length - 1]!.seq);
      }
    },
    async get(seq) {
      const r = await db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirst();
      return r ? rowToAuditEntry(r) : undefined;
    },
    async addCheckpoint(c) {
      // Two API processes signing the same head: the first one's checkpoint stands.
      await db
        .insertInto('audit_checkpoints')
        .values({ seq: c.seq, hash: c.hash, at: c.at, signature: c.signature, key_id: c.keyId })
        .onConflict((oc) => oc.column('seq').doNothing())
        .execute();
    },
    async listCheckpoints() {
      const rows = await db.selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'asc').execute();
      return rows.map(rowToCheckpoint);
    },
    async lastCheckpoint() {
      const r = await db.selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
      return r ? rowToCheckpoint(r) : undefined;
    },
  };
}
