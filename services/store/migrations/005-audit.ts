/**
 * Migration 005: the audit trail (services/core/audit.ts). `audit_log` holds the chained entries;
 * `audit_head` is one row holding the chain's last sequence number and hash: appenders lock it
 * first (an UPDATE), which serialises appends across processes on both databases, and it lets
 * verification notice entries deleted from the end. `audit_checkpoints` holds signed heads.
 */
import type { Kysely, Migration } from 'kysely';
import { keyText, type Dialect } from './common.ts';

export interface AuditLogTable {
  seq: number;
  at: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  action: string;
  object_type: string | null;
  object_id: string | null;
  /** JSON; 'null' when absent. */
  before_json: string;
  after_json: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface AuditCheckpointsTable {
  seq: number;
  hash: string;
  at: string;
  /** Ed25519 signature (base64) over "seq:hash:at", by the server's audit key. */
  signature: string;
  /** sha-256 (hex) of the public key that signed it. */
  key_id: string;
}

export interface AuditTables {
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  audit_checkpoints: AuditCheckpointsTable;
}

export function auditMigration(dialect: Dialect): Migration {
  const key = keyText(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', key, (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', key, (c) => c.notNull())
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('action', key, (c) => c.notNull())
        .addColumn('object_type', key)
        .addColumn('object_id', key)
        .addColumn('before_json', 'text', (c) => c.notNull())
        .addColumn('after_json', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at_idx').on('audit_log').columns(['at', 'seq']).execute();
      await db.schema.createIndex('audit_log_object_idx').on('audit_log').columns(['object_type', 'object_id', 'seq']).execute();
      await db.schema.createIndex('audit_log_actor_idx').on('audit_log').columns(['actor_id', 'seq']).execute();
      await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['action', 'seq']).execute();
      await db.schema
        .createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.insertInto('audit_head').values({ id: 1, seq: 0, hash: '0'.repeat(64) }).execute();
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('audit_checkpoints').execute();
      await db.schema.dropTable('audit_head').execute();
      await db.schema.dropTable('audit_log').execute();
    },
  };
}
