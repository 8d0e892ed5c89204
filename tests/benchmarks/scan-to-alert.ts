/**
 * Benchmark: scan-to-verdict time through the whole system (hot folder → Redis/BullMQ →
 * worker → store → SSE), for N simulated container scans arriving like a lane's traffic.
 *
 *   npm run bench:pipeline -- [--count 50] [--interval-ms 2000] [--seed 4242] [--database-url URL]
 *
 * Time is measured from the moment a finished package is moved into the inbox to the moment
 * the API's SSE stream announces the verdict. Prints median/p95 and a breakdown.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startAdapter } from '#adapter/main.ts';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { simulateScan } from '#adapter/simulator/index.ts';
import { startApi } from '#services/api/main.ts';
import { loadConfig } from '#services/core/config.ts';
import type { ScanRecord } from '#services/core/domain.ts';
import { startWorker } from '#workers/main.ts';
import { TEST_ADMIN_PASSWORD, loginAtUrl } from '../helpers/auth.ts';
import { collectEvents } from '../helpers/sse.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '50' },
    'interval-ms': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '4242' },
    'database-url': { type: 'string' },
    'settle-ms': { type: 'string', default: '1000' },
  },
});
const count = Number(values.count);
const interval = Number(values['interval-ms']);

const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))]!;
const fmt = (a: number[]) => `median ${pct(a, 0.5).toFixed(0)} ms, p95 ${pct(a, 0.95).toFixed(0)} ms, max ${Math.max(...a).toFixed(0)} ms`;

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-bench-'));
const config = loadConfig({
  ...process.env,
  DATA_DIR: root,
  QUEUE_PREFIX: `bench_${randomBytes(3).toString('hex')}`,
  DATABASE_URL: values['database-url'] ?? '',
  DATABASE_SCHEMA: values['database-url'] ? `bench_${randomBytes(3).toString('hex')}` : '',
  PORT: '0',
  INBOX_POLL_MS: '100',
  INBOX_SETTLE_MS: values['settle-ms'],
  LOG_LEVEL: 'warn',
  ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
});

console.error(`generating ${count} container scans (seed ${values.seed}, scenario mixed)…`);
const staging = path.join(root, 'staging');
const ids: string[] = [];
for (let i = 0; i < count; i++) {
  const s = simulateScan({ seed: Number(values.seed), index: i, scenario: 'mixed', source: 'linac', laneId: 'lane-bench' });
  await writeScanPackage(path.join(staging, s.metadata.scanId), s.metadata, { width: s.width, height: s.height, data: s.high }, { width: s.width, height: s.height, data: s.low });
  ids.push(s.metadata.scanId);
  if ((i + 1) % 10 === 0) console.error(`  ${i + 1}/${count}`);
}

const worker = await startWorker(config, () => {});
const adapter = await startAdapter(config, () => {});
const api = await startApi(config);
const done = new Map<string, number>();
const dropped = new Map<string, number>();
const auth = (await loginAtUrl(api.url, 'inspector')).headers;
const ctrl = collectEvents(`${api.url}/v1/events`, [], (e) => {
  const d = e.data as { scanId: string; status?: string };
  if (e.event === 'scan.status' && (d.status === 'analysed' || d.status === 'failed') && !done.has(d.scanId)) done.set(d.scanId, e.at);
}, auth);
await new Promise((r) => setTimeout(r, 300));

console.error(`dropping one scan every ${interval} ms…`);
const t0 = performance.now();
for (const [i, id] of ids.entries()) {
  dropped.set(id, performance.now());
  await fs.rename(path.join(staging, id), path.join(config.inboxDir, id));
  if ((i + 1) % 10 === 0) console.error(`  dropped ${i + 1}/${count}, verdicts so far ${done.size}`);
  if (i < ids.length - 1) await new Promise((r) => setTimeout(r, interval));
}
const deadline = Date.now() + 600_000;
while (done.size < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
const wall = performance.now() - t0;

const e2e: number[] = [];
const queueWait: number[] = [];
const decode: number[] = [];
const infer: number[] = [];
const inWorker: number[] = [];
let alerts = 0;
let failed = 0;
for (const id of ids) {
  const s = (await (await fetch(`${api.url}/v1/scans/${id}`, { headers: auth })).json()) as ScanRecord;
  if (s.status === 'failed') failed++;
  if (s.verdict === 'alert') alerts++;
  if (done.has(id)) e2e.push(done.get(id)! - dropped.get(id)!);
  const t = s.timings;
  if (t.queuedAt && t.startedAt) queueWait.push(Date.parse(t.startedAt) - Date.parse(t.queuedAt));
  if (t.decodeMs !== undefined) decode.push(t.decodeMs);
  if (t.inferenceMs !== undefined) infer.push(t.inferenceMs);
  if (t.startedAt && t.finishedAt) inWorker.push(Date.parse(t.finishedAt) - Date.parse(t.startedAt));
}
console.log(`\nscan-to-verdict, ${e2e.length}/${count} scans (${failed} failed, ${alerts} alerts), one every ${interval} ms, ${config.databaseUrl ? 'PostgreSQL' : 'SQLite'}, ${os.cpus().length} cores`);
console.log(`  inbox → verdict on SSE: ${fmt(e2e)}   (includes the ${config.inboxSettleMs} ms hot-folder settle time)`);
console.log(`  queue wait:             ${fmt(queueWait)}`);
console.log(`  in worker (total):      ${fmt(inWorker)}`);
console.log(`  decode (2 × 16-bit):    ${fmt(decode)}`);
console.log(`  inference:              ${fmt(infer)}`);
console.log(`  wall time ${(wall / 1000).toFixed(1)} s, throughput ${((ids.length / wall) * 3600_000).toFixed(0)} scans/h, RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);

ctrl.abort();
await adapter.close();
await api.close();
await worker.close();
await fs.rm(root, { recursive: true, force: true });
process.exit(0);
