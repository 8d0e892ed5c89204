/**
 * The two store backends under test. PostgreSQL is required, not optional: if it is
 * unreachable the suite fails, because CI provides it and a silent skip would hide bugs.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '#services/store/database.ts';
import type { Store } from '#services/store/types.ts';

export const PG_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Drops a test's PostgreSQL schema (tests run each in a schema of their own). */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /**
   * Opens a fresh, empty store and returns it with its cleanup, and `sql` to run a statement on
   * the same database behind the store's back (tamper tests), and how to open the same database
   * from another process (`env`).
   */
  open(): Promise<{ store: Store; cleanup(): Promise<void>; sql(statement: string): Promise<void>; env: Record<string, string> }>;
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  async open() {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-store-'));
    const file = path.join(dir, 'nested', 'test.sqlite');
    const store = await openStore({ sqlitePath: file });
    return {
      store,
      env: { SQLITE_PATH: file },
      async sql(statement: string) {
        const db = new SqliteDatabase(file);
        try {
          db.pragma('busy_timeout = 5000');
          db.exec(statement);
        } finally {
          db.close();
        }
      },
      async cleanup() {
        await store.close();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  async open() {
    const schema = `t_store_${randomBytes(6).toString('hex')}`;
    const store = await openStore({ databaseUrl: PG_URL, pgSchema: schema });
    return {
      store,
      env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema },
      async sql(statement: string) {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        try {
          await client.query(`set search_path to "${schema}"`);
          await client.query(statement);
        } finally {
          await client.end();
        }
      },
      async cleanup() {
        await store.close();
        await dropSchema(schema);
      },
    };
  },
};

export const backends: Backend[] = [sqliteBackend, postgresBackend];
