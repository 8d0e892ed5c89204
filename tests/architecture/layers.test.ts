/**
 * The layers point one way: adapter → queue → worker → store → API, on a ground floor
 * (services/core) that imports nothing of the project above it. This test reads every import of
 * every source file (static, `export … from` and dynamic) and fails on an import against the
 * allowed directions, or on a relative path that crosses from one area into another (those go
 * through package.json subpath imports: #services/…, #workers/…, #adapter/…, #models/…).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { imports: Record<string, string> };

/** Area of a repository-relative file; sub-areas where the rules differ. */
function areaOf(rel: string): string | null {
  if (rel.startsWith('services/core/')) return 'core';
  if (rel.startsWith('services/launcher/')) return 'launcher';
  if (rel.startsWith('services/console/')) return 'console';
  if (rel.startsWith('services/')) return 'services';
  if (rel.startsWith('workers/')) return 'workers';
  if (rel.startsWith('scanner-adapter/')) return 'adapter';
  if (rel.startsWith('models/evaluation/')) return 'models/evaluation';
  if (rel.startsWith('models/training/')) return 'models/training';
  if (rel.startsWith('models/')) return 'models';
  if (rel.startsWith('tests/')) return 'tests';
  return null;
}

/** Which areas each area may import (its own always). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  services: ['core'],
  console: [],
  // The one composition root: `npm start` runs every role in one process.
  launcher: ['core', 'services', 'workers', 'adapter'],
  workers: ['core', 'services'],
  adapter: ['core', 'services'],
  // Evaluation runs scans through the worker's analysis path and the simulator, never training code.
  'models/evaluation': ['core', 'services', 'workers', 'adapter', 'models'],
  'models/training': ['core', 'services', 'workers', 'adapter', 'models', 'models/evaluation'],
  models: ['core', 'services', 'workers', 'adapter', 'models/evaluation'],
  tests: ['core', 'services', 'launcher', 'workers', 'adapter', 'models', 'models/evaluation', 'models/training', 'console', 'tests'],
};

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function resolveSpecifier(fromFile: string, spec: string): string | null {
  if (spec.startsWith('.')) return path.relative(ROOT, path.resolve(path.dirname(fromFile), spec));
  if (spec.startsWith('#')) {
    for (const [key, target] of Object.entries(pkg.imports)) {
      const prefix = key.replace(/\*$/, '');
      if (spec.startsWith(prefix)) return path.normalize(target.replace(/\*$/, '') + spec.slice(prefix.length));
    }
    throw new Error(`${path.relative(ROOT, fromFile)}: "${spec}" matches no package.json "imports" entry`);
  }
  return null; // node: builtins and npm packages
}

interface Violation {
  file: string;
  spec: string;
  why: string;
}

function violations(): Violation[] {
  const out: Violation[] = [];
  for (const top of ['services', 'workers', 'scanner-adapter', 'models', 'tests']) {
    for (const file of walk(path.join(ROOT, top))) {
      const rel = path.relative(ROOT, file);
      const from = areaOf(rel)!;
      const src = fs.readFileSync(file, 'utf8');
      for (const m of src.matchAll(IMPORT)) {
        const spec = (m[1] ?? m[2] ?? m[3])!;
        const target = resolveSpecifier(file, spec);
        if (target === null) continue;
        const to = areaOf(target);
        if (to === null) continue; // e.g. a data file beside the area
        const topDir = (p: string) => p.split(path.sep)[0]!;
        if (spec.startsWith('.') && topDir(target) !== topDir(rel) && from !== 'tests') {
          out.push({ file: rel, spec, why: `relative import crosses from ${topDir(rel)}/ into ${topDir(target)}/: use its # subpath import` });
        }
        if (to !== from && !(ALLOWED[from] ?? []).includes(to)) out.push({ file: rel, spec, why: `${from} may not import ${to}` });
      }
    }
  }
  return out;
}

describe('architecture', () => {
  it('imports follow the allowed directions between areas', () => {
    const found = violations();
    expect(found.map((v) => `${v.file}: ${v.spec} — ${v.why}`)).toEqual([]);
  });

  it('the check itself sees a forbidden import (it would catch a core → worker import)', () => {
    // Guards the guard: the regex and resolution must see real imports in real files.
    const file = path.join(ROOT, 'services/core/domain.ts');
    const src = fs.readFileSync(file, 'utf8');
    const specs = [...src.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]);
    expect(specs.length).toBeGreaterThan(0);
    expect(areaOf(resolveSpecifier(path.join(ROOT, 'services/core/x.ts'), '#workers/main.ts')!)).toBe('workers');
    expect(ALLOWED.core).not.toContain('workers');
    expect(areaOf(resolveSpecifier(path.join(ROOT, 'services/core/x.ts'), '../../workers/src/main.ts')!)).toBe('workers');
  });
});
