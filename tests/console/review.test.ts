/**
 * The inspector's and supervisor's review in a real browser (playwright-core + Debian chromium)
 * against a real API server (real Redis, SQLite in a temp DATA_DIR), for the issue 11 leftovers:
 *
 * - the queue is ordered over every alert (GET /v1/alerts?sort=priority): an old rhino-horn alert
 *   that newest-first paging would put on the second page is the first row of the first;
 * - the viewer's window/level panel has a histogram of the displayed channel, built once per
 *   decoded image (counts = every pixel; a window change moves the marker, the bars stay);
 * - a scan with no stored heat map (as analysed before migration 009) says so plainly;
 * - a claim the inspector holds and has not decided is given back on leaving the alert page (to
 *   another route, by reload, by closing the tab); a decided alert and someone else's claim are not
 *   touched;
 * - the supervisor's dashboard shows how a shadow model version agrees with the active one.
 *
 * The store is filled through its own repository (as the worker writes it); the scan with images
 * is a simulated linac container scan stored as the adapter stores it.
 */
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { simulateScan } from '#adapter/simulator/index.ts';
import { startApi } from '#services/api/main.ts';
import { loadConfig, type AppConfig } from '#services/core/config.ts';
import type { DetectionClass } from '#services/core/domain.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { openStore } from '#services/store/database.ts';
import type { AnalysisResult, Store } from '#services/store/types.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/auth.ts';
import { waitFor } from '../helpers/packages.ts';
import { makeDetection, makeHeatmap, makeResult, makeScan } from '../store/factories.ts';
import { SHOTS, buildConsoleIfStale, createPerson, launchChromium, postJson, screenshot, signIn, type Person } from './harness.ts';

const LANE = 'lane-rv';
/** More timber alerts than the queue's first page (200), all newer than the rhino-horn one. */
const TIMBER = 205;
const SHADOW_VERSION = '9.9.9-shadow';

describe('console review: queue priority, histogram, missing heat map, claim release, shadow comparison', () => {
  let root: string;
  let config: AppConfig;
  let api: { url: string; close(): Promise<void> };
  let store: Store;
  let browser: Browser;
  let rhinoAlert: string;
  let imageSize: { width: number; height: number };
  let active: { modelId: string; modelVersion: string; modelSha256: string };
  const people = {} as Record<'admin' | 'inspector' | 'supervisor', Person>;

  async function call(method: 'GET' | 'POST', url: string, token: string, body?: unknown, ifMatch?: number): Promise<Response> {
    return fetch(`${api.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(ifMatch ? { 'if-match': `"${ifMatch}"` } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  }
  const login = (username: string, password: string) => postJson(api.url, '/v1/auth/login', { username, password });
  const person = (role: string) => createPerson(api.url, people.admin.token, role);
  const open = (who: Person, pathname = '/') => signIn(browser, api.url, who, pathname);
  const alertOf = async (id: string) =>
    (await (await call('GET', `/v1/alerts/${id}`, people.supervisor.token)).json()) as {
      status: string;
      review: { version: number; assignee: { id: string; name: string } | null };
      history: Array<{ action: string; actor: { name: string }; notes: string | null }>;
    };
  const shot = screenshot;

  /** A result of `stamp` for a scan: one detection of `cls` if `found`, and a heat map per class (as every analysis since 009 keeps). */
  function resultOf(scanId: string, stamp: typeof active, shadow: boolean, found: DetectionClass | null): AnalysisResult {
    const classes: DetectionClass[] = ['ivory', 'rhino_horn', 'timber'];
    return {
      scanId,
      stamp,
      detections: found ? [makeDetection(scanId, `${scanId}-${stamp.modelVersion}-d0`, { ...stamp, class: found, shadow, aboveThreshold: true, score: 0.95 })] : [],
      heatmaps: classes.map((c) => ({ ...makeHeatmap(scanId, c), ...stamp, shadow })),
      alert: null,
    };
  }

  beforeAll(async () => {
    buildConsoleIfStale();
    await fsp.mkdir(SHOTS, { recursive: true });
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'cxr-console-review-'));

    // A private models directory: the active linac model and a shadow copy of it under another version.
    const real = await loadModelRegistry(loadConfig().modelsDir);
    const linac = real.active.find((m) => m.card.input.sourceKinds.includes('linac'))!;
    const modelsDir = path.join(root, 'models');
    await fsp.cp(linac.dir, path.join(modelsDir, linac.card.id, linac.card.version), { recursive: true });
    await fsp.cp(linac.dir, path.join(modelsDir, linac.card.id, SHADOW_VERSION), { recursive: true });
    const cardFile = path.join(modelsDir, linac.card.id, SHADOW_VERSION, 'card.json');
    await fsp.writeFile(cardFile, JSON.stringify({ ...JSON.parse(await fsp.readFile(cardFile, 'utf8')), version: SHADOW_VERSION }));
    await fsp.writeFile(path.join(modelsDir, 'registry.json'), JSON.stringify({ active: { [linac.card.id]: linac.card.version } }));
    active = { modelId: linac.card.id, modelVersion: linac.card.version, modelSha256: linac.card.sha256 };

    config = loadConfig({
      ...process.env,
      DATA_DIR: root,
      QUEUE_PREFIX: `t_review_${randomBytes(4).toString('hex')}`,
      DATABASE_URL: '',
      PORT: '0',
      ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      MODELS_DIR: modelsDir,
      SHADOW_MODELS: `${linac.card.id}@${SHADOW_VERSION}`,
    });
    api = await startApi(config);
    store = await openStore({ sqlitePath: config.sqlitePath });
    people.admin = { username: 'admin', password: TEST_ADMIN_PASSWORD, token: ((await (await login('admin', TEST_ADMIN_PASSWORD)).json()) as { token: string }).token };
    people.inspector = await person('inspector');
    people.supervisor = await person('supervisor');

    // The scan with images: both energies stored as the adapter stores them; analysed before heat maps were kept (none stored).
    const sim = simulateScan({ seed: 72, index: 0, scenario: 'rhino_horn', source: 'linac', laneId: LANE });
    imageSize = { width: sim.width, height: sim.height };
    const pkg = path.join(root, 'pkg');
    await writeScanPackage(pkg, sim.metadata, { width: sim.width, height: sim.height, data: sim.high }, { width: sim.width, height: sim.height, data: sim.low });
    const images = new ImageStore(config.imageStoreDir);
    const high = await images.put(path.join(pkg, sim.metadata.images.high));
    const low = await images.put(path.join(pkg, sim.metadata.images.low!));
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const scanId = sim.metadata.scanId;
    await store.scans.insert(
      makeScan(scanId, {
        laneId: LANE,
        receivedAt: old,
        scannedAt: old,
        metadata: sim.metadata,
        images: [
          { energy: 'high', sha256: high.sha256, width: sim.width, height: sim.height, bytes: high.bytes },
          { energy: 'low', sha256: low.sha256, width: sim.width, height: sim.height, bytes: low.bytes },
        ],
      }),
    );
    // Analysed by the active model (its stamp), one rhino-horn detection on the simulated horn, no heat map.
    const horn = sim.truth.objects.find((o) => /rhino/.test(o.class))!.boundingBox;
    const rhino = makeResult(scanId, 1, true);
    rhino.stamp = active;
    rhino.detections = rhino.detections.map((d) => ({ ...d, ...active, class: 'rhino_horn' as const, citesAppendix: 'I', score: 0.6, box: horn }));
    rhino.alert = {
      ...rhino.alert!,
      ...active,
      laneId: LANE,
      class: 'rhino_horn',
      score: 0.6,
      createdAt: old,
      reasons: [{ code: 'wildlife_product', message: 'rhino-horn-like object', detectionIds: rhino.detections.map((d) => d.id) }],
    };
    await store.recordAnalysis([rhino], { status: 'analysed', verdict: 'alert' });
    rhinoAlert = rhino.alert.id;

    // Newer timber alerts, more than a page: newest-first paging would put the rhino-horn alert on page 2.
    const t0 = Date.now() - TIMBER * 1000;
    for (let i = 0; i < TIMBER; i++) {
      const id = `rv-${String(i).padStart(4, '0')}`;
      const at = new Date(t0 + i * 1000).toISOString();
      await store.scans.insert(makeScan(id, { laneId: LANE, receivedAt: at, scannedAt: at }));
      const r = makeResult(id, 1, true);
      r.alert = { ...r.alert!, laneId: LANE, class: 'timber', score: 0.5 + (i % 40) / 100, createdAt: at };
      await store.recordAnalysis([r], { status: 'analysed', verdict: 'alert' });
    }

    // Shadow comparison: three scans both versions analysed — timber found by both, by the active only, by neither.
    const shadow = { ...active, modelVersion: SHADOW_VERSION };
    for (const [id, a, s] of [['sh-1', 'timber', 'timber'], ['sh-2', 'timber', null], ['sh-3', null, null]] as const) {
      await store.scans.insert(makeScan(id, { laneId: LANE }));
      await store.recordAnalysis([resultOf(id, active, false, a), resultOf(id, shadow, true, s)], { status: 'analysed', verdict: 'clear' });
    }

    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await api?.close();
    if (root) await fsp.rm(root, { recursive: true, force: true });
  });

  it('the queue is ordered over every alert: the old rhino-horn alert heads the first page', async () => {
    // Newest first (the API default) it is not on the first page of 200.
    const newest = (await (await call('GET', '/v1/alerts?status=open&limit=200', people.inspector.token)).json()) as { items: Array<{ id: string }> };
    expect(newest.items.some((a) => a.id === rhinoAlert)).toBe(false);
    const page = await open(people.inspector);
    await page.waitForSelector('[data-testid=queue] tbody tr');
    expect(await page.locator('[data-testid=queue] tbody tr').count()).toBe(200);
    expect(await page.getAttribute('[data-testid=queue] tbody tr:first-child', 'data-alert-id')).toBe(rhinoAlert);
    // The rest follow in the same order, each once.
    await page.click('[data-testid=load-more]');
    await expect.poll(() => page.locator('[data-testid=queue] tbody tr').count()).toBe(TIMBER + 1);
    const scores = await page.$$eval('[data-testid=queue] tbody tr', (trs) => trs.slice(1).map((tr) => Number(tr.children[1]!.textContent)));
    for (let i = 1; i < scores.length; i++) expect(scores[i - 1]!).toBeGreaterThanOrEqual(scores[i]!);
    const ids = await page.$$eval('[data-testid=queue] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-alert-id')));
    expect(new Set(ids).size).toBe(TIMBER + 1);
    await page.context().close();
  });

  it('the viewer shows a histogram of the displayed channel, built once per image; no heat map is said plainly', async () => {
    const page = await open(people.inspector, `/alerts/${rhinoAlert}`);
    await page.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('[data-testid=viewer-canvas]')?.dataset.paints ?? 0) >= 1, undefined, { timeout: 30_000 });
    const hist = page.locator('[data-testid=histogram]');
    expect(Number(await hist.getAttribute('data-pixels')), 'every pixel counted once').toBe(imageSize.width * imageSize.height);
    const panel = page.locator('.histogram-panel');
    const countsMs = Number(await panel.getAttribute('data-counts-ms'));
    const binsMs = Number(await panel.getAttribute('data-bins-ms'));
    const bars = await page.getAttribute('[data-testid=histogram-bars]', 'd');
    expect(bars!.length).toBeGreaterThan(100);
    // The window marked is the display's: level ± width/2 (the sliders show it rounded to their 0.01 step).
    const level = Number(await page.inputValue('[data-testid=wl-level]'));
    const width = Number(await page.inputValue('[data-testid=wl-width]'));
    const [lo, hi] = (await hist.getAttribute('data-window'))!.split(' ').map(Number);
    expect(Math.abs(lo! - (level - width / 2))).toBeLessThanOrEqual(0.011);
    expect(Math.abs(hi! - (level + width / 2))).toBeLessThanOrEqual(0.011);

    // A window change: the marker moves, the bars are the same; time it to the next frame.
    const frames: number[] = [];
    for (const v of ['2.5', '3.5', '1.5']) {
      frames.push(
        await page.evaluate(async (value) => {
          // The render a window change causes (the viewer with the histogram's marker; Preact renders in
          // a microtask), up to the moment the marker is in the DOM; the image repaint follows in an effect.
          const el = document.querySelector<HTMLInputElement>('[data-testid=wl-level]')!;
          const svg = document.querySelector('[data-testid=histogram]')!;
          const before = svg.getAttribute('data-window');
          const t0 = performance.now();
          el.value = value;
          el.dispatchEvent(new Event('input', { bubbles: true }));
          while (svg.getAttribute('data-window') === before) await Promise.resolve();
          return performance.now() - t0;
        }, v),
      );
      const [l2] = (await hist.getAttribute('data-window'))!.split(' ').map(Number);
      expect(Math.abs(l2! - (Number(v) - width / 2))).toBeLessThanOrEqual(0.011);
    }
    expect(await page.getAttribute('[data-testid=histogram-bars]', 'd'), 'the bars are not rebuilt on a window change').toBe(bars);
    const repaint = Number(await page.getAttribute('[data-testid=viewer-canvas]', 'data-repaint-ms'));
    console.log(
      `[console] histogram ${imageSize.width}×${imageSize.height} px: counting pass ${countsMs.toFixed(1)} ms (shared with the auto window) + μ bins ${binsMs.toFixed(2)} ms, once per decoded image; ` +
        `window change → marker moved (viewer render) ${frames.map((f) => f.toFixed(2)).join(', ')} ms, then the image repaint ${repaint.toFixed(1)} ms`,
    );
    await shot(page, 'inspector-alert-histogram');

    // No heat map kept for this analysis: said plainly, nothing drawn.
    await page.locator('[data-testid=heatmap]').check();
    await page.waitForSelector('[data-testid=heatmap-missing]');
    expect(await page.textContent('[data-testid=heatmap-missing]')).toContain('no heat map stored for this analysis; re-analyse to create one');
    expect(await page.getAttribute('[data-testid=viewer-canvas]', 'data-heat')).toBe('');
    await shot(page, 'inspector-alert-no-heatmap');
    await page.context().close();
  });

  it("leaving the alert page gives the inspector's undecided claim back: another route, reload, closing the tab", async () => {
    const me = people.inspector.username;
    const released = (id: string) =>
      waitFor(async () => {
        const a = await alertOf(id);
        const last = a.history[a.history.length - 1];
        return a.status === 'open' && a.review.assignee === null && last?.action === 'release' && last.actor.name === me ? a : undefined;
      }, 10_000);
    const claimIn = async (page: Page, id: string) => {
      await page.goto(`${api.url}/alerts/${id}`);
      await page.waitForSelector('[data-testid=alert-page]');
      await page.click('[data-testid=claim]');
      await page.waitForSelector('[data-testid=notice] >> text=Claimed');
      expect((await alertOf(id)).review.assignee?.name).toBe(me);
    };
    const page = await open(people.inspector);

    // 1. Another console route (the queue link).
    await claimIn(page, 'rv-0001-a-alert');
    await page.click('a[href="/queue"]');
    await page.waitForSelector('[data-testid=queue]');
    expect((await released('rv-0001-a-alert')).history.at(-1)!.notes).toBe('released on leaving the alert page');

    // 2. Reload of the tab (pagehide, keepalive fetch with the CSRF header).
    await claimIn(page, 'rv-0002-a-alert');
    await page.reload();
    await released('rv-0002-a-alert');

    // 3. Closing the tab.
    await claimIn(page, 'rv-0003-a-alert');
    await page.close({ runBeforeUnload: true });
    await released('rv-0003-a-alert');

    // 4. A decided alert is not touched when the page is left.
    const page2 = await page.context().newPage();
    await claimIn(page2, 'rv-0004-a-alert');
    await page2.selectOption('[data-testid=decision]', 'clear');
    await page2.click('[data-testid=decide]');
    await page2.waitForSelector('[data-testid=notice] >> text=Decision recorded');
    await page2.click('a[href="/queue"]');
    await page2.waitForSelector('[data-testid=queue]');
    // 5. Someone else's claim is not released by leaving: the supervisor claims, the inspector looks and leaves.
    const sup = await call('POST', '/v1/alerts/rv-0005-a-alert/claim', people.supervisor.token, {}, (await alertOf('rv-0005-a-alert')).review.version);
    expect(sup.status).toBe(200);
    await page2.goto(`${api.url}/alerts/rv-0005-a-alert`);
    await page2.waitForSelector('[data-testid=alert-page]');
    await page2.click('a[href="/queue"]');
    await page2.waitForSelector('[data-testid=queue]');
    await page2.reload();
    await page2.waitForSelector('[data-testid=queue]');
    await new Promise((r) => setTimeout(r, 1000)); // a keepalive request, had one been sent, arrives well within this
    const decided = await alertOf('rv-0004-a-alert');
    expect(decided.status).toBe('cleared');
    expect(decided.history.map((h) => h.action)).not.toContain('release');
    const other = await alertOf('rv-0005-a-alert');
    expect([other.status, other.review.assignee?.name]).toEqual(['in_review', people.supervisor.username]);
    await page2.context().close();
  });

  it('the supervisor sees, per class, how the shadow version agrees with the active one', async () => {
    const page = await open(people.supervisor, '/dashboard');
    await page.waitForSelector('[data-testid=shadow-table]');
    const block = page.locator(`[data-shadow="${active.modelId}@${SHADOW_VERSION}"]`);
    expect(await block.textContent()).toContain(`${active.modelId}@${active.modelVersion}`);
    const cells = async (cls: string) =>
      Object.fromEntries(
        await block.locator(`tr[data-class=${cls}] td[data-k]`).evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-k'), Number(td.textContent)])),
      );
    expect(await cells('timber')).toEqual({ scans: 3, both: 1, activeOnly: 1, shadowOnly: 0, neither: 1 });
    expect(await cells('ivory')).toEqual({ scans: 3, both: 0, activeOnly: 0, shadowOnly: 0, neither: 3 });
    await page.locator('[data-testid=shadow-comparison]').scrollIntoViewIfNeeded();
    await shot(page, 'supervisor-shadow');
    await page.context().close();
  });
});
