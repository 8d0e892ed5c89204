/**
 * The web console in a real browser (playwright-core driving Debian's /usr/bin/chromium) against
 * a real server: API (startApi) + hot-folder adapter + worker on real Redis and SQLite in a temp
 * DATA_DIR, scans made by the simulator and analysed by the committed models. Covers: each role's
 * pages and refusals, an operator seeing a scan's verdict arrive live over SSE, an inspector
 * claiming, viewing (canvas pixels change with window/level, material colouring and the heat-map
 * overlay), reading a pixel under the pointer (checked against the stored TIFFs) and deciding,
 * a second inspector's stale decision getting the 409 conflict message, a supervisor's figures
 * changing, and the audit browser. Prints (does not assert) the image open and repaint times, and
 * saves a screenshot of each view under docs/screenshots/.
 */
import fsp from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAN_STEP_LARGE } from '#services/console/src/pan-steps.ts';
import { decodeGrey16 } from '#services/core/imaging.ts';
import { waitFor } from '../helpers/packages.ts';
import { SHOTS, buildConsoleIfStale, launchChromium, postJson, screenshot, signIn, startConsoleSystem, type ConsoleSystem, type Person } from './harness.ts';

const LANE = 'lane-ui';


describe('web console', () => {
  let sys: ConsoleSystem;
  let api: { url: string };
  let browser: Browser;
  const people = {} as Record<'operator' | 'inspector' | 'inspector2' | 'supervisor' | 'admin', Person>;

  const post = (url: string, body: unknown, token?: string, extra: Record<string, string> = {}) => postJson(api.url, url, body, token, extra);
  async function getJson<T>(url: string, token: string): Promise<T> {
    const res = await fetch(`${api.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }


  const drop = (scenario: string, seed: number, index: number) => sys.drop(LANE, scenario, seed, index);

  async function waitAnalysed(ids: string[]): Promise<Array<{ scanId: string; verdict: string | null }>> {
    return waitFor(async () => {
      const page = await getJson<{ items: Array<{ scanId: string; status: string; verdict: string | null }> }>(`/v1/scans?lane=${LANE}&limit=50`, people.supervisor.token);
      const done = page.items.filter((s) => ids.includes(s.scanId) && (s.status === 'analysed' || s.status === 'failed'));
      return done.length === ids.length ? done : undefined;
    }, 150_000, 250);
  }

  const open = (who: Person, pathname = '/'): Promise<Page> => signIn(browser, api.url, who, pathname);

  const shot = screenshot;

  /** A cheap digest of the viewer canvas' pixels, and how many are coloured (r ≠ g or g ≠ b). */
  const canvasDigest = (page: Page) =>
    page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid=viewer-canvas]')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let h = 0;
      let coloured = 0;
      for (let i = 0; i < d.length; i += 4) {
        h = (Math.imul(h, 31) + d[i]! * 65536 + d[i + 1]! * 256 + d[i + 2]!) | 0;
        if (Math.abs(d[i]! - d[i + 1]!) > 8 || Math.abs(d[i + 1]! - d[i + 2]!) > 8) coloured++;
      }
      return { hash: h, coloured, paints: Number(c.dataset.paints ?? 0) };
    });

  const paintsAfter = (page: Page, n: number) => page.waitForFunction((k) => Number(document.querySelector<HTMLCanvasElement>('[data-testid=viewer-canvas]')?.dataset.paints ?? 0) > k, n);

  beforeAll(async () => {
    buildConsoleIfStale(); // npm ci builds it (root prepare); rebuilt when a source is newer
    await fsp.mkdir(SHOTS, { recursive: true });
    sys = await startConsoleSystem('console');
    api = { url: sys.url };
    const person = (role: string, lanes?: string[]) => sys.person(role, lanes);
    people.admin = sys.admin;
    people.operator = await person('operator', [LANE]);
    people.inspector = await person('inspector');
    people.inspector2 = await person('inspector');
    people.supervisor = await person('supervisor');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await sys?.close();
  });

  it('serves the console at / and answers console paths with index.html, /v1 misses with JSON', async () => {
    const home = await fetch(`${api.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    const deep = await fetch(`${api.url}/alerts/some-id`);
    expect(await deep.text()).toContain('<div id="app">');
    const miss = await fetch(`${api.url}/v1/no-such-route`);
    expect(miss.status).toBe(404);
    expect(((await miss.json()) as { error: string }).error).toBe('not_found');
    expect((await fetch(`${api.url}/assets/missing.js`)).status).toBe(404);
  });

  it('an operator sees a scan verdict arrive live, with reasons, and the rejected packages', async () => {
    const page = await open(people.operator);
    expect(new URL(page.url()).pathname).toBe('/lanes');
    await page.waitForSelector('[data-testid=live]:has-text("live")');
    await shot(page, 'login-then-operator-empty');
    // A broken package for the rejections panel, then scans of the operator's lane.
    await sys.dropBroken(LANE, 'broken-pkg');
    const ids = [await drop('rhino_horn', 500, 3), await drop('rhino_horn', 500, 4), await drop('benign', 73, 0), await drop('rhino_horn', 500, 6)];
    const done = await waitAnalysed(ids);
    const held = done.filter((s) => s.verdict === 'alert');
    expect(held.length, 'rhino horn scans held (seeds that the linac models 1.0.0, 2.2.0 and 2.3.0 hold)').toBeGreaterThanOrEqual(2);
    // The view follows the newest scan event; every analysed scan came over SSE into the list.
    for (const id of ids) await page.waitForSelector(`[data-testid=scans] tr[data-scan-id="${id}"] >> text=analysed`, { timeout: 20_000 });
    const verdict = page.locator('[data-testid=verdict]');
    await expect.poll(async () => verdict.getAttribute('data-verdict'), { timeout: 20_000 }).toMatch(/^(clear|alert|needs_review)$/);
    // Select a held scan: HOLD FOR INSPECTION with the alert's reasons.
    await page.click(`[data-testid=scans] tr[data-scan-id="${held[0]!.scanId}"]`);
    await page.waitForSelector(`[data-testid=verdict][data-scan-id="${held[0]!.scanId}"]`);
    expect(await verdict.textContent()).toContain('HOLD FOR INSPECTION');
    expect(await page.locator('.verdict-reasons li').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __cxrCues?: number }).__cxrCues ?? 0), 'audible cue on a hold').toBeGreaterThan(0);
    await page.waitForSelector('[data-testid=rejections] >> text=broken-pkg', { timeout: 20_000 });
    await page.waitForSelector('[data-testid=inspection-form]');
    await shot(page, 'operator-lane');
    // Another role's pages are refused.
    for (const p of ['/queue', '/dashboard', '/audit']) {
      await page.goto(`${api.url}${p}`);
      await page.waitForSelector('[data-testid=refused]');
    }
    await shot(page, 'refused');
    await page.context().close();
  });

  it('an inspector claims, views and decides; a supervisor sees the figures change', async () => {
    const sup = await open(people.supervisor);
    expect(new URL(sup.url()).pathname).toBe('/dashboard');
    await sup.waitForSelector('[data-testid=stat-closed]');
    const closedBefore = Number(await sup.textContent('[data-testid=stat-closed]'));

    const page = await open(people.inspector);
    expect(new URL(page.url()).pathname).toBe('/queue');
    await page.waitForSelector('[data-testid=queue] tbody tr');
    await shot(page, 'inspector-queue');
    // The queue: wildlife first, then score descending.
    const rows = await page.$$eval('[data-testid=queue] tbody tr', (trs) => trs.map((tr) => ({ id: tr.getAttribute('data-alert-id')!, cls: tr.children[0]!.textContent!, score: Number(tr.children[1]!.textContent) })));
    for (let i = 1; i < rows.length; i++) {
      const w = (c: string) => (c === 'ivory' || c === 'rhino horn' ? 1 : 0);
      expect(w(rows[i - 1]!.cls) > w(rows[i]!.cls) || (w(rows[i - 1]!.cls) === w(rows[i]!.cls) && rows[i - 1]!.score >= rows[i]!.score)).toBe(true);
    }
    // `?` shows the shortcuts, Esc closes them; Enter opens the selected (first) alert.
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=help]');
    await shot(page, 'shortcuts-help');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=help]', { state: 'detached' });
    const t0 = Date.now();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=alert-page]');
    const alertId = rows[0]!.id;
    expect(page.url()).toContain(`/alerts/${alertId}`);

    // The image: decoded in the browser and windowed.
    await page.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('[data-testid=viewer-canvas]')?.dataset.paints ?? 0) >= 1, undefined, { timeout: 30_000 });
    const openMs = Number(await page.getAttribute('[data-testid=viewer-canvas]', 'data-open-ms'));
    console.log(`[console] open scan image → windowed image: ${openMs.toFixed(0)} ms in the page (${Date.now() - t0} ms from Enter, incl. alert + scan detail)`);
    const before = await canvasDigest(page);
    await page.locator('[data-testid=wl-level]').fill('2.5');
    await paintsAfter(page, before.paints);
    const afterLevel = await canvasDigest(page);
    expect(afterLevel.hash, 'window/level changes the pixels').not.toBe(before.hash);
    const repaints: number[] = [];
    repaints.push(Number(await page.getAttribute('[data-testid=viewer-canvas]', 'data-repaint-ms')));
    await page.locator('[data-testid=wl-width]').fill('3');
    await paintsAfter(page, afterLevel.paints);
    repaints.push(Number(await page.getAttribute('[data-testid=viewer-canvas]', 'data-repaint-ms')));
    const grey = await canvasDigest(page);
    await page.locator('[data-testid=auto-window]').click();
    await paintsAfter(page, grey.paints);
    const autoGrey = await canvasDigest(page);
    await page.locator('[data-testid=material]').check();
    await paintsAfter(page, autoGrey.paints);
    const coloured = await canvasDigest(page);
    repaints.push(Number(await page.getAttribute('[data-testid=viewer-canvas]', 'data-repaint-ms')));
    expect(coloured.hash, 'material colouring changes the pixels').not.toBe(autoGrey.hash);
    expect(coloured.coloured, 'material colouring tints pixels').toBeGreaterThan(autoGrey.coloured);
    console.log(`[console] window/level repaint: ${repaints.map((r) => r.toFixed(1)).join(', ')} ms (last with material colouring)`);
    await shot(page, 'inspector-alert-materials');
    await page.locator('[data-testid=material]').uncheck();
    await paintsAfter(page, coloured.paints);
    // The model's heat map of the alert's class: `h` draws it over the image, the toggle removes it.
    const plain = await canvasDigest(page);
    const heatAttr = () => page.getAttribute('[data-testid=viewer-canvas]', 'data-heat');
    expect(await heatAttr()).toBe('');
    await page.keyboard.press('h');
    await expect.poll(heatAttr, { timeout: 10_000 }).toMatch(/^(ivory|rhino_horn|timber) \S+@\S+$/);
    const heated = await canvasDigest(page);
    expect(heated.hash, 'the heat-map overlay changes the pixels').not.toBe(plain.hash);
    expect(heated.coloured, 'the overlay colours pixels').toBeGreaterThan(plain.coloured);
    expect(await page.textContent('[data-testid=heatmap-legend]')).toMatch(/heat map .* peak \d\.\d\d/);
    await shot(page, 'inspector-alert-heatmap');
    await page.locator('[data-testid=heatmap]').uncheck();
    await expect.poll(heatAttr).toBe('');
    expect((await canvasDigest(page)).hash, 'toggled off: the image as before').toBe(plain.hash);
    // Measure 100 canvas pixels horizontally: a distance in mm appears.
    await page.click('[data-testid=measure]');
    const box = (await page.locator('[data-testid=viewer-canvas]').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 4 });
    await page.mouse.up();
    expect(await page.textContent('[data-testid=measure-mm]')).toMatch(/^\d+ mm$/);
    await page.click('[data-testid=measure]'); // measuring off
    // The pixel readout: what it shows for the pixel under the pointer is that pixel of the stored TIFFs.
    const scanId = (await page.textContent('[data-testid=alert-page] h2'))!.match(/scan (\S+)/)![1]!;
    const detail = await getJson<{ airValue: number; pixelSpacingMm: { x: number; y: number } }>(`/v1/scans/${scanId}`, people.inspector.token);
    const tiff = async (energy: string) => {
      const res = await fetch(`${api.url}/v1/scans/${scanId}/image?energy=${energy}&format=tiff`, { headers: { authorization: `Bearer ${people.inspector.token}` } });
      return decodeGrey16(Buffer.from(await res.arrayBuffer()));
    };
    const [high, low] = [await tiff('high'), await tiff('low')];
    for (const [fx, fy] of [[0.45, 0.5], [0.7, 0.55]] as const) {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
      await expect.poll(() => page.getAttribute('[data-testid=readout]', 'data-px')).toMatch(/^\d+,\d+$/);
      const [px, py] = (await page.getAttribute('[data-testid=readout]', 'data-px'))!.split(',').map(Number) as [number, number];
      const text = (await page.textContent('[data-testid=readout]'))!;
      const vh = high.data[py * high.width + px]!;
      const vl = low.data[py * low.width + px]!;
      const t = (v: number) => (v / detail.airValue).toFixed(4);
      const mu = (v: number) => (-Math.log(Math.max(1, v) / detail.airValue)).toFixed(3);
      expect(text).toContain(`x ${((px + 0.5) * detail.pixelSpacingMm.x).toFixed(0)} mm, y ${((py + 0.5) * detail.pixelSpacingMm.y).toFixed(0)} mm`);
      expect(text).toContain(`high T ${t(vh)} μ ${mu(vh)}`);
      expect(text).toContain(`low T ${t(vl)} μ ${mu(vl)}`);
      expect(text).toMatch(/material (not classed|organic|mixed|metal)/);
    }
    await shot(page, 'inspector-alert-readout');
    await page.mouse.move(box.x - 20, box.y - 20);
    await expect.poll(() => page.getAttribute('[data-testid=readout]', 'data-px')).toBe('');
    // Measuring without a mouse: Enter at the centre cross, two large pans right, Enter again.
    await page.click('[data-testid=measure]');
    const canvas = page.locator('[data-testid=viewer-canvas]');
    await canvas.focus();
    const zoom = Number(await canvas.getAttribute('data-zoom'));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid=measure-mm]')).toBe('0 mm');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+ArrowRight'); // ended: panning no longer moves the line's end
    const keyed = Number((await page.textContent('[data-testid=measure-mm]'))!.replace(' mm', ''));
    expect(Math.abs(keyed - ((2 * PAN_STEP_LARGE) / zoom) * detail.pixelSpacingMm.x), `${keyed} mm at zoom ${zoom}`).toBeLessThanOrEqual(1);
    await page.click('[data-testid=measure]');
    expect((await page.locator('[data-testid=manifest]').count()) + (await page.getByText('No declarations.').count())).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=reasons] li').count()).toBeGreaterThan(0);

    // Claim with the keyboard, then decide: clear as a look-alike.
    await page.keyboard.press('c');
    await page.waitForSelector('[data-testid=notice] >> text=Claimed');
    await shot(page, 'inspector-alert');
    await page.selectOption('[data-testid=decision]', 'clear');
    await page.selectOption('[data-testid=clear-reason]', 'look_alike_material');
    await page.fill('[data-testid=notes]', 'cattle horn, declared');
    await page.click('[data-testid=decide]');
    await page.waitForSelector('[data-testid=notice] >> text=Decision recorded');
    await page.waitForSelector('.badge[data-status=cleared]');

    await sup.click('[data-testid=refresh-stats]');
    await expect.poll(async () => Number(await sup.textContent('[data-testid=stat-closed]')), { timeout: 10_000 }).toBe(closedBefore + 1);
    await sup.waitForSelector('[data-testid=status-bars] rect');
    await shot(sup, 'supervisor-dashboard');
    // The supervisor's audit browser shows the decision, and the chain verifies.
    await sup.goto(`${api.url}/audit`);
    await sup.waitForSelector('[data-testid=audit] >> text=alert.decided');
    expect(await sup.getAttribute('[data-testid=audit-verify]', 'data-ok')).toBe('true');
    await shot(sup, 'supervisor-audit');
    await sup.goto(`${api.url}/lanes`);
    await sup.waitForSelector('[data-testid=refused]');
    await sup.context().close();

    // An inspector is refused the operator's and the supervisor's pages.
    for (const p of ['/lanes', '/dashboard', '/audit']) {
      await page.goto(`${api.url}${p}`);
      await page.waitForSelector('[data-testid=refused]');
    }
    await page.context().close();
  });

  it("a second inspector's stale decision shows the conflict message", async () => {
    const open2 = await getJson<{ items: Array<{ id: string; review: { version: number } }> }>('/v1/alerts?status=open&limit=50', people.inspector.token);
    expect(open2.items.length).toBeGreaterThan(0);
    const target = open2.items[0]!;
    const page = await open(people.inspector2, `/alerts/${target.id}`);
    await page.waitForSelector(`[data-testid=alert-page][data-version="${target.review.version}"]`);
    // Meanwhile the first inspector claims and refers it.
    const claim = await post(`/v1/alerts/${target.id}/claim`, {}, people.inspector.token);
    expect(claim.status).toBe(200);
    const v = ((await claim.json()) as { review: { version: number } }).review.version;
    expect((await post(`/v1/alerts/${target.id}/decision`, { decision: 'refer', notes: 'open the container' }, people.inspector.token, { 'if-match': `"${v}"` })).status).toBe(200);
    // The second inspector escalates on the version read: 409, shown with who changed it.
    await page.selectOption('[data-testid=decision]', 'escalate');
    await page.click('[data-testid=decide]');
    const conflict = page.locator('[data-testid=conflict]');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain(people.inspector.username);
    await shot(page, 'inspector-conflict');
    await page.context().close();
  });

  it('the console sends the CSRF token: a cookie POST without it is refused by the API', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${api.url}/`);
    await page.fill('input[name=username]', people.supervisor.username);
    await page.fill('input[name=password]', people.supervisor.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    const status = await page.evaluate(async () => (await fetch('/v1/alerts/x/seen', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    expect(status).toBe(403);
    await page.click('[data-testid=logout]');
    await page.waitForSelector('[data-testid=login-form]');
    expect((await page.evaluate(async () => (await fetch('/v1/auth/me')).status))).toBe(401);
    await shot(page, 'login');
    await ctx.close();
  });
});
