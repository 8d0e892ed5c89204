/**
 * Identity and access end to end through the API on SQLite and PostgreSQL: first-start admin,
 * login (cookie + bearer), CSRF on cookie sessions, logout and expiry, rate-limited and audited
 * logins, admin management of users and keys (never a hash in an answer), ingest keys, lane-bound
 * operators (list, detail, images, audited image views, events), configuration switches, and the
 * `npm run users` CLI.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUsersCli } from '#services/access/cli.ts';
import { createAccessService } from '#services/access/service.ts';
import { buildApp } from '#services/api/app.ts';
import { systemActor } from '#services/core/access.ts';
import type { AuditAction } from '#services/core/audit.ts';
import { loadConfig } from '#services/core/config.ts';
import { EventPublisher, EventSubscriber } from '#services/events/events.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { backends, sqliteBackend } from '../store/backends.ts';
import { makeScan, t } from '../store/factories.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const ROOT = path.resolve(import.meta.dirname, '../..');

interface Ctx {
  store: Store;
  dir: string;
  images: ImageStore;
}

async function makeApp(ctx: Ctx, env: Record<string, string> = {}, extra: { events?: EventSubscriber } = {}): Promise<FastifyInstance> {
  const config = loadConfig({ DATA_DIR: ctx.dir, LOG_LEVEL: 'silent', ...env });
  return buildApp({ config, store: ctx.store, images: ctx.images, ...extra }, { logger: false, processMetrics: false, sseHeartbeatMs: 100 });
}

async function auditActions(store: Store, action: AuditAction) {
  return store.audit.list({ action, limit: 1000 });
}

function collectLog() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  return {
    lines,
    info: (obj: object, msg: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
  };
}

describe.each(backends)('identity and access on $name', (backend) => {
  const ctx = {} as Ctx;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ store: ctx.store, cleanup } = await backend.open());
    ctx.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-auth-'));
    ctx.images = new ImageStore(path.join(ctx.dir, 'images'));
    app = await makeApp(ctx, { ADMIN_PASSWORD: 'first-admin-password' });
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    if (ctx.dir) await fs.rm(ctx.dir, { recursive: true, force: true });
  });

  it('creates admin on first start with ADMIN_PASSWORD, and only once', async () => {
    const admins = (await ctx.store.users.list()).filter((u) => u.username === 'admin');
    expect(admins).toHaveLength(1);
    expect(admins[0]!.passwordHash).toMatch(/^\$argon2id\$/);
    const again = await makeApp(ctx, { ADMIN_PASSWORD: 'another-password-1' });
    await again.close();
    expect((await ctx.store.users.list()).filter((u) => u.username === 'admin')).toHaveLength(1);
    const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'admin', password: 'first-admin-password' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ username: 'admin', role: 'admin', lanes: null });
  });

  it('without ADMIN_PASSWORD logs a random one once, also when two starts race', async () => {
    const fresh = await backend.open();
    try {
      const logs = [collectLog(), collectLog(), collectLog()];
      const results = await Promise.all(logs.map((log) => createAccessService(fresh.store).bootstrap(log)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const logged = logs.flatMap((l) => l.lines);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 'warn', obj: { username: 'admin', password: expect.any(String) } });
      expect(await fresh.store.users.count()).toBe(1);
      expect(await auditActions(fresh.store, 'user.created')).toHaveLength(1);
      const password = logged[0]!.obj.password as string;
      const freshApp = await makeApp({ ...ctx, store: fresh.store });
      try {
        expect(await fresh.store.users.count()).toBe(1);
        const res = await freshApp.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'admin', password } });
        expect(res.statusCode).toBe(200);
      } finally {
        await freshApp.close();
      }
    } finally {
      await fresh.cleanup();
    }
  });

  it('login sets an httpOnly SameSite=Strict cookie and returns token, user and expiry; bearer and cookie both work', async () => {
    await createAccessService(ctx.store).createUser(systemActor('cli'), { username: 'Olga', role: 'operator', lanes: ['lane-a', 'lane-b'], password: 'olga-password-1' });
    const before = Date.now();
    const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'olga', password: 'olga-password-1' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      csrfToken: expect.any(String),
      user: { id: expect.stringMatching(/^usr-/), username: 'olga', role: 'operator', lanes: ['lane-a', 'lane-b'] },
      expiresAt: expect.any(String),
    });
    // Default SESSION_TTL_MINUTES: 720, absolute from login.
    expect(Date.parse(body.expiresAt) - before).toBeGreaterThan(719 * 60_000);
    expect(Date.parse(body.expiresAt) - before).toBeLessThan(721 * 60_000);
    const cookie = res.cookies.find((c) => c.name === 'cxr_session')!;
    expect(cookie).toMatchObject({ value: body.token, httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.secure).toBeFalsy();
    // Only the sha-256 of the token is stored.
    const stored = await ctx.store.users.findSession(body.token);
    expect(stored).toBeUndefined();

    const bearer = await app.inject({ url: '/v1/auth/me', headers: { authorization: `Bearer ${body.token}` } });
    expect(bearer.statusCode).toBe(200);
    expect(bearer.json()).toMatchObject({ kind: 'user', name: 'olga', role: 'operator', lanes: ['lane-a', 'lane-b'], expiresAt: body.expiresAt });
    const viaCookie = await app.inject({ url: '/v1/auth/me', cookies: { cxr_session: body.token } });
    expect(viaCookie.statusCode).toBe(200);
    expect(viaCookie.json().csrfToken).toBe(body.csrfToken);

    expect((await app.inject({ url: '/v1/auth/me' })).statusCode).toBe(401);
    const garbage = await app.inject({ url: '/v1/auth/me', headers: { authorization: 'Bearer not-a-token' } });
    expect(garbage.statusCode).toBe(401);
    expect(garbage.headers['www-authenticate']).toContain('Bearer');
    expect(garbage.json()).toMatchObject({ error: 'unauthenticated' });
    // An operator may not manage users.
    expect((await app.inject({ url: '/v1/users', headers: { authorization: `Bearer ${body.token}` } })).json()).toMatchObject({ error: 'forbidden' });
  });

  it('cookie sessions need the CSRF token on state-changing requests; bearer requests do not', async () => {
    const admin = await loginAs(app, ctx.store, 'admin');
    const cookies = { cxr_session: admin.token };
    const payload = { username: `csrf-${randomBytes(3).toString('hex')}`, role: 'inspector', password: 'inspector-pass-1' };
    const without = await app.inject({ method: 'POST', url: '/v1/users', cookies, payload });
    expect(without.statusCode).toBe(403);
    expect(without.json().message).toContain('x-csrf-token');
    const wrong = await app.inject({ method: 'POST', url: '/v1/users', cookies, headers: { 'x-csrf-token': 'x'.repeat(43) }, payload });
    expect(wrong.statusCode).toBe(403);
    const csrf = (await app.inject({ url: '/v1/auth/me', cookies })).json().csrfToken as string;
    const ok = await app.inject({ method: 'POST', url: '/v1/users', cookies, headers: { 'x-csrf-token': csrf }, payload });
    expect(ok.statusCode).toBe(201);
    // GET needs none; bearer needs none.
    expect((await app.inject({ url: '/v1/users', cookies })).statusCode).toBe(200);
    const other = await loginAs(app, ctx.store, 'inspector');
    expect((await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: other.headers })).statusCode).toBe(204);

    // Logout by cookie: refused without the token, done with it; the session is gone after.
    expect((await app.inject({ method: 'POST', url: '/v1/auth/logout', cookies })).statusCode).toBe(403);
    const out = await app.inject({ method: 'POST', url: '/v1/auth/logout', cookies, headers: { 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'cxr_session')?.value).toBe('');
    expect((await app.inject({ url: '/v1/auth/me', cookies })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/auth/me', headers: admin.headers })).statusCode).toBe(401);
    const logouts = await auditActions(ctx.store, 'auth.logout');
    expect(logouts.map((e) => e.actor.id)).toEqual(expect.arrayContaining([admin.userId, other.userId]));
  });

  it('refuses an ended session', async () => {
    const hoursAgo = (h: number) => () => new Date(Date.now() - h * 3_600_000);
    await createAccessService(ctx.store).createUser(systemActor('cli'), { username: 'ivan', role: 'inspector', password: 'ivan-password-1' });
    const old = await createAccessService(ctx.store, { sessionTtlMinutes: 720, now: hoursAgo(13) }).login('ivan', 'ivan-password-1');
    const recent = await createAccessService(ctx.store, { sessionTtlMinutes: 720, now: hoursAgo(11) }).login('ivan', 'ivan-password-1');
    expect((await app.inject({ url: '/v1/auth/me', headers: { authorization: `Bearer ${old!.token}` } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/auth/me', headers: { authorization: `Bearer ${recent!.token}` } })).statusCode).toBe(200);
    const short = await makeApp(ctx, { SESSION_TTL_MINUTES: '5' });
    try {
      const res = await short.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'ivan', password: 'ivan-password-1' } });
      const ms = Date.parse(res.json().expiresAt) - Date.now();
      expect(ms).toBeGreaterThan(4 * 60_000);
      expect(ms).toBeLessThanOrEqual(5 * 60_000);
    } finally {
      await short.close();
    }
  });

  it('answers every failed login alike and audits it; audits successful logins', async () => {
    const access = createAccessService(ctx.store);
    const dora = await access.createUser(systemActor('cli'), { username: 'dora', role: 'supervisor', password: 'dora-password-1' });
    const failedBefore = (await auditActions(ctx.store, 'auth.login_failed')).length;
    const attempts = [
      { username: 'nobody-here', password: 'whatever-123' },
      { username: 'dora', password: 'wrong-password' },
    ];
    for (const payload of attempts) {
      const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'unauthenticated', message: 'wrong username or password' });
      expect(res.cookies).toHaveLength(0);
    }
    const good = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'dora', password: 'dora-password-1' } });
    expect(good.statusCode).toBe(200);
    await access.disableUser(systemActor('cli'), dora.id);
    // Disabling ends the session, and the right password no longer logs in.
    expect((await app.inject({ url: '/v1/auth/me', headers: { authorization: `Bearer ${good.json().token}` } })).statusCode).toBe(401);
    const disabled = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'dora', password: 'dora-password-1' } });
    expect(disabled.statusCode).toBe(401);
    expect(disabled.json().message).toBe('wrong username or password');

    const failed = (await auditActions(ctx.store, 'auth.login_failed')).slice(failedBefore);
    expect(failed.map((e) => [e.actor.name, e.object?.id ?? null, (e.after as { reason: string }).reason])).toEqual([
      ['nobody-here', null, 'unknown_user'],
      ['dora', dora.id, 'bad_password'],
      ['dora', dora.id, 'disabled'],
    ]);
    expect((failed[0]!.after as { ip: string }).ip).toBe('127.0.0.1');
    const logins = (await auditActions(ctx.store, 'auth.login')).filter((e) => e.actor.id === dora.id);
    expect(logins).toHaveLength(1);
    expect(logins[0]).toMatchObject({ actor: { kind: 'user', name: 'dora' }, object: { type: 'user', id: dora.id } });
  });

  it('rate-limits logins per client IP and username', async () => {
    const limited = await makeApp(ctx, { LOGIN_RATE_LIMIT: '3' });
    try {
      await createAccessService(ctx.store).createUser(systemActor('cli'), { username: 'rita', role: 'inspector', password: 'rita-password-1' });
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await limited.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'rita', password: `wrong-${i}-xxxx` } })).statusCode);
      // The right password does not help once the limit is reached; the username is case-folded.
      const blocked = await limited.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'RITA', password: 'rita-password-1' } });
      codes.push(blocked.statusCode);
      expect(codes).toEqual([401, 401, 401, 429]);
      expect(blocked.json()).toMatchObject({ error: 'too_many_requests' });
      expect(blocked.headers['retry-after']).toBeDefined();
      // Another username from the same client is not affected.
      expect((await limited.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'someone-else', password: 'x-password-1' } })).statusCode).toBe(401);
    } finally {
      await limited.close();
    }
  });

  it('lets the admin manage users and API keys; no answer carries a hash; every change is audited', async () => {
    const admin = await loginAs(app, ctx.store, 'admin');
    const h = admin.headers;
    const bad = await app.inject({ method: 'POST', url: '/v1/users', headers: h, payload: { username: 'op-nolane', role: 'operator', password: 'op-password-1' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('lane');
    expect((await app.inject({ method: 'POST', url: '/v1/users', headers: h, payload: { username: 'sup-lane', role: 'supervisor', lanes: ['x'], password: 'sup-password-1' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/v1/users', headers: h, payload: { username: 'short-pw', role: 'inspector', password: 'short' } })).statusCode).toBe(400);

    const created = await app.inject({ method: 'POST', url: '/v1/users', headers: h, payload: { username: 'Paul', role: 'operator', lanes: ['lane-a'], password: 'paul-password-1' } });
    expect(created.statusCode).toBe(201);
    const paul = created.json();
    expect(paul).toEqual({ id: expect.stringMatching(/^usr-/), username: 'paul', role: 'operator', lanes: ['lane-a'], disabled: false, createdAt: expect.any(String), updatedAt: expect.any(String) });
    const dup = await app.inject({ method: 'POST', url: '/v1/users', headers: h, payload: { username: 'paul', role: 'inspector', password: 'paul-password-2' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ error: 'conflict' });

    const list = await app.inject({ url: '/v1/users', headers: h });
    expect(list.json().items.map((u: { username: string }) => u.username)).toContain('paul');
    expect((await app.inject({ url: `/v1/users/${paul.id}`, headers: h })).json()).toEqual(paul);
    expect((await app.inject({ url: '/v1/users/usr-0000000000000000', headers: h })).statusCode).toBe(404);

    const session = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'paul', password: 'paul-password-1' } });
    expect((await app.inject({ method: 'POST', url: `/v1/users/${paul.id}/password`, headers: h, payload: { password: 'paul-password-2' } })).statusCode).toBe(204);
    // A new password ends the user's sessions.
    expect((await app.inject({ url: '/v1/auth/me', headers: { authorization: `Bearer ${session.json().token}` } })).statusCode).toBe(401);
    const again = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'paul', password: 'paul-password-2' } });
    expect(again.statusCode).toBe(200);
    // Own password: needs the current one.
    const paulH = { authorization: `Bearer ${again.json().token}` };
    expect((await app.inject({ method: 'POST', url: '/v1/auth/password', headers: paulH, payload: { currentPassword: 'nope-nope-nope', newPassword: 'paul-password-3' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/password', headers: paulH, payload: { currentPassword: 'paul-password-2', newPassword: 'paul-password-3' } })).statusCode).toBe(204);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'paul', password: 'paul-password-3' } })).statusCode).toBe(200);

    const disabled = await app.inject({ method: 'POST', url: `/v1/users/${paul.id}/disable`, headers: h });
    expect(disabled.json()).toMatchObject({ id: paul.id, disabled: true });

    const key = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: h, payload: { label: 'Scanner lane A', lanes: ['lane-a'] } });
    expect(key.statusCode).toBe(201);
    const { key: keyView, token } = key.json();
    expect(token).toMatch(/^cxk_[A-Za-z0-9_-]{43}$/);
    expect(keyView).toMatchObject({ id: expect.stringMatching(/^key-/), label: 'Scanner lane A', role: 'ingest', lanes: ['lane-a'], createdBy: admin.userId, revokedAt: null });
    const keys = await app.inject({ url: '/v1/api-keys', headers: h });
    expect(keys.json().items).toEqual([keyView]);
    expect(keys.body).not.toContain(token);

    // The key is someone: 403 (not 401) on routes not open to ingest.
    const keyH = { authorization: `Bearer ${token}` };
    expect((await app.inject({ url: '/v1/scans', headers: keyH })).statusCode).toBe(403);
    const revoked = await app.inject({ method: 'POST', url: `/v1/api-keys/${keyView.id}/revoke`, headers: h });
    expect(revoked.json()).toMatchObject({ id: keyView.id, revokedAt: expect.any(String) });
    expect((await app.inject({ url: '/v1/scans', headers: keyH })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/api-keys/key-0000000000000000/revoke', headers: h })).statusCode).toBe(404);

    // The last enabled admin cannot be disabled (there is more than one admin here, so disable works).
    const lonely = await backend.open();
    try {
      const svc = createAccessService(lonely.store);
      const only = await svc.createUser(systemActor('cli'), { username: 'solo', role: 'admin', password: 'solo-password-1' });
      await expect(svc.disableUser(systemActor('cli'), only.id)).rejects.toMatchObject({ statusCode: 409 });
    } finally {
      await lonely.cleanup();
    }

    for (const res of [created, list, disabled, key, keys, revoked]) {
      expect(res.body).not.toMatch(/argon2|password_?hash|token_?hash/i);
    }
    const trail = await ctx.store.audit.list({ objectId: paul.id, limit: 100 });
    expect(trail.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user.created', 'user.password_changed', 'user.disabled', 'auth.login']),
    );
    expect(JSON.stringify(trail)).not.toMatch(/argon2/);
    expect(trail.find((e) => e.action === 'user.created')!.actor).toMatchObject({ kind: 'user', id: admin.userId });
    const keyTrail = await ctx.store.audit.list({ objectId: keyView.id, limit: 10 });
    expect(keyTrail.map((e) => e.action)).toEqual(['api_key.created', 'api_key.revoked']);
    expect(JSON.stringify(keyTrail)).not.toContain(token);
  });

  it('binds operators to their lanes: list, detail and images; every image view is audited', async () => {
    const W = 32;
    const H = 16;
    const px = new Uint16Array(W * H).fill(30000);
    const tiff = path.join(ctx.dir, 'lane.tiff');
    await sharp(px, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').tiff().toFile(tiff);
    const stored = await ctx.images.put(tiff);
    const img = { energy: 'high' as const, sha256: stored.sha256, width: W, height: H, bytes: stored.bytes };
    for (const [id, lane] of [['ln-a1', 'lane-a'], ['ln-a2', 'lane-a'], ['ln-b1', 'lane-b'], ['ln-c1', 'lane-c']] as const) {
      await ctx.store.scans.insert(makeScan(id, { laneId: lane, receivedAt: t(100), images: [img] }));
    }
    const op = await loginAs(app, ctx.store, 'operator', { lanes: ['lane-a', 'lane-c'] });
    const ids = async (url: string, headers: Record<string, string>) =>
      ((await app.inject({ url, headers })).json().items as Array<{ scanId: string }>).map((s) => s.scanId).filter((s) => s.startsWith('ln-'));
    expect((await ids('/v1/scans', op.headers)).sort()).toEqual(['ln-a1', 'ln-a2', 'ln-c1']);
    expect(await ids('/v1/scans?lane=lane-b', op.headers)).toEqual([]);
    expect(await ids('/v1/scans?lane=lane-c', op.headers)).toEqual(['ln-c1']);
    expect((await app.inject({ url: '/v1/scans/ln-a1', headers: op.headers })).statusCode).toBe(200);
    const other = await app.inject({ url: '/v1/scans/ln-b1', headers: op.headers });
    expect(other.statusCode).toBe(404);
    expect(other.json().message).toBe('scan "ln-b1" not found');
    expect((await app.inject({ url: '/v1/scans/ln-b1/image', headers: op.headers })).statusCode).toBe(404);

    const inspector = await loginAs(app, ctx.store, 'inspector');
    expect((await ids('/v1/scans', inspector.headers)).sort()).toEqual(['ln-a1', 'ln-a2', 'ln-b1', 'ln-c1']);

    const viewsBefore = (await auditActions(ctx.store, 'image.viewed')).length;
    expect((await app.inject({ url: '/v1/scans/ln-a1/image', headers: op.headers })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/scans/ln-b1/image?format=tiff', headers: inspector.headers })).statusCode).toBe(200);
    const views = (await auditActions(ctx.store, 'image.viewed')).slice(viewsBefore);
    expect(views.map((e) => [e.actor.id, e.object, (e.after as { format: string }).format])).toEqual([
      [op.userId, { type: 'scan', id: 'ln-a1' }, 'png'],
      [inspector.userId, { type: 'scan', id: 'ln-b1' }, 'tiff'],
    ]);
    // The admin manages people, not evidence.
    const admin = await loginAs(app, ctx.store, 'admin');
    expect((await app.inject({ url: '/v1/scans/ln-a1/image', headers: admin.headers })).statusCode).toBe(403);
    expect((await auditActions(ctx.store, 'image.viewed')).length).toBe(viewsBefore + 2);
  });

  it('users CLI: add, list, passwd, disable, key-add, key-revoke (audited as the cli)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let stdin = '';
    const io = { readStdin: async () => stdin, out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    const run = (...argv: string[]) => runUsersCli(argv, ctx.store, io);

    stdin = 'cli-password-1\n';
    expect(await run('add', 'cliop', '--role', 'operator', '--lanes', 'lane-x,lane-y', '--password-stdin')).toBe(0);
    expect(out.pop()).toMatch(/^created cliop \(usr-[0-9a-f]{16}\) role operator lanes lane-x,lane-y$/);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'cliop', password: 'cli-password-1' } })).statusCode).toBe(200);

    expect(await run('add', 'clisup', '--role', 'supervisor')).toBe(0);
    const generated = out.pop()!.replace('password: ', '');
    expect((await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'clisup', password: generated } })).statusCode).toBe(200);

    expect(await run('add', 'clisup', '--role', 'supervisor')).toBe(1);
    expect(err.pop()).toContain('taken');
    expect(await run('add', 'x1', '--role', 'boss')).toBe(1);
    expect(await run('frobnicate')).toBe(2);

    out.length = 0;
    expect(await run('list')).toBe(0);
    expect(out.find((l) => l.includes('\tcliop\t'))).toMatch(/\tcliop\toperator\tlane-x,lane-y\tenabled$/);
    expect(out.join('\n')).not.toMatch(/argon2/);

    stdin = 'cli-password-2\n';
    expect(await run('passwd', 'cliop', '--password-stdin')).toBe(0);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'cliop', password: 'cli-password-2' } })).statusCode).toBe(200);
    expect(await run('disable', 'cliop')).toBe(0);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'cliop', password: 'cli-password-2' } })).statusCode).toBe(401);
    expect(await run('disable', 'no-such-user')).toBe(1);

    out.length = 0;
    expect(await run('key-add', 'Lane X scanner', '--lanes', 'lane-x')).toBe(0);
    const keyId = /API key (key-[0-9a-f]{16})/.exec(out[0]!)![1]!;
    const token = out[1]!.replace('token (shown only now): ', '');
    expect((await app.inject({ url: '/v1/scans', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(403);
    expect(await run('key-revoke', keyId)).toBe(0);
    expect((await app.inject({ url: '/v1/scans', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect(await run('key-add', 'no lanes')).toBe(1);

    const byCli = (await ctx.store.audit.list({ actorId: 'cli', limit: 1000 })).map((e) => e.action);
    expect(byCli).toEqual(expect.arrayContaining(['user.created', 'user.password_changed', 'user.disabled', 'api_key.created', 'api_key.revoked']));
  });
});

describe('configuration switches and the npm script', () => {
  const ctx = {} as Ctx;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store: ctx.store, cleanup } = await sqliteBackend.open());
    ctx.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-auth-cfg-'));
    ctx.images = new ImageStore(path.join(ctx.dir, 'images'));
  });
  afterAll(async () => {
    await cleanup?.();
    if (ctx.dir) await fs.rm(ctx.dir, { recursive: true, force: true });
  });

  it('COOKIE_SECURE marks the cookie Secure; METRICS_PUBLIC opens /metrics', async () => {
    const closed = await makeApp(ctx);
    const open = await makeApp(ctx, { COOKIE_SECURE: 'true', METRICS_PUBLIC: 'true' });
    try {
      expect((await closed.inject({ url: '/metrics' })).statusCode).toBe(401);
      expect((await closed.inject({ url: '/metrics', headers: (await loginAs(closed, ctx.store, 'inspector')).headers })).statusCode).toBe(403);
      expect((await closed.inject({ url: '/metrics', headers: (await loginAs(closed, ctx.store, 'supervisor')).headers })).statusCode).toBe(200);
      expect((await open.inject({ url: '/metrics' })).statusCode).toBe(200);
      await createAccessService(ctx.store).createUser(systemActor('cli'), { username: 'sec', role: 'inspector', password: 'sec-password-1' });
      const res = await open.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'sec', password: 'sec-password-1' } });
      expect(res.cookies.find((c) => c.name === 'cxr_session')!.secure).toBe(true);
      expect(res.headers['strict-transport-security']).toBeDefined();
      // Helmet's headers on every answer; HTTPS-only directives only when served over HTTPS.
      const plain = await closed.inject({ url: '/healthz' });
      expect(plain.headers['x-content-type-options']).toBe('nosniff');
      expect(plain.headers['content-security-policy']).toContain("default-src 'self'");
      expect(plain.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(plain.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await closed.close();
      await open.close();
    }
  });

  it('the OpenAPI document declares the bearer and cookie schemes; public routes need none', async () => {
    const app = await makeApp(ctx);
    try {
      const doc = (await app.inject({ url: '/docs/json' })).json();
      expect(doc.components.securitySchemes).toMatchObject({
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'cxr_session' },
      });
      expect(doc.security).toEqual([{ bearer: [] }, { cookie: [] }]);
      expect(doc.paths['/healthz'].get.security).toEqual([]);
      expect(doc.paths['/v1/auth/login'].post.security).toEqual([]);
      expect(doc.paths['/v1/scans'].get.security).toBeUndefined();
      expect(doc.paths['/v1/users'].post.description).toContain('Roles: admin.');
    } finally {
      await app.close();
    }
  });

  it('`npm run users -- list` runs against the configured store', async () => {
    const sqlite = path.join(ctx.dir, 'cli.sqlite');
    const env = { ...process.env, DATA_DIR: ctx.dir, SQLITE_PATH: sqlite, DATABASE_URL: '' };
    const run = promisify(execFile);
    await run('npm', ['run', '--silent', 'users', '--', 'add', 'npmuser', '--role', 'inspector'], { cwd: ROOT, env });
    const { stdout } = await run('npm', ['run', '--silent', 'users', '--', 'list'], { cwd: ROOT, env });
    expect(stdout).toMatch(/usr-[0-9a-f]{16}\tnpmuser\tinspector\t\*\tenabled/);
    const failed = await run('npm', ['run', '--silent', 'users', '--', 'disable', 'ghost'], { cwd: ROOT, env }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('no user "ghost"') });
  }, 60_000);
});

describe('events for lane-bound operators', () => {
  it('relays only the events of an operator’s lanes (and lane-less ones) to it', async () => {
    const { store, cleanup } = await sqliteBackend.open();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-auth-sse-'));
    const prefix = `t_auth_${randomBytes(6).toString('hex')}`;
    const subscriber = new EventSubscriber(REDIS_URL, prefix);
    await subscriber.start();
    const pub = new Redis(REDIS_URL);
    const publisher = new EventPublisher(pub, prefix);
    const app = await makeApp({ store, dir, images: new ImageStore(path.join(dir, 'images')) }, {}, { events: subscriber });
    const abort = new AbortController();
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const op = await loginAs(app, store, 'operator', { lanes: ['lane-a'] });
      const inspector = await loginAs(app, store, 'inspector');
      const open = async (headers: Record<string, string>) => {
        const res = await fetch(`${url}/v1/events`, { signal: abort.signal, headers });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        const dec = new TextDecoder();
        const state = { text: '' };
        const until = async (needle: string) => {
          const deadline = Date.now() + 10_000;
          while (!state.text.includes(needle)) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${needle}; got ${state.text}`);
            const { value, done } = await reader.read();
            if (done) throw new Error('stream ended');
            state.text += dec.decode(value, { stream: true });
          }
        };
        await until(': connected');
        return { state, until };
      };
      expect((await fetch(`${url}/v1/events`)).status).toBe(401);
      const opStream = await open(op.headers);
      const inspStream = await open(inspector.headers);
      const status = (scanId: string, laneId: string) =>
        publisher.publish({ type: 'scan.status', scanId, laneId, status: 'analysed', verdict: 'clear', timings: {}, at: t(1) });
      await status('ev-b', 'lane-b');
      await status('ev-a', 'lane-a');
      await publisher.publish({
        type: 'calibration.profile',
        profileId: 'cal-x',
        calibrationId: 'CAL-X',
        serial: 'SN-1',
        sourceKind: 'linac',
        status: 'active',
        version: 1,
        reason: null,
        at: t(2),
      });
      await opStream.until('event: calibration.profile');
      await inspStream.until('event: calibration.profile');
      expect(opStream.state.text).toContain('"scanId":"ev-a"');
      expect(opStream.state.text).not.toContain('"scanId":"ev-b"');
      expect(inspStream.state.text).toContain('"scanId":"ev-a"');
      expect(inspStream.state.text).toContain('"scanId":"ev-b"');
    } finally {
      abort.abort();
      await app.close();
      await subscriber.close();
      pub.disconnect();
      await cleanup();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
