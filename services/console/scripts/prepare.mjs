/**
 * Builds the web console during `npm ci` / `npm install` (the root `prepare` script), so a fresh
 * clone's `npm ci && npm start` serves it at `/` with no extra step. Under `npm ci --omit=dev`
 * Vite is absent: then this says so in one line and exits 0 (the API's `/` answers with how to
 * build it, or serves a dist/ built elsewhere). CXR_SKIP_CONSOLE_BUILD=1 skips the build.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const consoleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(consoleDir, 'dist', 'index.html');

/** Vite's CLI, hoisted to the root node_modules by the workspace install (or the console's own). */
function viteBin() {
  for (const dir of [path.join(consoleDir, 'node_modules'), path.join(consoleDir, '..', '..', 'node_modules')]) {
    const bin = path.join(dir, 'vite', 'bin', 'vite.js');
    if (fs.existsSync(bin)) return bin;
  }
  return undefined;
}

if (process.env.CXR_SKIP_CONSOLE_BUILD === '1') {
  console.log('console: build skipped (CXR_SKIP_CONSOLE_BUILD=1)');
} else {
  const bin = viteBin();
  if (!bin) {
    console.log(
      fs.existsSync(dist)
        ? 'console: vite not installed (--omit=dev); serving the existing services/console/dist'
        : 'console: vite not installed (--omit=dev); not built — run `npm ci` (with dev dependencies) then `npm run build:console`',
    );
  } else {
    const r = spawnSync(process.execPath, [bin, 'build', '--logLevel', 'warn'], { cwd: consoleDir, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error('console: vite build failed');
      process.exit(r.status ?? 1);
    }
    console.log('console: built services/console/dist');
  }
}
