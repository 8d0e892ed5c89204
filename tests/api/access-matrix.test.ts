/**
 * Who may call what, for EVERY route the app registers: each route (read from the router itself,
 * not from a list kept by the auth plugin) × each principal (anonymous, the four roles, an ingest
 * API key) is called, and the set of principals let through must equal the table below. A route
 * added without an entry here, or without a `config.roles` declaration, fails this test; so does
 * a table entry whose route is gone. When adding a route: declare its roles at the route and add
 * its row here (and to docs/access.md).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessService } from '#services/access/service.ts';
import { buildApp, type ApiDeps } from '#services/api/app.ts';
import '#services/api/access.ts';
import { registerAuth } from '#services/api/plugins/auth.ts';
import { systemActor, type Role } from '#services/core/access.ts';
import { loadConfig } from '#services/core/config.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { sqliteBackend } from '../store/backends.ts';

const PRINCIPALS = ['anonymous', 'operator', 'inspector', 'supervisor', 'admin', 'ingest'] as const;
type Principal = (typeof PRINCIPALS)[number];

const STAFF: Principal[] = ['operator', 'inspector', 'supervisor', 'admin'];
const SCAN_READERS: Principal[] = ['operator', 'inspector', 'supervisor'];
const REVIEWERS: Principal[] = ['inspector', 'supervisor'];
const ADMIN: Principal[] = ['admin'];
const SUPERVISION: Principal[] = ['supervisor', 'admin'];
const PUBLIC: Principal[] = [...PRINCIPALS];

/**
 * The expected table: "METHOD url" → who gets through. HEAD twins of GET routes take the GET
 * row. Keep in step with docs/access.md.
 */
const EXPECTED: Record<string, Principal[]> = {
  // Probes, docs, login
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /metrics': SUPERVISION, // METRICS_PUBLIC=true makes it public
  'GET /docs': PUBLIC,
  'GET /docs/': PUBLIC,
  'GET /docs/static/index.html': PUBLIC,
  'GET /docs/static/swagger-initializer.js': PUBLIC,
  'GET /docs/*': PUBLIC,
  'GET /docs/json': PUBLIC,
  'GET /docs/yaml': PUBLIC,
  'POST /v1/auth/login': PUBLIC,
  // The web console's files and its SPA fallback (services/api/plugins/console.ts): public, holds no data
  'GET *': PUBLIC, // printRoutes names the root wildcard `*`
  // Own session
  'POST /v1/auth/logout': STAFF,
  'GET /v1/auth/me': STAFF,
  'POST /v1/auth/password': STAFF,
  // Scans and evidence (operators: own lanes only, checked in the handlers)
  'GET /v1/scans': SCAN_READERS,
  'GET /v1/scans/:scanId': SCAN_READERS,
  'GET /v1/scans/:scanId/image': SCAN_READERS,
  'GET /v1/scans/:scanId/heatmap': REVIEWERS,
  'GET /v1/events': SCAN_READERS,
  // Alerts and review (services/api/routes/alerts.ts, inspections.ts)
  'GET /v1/alerts': SCAN_READERS,
  'GET /v1/alerts/:id': SCAN_READERS,
  'GET /v1/alerts/:id/history': SCAN_READERS,
  'POST /v1/alerts/:id/claim': REVIEWERS,
  'POST /v1/alerts/:id/release': REVIEWERS,
  'POST /v1/alerts/:id/decision': REVIEWERS,
  'POST /v1/alerts/:id/seen': SCAN_READERS,
  'POST /v1/scans/:scanId/inspection': ['operator', 'supervisor'],
  'GET /v1/scans/:scanId/inspections': SCAN_READERS,
  // Statistics and exports (services/api/routes/stats.ts)
  'GET /v1/stats': SUPERVISION,
  'GET /v1/stats/shadow': SUPERVISION,
  'GET /v1/exports/alerts': SUPERVISION,
  // Re-analysis on request (services/api/routes/reanalyse.ts)
  'POST /v1/scans/:scanId/reanalyse': ['supervisor'],
  // Quarantined packages (services/api/routes/rejections.ts)
  'GET /v1/rejections': SCAN_READERS,
  // Audit trail (services/api/routes/audit.ts)
  'GET /v1/audit': SUPERVISION,
  'GET /v1/audit/verify': SUPERVISION,
  'GET /v1/audit/export': SUPERVISION,
  // Models and calibrations
  'GET /v1/models': STAFF,
  'GET /v1/models/versions': ADMIN,
  'GET /v1/calibrations': STAFF,
  'GET /v1/calibrations/:id': STAFF,
  'GET /v1/scanners/:serial/calibrations': STAFF,
  // Users and keys
  'GET /v1/users': ADMIN,
  'POST /v1/users': ADMIN,
  'GET /v1/users/:id': ADMIN,
  'POST /v1/users/:id/disable': ADMIN,
  'POST /v1/users/:id/password': ADMIN,
  'GET /v1/api-keys': ADMIN,
  'POST /v1/api-keys': ADMIN,
  'POST /v1/api-keys/:id/revoke': ADMIN,
};

/** Every (method, url) the router knows, parsed from printRoutes' tree (one segment per line). */
function registeredRoutes(app: FastifyInstance): Array<{ method: string; url: string }> {
  const out: Array<{ method: string; url: string }> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const url = stack.join('');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push({ method, url });
  }
  return out;
}

function expectedFor(method: string, url: string): Principal[] | undefined {
  return EXPECTED[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

function concrete(url: string): string {
  return url.replace(/:[A-Za-z]+/g, 'probe-1').replace(/\*$/, 'probe');
}

describe('route × role access matrix', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let dir: string;
  let app: FastifyInstance;
  const headers = {} as Record<Principal, Record<string, string>>;

  beforeAll(async () => {
    ({ store, cleanup } = await sqliteBackend.open());
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-matrix-'));
    const deps: ApiDeps = {
      config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }),
      store,
      images: new ImageStore(path.join(dir, 'images')),
      models: async () => ({ active: [], shadow: [], problems: [] }),
      queueHealth: async () => ({ ok: true, counts: {} }),
      redisPing: async () => {},
    };
    app = await buildApp(deps, { logger: false, processMetrics: false });
    headers.anonymous = {};
    for (const role of ['operator', 'inspector', 'supervisor', 'admin'] as Role[]) headers[role] = (await loginAs(app, store, role)).headers;
    const { token } = await createAccessService(store).createApiKey(systemActor('cli'), { label: 'matrix scanner', lanes: ['lane-a'] });
    headers.ingest = { authorization: `Bearer ${token}` };
  });

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('every registered route is in the table and lets through exactly the principals the table says', async () => {
    const routes = registeredRoutes(app);
    // Not vacuous: the parse sees the app's routes (GET+HEAD twins, /docs, /v1).
    expect(routes.length).toBeGreaterThan(40);
    expect(routes).toContainEqual({ method: 'GET', url: '/v1/scans/:scanId/image' });
    expect(routes).toContainEqual({ method: 'POST', url: '/v1/auth/login' });

    const unknown = routes.filter((r) => expectedFor(r.method, r.url) === undefined).map((r) => `${r.method} ${r.url}`);
    expect(unknown, 'routes missing from the access table (declare config.roles and add a row)').toEqual([]);
    const seen = new Set(routes.map((r) => `${r.method === 'HEAD' ? 'GET' : r.method} ${r.url}`));
    expect(Object.keys(EXPECTED).filter((k) => !seen.has(k)), 'table rows whose route is gone').toEqual([]);

    // Logging out ends the caller's session: last.
    const ordered = [...routes].sort((a, b) => Number(a.url === '/v1/auth/logout') - Number(b.url === '/v1/auth/logout'));
    const mismatches: string[] = [];
    let checked = 0;
    for (const { method, url } of ordered) {
      const allowed = new Set(expectedFor(method, url)!);
      const through: Principal[] = [];
      for (const who of PRINCIPALS) {
        const res = await app.inject({
          method: method as 'GET',
          url: concrete(url),
          headers: headers[who],
          ...(method === 'POST' ? { payload: {} } : {}),
        });
        checked++;
        const refused = res.statusCode === 401 || res.statusCode === 403;
        if (!refused) through.push(who);
        if (!refused && res.statusCode >= 500 && res.statusCode !== 503) mismatches.push(`${method} ${url} as ${who}: ${res.statusCode}`);
        // Refusals are precise: 401 without credentials, 403 with the wrong role.
        if (refused && !allowed.has(who) && res.statusCode !== (who === 'anonymous' ? 401 : 403)) {
          mismatches.push(`${method} ${url} as ${who}: ${res.statusCode}, expected ${who === 'anonymous' ? 401 : 403}`);
        }
      }
      const expected = PRINCIPALS.filter((p) => allowed.has(p));
      if (through.join(',') !== expected.join(',')) mismatches.push(`${method} ${url}: let through [${through}], expected [${expected}]`);
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(routes.length * PRINCIPALS.length);
  });

  it('the hook refuses a route without a declaration to everyone, with a warning, and no 500', async () => {
    const lines: string[] = [];
    const bare = Fastify({
      logger: {
        level: 'warn',
        stream: new Writable({
          write(chunk, _enc, cb) {
            lines.push(String(chunk));
            cb();
          },
        }),
      },
    });
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    await registerAuth(bare, { config, store, images: new ImageStore(path.join(dir, 'images')) });
    bare.get('/v1/forgotten', async () => ({ secret: true }));
    bare.get('/v1/open', { config: { roles: 'public' } }, async () => ({ ok: true }));
    await bare.ready();
    try {
      expect(registeredRoutes(bare).map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['GET /v1/forgotten', 'GET /v1/open']));
      for (const who of PRINCIPALS) {
        const res = await bare.inject({ url: '/v1/forgotten', headers: headers[who] });
        expect(res.statusCode, who).toBe(403);
        expect(res.body).not.toContain('secret');
      }
      expect(lines.some((l) => l.includes('route declares no access') && l.includes('/v1/forgotten'))).toBe(true);
      expect((await bare.inject({ url: '/v1/open' })).statusCode).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
