/**
 * The hot folder's readiness rule on real files: a package moved into the inbox whole (its
 * files last written before the settle time) is ready on the second look, without waiting the
 * settle time again; a package being written is waited for; and old files never make a package
 * that is still missing an image count as stuck sooner.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadinessTracker } from '#adapter/hot-folder/readiness.ts';
import { writePackage } from '../helpers/packages.ts';

const SETTLE = 5000;
const STUCK = 60_000;

async function age(dir: string, seconds: number): Promise<void> {
  const then = new Date(Date.now() - seconds * 1000);
  for (const f of await fs.readdir(dir)) await fs.utimes(path.join(dir, f), then, then);
}

describe('package readiness', () => {
  let root: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-ready-'));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('a package moved in whole is ready on the second look', async () => {
    const dir = await writePackage(path.join(root, 'moved'), 'MOVED-1');
    await age(dir, 60);
    const t = new ReadinessTracker(SETTLE, STUCK);
    const now = Date.now();
    expect(await t.check(dir, now)).toEqual({ state: 'waiting' });
    expect(await t.check(dir, now + 100)).toEqual({ state: 'ready' });
  });

  it('a package written just now waits the settle time', async () => {
    const dir = await writePackage(path.join(root, 'fresh'), 'FRESH-1');
    const t = new ReadinessTracker(SETTLE, STUCK);
    const now = Date.now();
    expect(await t.check(dir, now)).toEqual({ state: 'waiting' });
    expect(await t.check(dir, now + 100)).toEqual({ state: 'waiting' });
    expect(await t.check(dir, now + SETTLE + 100)).toEqual({ state: 'ready' });
  });

  it('a change between looks starts the wait again, whatever the mtimes', async () => {
    const dir = await writePackage(path.join(root, 'changing'), 'CHANGING-1');
    await age(dir, 60);
    const t = new ReadinessTracker(SETTLE, STUCK);
    const now = Date.now();
    expect(await t.check(dir, now)).toEqual({ state: 'waiting' });
    await fs.appendFile(path.join(dir, 'high.tiff'), Buffer.alloc(10));
    expect(await t.check(dir, now + 100)).toEqual({ state: 'waiting' });
  });

  it('old files with an image still missing are waited for, not stuck early', async () => {
    const dir = await writePackage(path.join(root, 'partial'), 'PARTIAL-1');
    await fs.rm(path.join(dir, 'low.tiff'));
    await age(dir, 3600);
    const t = new ReadinessTracker(SETTLE, STUCK);
    const now = Date.now();
    expect(await t.check(dir, now)).toEqual({ state: 'waiting' });
    expect(await t.check(dir, now + SETTLE + 100)).toEqual({ state: 'waiting' });
    expect(await t.check(dir, now + STUCK + 100)).toMatchObject({ state: 'stuck', code: 'image_missing' });
  });
});
