/**
 * Image route benchmark (issue 10 finding 9: 38 req/s, p99 1.6 s without a cache): N requests for
 * the display PNG of one simulated 40-ft container scan through the real API (inject), cold then
 * cached; prints req/s and p50/p99. Run: npx tsx tests/benchmarks/image-route.ts [--n 60]
 */
import { parseArgs } from 'node:util';
import { makeScan } from '../store/factories.ts';
import { benchFixture } from './fixture.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '60' } } });
const n = Number(values.n);
const { app, store, sim, high, headers, close } = await benchFixture({ prefix: 'cxr-bench-img-', role: 'inspector' });
await store.scans.insert(makeScan('bench-1', { metadata: sim.metadata, images: [high] }));

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
await close();
