/**
 * Fault suite, PostgreSQL: a private PostgreSQL cluster (initdb in a temporary directory, run as
 * the `postgres` user) is stopped while scans arrive and started again. While it is away the API
 * answers 503 with Retry-After (never 500), every role's /readyz says 503 and no role exits;
 * packages wait in the inbox; afterwards every scan is analysed exactly once. Skipped, visibly,
 * where PostgreSQL's binaries or the `postgres` user are missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loginAtUrl } from '../helpers/auth.ts';
import { freePort } from '../helpers/cluster.ts';
import { assertExactlyOnce, makeLane, report, until, waitTerminal, type Lane } from './kit.ts';

const BIN = (() => {
  try {
    const versions = fsSync.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (fsSync.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) return `/usr/lib/postgresql/${v}/bin`;
  } catch {
    /* none */
  }
  return undefined;
})();
const HAS_USER = spawnSync('id', ['-u', 'postgres']).status === 0;
const AS_ROOT = process.getuid?.() === 0;
const RUNNABLE = Boolean(BIN && HAS_USER && AS_ROOT);

interface PrivatePostgres {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

async function privatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-fault-pg-'));
  spawnSync('chown', ['postgres', dir]);
  const data = path.join(dir, 'data');
  const init = spawnSync('runuser', ['-u', 'postgres', '--', `${BIN}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      child = spawn('runuser', ['-u', 'postgres', '--', `${BIN}/postgres`, '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], { stdio: 'ignore' });
      exited = new Promise((r) => child!.once('exit', r));
      await until('PostgreSQL to accept connections', () => spawnSync(`${BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port)]).status === 0, 30_000, 100);
    },
    async stop() {
      // A fast shutdown, as `systemctl restart postgresql` does: sessions are cut.
      spawnSync('runuser', ['-u', 'postgres', '--', `${BIN}/pg_ctl`, '-D', data, '-m', 'fast', '-w', 'stop']);
      await exited;
    },
    async close() {
      await pg.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}

let lane: Lane | undefined;
let pg: PrivatePostgres | undefined;
afterEach(async () => {
  await lane?.close().catch(() => {});
  await pg?.close();
  lane = undefined;
  pg = undefined;
});

describe.skipIf(!RUNNABLE)('fault: PostgreSQL', () => {
  it('restarted while scans arrive: 503 (not 500) meanwhile, roles stay up, every scan analysed once', async () => {
    pg = await privatePostgres();
    lane = await makeLane({ DATABASE_URL: pg.url, DATABASE_SCHEMA: 'faults' });
    const ids = await lane.stage(12, 'pg');
    const c = await lane.start();
    const auth = (await loginAtUrl(c.apiUrl, 'supervisor')).headers;
    await lane.drop(ids.slice(0, 4));
    await waitTerminal(lane, ids.slice(0, 4));
    await lane.store(); // opened now; its pool reconnects by itself after the restart
    await pg.stop();
    const awayAt = performance.now();
    await lane.drop(ids.slice(4));
    await new Promise((r) => setTimeout(r, 2000));
    const res = await fetch(`${c.apiUrl}/v1/scans`, { headers: auth });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(await res.json()).toMatchObject({ error: 'unavailable' });
    const ready = await Promise.all(c.procs.map((p) => c.readyStatus(p.role, p.index)));
    expect(ready).toEqual(c.procs.map(() => 503));
    expect(c.procs.every((p) => p.child.exitCode === null)).toBe(true);
    expect((await fs.readdir(lane.inbox)).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, Math.max(0, 8000 - (performance.now() - awayAt))));
    await pg.start();
    const backAt = performance.now();
    const doneAt = await waitTerminal(lane, ids, 240_000);
    await c.waitReady(30_000);
    const t = await assertExactlyOnce(lane, ids);
    expect(t.analysed).toBe(ids.length);
    report('PostgreSQL restarted (8 s away)', t, (doneAt - backAt) / 1000, 'API 503 + Retry-After meanwhile; time from PostgreSQL back to all analysed');
  }, 360_000);
});
