/**
 * Logs a test in as a person of a given role: creates the user through the access service (the
 * same path as the admin API and the CLI) and logs in through POST /v1/auth/login, so every test
 * that calls a protected route authenticates the way a real client does.
 *
 *   const { headers } = await loginAs(app, store, 'inspector');
 *   await app.inject({ url: '/v1/alerts', headers });
 *
 * Operators are bound to lanes: `opts.lanes` (default ['lane-a']). Other roles see every lane and
 * take no lanes. Usernames are random unless given, so one store can hold many test users.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createAccessService } from '#services/access/service.ts';
import { systemActor, type Role } from '#services/core/access.ts';
import type { Store } from '#services/store/types.ts';

export interface LoggedIn {
  userId: string;
  username: string;
  token: string;
  headers: { authorization: string };
}

export async function loginAs(
  app: FastifyInstance,
  store: Store,
  role: Role,
  opts: { username?: string; lanes?: string[] } = {},
): Promise<LoggedIn> {
  const username = opts.username ?? `${role}-${randomBytes(5).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const lanes = role === 'operator' ? (opts.lanes ?? ['lane-a']) : opts.lanes;
  const access = createAccessService(store);
  const user = await access.createUser(systemActor('cli'), { username, role, lanes: lanes ?? null, password });
  const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`loginAs(${role}): login answered ${res.statusCode}: ${res.body}`);
  const { token } = res.json() as { token: string };
  return { userId: user.id, username, token, headers: { authorization: `Bearer ${token}` } };
}

/** ADMIN_PASSWORD for tests that run the API as a server (startApi): the first start creates `admin` with it. */
export const TEST_ADMIN_PASSWORD = 'test-admin-password';

async function postJson(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

/**
 * loginAs for a listening server without a store handle (startApi with
 * ADMIN_PASSWORD=TEST_ADMIN_PASSWORD): logs in as `admin`, creates the user through
 * POST /v1/users, and logs in as it over HTTP.
 */
export async function loginAtUrl(
  baseUrl: string,
  role: Role,
  opts: { username?: string; lanes?: string[] } = {},
): Promise<LoggedIn> {
  const admin = await postJson(`${baseUrl}/v1/auth/login`, { username: 'admin', password: TEST_ADMIN_PASSWORD });
  if (admin.status !== 200) throw new Error(`loginAtUrl: admin login answered ${admin.status}: ${await admin.text()}`);
  const adminToken = ((await admin.json()) as { token: string }).token;
  const username = opts.username ?? `${role}-${randomBytes(5).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const lanes = role === 'operator' ? (opts.lanes ?? ['lane-a']) : opts.lanes;
  const created = await postJson(`${baseUrl}/v1/users`, { username, role, password, ...(lanes ? { lanes } : {}) }, adminToken);
  if (created.status !== 201) throw new Error(`loginAtUrl(${role}): creating the user answered ${created.status}: ${await created.text()}`);
  const userId = ((await created.json()) as { id: string }).id;
  const res = await postJson(`${baseUrl}/v1/auth/login`, { username, password });
  if (res.status !== 200) throw new Error(`loginAtUrl(${role}): login answered ${res.status}: ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  return { userId, username, token, headers: { authorization: `Bearer ${token}` } };
}
