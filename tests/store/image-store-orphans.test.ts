/**
 * A process killed between copying an image into the store and renaming it leaves a temp copy.
 * A store that opens removes the copies of this host's dead processes, and only those: a live
 * process's copy (its own, or another's) and another host's copy in a shared store are left.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageStore } from '#services/storage/image-store.ts';

describe('image store temp copies', () => {
  it('removes the copies of dead processes of this host, keeps live ones and other hosts', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-orphans-'));
    const host = os.hostname().replace(/[^A-Za-z0-9.]/g, '_');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited by now
    const uuid = () => crypto.randomUUID();
    const names = {
      dead: `.incoming-${host}-${dead}-${uuid()}.tmp`,
      mine: `.incoming-${host}-${process.pid}-${uuid()}.tmp`,
      otherHost: `.incoming-elsewhere.example-${dead}-${uuid()}.tmp`,
      legacy: '.incoming-orphan.tmp',
    };
    for (const n of Object.values(names)) await fs.writeFile(path.join(root, n), 'x');
    const store = new ImageStore(root);
    const src = path.join(root, 'src.bin');
    await fs.writeFile(src, 'image bytes');
    await store.put(src); // waits for the sweep the store started when it opened
    const left = new Set(await fs.readdir(root));
    expect(left.has(names.dead)).toBe(false);
    expect(left.has(names.mine)).toBe(true);
    expect(left.has(names.otherHost)).toBe(true);
    expect(left.has(names.legacy)).toBe(true); // the retention sweep's age rule handles those
    expect([...left].filter((n) => n.startsWith('.incoming-') && n.includes(`-${process.pid}-`) && n !== names.mine)).toEqual([]);
    await fs.rm(root, { recursive: true, force: true });
  });
});
