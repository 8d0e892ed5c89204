/**
 * Fault suite, Redis: a private redis-server (AOF everysec, noeviction, as production runs it)
 * is SIGKILLed mid-stream and started again on the same files, and stopped for a while with
 * scans waiting. Roles answer 503 on /readyz while it is away, never exit, recover by
 * themselves, and nothing is lost or doubled (the reconciler covers jobs AOF lost).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/cluster.ts';
import { assertExactlyOnce, makeLane, report, until, waitTerminal, type Lane } from './kit.ts';

const REDIS_SERVER = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();

interface PrivateRedis {
  url: string;
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-fault-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--save', ''];
  const r: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
      exited = new Promise((res) => child!.once('exit', res));
      await until('redis-server to answer', () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 20_000, 50);
    },
    async kill() {
      child?.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child?.kill('SIGTERM');
      await exited;
    },
    async close() {
      await r.kill();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  await r.start();
  return r;
}

let lane: Lane | undefined;
let redis: PrivateRedis | undefined;
afterEach(async () => {
  await lane?.close().catch(() => {});
  await redis?.close();
  lane = undefined;
  redis = undefined;
});

describe.skipIf(!REDIS_SERVER)('fault: Redis', () => {
  it('Redis SIGKILLed mid-stream and restarted on its AOF: every scan analysed once', async () => {
    redis = await privateRedis();
    lane = await makeLane({ REDIS_URL: redis.url });
    const ids = await lane.stage(20, 'rk');
    await lane.start();
    const store = await lane.store();
    await lane.drop(ids, 100);
    await until('a third of the scans analysed', async () => (await Promise.all(ids.map((id) => store.scans.get(id)))).filter((s) => s?.status === 'analysed').length >= 6, 120_000);
    const killedAt = performance.now();
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    const doneAt = await waitTerminal(lane, ids, 240_000);
    const t = await assertExactlyOnce(lane, ids);
    expect(t.analysed).toBe(ids.length);
    report('Redis SIGKILL, restarted from AOF after 1 s', t, (doneAt - killedAt) / 1000, 'AOF everysec; reconciler after 8 s');
  }, 360_000);

  it('Redis away for 15 s with scans arriving: roles say 503 and stay up, packages wait, then all are analysed once', async () => {
    redis = await privateRedis();
    lane = await makeLane({ REDIS_URL: redis.url });
    const ids = await lane.stage(12, 'ra');
    const c = await lane.start();
    await lane.drop(ids.slice(0, 4));
    await waitTerminal(lane, ids.slice(0, 4));
    await redis.stop();
    const awayAt = performance.now();
    await lane.drop(ids.slice(4));
    await new Promise((r) => setTimeout(r, 3000));
    // Every role is up and says it cannot serve; the waiting packages are still in the inbox.
    const ready = await Promise.all(c.procs.map((p) => c.readyStatus(p.role, p.index)));
    expect(ready).toEqual(c.procs.map(() => 503));
    expect(c.procs.every((p) => p.child.exitCode === null)).toBe(true);
    expect((await fs.readdir(lane.inbox)).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, Math.max(0, 15_000 - (performance.now() - awayAt))));
    await redis.start();
    const backAt = performance.now();
    const doneAt = await waitTerminal(lane, ids, 240_000);
    await c.waitReady(30_000);
    const t = await assertExactlyOnce(lane, ids);
    expect(t.analysed).toBe(ids.length);
    report('Redis away 15 s', t, (doneAt - backAt) / 1000, `readyz 503 on ${c.procs.length} roles while away; time from Redis back to all analysed`);
  }, 360_000);
});
