/** TODO(REVIEW helper (alert review state, decisions, seen state, inspection outcomes)): placeholder repository; replace with why it exists. */
import type { Kysely } from 'kysely';
import type { Dialect } from '../migrations/common.ts';
import type { Database } from '../schema.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ReviewStore {}

export function createReviewRepository(_db: Kysely<Database>, _dialect: Dialect): ReviewStore {
  return {};
}
