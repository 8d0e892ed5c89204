/**
 * Identity and access rules, in one place for the API, the CLI and tests: who a user is
 * (argon2id passwords), sessions (random tokens, stored as sha-256, absolute expiry), lane-scoped
 * API keys, the first-start admin, and the audit entries every login and identity change leaves.
 * The store (services/store/repositories/users.ts) only keeps rows; the API's hook
 * (services/api/plugins/auth.ts) only asks authenticate() and compares roles.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ROLES, systemActor, type Actor, type Role } from '../core/access.ts';
import type { AuditInput } from '../core/audit.ts';
import type { StoredApiKey, StoredUser } from '../store/repositories/users.ts';
import type { Store } from '../store/types.ts';

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 1024;
/** Lane ids as scan.json has them (≤128 chars), minus commas and control characters (CLI lists). */
export const LANE = /^[^,\p{Cc}]{1,128}$/u;
/** Prefix of API key tokens, so a bearer token says which table to look in. */
export const API_KEY_PREFIX = 'cxk_';
const TOKEN = /^(?:cxk_)?[A-Za-z0-9_-]{43}$/;

/** A rule broken by the caller; statusCode is what the API answers. */
export class AccessError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'AccessError';
  }
}

/** What the API and the CLI show of a user: never the hash. */
export interface UserView {
  id: string;
  username: string;
  role: Role;
  lanes: string[] | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What the API and the CLI show of an API key: never the token or its hash. */
export interface ApiKeyView {
  id: string;
  label: string;
  role: string;
  lanes: string[];
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

export interface LoginResult {
  token: string;
  /** Send as `x-csrf-token` on state-changing requests authenticated by the cookie. */
  csrfToken: string;
  user: { id: string; username: string; role: Role; lanes: string[] | null };
  expiresAt: string;
}

export interface Authenticated {
  actor: Actor;
  via: 'session' | 'api_key';
  /** Sessions only. */
  expiresAt?: string;
}

export interface NewUser {
  username: string;
  role: Role;
  lanes?: string[] | null;
  password: string;
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AccessServiceOptions {
  /** Session lifetime (absolute, from login); default 720 minutes. */
  sessionTtlMinutes?: number;
  /** Clock, for tests of expiry. */
  now?: () => Date;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function userView(u: StoredUser): UserView {
  return { id: u.id, username: u.username, role: u.role, lanes: u.lanes, disabled: u.disabled, createdAt: u.createdAt, updatedAt: u.updatedAt };
}

export function apiKeyView(k: StoredApiKey): ApiKeyView {
  return { id: k.id, label: k.label, role: k.role, lanes: k.lanes, createdAt: k.createdAt, createdBy: k.createdBy, revokedAt: k.revokedAt };
}

function userActor(u: StoredUser): Actor {
  return { kind: 'user', id: u.id, name: u.username, role: u.role, lanes: u.lanes };
}

function normaliseUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

function checkUsername(username: string): void {
  if (!USERNAME.test(username)) {
    throw new AccessError(400, 'username must be 2–64 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new AccessError(400, `password must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`);
  }
}

function checkLanes(lanes: string[]): string[] {
  const unique = [...new Set(lanes.map((l) => l.trim()))];
  if (unique.length === 0) throw new AccessError(400, 'at least one lane is required');
  if (unique.length > 100) throw new AccessError(400, 'at most 100 lanes');
  for (const l of unique) if (!LANE.test(l)) throw new AccessError(400, `invalid lane id "${l.slice(0, 40)}"`);
  return unique;
}

/** Operators are bound to lanes; every other role sees every lane and takes none. */
function lanesForRole(role: Role, lanes: string[] | null | undefined): string[] | null {
  if (!(ROLES as readonly string[]).includes(role)) throw new AccessError(400, `role must be one of ${ROLES.join(', ')}`);
  if (role === 'operator') {
    if (!lanes || lanes.length === 0) throw new AccessError(400, 'an operator needs at least one lane');
    return checkLanes(lanes);
  }
  if (lanes && lanes.length > 0) throw new AccessError(400, `only operators are bound to lanes (a ${role} sees every lane)`);
  return null;
}

/** Compared against when the username is unknown, so that answering takes as long either way. */
let dummyHash: Promise<string> | undefined;

export type AccessService = ReturnType<typeof createAccessService>;

export function createAccessService(store: Store, opts: AccessServiceOptions = {}) {
  const ttlMs = (opts.sessionTtlMinutes ?? 720) * 60_000;
  const now = opts.now ?? (() => new Date());

  async function requireUser(id: string): Promise<StoredUser> {
    const u = await store.users.getById(id);
    if (!u) throw new AccessError(404, `user "${id}" not found`);
    return u;
  }

  async function failedLogin(username: string, user: StoredUser | undefined, reason: string, ip: string | undefined): Promise<void> {
    await store.audit.append({
      actor: { kind: 'user', id: user?.id ?? 'unknown', name: username.slice(0, 64) },
      action: 'auth.login_failed',
      object: user ? { type: 'user', id: user.id } : null,
      after: { reason, ip: ip ?? null },
    });
  }

  const service = {
    /** Checks the password; on success opens a session (audited `auth.login`), else audits `auth.login_failed` and returns null. */
    async login(rawUsername: string, password: string, ctx: { ip?: string } = {}): Promise<LoginResult | null> {
      const username = normaliseUsername(rawUsername);
      const user = USERNAME.test(username) ? await store.users.getByUsername(username) : undefined;
      if (!user) {
        dummyHash ??= hash(newToken());
        await verify(await dummyHash, password).catch(() => false);
        await failedLogin(username, undefined, 'unknown_user', ctx.ip);
        return null;
      }
      const ok = await verify(user.passwordHash, password).catch(() => false);
      if (!ok || user.disabled) {
        await failedLogin(username, user, ok ? 'disabled' : 'bad_password', ctx.ip);
        return null;
      }
      const at = now();
      // House-keeping on the way: ended sessions are never valid, so deleting them changes nothing else.
      await store.users.deleteExpiredSessions(at.toISOString());
      const token = newToken();
      const expiresAt = new Date(at.getTime() + ttlMs).toISOString();
      await store.users.createSession(
        { tokenHash: sha256Hex(token), userId: user.id, createdAt: at.toISOString(), expiresAt },
        { actor: userActor(user), action: 'auth.login', object: { type: 'user', id: user.id }, after: { ip: ctx.ip ?? null, expiresAt } },
      );
      return {
        token,
        csrfToken: service.csrfTokenFor(token),
        user: { id: user.id, username: user.username, role: user.role, lanes: user.lanes },
        expiresAt,
      };
    },

    /** Ends the session of this token (audited `auth.logout`); false when there was none. */
    async logout(token: string, actor: Actor): Promise<boolean> {
      return store.users.deleteSession(sha256Hex(token), {
        actor,
        action: 'auth.logout',
        object: actor.kind === 'user' ? { type: 'user', id: actor.id } : null,
      });
    },

    /** The principal behind a session token or an API key token; null when unknown, ended, disabled or revoked. */
    async authenticate(token: string): Promise<Authenticated | null> {
      if (!TOKEN.test(token)) return null;
      const tokenHash = sha256Hex(token);
      if (token.startsWith(API_KEY_PREFIX)) {
        const key = await store.users.findApiKeyByHash(tokenHash);
        if (!key || key.revokedAt !== null) return null;
        return { actor: { kind: 'api_key', id: key.id, name: key.label, role: key.role, lanes: key.lanes }, via: 'api_key' };
      }
      const found = await store.users.findSession(tokenHash);
      if (!found) return null;
      if (found.session.expiresAt <= now().toISOString()) {
        await store.users.deleteSession(tokenHash);
        return null;
      }
      if (found.user.disabled) return null;
      return { actor: userActor(found.user), via: 'session', expiresAt: found.session.expiresAt };
    },

    /** The CSRF token bound to a session token: derived, so nothing more is stored. */
    csrfTokenFor(sessionToken: string): string {
      return createHash('sha256').update('csrf\n').update(sessionToken).digest('base64url');
    },

    csrfTokenMatches(sessionToken: string, presented: string | undefined): boolean {
      if (!presented) return false;
      const expected = Buffer.from(service.csrfTokenFor(sessionToken));
      const given = Buffer.from(presented);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },

    async createUser(by: Actor, input: NewUser): Promise<UserView> {
      const username = normaliseUsername(input.username);
      checkUsername(username);
      checkPassword(input.password);
      const lanes = lanesForRole(input.role, input.lanes);
      const at = now().toISOString();
      const user: StoredUser = {
        id: `usr-${randomBytes(8).toString('hex')}`,
        username,
        role: input.role,
        lanes,
        passwordHash: await hash(input.password),
        disabled: false,
        createdAt: at,
        updatedAt: at,
      };
      const view = userView(user);
      const inserted = await store.users.insert(user, { actor: by, action: 'user.created', object: { type: 'user', id: user.id }, after: view, at });
      if (!inserted) throw new AccessError(409, `username "${username}" is taken`);
      return view;
    },

    async listUsers(): Promise<UserView[]> {
      return (await store.users.list()).map(userView);
    },

    async getUser(id: string): Promise<UserView> {
      return userView(await requireUser(id));
    },

    async findUserByUsername(username: string): Promise<UserView | undefined> {
      const u = await store.users.getByUsername(normaliseUsername(username));
      return u ? userView(u) : undefined;
    },

    /** Disables the user and ends its sessions (audited `user.disabled`). The last enabled admin cannot be disabled. */
    async disableUser(by: Actor, id: string): Promise<UserView> {
      const before = await requireUser(id);
      if (before.disabled) return userView(before);
      if (before.role === 'admin') {
        const admins = (await store.users.list()).filter((u) => u.role === 'admin' && !u.disabled);
        if (admins.length <= 1) throw new AccessError(409, 'the last enabled admin cannot be disabled');
      }
      const at = now().toISOString();
      const after = await store.users.update(
        id,
        { disabled: true, updatedAt: at },
        {
          endSessions: true,
          audit: { actor: by, action: 'user.disabled', object: { type: 'user', id }, before: userView(before), after: { ...userView(before), disabled: true, updatedAt: at }, at },
        },
      );
      if (!after) throw new AccessError(404, `user "${id}" not found`);
      return userView(after);
    },

    /** Sets a new password and ends the user's sessions (audited `user.password_changed`, no hashes in it). */
    async setPassword(by: Actor, id: string, password: string): Promise<void> {
      checkPassword(password);
      await requireUser(id);
      const at = now().toISOString();
      const after = await store.users.update(
        id,
        { passwordHash: await hash(password), updatedAt: at },
        { endSessions: true, audit: { actor: by, action: 'user.password_changed', object: { type: 'user', id }, at } },
      );
      if (!after) throw new AccessError(404, `user "${id}" not found`);
    },

    /** A user changing its own password: the current one must be given. */
    async changeOwnPassword(actor: Actor, current: string, next: string): Promise<void> {
      if (actor.kind !== 'user') throw new AccessError(403, 'only users have passwords');
      const user = await requireUser(actor.id);
      if (!(await verify(user.passwordHash, current).catch(() => false))) throw new AccessError(403, 'current password is wrong');
      await service.setPassword(actor, actor.id, next);
    },

    /** A lane-scoped `ingest` key; the token is returned here once and stored only as its sha-256. */
    async createApiKey(by: Actor, input: { label: string; lanes: string[] }): Promise<{ key: ApiKeyView; token: string }> {
      const label = input.label.trim();
      if (label.length < 1 || label.length > 100 || /\p{Cc}/u.test(label)) throw new AccessError(400, 'label must be 1–100 printable characters');
      const lanes = checkLanes(input.lanes);
      const token = API_KEY_PREFIX + newToken();
      const at = now().toISOString();
      const key: StoredApiKey = {
        id: `key-${randomBytes(8).toString('hex')}`,
        label,
        tokenHash: sha256Hex(token),
        role: 'ingest',
        lanes,
        createdAt: at,
        createdBy: by.id,
        revokedAt: null,
      };
      const view = apiKeyView(key);
      await store.users.insertApiKey(key, { actor: by, action: 'api_key.created', object: { type: 'api_key', id: key.id }, after: view, at });
      return { key: view, token };
    },

    async listApiKeys(): Promise<ApiKeyView[]> {
      return (await store.users.listApiKeys()).map(apiKeyView);
    },

    /** Revokes the key (audited `api_key.revoked`); revoking a revoked key changes nothing. */
    async revokeApiKey(by: Actor, id: string): Promise<ApiKeyView> {
      const before = await store.users.getApiKey(id);
      if (!before) throw new AccessError(404, `API key "${id}" not found`);
      if (before.revokedAt !== null) return apiKeyView(before);
      const at = now().toISOString();
      const after = await store.users.revokeApiKey(id, at, {
        actor: by,
        action: 'api_key.revoked',
        object: { type: 'api_key', id },
        before: apiKeyView(before),
        after: { ...apiKeyView(before), revokedAt: at },
        at,
      });
      return apiKeyView(after ?? (await store.users.getApiKey(id))!);
    },

    /**
     * First start: when no user exists, creates `admin` with `adminPassword`, or with a random
     * password written once to the log. Idempotent, and safe when processes start together: the
     * insert is conditional on the username, and only the process whose insert won logs.
     */
    async bootstrap(log: Log, adminPassword?: string): Promise<{ created: boolean }> {
      if ((await store.users.count()) > 0) return { created: false };
      const password = adminPassword ?? randomBytes(18).toString('base64url');
      checkPassword(password);
      const at = now().toISOString();
      const user: StoredUser = {
        id: `usr-${randomBytes(8).toString('hex')}`,
        username: 'admin',
        role: 'admin',
        lanes: null,
        passwordHash: await hash(password),
        disabled: false,
        createdAt: at,
        updatedAt: at,
      };
      const audit: AuditInput = {
        actor: systemActor('api'),
        action: 'user.created',
        object: { type: 'user', id: user.id },
        after: { ...userView(user), bootstrap: true },
        at,
      };
      if (!(await store.users.insert(user, audit))) return { created: false };
      if (adminPassword) {
        log.info({ username: 'admin' }, 'first start: created user "admin" with ADMIN_PASSWORD');
      } else {
        log.warn(
          { username: 'admin', password },
          'first start: created user "admin" with this one-time password (shown only now; change it, see docs/access.md)',
        );
      }
      return { created: true };
    },
  };
  return service;
}
