/**
 * What the console's browser tests share (console.test.ts, pages.test.ts, review.test.ts), kept once: build the
 * console with Vite when its sources are newer than dist/, launch Debian's headless chromium
 * (playwright-core; CHROMIUM_PATH overrides /usr/bin/chromium), and sign a person in through the
 * login form; start the whole system (API, adapter, worker) for the full walks, make users and
 * drop simulated scan packages into its inbox.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startAdapter } from '#adapter/main.ts';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { simulateScan } from '#adapter/simulator/index.ts';
import { startApi } from '#services/api/main.ts';
import { loadConfig, type AppConfig } from '#services/core/config.ts';
import { startWorker } from '#workers/main.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/auth.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CONSOLE = path.join(ROOT, 'services/console');
export const SHOTS = path.join(ROOT, 'docs/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Runs `vite build` when a source file is newer than dist/index.html. */
export function buildConsoleIfStale(): void {
  const built = fs.statSync(path.join(CONSOLE, 'dist/index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const newest = Math.max(...fs.readdirSync(path.join(CONSOLE, 'src')).map((f) => fs.statSync(path.join(CONSOLE, 'src', f)).mtimeMs));
  if (built < newest) {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: CONSOLE, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('console build failed');
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A new browser context (1440×900) signed in as `who` through the login form at `pathname`; dialogs are accepted. */
export async function signIn(browser: Browser, baseUrl: string, who: { username: string; password: string }, pathname = '/'): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (err) => console.error(`[browser ${who.username}] ${err.message}`));
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${baseUrl}${pathname}`);
  await page.fill('input[name=username]', who.username);
  await page.fill('input[name=password]', who.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=who]');
  // Signing in at '/' goes on to the role's start page; wait for that rather than race it.
  if (pathname === '/') await page.waitForFunction(() => location.pathname !== '/');
  return page;
}

export const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

export interface Person {
  username: string;
  password: string;
  token: string;
}

/** JSON POST to the API, with a bearer token when given. */
export function postJson(baseUrl: string, url: string, body: unknown, token?: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
    body: JSON.stringify(body),
  });
}

/** A new user of `role` made through the admin API, logged in, with a password the browser can type. */
export async function createPerson(baseUrl: string, adminToken: string, role: string, lanes?: string[]): Promise<Person> {
  const username = `${role}-${randomBytes(3).toString('hex')}`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const created = await postJson(baseUrl, '/v1/users', { username, role, password, ...(lanes ? { lanes } : {}) }, adminToken);
  if (created.status !== 201) throw new Error(`create ${role}: ${created.status} ${await created.text()}`);
  const login = await postJson(baseUrl, '/v1/auth/login', { username, password });
  return { username, password, token: ((await login.json()) as { token: string }).token };
}

export interface ConsoleSystem {
  root: string;
  config: AppConfig;
  url: string;
  admin: Person;
  /** A user of `role` (lane-bound when `lanes` is given). */
  person(role: string, lanes?: string[]): Promise<Person>;
  /** A simulated linac scan package of `lane` moved whole into the inbox, as a scanner would; its scan id. */
  drop(lane: string, scenario: string, seed: number, index: number): Promise<string>;
  /** A package with an implausible airValue, named `name`, moved into the inbox: quarantined with its reason. */
  dropBroken(lane: string, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The whole system the full browser walks run against: API + hot-folder adapter + worker on real
 * Redis and SQLite in a temp DATA_DIR (own queue prefix), with the committed models.
 */
export async function startConsoleSystem(name: string): Promise<ConsoleSystem> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), `cxr-${name}-`));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: root,
    QUEUE_PREFIX: `t_${name.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`,
    DATABASE_URL: '',
    PORT: '0',
    INBOX_POLL_MS: '100',
    INBOX_SETTLE_MS: '200',
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
  });
  const worker = await startWorker(config, () => {});
  const adapter = await startAdapter(config, () => {});
  const api = await startApi(config);
  const adminLogin = await postJson(api.url, '/v1/auth/login', { username: 'admin', password: TEST_ADMIN_PASSWORD });
  const admin = { username: 'admin', password: TEST_ADMIN_PASSWORD, token: ((await adminLogin.json()) as { token: string }).token };
  const stage = async (lane: string, scenario: string, seed: number, index: number, name?: string) => {
    const sim = simulateScan({ seed, index, scenario, source: 'linac', laneId: lane });
    const tmp = path.join(root, 'staging', name ?? sim.metadata.scanId);
    await writeScanPackage(tmp, sim.metadata, { width: sim.width, height: sim.height, data: sim.high }, { width: sim.width, height: sim.height, data: sim.low });
    return { tmp, id: sim.metadata.scanId };
  };
  return {
    root,
    config,
    url: api.url,
    admin,
    person: (role, lanes) => createPerson(api.url, admin.token, role, lanes),
    async drop(lane, scenario, seed, index) {
      const { tmp, id } = await stage(lane, scenario, seed, index);
      await fsp.rename(tmp, path.join(config.inboxDir, id));
      return id;
    },
    async dropBroken(lane, name) {
      const { tmp } = await stage(lane, 'benign', 75, 0, name);
      const meta = JSON.parse(await fsp.readFile(path.join(tmp, 'scan.json'), 'utf8')) as Record<string, unknown>;
      await fsp.writeFile(path.join(tmp, 'scan.json'), JSON.stringify({ ...meta, airValue: 1 })); // implausible: quarantined
      await fsp.rename(tmp, path.join(config.inboxDir, name));
    },
    async close() {
      await adapter.close();
      await api.close();
      await worker.close();
      await fsp.rm(root, { recursive: true, force: true });
    },
  };
}
