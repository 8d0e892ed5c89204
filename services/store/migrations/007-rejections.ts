/**
 * Migration 007: TODO(HOUSE helper (quarantined packages)) — placeholder so that parallel work has a slot; replace
 * this comment with why the tables exist.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './common.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RejectionTables {}

export function rejectionsMigration(_dialect: Dialect): Migration {
  return {
    async up(_db: Kysely<any>): Promise<void> {},
  };
}
