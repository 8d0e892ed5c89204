/**
 * Migration 006: TODO(REVIEW helper (alert review state, decisions, seen state, inspection outcomes)) — placeholder so that parallel work has a slot; replace
 * this comment with why the tables exist.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './common.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ReviewTables {}

export function reviewMigration(_dialect: Dialect): Migration {
  return {
    async up(_db: Kysely<any>): Promise<void> {},
  };
}
