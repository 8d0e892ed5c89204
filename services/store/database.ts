/**
 * Opens the store: SQLite (better-sqlite3, one file, for a single host) when no
 * DATABASE_URL is given, PostgreSQL (pg.Pool) otherwise. Migrations run on open, so every
 * role (adapter, worker, API) can start first; Kysely's migrator serialises concurrent runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider, type Dialect } from './migrations.ts';
import { createRepository } from './repository.ts';
import type { Database } from './schema.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  /** PostgreSQL connection string; when set, PostgreSQL is used. */
  databaseUrl?: string;
  /** SQLite file, used when databaseUrl is unset (its directory is created). */
  sqlitePath?: string;
  /** PostgreSQL only: put every table in this schema (created if absent), e.g. per test run. */
  pgSchema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function openSqlite(file: string): Kysely<Database> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets the API read while a worker writes; busy_timeout makes writers from several
  // processes wait for the lock instead of failing at once.
  sqlite.pragma('journal_mode = WAL');
  // FULL: a committed scan row survives a power cut before the inbox copy is removed.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

async function openPostgres(databaseUrl: string, schema: string | undefined): Promise<Kysely<Database>> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // An idle client losing its connection emits 'error' on the pool; without a listener
  // that would crash the process. The next query fails instead and readiness reports it.
  pool.on('error', () => {});
  if (schema !== undefined) {
    try {
      await pool.query(`create schema if not exists "${schema}"`);
    } catch (err) {
      await pool.end();
      throw err;
    }
  }
  return new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
      onCreateConnection: schema
        ? async (conn) => {
            await conn.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
          }
        : undefined,
    }),
  });
}

/** How long a starting role waits for another process's migrations before giving up. */
const MIGRATION_LOCK_WAIT_MS = 120_000;

/** Takes the cross-process migration lock of a SQLite database (blocks until free); returns its release. */
function lockSqliteMigrations(file: string): () => void {
  const lock = new SqliteDatabase(`${path.resolve(file)}.migrate-lock`, { timeout: MIGRATION_LOCK_WAIT_MS });
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    throw new Error(`could not take the migration lock of ${file} within ${MIGRATION_LOCK_WAIT_MS / 1000} s: ${(err as Error).message}`);
  }
  return () => {
    try {
      lock.exec('COMMIT');
    } finally {
      lock.close();
    }
  };
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.pgSchema !== undefined && !SCHEMA_NAME.test(opts.pgSchema)) {
    throw new Error(`pgSchema must match ${SCHEMA_NAME}, got "${opts.pgSchema}"`);
  }
  const dialect: Dialect = opts.databaseUrl ? 'postgres' : 'sqlite';
  let db: Kysely<Database>;
  if (opts.databaseUrl) {
    db = await openPostgres(opts.databaseUrl, opts.pgSchema);
  } else {
    if (!opts.sqlitePath) throw new Error('openStore needs databaseUrl or sqlitePath');
    db = openSqlite(opts.sqlitePath);
  }

  // Without an explicit schema Kysely looks for its migration table in ANY schema, so one
  // schema would find another's table (e.g. a test run's) and skip creating its own. Name
  // the schema the tables actually go to: pgSchema, else the connection's current schema.
  let migrationTableSchema: string | undefined;
  if (dialect === 'postgres') {
    migrationTableSchema = opts.pgSchema;
    if (migrationTableSchema === undefined) {
      const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
      migrationTableSchema = rows[0]?.schema ?? undefined;
    }
  }
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), migrationTableSchema });
  // PostgreSQL: Kysely's migrator holds an advisory lock, which spans processes. SQLite: its lock
  // is per connection only, so roles starting together on a fresh file raced ("table scans
  // already exists"); an exclusive transaction on a lock file beside the database makes them
  // take turns.
  const releaseLock = dialect === 'sqlite' && opts.sqlitePath !== ':memory:' ? lockSqliteMigrations(opts.sqlitePath!) : () => {};
  let error: unknown;
  try {
    ({ error } = await migrator.migrateToLatest());
  } finally {
    releaseLock();
  }
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  }

  return createRepository(db, dialect, () => db.destroy());
}
