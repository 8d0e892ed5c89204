/**
 * Issue 10 finding 9: an adapter started while Redis is away used to say nothing. Through the
 * role bootstrap (services/runtime/bootstrap.ts) it now logs the outage as a warn line, keeps a
 * package dropped meanwhile in the inbox (never quarantined: it is not the package's fault), and
 * once a Redis answers on that port logs that it is back and enqueues the package's job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { QueueName } from '#services/core/jobs.ts';
import { ADD_TIMEOUT_MS, redisOptions } from '#services/queue/queue-repository.ts';
import { freePort } from '../helpers/cluster.ts';
import { writePackage } from '../helpers/packages.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number, out: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${out()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('adapter started without Redis', () => {
  it('says so, keeps the package in the inbox, and enqueues it once Redis answers', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-noredis-'));
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    const prefix = `t_noredis_${randomBytes(4).toString('hex')}`;
    let adapter: ChildProcess | undefined;
    let redis: ChildProcess | undefined;
    let out = '';
    const lines = () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string; role?: string });
    try {
      adapter = spawn(process.execPath, ['--import', 'tsx', 'scanner-adapter/src/main.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATA_DIR: dir,
          INBOX_DIR: '',
          REJECTED_DIR: '',
          IMAGE_STORE_DIR: '',
          SQLITE_PATH: '',
          DATABASE_URL: '',
          REDIS_URL: redisUrl,
          QUEUE_PREFIX: prefix,
          INBOX_POLL_MS: '100',
          INBOX_SETTLE_MS: '200',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      adapter.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      adapter.stderr!.on('data', (b: Buffer) => (out += b.toString()));

      await until('the outage warning', () => lines().some((l) => l.level === 40 && l.role === 'adapter' && l.msg.startsWith(`Redis unreachable at ${redisUrl}`)), 15_000, () => out);
      await until('the hot folder', () => lines().some((l) => l.msg.startsWith('watching ')), 10_000, () => out);

      const inbox = path.join(dir, 'inbox');
      await writePackage(path.join(inbox, 'scan-noredis'), 'scan-noredis');
      // One enqueue attempt gives up after ADD_TIMEOUT_MS; the package must still be waiting.
      await new Promise((r) => setTimeout(r, ADD_TIMEOUT_MS + 1500));
      expect(adapter.exitCode, out).toBeNull();
      expect(await fs.readdir(inbox)).toEqual(['scan-noredis']);
      expect(await fs.readdir(path.join(dir, 'rejected')).catch(() => [])).toEqual([]);

      redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
        stdio: 'ignore',
      });
      await until('the recovery line', () => lines().some((l) => l.msg === 'Redis reachable again'), 15_000, () => out);
      await until('the package to leave the inbox', async () => (await fs.readdir(inbox)).length === 0, 15_000, () => out);
      const queue = new Queue(QueueName.Analysis, { connection: { ...redisOptions(redisUrl), maxRetriesPerRequest: 1 }, prefix });
      try {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        expect(Object.values(counts).reduce((a, b) => a + b, 0), out).toBe(1);
      } finally {
        await queue.close();
      }
      expect(await fs.readdir(path.join(dir, 'rejected')).catch(() => [])).toEqual([]);
    } finally {
      await stop(adapter);
      await stop(redis);
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
