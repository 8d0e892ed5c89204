/**
 * Virtual scanner CLI: writes N scan packages (scan.json, high.tiff, low.tiff, truth.json) into DIR/<scanId>/.
 *   npm run simulate -- --out DIR --count N --seed S [--source linac|tube] [--scenario NAME] [--lane ID] [--dose N]
 *                       [--conveyance container|truck|pallet|parcel] [--fog F] [--start I]
 * Same arguments ⇒ same bytes.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeScanPackage } from '../scan-package/write.ts';
import type { ConveyanceType } from '../scan-package/types.ts';
import { SCENARIOS, simulateScan } from './index.ts';

function usage(msg?: string): never {
  if (msg) process.stderr.write(`error: ${msg}\n`);
  process.stderr.write(
    'usage: npm run simulate -- --out DIR --count N --seed S [--source linac|tube] [--scenario ' +
      SCENARIOS.join('|') +
      '] [--lane ID] [--dose N] [--conveyance container|truck|pallet|parcel] [--fog F] [--start I]\n',
  );
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        count: { type: 'string', default: '1' },
        seed: { type: 'string', default: '1' },
        source: { type: 'string', default: 'linac' },
        scenario: { type: 'string', default: 'mixed' },
        lane: { type: 'string' },
        dose: { type: 'string' },
        conveyance: { type: 'string' },
        fog: { type: 'string' },
        start: { type: 'string', default: '0' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage();
  if (!values.out) usage('--out is required');
  const count = Number(values.count);
  const seed = Number(values.seed);
  const start = Number(values.start);
  if (!Number.isInteger(count) || count < 1) usage('--count must be a positive integer');
  if (!Number.isInteger(seed)) usage('--seed must be an integer');
  if (!Number.isInteger(start) || start < 0) usage('--start must be a non-negative integer');
  if (values.source !== 'linac' && values.source !== 'tube') usage('--source must be linac or tube');
  if (!(SCENARIOS as readonly string[]).includes(values.scenario!)) usage(`unknown scenario ${values.scenario}`);
  const dose = values.dose === undefined ? undefined : Number(values.dose);
  if (dose !== undefined && !(dose > 0)) usage('--dose must be > 0');
  const fog = values.fog === undefined ? undefined : Number(values.fog);
  if (fog !== undefined && !(fog >= 0 && fog <= 0.5)) usage('--fog must be in 0..0.5');
  const conv = values.conveyance as ConveyanceType | undefined;
  if (conv !== undefined && !['container', 'truck', 'pallet', 'parcel'].includes(conv)) usage('bad --conveyance');

  const times: number[] = [];
  const tAll = performance.now();
  for (let k = 0; k < count; k++) {
    const t0 = performance.now();
    const scan = simulateScan({
      seed,
      index: start + k,
      scenario: values.scenario!,
      source: values.source,
      ...(values.lane !== undefined ? { laneId: values.lane } : {}),
      ...(dose !== undefined ? { dose } : {}),
      ...(fog !== undefined ? { fog } : {}),
      ...(conv !== undefined ? { conveyance: conv } : {}),
    });
    const tGen = performance.now() - t0;
    times.push(tGen);
    const dir = path.join(values.out, scan.metadata.scanId);
    await writeScanPackage(
      dir,
      scan.metadata,
      { width: scan.width, height: scan.height, data: scan.high },
      { width: scan.width, height: scan.height, data: scan.low },
      scan.truth,
    );
    const total = (performance.now() - t0) / 1000;
    if (count <= 50 || k % 10 === 9 || k === count - 1) {
      process.stderr.write(`[${k + 1}/${count}] ${scan.metadata.scanId} ${total.toFixed(2)} s (${scan.width}×${scan.height}, ${scan.truth.objects.length} objects)\n`);
    }
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  process.stderr.write(
    `done: ${count} package(s) in ${path.resolve(values.out)}; mean generation ${mean.toFixed(0)} ms/scan (excluding TIFF writing); total ${((performance.now() - tAll) / 1000).toFixed(1)} s\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`simulate failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
