/**
 * Generation-time benchmark: keeps an eye on simulator speed (training builds thousands of scans).
 *   npx tsx scanner-adapter/src/simulator/bench.ts [N=20] [linac|tube] [--scanner FAMILY[,FAMILY…]] [--scanner-seed S]
 * Prints per-scan ms (mean, p95, max) for simulateScan (both energies, no file writing) and memory,
 * for the legacy scanner, or for each given scanner family (one scanner drawn per family).
 */
import { parseArgs } from 'node:util';
import { drawScanner, simulateScan, type VirtualScanner } from './index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { scanner: { type: 'string' }, 'scanner-seed': { type: 'string', default: '1' } },
});
const n = Number(positionals[0] ?? 20);
const source = (positionals[1] ?? 'linac') as 'linac' | 'tube';
const scanners: Array<VirtualScanner | undefined> = values.scanner ? values.scanner.split(',').map((f) => drawScanner(Number(values['scanner-seed']), f)) : [undefined];

for (const scanner of scanners) {
  const kind = scanner?.kind ?? source;
  simulateScan({ seed: 999, ...(scanner ? { scanner } : { source }) }); // warm-up (JIT, NIST tables)
  const ms: number[] = [];
  const big: number[] = [];
  let px = 0;
  let peakRss = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const s = simulateScan({ seed: 42, index: i, scenario: 'mixed', ...(scanner ? { scanner } : { source }) });
    ms.push(performance.now() - t0);
    px += s.width * s.height;
    // 40' and 45' containers (≥ 12 m)
    if (s.metadata.conveyance?.type === 'container' && s.width * s.metadata.pixelSpacingMm.x > 12000) big.push(ms[ms.length - 1]!);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  ms.sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / n;
  const p95 = ms[Math.min(n - 1, Math.ceil(0.95 * n) - 1)]!;
  const mem = process.memoryUsage();
  const label = scanner ? `${scanner.family} (${scanner.serial}, ${scanner.pixelSpacingMm.x}×${scanner.pixelSpacingMm.y} mm)` : `legacy ${kind}`;
  console.log(
    `${n} ${label} scans: mean ${mean.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${ms[n - 1]!.toFixed(0)} ms; ` +
      (big.length ? `40/45-ft containers (${big.length}): mean ${(big.reduce((a, b) => a + b, 0) / big.length).toFixed(0)} ms, max ${Math.max(...big).toFixed(0)} ms; ` : '') +
      `mean ${(px / n / 1e6).toFixed(2)} Mpx/scan; rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB (peak ${(peakRss / 2 ** 20).toFixed(0)} MiB), heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
}
