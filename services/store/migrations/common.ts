/** Shared by every migration file: the dialect and the collation of key columns. */
import { sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Ids and ISO times are compared and ordered in keyset pagination. PostgreSQL's default
 * collation (e.g. en_US) ignores punctuation on the first pass, so '.', '-' and '_' in ids
 * would sort differently than on SQLite; "C" gives byte order like SQLite's BINARY.
 */
export function keyText(dialect: Dialect) {
  return dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
}
