/** TODO(HOUSE helper (quarantined packages)): placeholder repository; replace with why it exists. */
import type { Kysely } from 'kysely';
import type { Dialect } from '../migrations/common.ts';
import type { Database } from '../schema.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RejectionStore {}

export function createRejectionRepository(_db: Kysely<Database>, _dialect: Dialect): RejectionStore {
  return {};
}
