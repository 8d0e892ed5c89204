/**
 * The console's paged lists and its admin pages in a real browser (playwright-core + Debian
 * chromium) against a real API server (real Redis, SQLite in a temp DATA_DIR). The store is filled
 * through its own repository (the same writes the worker makes) with more scans, alerts and audit
 * entries than one page holds: the inspector queue, the operator lane view and the supervisor audit
 * browser show one page, then the rest with "Load more". An administrator creates a user, sets its
 * password, creates an API key (a live key is known: 403; revoked: 401) and revokes it, and sees the model versions and calibrations; the new
 * user logs in; a disabled one cannot; a non-admin sees no admin navigation and the API answers
 * 403. Saves screenshots of the admin pages under docs/screenshots/.
 */
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { calibrationProfileId } from '#adapter/ingest/calibration-ingest.ts';
import { startApi } from '#services/api/main.ts';
import { systemActor } from '#services/core/access.ts';
import { loadConfig, type AppConfig } from '#services/core/config.ts';
import { openStore } from '#services/store/database.ts';
import type { Store } from '#services/store/types.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/auth.ts';
import { synthesiseCalibration } from '../helpers/calibration-package.ts';
import { makeResult, makeScan } from '../store/factories.ts';
import { SHOTS, buildConsoleIfStale, createPerson, launchChromium, postJson, screenshot, signIn, type Person } from './harness.ts';

const LANE = 'lane-pg';
const SCANS = 230; // lane view pages 50
const ALERTS = 210; // queue pages 200
const AUDIT_EXTRA = 250; // audit pages 100


describe('console paging and admin pages', () => {
  let root: string;
  let config: AppConfig;
  let api: { url: string; close(): Promise<void> };
  let store: Store;
  let browser: Browser;
  const people = {} as Record<'admin' | 'operator' | 'inspector' | 'supervisor', Person>;

  const post = (url: string, body: unknown, token?: string) => postJson(api.url, url, body, token);
  const login = (username: string, password: string) => post('/v1/auth/login', { username, password });
  const person = (role: string, lanes?: string[]) => createPerson(api.url, people.admin.token, role, lanes);

  const open = (who: { username: string; password: string }, pathname = '/') => signIn(browser, api.url, who, pathname);
  const shot = screenshot;
  const rows = (page: Page, table: string) => page.locator(`[data-testid=${table}] tbody tr`).count();

  beforeAll(async () => {
    buildConsoleIfStale();
    await fsp.mkdir(SHOTS, { recursive: true });
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'cxr-console-pages-'));
    config = loadConfig({
      ...process.env,
      DATA_DIR: root,
      QUEUE_PREFIX: `t_pages_${randomBytes(4).toString('hex')}`,
      DATABASE_URL: '',
      PORT: '0',
      ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
    });
    api = await startApi(config);
    store = await openStore({ sqlitePath: config.sqlitePath });
    const adminLogin = await login('admin', TEST_ADMIN_PASSWORD);
    people.admin = { username: 'admin', password: TEST_ADMIN_PASSWORD, token: ((await adminLogin.json()) as { token: string }).token };
    people.operator = await person('operator', [LANE]);
    people.inspector = await person('inspector');
    people.supervisor = await person('supervisor');

    // More than a page of everything, written through the store as the worker writes it.
    const t0 = Date.now() - SCANS * 1000;
    for (let i = 0; i < SCANS; i++) {
      const id = `pg-${String(i).padStart(4, '0')}`;
      const at = new Date(t0 + i * 1000).toISOString();
      await store.scans.insert(makeScan(id, { laneId: LANE, receivedAt: at, scannedAt: at }));
      const withAlert = i < ALERTS;
      const result = makeResult(id, withAlert ? 1 : 0, withAlert);
      if (result.alert) result.alert = { ...result.alert, laneId: LANE, createdAt: at, score: 0.5 + (i % 50) / 100 };
      await store.recordAnalysis([result], { status: 'analysed', verdict: withAlert ? 'alert' : 'clear' });
    }
    // Two calibration profiles of one scanner, acquired 40 and 2 days ago, stored as the adapter stores them.
    for (const [n, days, status] of [[1, 40, 'active'], [2, 2, 'refused']] as const) {
      const calibrationId = `cal-pages-${n}`;
      const contentSha256 = createHash('sha256').update(calibrationId).digest('hex');
      const { metadata } = synthesiseCalibration({ calibrationId });
      const acquiredAt = new Date(Date.now() - days * 86_400_000).toISOString();
      await store.calibrations.insert({
        id: calibrationProfileId(contentSha256),
        calibrationId,
        contentSha256,
        scanner: { serial: 'SN-PAGES', vendor: 'Acme', model: 'LX-6' },
        source: { kind: 'linac', highMeV: 6, lowMeV: 4 },
        acquiredAt,
        receivedAt: acquiredAt,
        status,
        reason: status === 'refused' ? 'residual 0.2 above tolerance 0.05 (iron 20 mm, high)' : null,
        response: status === 'active' ? { kind: 'linac', high: { energiesMeV: [1, 2], weights: [0.4, 0.6] }, low: { energiesMeV: [1], weights: [1] } } : null,
        residuals: [],
        maxResidual: status === 'active' ? 0.001 : 0.2,
        tolerance: status === 'active' ? 'rule' : null,
        measurements: [],
        metadata,
        calibrationJson: JSON.stringify(metadata),
      });
    }
    for (let i = 0; i < AUDIT_EXTRA; i++) {
      await store.audit.append({ actor: systemActor('cli'), action: 'image.viewed', object: { type: 'scan', id: `pg-${String(i).padStart(4, '0')}` }, after: { energy: 'high' } });
    }
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await api?.close();
    if (root) await fsp.rm(root, { recursive: true, force: true });
  });

  it('the inspector queue, the lane view and the audit browser load more than one page', async () => {
    const inspector = await open(people.inspector);
    await inspector.waitForSelector('[data-testid=queue] tbody tr');
    expect(await rows(inspector, 'queue')).toBe(200);
    await inspector.click('[data-testid=load-more]');
    await expect.poll(() => rows(inspector, 'queue')).toBe(ALERTS);
    await inspector.waitForSelector('[data-testid=load-more]', { state: 'detached' });
    expect(await inspector.textContent('[data-testid=load-more-count]')).toContain(`${ALERTS} shown (all)`);
    // Each alert once, in queue order over everything loaded (score high first; no wildlife/timber mix here).
    const ids = await inspector.$$eval('[data-testid=queue] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-alert-id')));
    expect(new Set(ids).size).toBe(ALERTS);
    const scores = await inspector.$$eval('[data-testid=queue] tbody tr', (trs) => trs.map((tr) => Number(tr.children[1]!.textContent)));
    for (let i = 1; i < scores.length; i++) expect(scores[i - 1]!).toBeGreaterThanOrEqual(scores[i]!);
    // The 10 s refresh keeps both pages.
    await inspector.waitForTimeout(10_500);
    expect(await rows(inspector, 'queue')).toBe(ALERTS);
    await inspector.context().close();

    const operator = await open(people.operator);
    await operator.waitForSelector('[data-testid=scans] tbody tr');
    expect(await rows(operator, 'scans')).toBe(50);
    for (let shown = 50; shown < SCANS; shown = Math.min(SCANS, shown + 50)) {
      await operator.click('[data-testid=load-more]');
      await expect.poll(() => rows(operator, 'scans')).toBe(Math.min(SCANS, shown + 50));
    }
    await operator.waitForSelector('[data-testid=load-more]', { state: 'detached' });
    const scanIds = await operator.$$eval('[data-testid=scans] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-scan-id')!));
    expect(scanIds[0]).toBe(`pg-${String(SCANS - 1).padStart(4, '0')}`); // newest first
    expect(scanIds[SCANS - 1]).toBe('pg-0000'); // down to the oldest
    expect(new Set(scanIds).size).toBe(SCANS);
    await operator.context().close();

    const sup = await open(people.supervisor, '/audit');
    await sup.waitForSelector('[data-testid=audit] tbody tr');
    expect(await rows(sup, 'audit')).toBe(100);
    await sup.click('[data-testid=load-more]');
    await expect.poll(() => rows(sup, 'audit')).toBe(200);
    expect(await sup.locator('[data-testid=load-more]').count(), 'more pages remain').toBe(1);
    const seqs = await sup.$$eval('[data-testid=audit] tbody tr', (trs) => trs.map((tr) => Number(tr.children[0]!.textContent)));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i - 1]! - seqs[i]!).toBe(1); // newest first, no gap, no repeat
    await sup.context().close();
  });

  it('an administrator manages users and keys and sees models and calibrations; the new user logs in', async () => {
    const page = await open(people.admin);
    for (const p of ['/admin/users', '/admin/keys', '/admin/models', '/admin/calibrations']) expect(await page.locator(`nav [data-nav="${p}"]`).count()).toBe(1);

    // Users: create an inspector, who can then log in.
    await page.click('nav [data-nav="/admin/users"]');
    await page.waitForSelector('[data-testid=users] tbody tr');
    const username = `newbie-${randomBytes(3).toString('hex')}`;
    const password = `first-${randomBytes(6).toString('hex')}`;
    await page.fill('input[name=new-username]', username);
    await page.selectOption('select[name=new-role]', 'inspector');
    await page.fill('input[name=new-password]', password);
    await page.click('[data-testid=create-user]');
    await page.waitForSelector(`[data-testid=users] tr[data-username="${username}"]`);
    expect(await page.textContent('[data-testid=notice]')).toContain(username);
    const newbie = await open({ username, password });
    expect(new URL(newbie.url()).pathname).toBe('/queue');
    await newbie.context().close();

    // Set its password: the old one stops working, the new one works.
    const row = page.locator(`[data-testid=users] tr[data-username="${username}"]`);
    await row.locator('[data-testid=set-password]').click();
    const second = `second-${randomBytes(6).toString('hex')}`;
    await row.locator('input[name=set-password]').fill(second);
    await row.locator('[data-testid=save-password]').click();
    await page.waitForSelector('[data-testid=notice] >> text=Password of');
    expect((await login(username, password)).status).toBe(401);
    expect((await login(username, second)).status).toBe(200);
    await shot(page, 'admin-users');
    // Disable it: it can no longer log in.
    await row.locator('[data-testid=disable-user]').click();
    await page.waitForSelector(`[data-testid=users] tr[data-username="${username}"] >> text=disabled`);
    expect((await login(username, second)).status).toBe(401);

    // API keys: the token is shown once and works as a bearer credential until revoked.
    await page.click('nav [data-nav="/admin/keys"]');
    await page.fill('input[name=key-label]', 'Lane pg scanner');
    await page.fill('input[name=key-lanes]', LANE);
    await page.click('[data-testid=create-key]');
    const token = (await page.locator('[data-testid=key-token] code').textContent())!;
    expect(token).toMatch(/^cxk_[A-Za-z0-9_-]{43}$/);
    // A live key is a known principal (403: no route accepts `ingest` yet), a revoked one is not (401).
    expect((await fetch(`${api.url}/v1/scans`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
    await shot(page, 'admin-keys');
    const keyRow = page.locator('[data-testid=keys] tbody tr', { hasText: 'Lane pg scanner' });
    await keyRow.locator('[data-testid=revoke-key]').click();
    await keyRow.locator('text=revoked').waitFor();
    expect((await fetch(`${api.url}/v1/scans`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

    // Models: every version on disk, the registry's active ones flagged.
    await page.click('nav [data-nav="/admin/models"]');
    await page.waitForSelector('[data-testid=models] tbody tr');
    const registry = JSON.parse(await fsp.readFile(path.join(config.modelsDir, 'registry.json'), 'utf8')) as { active: Record<string, string> };
    const active = await page.$$eval('[data-testid=models] tr[data-active=true]', (trs) => trs.map((tr) => tr.getAttribute('data-model')).sort());
    expect(active).toEqual(Object.entries(registry.active).map(([id, v]) => `${id}@${v}`).sort());
    expect(await rows(page, 'models')).toBeGreaterThan(active.length);
    await shot(page, 'admin-models');

    // Calibrations: newest first, with their age.
    await page.click('nav [data-nav="/admin/calibrations"]');
    await page.waitForSelector('[data-testid=calibrations] tbody tr');
    expect(await page.$$eval('[data-testid=calibration-age]', (tds) => tds.map((td) => td.textContent))).toEqual(['2 d', '40 d']);
    expect(await page.textContent('[data-testid=calibrations]')).toContain('residual 0.2 above tolerance');
    await shot(page, 'admin-calibrations');
    await page.context().close();
  });

  it('a non-admin sees no admin navigation, is refused the pages, and the API answers 403', async () => {
    for (const who of [people.supervisor, people.inspector, people.operator]) {
      const page = await open(who);
      expect(await page.locator('nav a[data-nav^="/admin"]').count()).toBe(0);
      await page.goto(`${api.url}/admin/users`);
      await page.waitForSelector('[data-testid=refused]');
      const statuses = await page.evaluate(async () =>
        Promise.all(['/v1/users', '/v1/api-keys', '/v1/models/versions'].map(async (u) => (await fetch(u)).status)),
      );
      expect(statuses).toEqual([403, 403, 403]);
      await page.context().close();
    }
  });
});
