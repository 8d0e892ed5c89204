/**
 * Identity repository: users, sessions and API keys as rows (migration 004). Thin on purpose:
 * no rules (hashing, roles, expiry policy, who may do what) — those live in services/access.
 * A change that is audited takes its AuditInput and appends it in the same transaction
 * (appendAuditEntry), so a user row and its audit entry commit together or not at all.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditInput } from '../../core/audit.ts';
import type { PrincipalRole, Role } from '../../core/access.ts';
import type { Dialect } from '../migrations/common.ts';
import type { Database } from '../schema.ts';
import { appendAuditEntry } from './audit.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredUser {
  id: string;
  username: string;
  role: Role;
  /** Operators' lanes; null: every lane. */
  lanes: string[] | null;
  /** argon2id PHC string; never leaves services/access. */
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface StoredSession {
  tokenHash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
}

export interface StoredApiKey {
  id: string;
  label: string;
  tokenHash: string;
  role: PrincipalRole;
  lanes: string[];
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

export interface UserPatch {
  role?: Role;
  lanes?: string[] | null;
  passwordHash?: string;
  disabled?: boolean;
  updatedAt: string;
}

export interface UserStore {
  count(): Promise<number>;
  /** Inserts unless the username (or id) is taken; false then, and nothing (no audit) is written. */
  insert(user: StoredUser, audit?: AuditInput): Promise<boolean>;
  getById(id: string): Promise<StoredUser | undefined>;
  getByUsername(username: string): Promise<StoredUser | undefined>;
  /** By username. */
  list(): Promise<StoredUser[]>;
  /** Patches the row; with endSessions its sessions are deleted in the same transaction. */
  update(id: string, patch: UserPatch, opts?: { audit?: AuditInput; endSessions?: boolean }): Promise<StoredUser | undefined>;

  createSession(session: StoredSession, audit?: AuditInput): Promise<void>;
  /** The session with its user, if the session exists (expiry and disabled are the caller's rules). */
  findSession(tokenHash: string): Promise<{ session: StoredSession; user: StoredUser } | undefined>;
  /** True when a session was deleted. */
  deleteSession(tokenHash: string, audit?: AuditInput): Promise<boolean>;
  /** Deletes sessions that ended before `now` (ISO); returns how many. */
  deleteExpiredSessions(now: string): Promise<number>;

  insertApiKey(key: StoredApiKey, audit?: AuditInput): Promise<void>;
  findApiKeyByHash(tokenHash: string): Promise<StoredApiKey | undefined>;
  getApiKey(id: string): Promise<StoredApiKey | undefined>;
  /** Newest first. */
  listApiKeys(): Promise<StoredApiKey[]>;
  /** Sets revoked_at unless already revoked; undefined when no such key or already revoked. */
  revokeApiKey(id: string, at: string, audit?: AuditInput): Promise<StoredApiKey | undefined>;
}

type UserRow = Database['users'];
type KeyRow = Database['api_keys'];

function rowToUser(r: UserRow): StoredUser {
  return {
    id: r.id,
    username: r.username,
    role: r.role as Role,
    lanes: r.lanes_json === null ? null : (JSON.parse(r.lanes_json) as string[]),
    passwordHash: r.password_hash,
    disabled: Number(r.disabled) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function rowToKey(r: KeyRow): StoredApiKey {
  return {
    id: r.id,
    label: r.label,
    tokenHash: r.token_hash,
    role: r.role as PrincipalRole,
    lanes: JSON.parse(r.lanes_json) as string[],
    createdAt: r.created_at,
    createdBy: r.created_by,
    revokedAt: r.revoked_at,
  };
}

export function createUserRepository(db: Kysely<Database>, _dialect: Dialect): UserStore {
  /** Runs `fn` in a transaction and appends the audit entry in it, when there is one. */
  function withAudit<T>(audit: AuditInput | undefined, fn: (trx: Db) => Promise<T>, shouldAudit: (result: T) => boolean = () => true): Promise<T> {
    return db.transaction().execute(async (trx) => {
      const result = await fn(trx);
      if (audit && shouldAudit(result)) await appendAuditEntry(trx, audit);
      return result;
    });
  }

  return {
    async count() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    insert(user, audit) {
      return withAudit(
        audit,
        async (trx) => {
          const res = await trx
            .insertInto('users')
            .values({
              id: user.id,
              username: user.username,
              role: user.role,
              lanes_json: user.lanes === null ? null : JSON.stringify(user.lanes),
              password_hash: user.passwordHash,
              disabled: user.disabled ? 1 : 0,
              created_at: user.createdAt,
              updated_at: user.updatedAt,
            })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
        },
        (inserted) => inserted,
      );
    },

    async getById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToUser(row) : undefined;
    },

    async getByUsername(username) {
      const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      return row ? rowToUser(row) : undefined;
    },

    async list() {
      const rows = await db.selectFrom('users').selectAll().orderBy('username', 'asc').execute();
      return rows.map(rowToUser);
    },

    update(id, patch, opts = {}) {
      return withAudit(
        opts.audit,
        async (trx) => {
          const res = await trx
            .updateTable('users')
            .set({
              updated_at: patch.updatedAt,
              ...(patch.role !== undefined ? { role: patch.role } : {}),
              ...(patch.lanes !== undefined ? { lanes_json: patch.lanes === null ? null : JSON.stringify(patch.lanes) } : {}),
              ...(patch.passwordHash !== undefined ? { password_hash: patch.passwordHash } : {}),
              ...(patch.disabled !== undefined ? { disabled: patch.disabled ? 1 : 0 } : {}),
            })
            .where('id', '=', id)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) === 0) return undefined;
          if (opts.endSessions) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
          const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
          return rowToUser(row);
        },
        (user) => user !== undefined,
      );
    },

    async createSession(s, audit) {
      await withAudit(audit, async (trx) => {
        await trx
          .insertInto('sessions')
          .values({ token_hash: s.tokenHash, user_id: s.userId, created_at: s.createdAt, expires_at: s.expiresAt })
          .execute();
      });
    },

    async findSession(tokenHash) {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .select(['sessions.token_hash', 'sessions.user_id', 'sessions.created_at as session_created_at', 'sessions.expires_at'])
        .where('sessions.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        session: { tokenHash: row.token_hash, userId: row.user_id, createdAt: row.session_created_at, expiresAt: row.expires_at },
        user: rowToUser(row),
      };
    },

    deleteSession(tokenHash, audit) {
      return withAudit(
        audit,
        async (trx) => {
          const res = await trx.deleteFrom('sessions').where('token_hash', '=', tokenHash).executeTakeFirst();
          return Number(res.numDeletedRows) > 0;
        },
        (deleted) => deleted,
      );
    },

    async deleteExpiredSessions(now) {
      const res = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(res.numDeletedRows);
    },

    async insertApiKey(k, audit) {
      await withAudit(audit, async (trx) => {
        await trx
          .insertInto('api_keys')
          .values({
            id: k.id,
            label: k.label,
            token_hash: k.tokenHash,
            role: k.role,
            lanes_json: JSON.stringify(k.lanes),
            created_at: k.createdAt,
            created_by: k.createdBy,
            revoked_at: k.revokedAt,
          })
          .execute();
      });
    },

    async findApiKeyByHash(tokenHash) {
      const row = await db.selectFrom('api_keys').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? rowToKey(row) : undefined;
    },

    async getApiKey(id) {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToKey(row) : undefined;
    },

    async listApiKeys() {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(rowToKey);
    },

    revokeApiKey(id, at, audit) {
      return withAudit(
        audit,
        async (trx) => {
          const res = await trx.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
          if (Number(res.numUpdatedRows) === 0) return undefined;
          const row = await trx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
          return rowToKey(row);
        },
        (key) => key !== undefined,
      );
    },
  };
}
