/**
 * The fault suite's common ground (`npm run test:faults`, issue 10 §1): a lane of real role
 * processes on its own data directory and queue prefix, bursts of scan packages staged outside
 * the inbox and moved in whole, and the end-of-case checks every fault must pass — every scan
 * reaches a terminal state exactly once (one `scan.received`, one `scan.analysed` or
 * `scan.failed` audit entry), one set of detections and at most one alert per (scan, model
 * version), nothing left in the inbox, nothing quarantined, no half-written file in the image
 * store. Each case prints one line of the fault table (injected / survived / lost / duplicated /
 * recovery) and appends it to FAULTS_REPORT when that is set.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { openStore } from '#services/store/database.ts';
import type { Store } from '#services/store/types.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/auth.ts';
import { dropRedisPrefix, startCluster, type Cluster, type ClusterOptions } from '../helpers/cluster.ts';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { metadata, writePackage } from '../helpers/packages.ts';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export interface Lane {
  dataDir: string;
  inbox: string;
  staging: string;
  prefix: string;
  env: Record<string, string>;
  cluster?: Cluster;
  start(opts?: Partial<ClusterOptions>): Promise<Cluster>;
  /** Stages `n` packages (distinct pixels; `noise`: incompressible ones) outside the inbox; returns their scan ids. */
  stage(n: number, tag: string, opts?: { noise?: boolean }): Promise<string[]>;
  /** Moves staged packages into the inbox, whole, one after another (optionally paced). */
  drop(ids: string[], gapMs?: number): Promise<void>;
  /** A store handle on the lane's database, opened on first use (SQLite in dataDir). */
  store(): Promise<Store>;
  close(): Promise<void>;
}

export async function makeLane(env: Record<string, string> = {}): Promise<Lane> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-fault-'));
  const inbox = path.join(dataDir, 'inbox');
  const staging = path.join(dataDir, 'staging');
  await fs.mkdir(inbox, { recursive: true });
  await fs.mkdir(staging, { recursive: true });
  const prefix = `t_fault_${randomBytes(4).toString('hex')}`;
  const laneEnv: Record<string, string> = {
    DATA_DIR: dataDir,
    QUEUE_PREFIX: prefix,
    REDIS_URL,
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    INBOX_POLL_MS: '100',
    INBOX_SETTLE_MS: '300',
    // Faults are noticed in seconds, not the production minutes.
    JOB_LOCK_MS: '4000',
    RECONCILE_EVERY_MS: '2000',
    RECONCILE_AFTER_MS: '8000',
    LOG_LEVEL: 'warn',
    ...env,
  };
  let store: Store | undefined;
  let seq = 0;
  const lane: Lane = {
    dataDir,
    inbox,
    staging,
    prefix,
    env: laneEnv,
    async start(opts = {}) {
      lane.cluster = await startCluster({ env: laneEnv, ...opts });
      await lane.cluster.waitReady();
      return lane.cluster;
    },
    async stage(n, tag, opts = {}) {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = `FAULT-${tag}-${String(i).padStart(3, '0')}`;
        if (opts.noise) {
          const noise = () => ({ width: 480, height: 200, data: Uint16Array.from({ length: 480 * 200 }, () => 20000 + Math.floor(Math.random() * 30000)) });
          await writeScanPackage(path.join(staging, id), metadata(id, { laneId: 'lane-faults' }), noise(), noise());
        } else {
          await writePackage(path.join(staging, id), id, { laneId: 'lane-faults' }, { width: 480, height: 200 }, ++seq);
        }
        ids.push(id);
      }
      return ids;
    },
    async drop(ids, gapMs = 0) {
      for (const id of ids) {
        await fs.rename(path.join(staging, id), path.join(inbox, id));
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    },
    async store() {
      store ??= await openStore(
        laneEnv.DATABASE_URL
          ? { databaseUrl: laneEnv.DATABASE_URL, sqlitePath: '', pgSchema: laneEnv.DATABASE_SCHEMA }
          : { sqlitePath: path.join(dataDir, 'cargo-xray.sqlite') },
      );
      return store;
    },
    async close() {
      await lane.cluster?.stop();
      await store?.close();
      await dropRedisPrefix(laneEnv.REDIS_URL!, prefix).catch(() => {});
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return lane;
}

/** Waits until every scan is `analysed` or `failed` and the inbox is empty; returns when (ms, performance.now()). */
export async function waitTerminal(lane: Lane, ids: string[], timeoutMs = 180_000): Promise<number> {
  const store = await lane.store();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(ids.map(async (id) => (await store.scans.get(id))?.status));
    // Settled: every scan finished and every package gone from the inbox (a package whose scan
    // was recorded before its job add failed is acknowledged as a duplicate on a later try).
    const waiting = (await fs.readdir(lane.inbox)).filter((n) => !n.startsWith('.'));
    if (statuses.every((s) => s === 'analysed' || s === 'failed') && waiting.length === 0) return performance.now();
    if (Date.now() > deadline) {
      const open = ids.filter((_, i) => statuses[i] !== 'analysed' && statuses[i] !== 'failed');
      const logs = lane.cluster?.procs.map((p) => `--- ${p.role}#${p.index}\n${p.output.join('').slice(-2500)}`).join('\n') ?? '';
      throw new Error(`${open.length} of ${ids.length} scans not finished (inbox: ${waiting.length}) after ${timeoutMs} ms: ${open.slice(0, 5).join(', ')} (${open.map((id) => statuses[ids.indexOf(id)] ?? 'absent').slice(0, 5).join(', ')})\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Tally {
  scans: number;
  analysed: number;
  failed: number;
  lost: number;
  duplicated: number;
}

/**
 * The end-of-case checks. Returns the tally for the fault table; fails the test on any loss,
 * duplicate or leftover. `failedOk` lists scans allowed to end `failed` (none by default).
 */
export async function assertExactlyOnce(lane: Lane, ids: string[], opts: { failedOk?: string[] } = {}): Promise<Tally> {
  const store = await lane.store();
  const counts = new Map<string, { received: number; terminal: number }>();
  for (const id of ids) counts.set(id, { received: 0, terminal: 0 });
  for await (const e of store.audit.iterate()) {
    const c = e.object ? counts.get(e.object.id) : undefined;
    if (!c) continue;
    if (e.action === 'scan.received') c.received++;
    if (e.action === 'scan.analysed' || e.action === 'scan.failed') c.terminal++;
  }
  let analysed = 0;
  let failed = 0;
  let lost = 0;
  let duplicated = 0;
  const problems: string[] = [];
  for (const id of ids) {
    const scan = await store.scans.get(id);
    const c = counts.get(id)!;
    if (!scan) {
      lost++;
      problems.push(`${id}: not in the store`);
      continue;
    }
    if (scan.status === 'analysed') analysed++;
    else if (scan.status === 'failed') {
      failed++;
      if (!opts.failedOk?.includes(id)) problems.push(`${id}: failed: ${scan.failureReason}`);
    } else {
      lost++;
      problems.push(`${id}: stuck in ${scan.status}`);
    }
    if (c.received !== 1 || c.terminal !== 1) {
      duplicated++;
      problems.push(`${id}: ${c.received} scan.received and ${c.terminal} terminal audit entries (want 1 and 1)`);
    }
    const detections = await store.detections.listByScan(id);
    if (new Set(detections.map((d) => d.id)).size !== detections.length) problems.push(`${id}: repeated detection ids`);
    const alerts = await store.alerts.listByScan(id);
    const perModel = new Map<string, number>();
    for (const a of alerts) perModel.set(`${a.modelId}@${a.modelVersion}`, (perModel.get(`${a.modelId}@${a.modelVersion}`) ?? 0) + 1);
    for (const [m, n] of perModel) if (n > 1) problems.push(`${id}: ${n} alerts from ${m}`);
  }
  // Nothing half-moved: an empty inbox, nothing quarantined, no temporary file in the image store.
  const inbox = (await fs.readdir(lane.inbox)).filter((n) => !n.startsWith('.'));
  if (inbox.length) problems.push(`left in the inbox: ${inbox.join(', ')}`);
  const rejectedDir = path.join(lane.dataDir, 'rejected');
  const rejected = fsSync.existsSync(rejectedDir) ? await fs.readdir(rejectedDir) : [];
  for (const r of rejected) {
    // The adapter's own reason, so that a failure says why the package was quarantined.
    const reason = await fs.readFile(path.join(rejectedDir, r, 'reason.json'), 'utf8').catch(() => '(no reason.json)');
    problems.push(`quarantined: ${r}: ${reason.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
  const tmp = await findTemporary(lane.env.IMAGE_STORE_DIR || path.join(lane.dataDir, 'images'));
  if (tmp.length) problems.push(`temporary files in the image store: ${tmp.slice(0, 3).join(', ')}`);
  expect(problems).toEqual([]);
  return { scans: ids.length, analysed, failed, lost, duplicated };
}

async function findTemporary(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries: fsSync.Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else if (e.name.includes('.incoming') || e.name.endsWith('.tmp')) out.push(path.join(d, e.name));
    }
  };
  await walk(dir);
  return out;
}

/** One line of the fault table, printed and appended to FAULTS_REPORT (JSON lines) when set. */
export function report(fault: string, t: Tally, recoverySeconds: number | null, note = ''): void {
  const row = { fault, injected: 1, scans: t.scans, survived: t.analysed + t.failed - t.duplicated, lost: t.lost, duplicated: t.duplicated, recoverySeconds, note };
  console.log(
    `[fault] ${fault}: ${t.scans} scans, ${t.analysed} analysed, ${t.failed} failed, lost ${t.lost}, duplicated ${t.duplicated}` +
      (recoverySeconds === null ? '' : `, recovery ${recoverySeconds.toFixed(1)} s`) +
      (note ? ` (${note})` : ''),
  );
  if (process.env.FAULTS_REPORT) fsSync.appendFileSync(process.env.FAULTS_REPORT, `${JSON.stringify(row)}\n`);
}

/** Waits until `fn` is true (polling), or fails with `what`. */
export async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
