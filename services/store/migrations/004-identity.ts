/**
 * Migration 004: TODO(AUTH helper (users, sessions, API keys)) — placeholder so that parallel work has a slot; replace
 * this comment with why the tables exist.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './common.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface IdentityTables {}

export function identityMigration(_dialect: Dialect): Migration {
  return {
    async up(_db: Kysely<any>): Promise<void> {},
  };
}
