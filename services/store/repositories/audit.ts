/**
 * The audit trail's repository: appends chained entries and reads them back. Appending happens
 * inside the caller's transaction where there is one (a review decision and its audit entry
 * commit together or not at all), so other repositories call appendAuditEntry(trx, …).
 * The rules (what gets audited, verification, checkpoints) live in services/audit.
 */
import type { Kysely, Transaction } from 'kysely';
import { auditEntryHash, type AuditAction, type AuditEntry, type AuditInput } from '../../core/audit.ts';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface AuditFilter {
  /** Entries with seq greater than this (keyset pagination, ascending). */
  afterSeq?: number;
  /** Newest first instead (for browsing); then entries with seq below `beforeSeq`. */
  beforeSeq?: number;
  from?: string;
  to?: string;
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
  /** All entries in seq order, in batches (for verification and exports). */
  iterate(batch?: number): AsyncGenerator<AuditEntry>;
  addCheckpoint(c: AuditCheckpoint): Promise<void>;
  listCheckpoints(): Promise<AuditCheckpoint[]>;
}

type Row = Database['audit_log'];

export function rowToAuditEntry(r: Row): AuditEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
    action: r.action as AuditAction,
    object: r.object_type !== null && r.object_id !== null ? { type: r.object_type, id: r.object_id } : null,
    before: JSON.parse(r.before_json) as unknown,
    after: JSON.parse(r.after_json) as unknown,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Appends within `trx` (must be a transaction, or a Kysely instance on SQLite where a single
 * statement sequence is acceptable). The head row is locked by the first UPDATE, so concurrent
 * appenders — in this process or others — queue behind it until the transaction ends.
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
    at: input.at ?? new Date().toISOString(),
    actor: { kind: input.actor.kind, id: input.actor.id, name: input.actor.name },
    action: input.action,
    object: input.object,
    before: input.before ?? null,
    after: input.after ?? null,
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

export function createAuditRepository(db: Kysely<Database>): AuditStore {
  return {
    append(input) {
      return db.transaction().execute((trx) => appendAuditEntry(trx, input));
    },
    async list(f) {
      let q = db.selectFrom('audit_log').selectAll();
      if (f.afterSeq !== undefined) q = q.where('seq', '>', f.afterSeq);
      if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
      if (f.from) q = q.where('at', '>=', f.from);
      if (f.to) q = q.where('at', '<', f.to);
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
    async *iterate(batch = 1000) {
      let after = 0;
      for (;;) {
        const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq', 'asc').limit(batch).execute();
        for (const r of rows) yield rowToAuditEntry(r);
        if (rows.length < batch) return;
        after = Number(rows[rows.length - 1]!.seq);
      }
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
      return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, at: r.at, signature: r.signature, keyId: r.key_id }));
    },
  };
}
