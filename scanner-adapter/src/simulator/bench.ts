/**
 * Generation-time benchmark: npx tsx scanner-adapter/src/simulator/bench.ts [N=20] [linac|tube]
 * Prints per-scan ms (mean, p95, max) for simulateScan (both energies, no file writing) and memory.
 */
import { simulateScan } from './index.ts';

const n = Number(process.argv[2] ?? 20);
const source = (process.argv[3] ?? 'linac') as 'linac' | 'tube';
simulateScan({ seed: 999, source }); // warm-up (JIT, NIST tables)
const ms: number[] = [];
const ms40: number[] = [];
let px = 0;
let peakRss = 0;
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const s = simulateScan({ seed: 42, index: i, source, scenario: 'mixed' });
  ms.push(performance.now() - t0);
  px += s.width * s.height;
  if (s.width > 2000) ms40.push(ms[ms.length - 1]!);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
ms.sort((a, b) => a - b);
const mean = ms.reduce((a, b) => a + b, 0) / n;
const p95 = ms[Math.min(n - 1, Math.ceil(0.95 * n) - 1)]!;
const mem = process.memoryUsage();
console.log(
  `${n} ${source} scans: mean ${mean.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${ms[n - 1]!.toFixed(0)} ms; ` +
    (ms40.length ? `40-ft containers (${ms40.length}): mean ${(ms40.reduce((a, b) => a + b, 0) / ms40.length).toFixed(0)} ms, max ${Math.max(...ms40).toFixed(0)} ms; ` : '') +
    `mean ${(px / n / 1e6).toFixed(2)} Mpx/scan; rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB (peak ${(peakRss / 2 ** 20).toFixed(0)} MiB), heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`,
);
