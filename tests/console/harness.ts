/**
 * What the console's browser tests share (console.test.ts, pages.test.ts, review.test.ts), kept once: build the
 * console with Vite when its sources are newer than dist/, launch Debian's headless chromium
 * (playwright-core; CHROMIUM_PATH overrides /usr/bin/chromium), and sign a person in through the
 * login form.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

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
  return page;
}

export const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
