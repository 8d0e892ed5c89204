/**
 * `npm run reanalyse` as an operator of the system would run it: a real process against a real
 * SQLite file and Redis queues an analysed scan again (status queued, audited, a job of its own in
 * BullMQ) and refuses, with exit code 1, a scan that is not analysed or failed.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { expect, it } from 'vitest';
import { QueueName } from '#services/core/jobs.ts';
import { openStore } from '#services/store/database.ts';
import { makeResult, makeScan } from '../store/factories.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/scans/reanalyse-cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

it('queues an analysed scan again, and refuses one that is queued', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-reanalyse-cli-'));
  const prefix = `t_rean_${randomBytes(4).toString('hex')}`;
  const sqlite = path.join(dir, 'db.sqlite');
  const store = await openStore({ sqlitePath: sqlite });
  const queue = new Queue(QueueName.Analysis, { connection: { url: REDIS_URL }, prefix });
  try {
    await store.scans.insert(makeScan('cli-1'));
    await store.recordAnalysis([makeResult('cli-1', 1, false)], { status: 'analysed', verdict: 'clear' });
    const env = { SQLITE_PATH: sqlite, DATA_DIR: dir, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' };

    const ok = await run(['cli-1', '--reason', 'new calibration profile'], env);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/cli-1: queued for re-analysis \(run \w+\)/);
    expect((await store.scans.get('cli-1'))?.status).toBe('queued');
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((j) => j.id)).toEqual([expect.stringMatching(/^analyse-scan-cli-1-[0-9a-f]{16}-r\w+$/)]);
    expect((await store.audit.list({ action: 'scan.reanalyse_requested', limit: 5 }))[0]).toMatchObject({ actor: { kind: 'system', name: 'cli' }, after: { reason: 'new calibration profile' } });

    const again = await run(['cli-1', 'nope', '--reason', 'twice'], env);
    expect(again.code).toBe(1);
    expect(again.out).toContain('scan cli-1 is queued');
    expect(again.out).toContain('nope: not found');
    expect((await run(['cli-1'], env)).code).toBe(2); // no reason
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}, 60_000);
