/**
 * Migration 004: identity (services/access). `users` are people who log in (argon2id password
 * hashes, a role, lanes for operators); `sessions` are logged-in sessions, keyed by the sha-256 of
 * their token so a leaked database holds no usable token; `api_keys` are lane-scoped keys of
 * scanners and integrations (pseudo-role `ingest`), likewise stored as sha-256 only.
 */
import type { Kysely, Migration } from 'kysely';
import { keyText, type Dialect } from './common.ts';

export interface UsersTable {
  id: string;
  /** Unique, lower case. */
  username: string;
  role: string;
  /** JSON array of lane ids for operators; null: every lane. */
  lanes_json: string | null;
  /** argon2id PHC string. */
  password_hash: string;
  /** 0/1. */
  disabled: number;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  /** sha-256 (hex) of the session token. */
  token_hash: string;
  user_id: string;
  created_at: string;
  /** Absolute end of the session (not sliding). */
  expires_at: string;
}

export interface ApiKeysTable {
  id: string;
  label: string;
  /** sha-256 (hex) of the key token. */
  token_hash: string;
  /** The pseudo-role the key acts as ('ingest'). */
  role: string;
  /** JSON array of lane ids (at least one). */
  lanes_json: string;
  created_at: string;
  /** Actor id of whoever created it. */
  created_by: string;
  revoked_at: string | null;
}

export interface IdentityTables {
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
}

export function identityMigration(dialect: Dialect): Migration {
  const key = keyText(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('username', key, (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('lanes_json', 'text')
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', key, (c) => c.primaryKey())
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', key, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['user_id']).execute();
      await db.schema.createIndex('sessions_expires_idx').on('sessions').columns(['expires_at']).execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('token_hash', key, (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('lanes_json', 'text', (c) => c.notNull())
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('api_keys').execute();
      await db.schema.dropTable('sessions').execute();
      await db.schema.dropTable('users').execute();
    },
  };
}
