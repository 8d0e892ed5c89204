/**
 * Image route benchmark (issue 10 finding 9: 38 req/s, p99 1.6 s without a cache): N requests for
 * the display PNG of one simulated 40-ft container scan through the real API (inject), cold then
 * cached; prints req/s and p50/p99. Run: npx tsx tests/benchmarks/image-route.ts [--n 60]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '#services/api/app.ts';
import { systemActor } from '#services/core/access.ts';
import { loadConfig } from '#services/core/config.ts';
import { createAccessService } from '#services/access/service.ts';
import { simulateScan } from '#adapter/simulator/index.ts';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { openStore } from '#services/store/database.ts';
import { makeScan } from '../store/factories.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '60' } } });
const n = Number(values.n);
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-bench-img-'));
const store = await openStore({ sqlitePath: path.join(dir, 'db.sqlite') });
const images = new ImageStore(path.join(dir, 'images'));
const sim = simulateScan({ seed: 5, index: 0, scenario: 'ivory', source: 'linac', conveyance: 'container' });
await writeScanPackage(path.join(dir, 'pkg'), sim.metadata, { width: sim.width, height: sim.height, data: sim.high }, { width: sim.width, height: sim.height, data: sim.low });
const high = await images.put(path.join(dir, 'pkg', sim.metadata.images.high));
await store.scans.insert(makeScan('bench-1', { metadata: sim.metadata, images: [{ energy: 'high', sha256: high.sha256, width: sim.width, height: sim.height, bytes: high.bytes }] }));
const app = await buildApp({ config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images }, { logger: false, processMetrics: false });
await createAccessService(store).createUser(systemActor('cli'), { username: 'bench', role: 'inspector', lanes: null, password: 'bench-password-1' });
const { token } = (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'bench', password: 'bench-password-1' } })).json() as { token: string };
const headers = { authorization: `Bearer ${token}` };

async function round(label: string, windowOf: (i: number) => string): Promise<void> {
  const ms: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await app.inject({ url: `/v1/scans/bench-1/image?energy=high&format=png&window=${windowOf(i)}`, headers });
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
    ms.push(performance.now() - t);
  }
  const s = (performance.now() - t0) / 1000;
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(1);
  console.log(`${label.padEnd(34)} ${(n / s).toFixed(1).padStart(7)} req/s   p50 ${q(0.5).padStart(7)} ms   p99 ${q(0.99).padStart(7)} ms`);
}

console.log(`image ${sim.width}×${sim.height} px, ${n} requests each (every view is audited)`);
await round('distinct windows (cache misses)', (i) => `0,${(2 + i * 0.01).toFixed(2)}`);
await round('same window (cached rendering)', () => 'auto');
await app.close();
await store.close();
await fs.rm(dir, { recursive: true, force: true });
