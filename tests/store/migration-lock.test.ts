/**
 * Roles started together on a fresh SQLite file must not race their migrations (issue 10
 * finding 8: "table scans already exists" about one start in five). Several real processes open
 * the same new database at once, over several rounds; every one must start.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '#services/store/database.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function openInChild(file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/open-store-child.ts', file], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('SQLite migrations across processes', () => {
  it('four processes opening one fresh database at once all start, round after round', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-migrate-'));
    try {
      for (let round = 0; round < 3; round++) {
        const file = path.join(dir, `round-${round}.sqlite`);
        const results = await Promise.all([0, 1, 2, 3].map(() => openInChild(file)));
        expect(results.map((r) => (r.code === 0 ? 'ok' : r.stderr.trim()))).toEqual(['ok', 'ok', 'ok', 'ok']);
        // And the schema is whole: a store opens on it and answers.
        const store = await openStore({ sqlitePath: file });
        expect(await store.scans.countByStatus()).toEqual({});
        await store.close();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
