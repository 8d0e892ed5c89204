/**
 * The production start (issue 10 §3): `npm start`'s command, `node --import tsx
 * services/launcher/main.ts`, brings up every role against the real Redis, answers /healthz, logs
 * JSON lines with one `role` each (issue 9 §0), and on SIGTERM — what a container runtime or
 * systemd sends — exits 0 well within 10 s and leaves its port free.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropRedisPrefix, freePort } from '../helpers/cluster.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Starts the system with `command`, waits for /healthz, sends SIGTERM to the spawned process and
 * returns what it printed; fails unless it exits 0 within 10 s and its port is free afterwards
 * (a process left running would still hold it).
 */
async function startAndStop(command: string, args: string[]): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-start-'));
  const port = await freePort();
  const prefix = `t_start_${randomBytes(4).toString('hex')}`;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dir,
      INBOX_DIR: '',
      REJECTED_DIR: '',
      IMAGE_STORE_DIR: '',
      SQLITE_PATH: '',
      DATABASE_URL: '',
      AUDIT_KEY_FILE: '',
      HOST: '127.0.0.1',
      PORT: String(port),
      QUEUE_PREFIX: prefix,
      REDIS_URL,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let alive = true;
  void exited.then(() => (alive = false));
  try {
    let status = 0;
    const deadline = Date.now() + 20_000;
    while (alive && Date.now() < deadline) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status, out).toBe(200);

    const t0 = Date.now();
    child.kill('SIGTERM');
    const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(result, out).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await portIsFree(port), out).toBe(true);
    return out;
  } finally {
    if (alive) child.kill('SIGKILL');
    await exited;
    await dropRedisPrefix(REDIS_URL, prefix);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('production start', () => {
  it('node --import tsx services/launcher/main.ts: serves /healthz, logs JSON lines per role, exits 0 on SIGTERM', async () => {
    const out = await startAndStop(process.execPath, ['--import', 'tsx', 'services/launcher/main.ts']);
    // Every line is one JSON object from pino, with the role that wrote it.
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { role?: string; msg: string; signal?: string });
    expect(new Set(lines.map((l) => l.role))).toEqual(new Set(['launcher', 'api', 'adapter', 'worker']));
    expect(lines).toContainEqual(expect.objectContaining({ role: 'launcher', signal: 'SIGTERM', msg: 'shutting down' }));
    expect(lines.at(-1)).toMatchObject({ role: 'launcher', msg: 'stopped' });
  }, 30_000);

  it('npm start: SIGTERM to npm reaches node (the script execs it; sh would die and orphan node)', async () => {
    const out = await startAndStop('npm', ['start', '--silent']);
    expect(out).toContain('"msg":"stopped"');
  }, 30_000);
});
