/**
 * Virtual scanner CLI: writes N scan packages (scan.json, high.tiff, low.tiff, truth.json) into DIR/<scanId>/,
 * or, with --calibration, one calibration package (calibration.json, high.tiff, low.tiff) into DIR/<calibrationId>/.
 *   npm run simulate -- --out DIR --count N --seed S [--source linac|tube] [--scenario NAME] [--lane ID] [--dose N]
 *                       [--conveyance container|truck|pallet|parcel] [--fog F] [--start I]
 *                       [--scanner FAMILY|random] [--scanner-seed N] [--cargo legacy|varied] [--calibration]
 *   npm run simulate -- --list-scanners
 * Without --scanner: the project's original single scanner. The same --scanner and --scanner-seed give the same
 * scanner, so a calibration package and the scans of one scanner match. Same arguments ⇒ same bytes.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeScanPackage } from '../scan-package/write.ts';
import type { ConveyanceType } from '../scan-package/types.ts';
import {
  CARGO_MODES,
  SCANNER_FAMILIES,
  SCENARIOS,
  drawScanner,
  simulateCalibration,
  simulateScan,
  trainingFamilies,
  writeCalibrationPackage,
  type CargoMode,
  type VirtualScanner,
} from './index.ts';
import { Rng } from './prng.ts';

function usage(msg?: string): never {
  if (msg) process.stderr.write(`error: ${msg}\n`);
  process.stderr.write(
    'usage: npm run simulate -- --out DIR --count N --seed S [--source linac|tube] [--scenario ' +
      SCENARIOS.join('|') +
      '] [--lane ID] [--dose N] [--conveyance container|truck|pallet|parcel] [--fog F] [--start I]\n' +
      '         [--scanner FAMILY|random] [--scanner-seed N] [--cargo legacy|varied] [--calibration]\n' +
      '       npm run simulate -- --list-scanners\n',
  );
  process.exit(2);
}

function listScanners(): void {
  for (const f of SCANNER_FAMILIES) process.stdout.write(`${f.id.padEnd(18)} ${f.kind.padEnd(5)} ${f.heldOut ? 'held out' : 'training'}\n`);
}

/** The scanner --scanner/--scanner-seed select (random: a training family of the source kind, drawn from the seed). */
function selectScanner(spec: string, seed: number, source: 'linac' | 'tube' | undefined): VirtualScanner {
  if (spec === 'random') {
    const kind = source ?? 'linac';
    return drawScanner(seed, new Rng(seed, 0xfa31).pick(trainingFamilies(kind)));
  }
  const f = SCANNER_FAMILIES.find((x) => x.id === spec);
  if (!f) usage(`unknown scanner family ${spec} (npm run simulate -- --list-scanners)`);
  if (source !== undefined && source !== f.kind) usage(`--source ${source} does not match scanner family ${spec} (${f.kind})`);
  return drawScanner(seed, f.id);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        count: { type: 'string', default: '1' },
        seed: { type: 'string', default: '1' },
        source: { type: 'string' },
        scenario: { type: 'string', default: 'mixed' },
        lane: { type: 'string' },
        dose: { type: 'string' },
        conveyance: { type: 'string' },
        fog: { type: 'string' },
        start: { type: 'string', default: '0' },
        scanner: { type: 'string' },
        'scanner-seed': { type: 'string', default: '1' },
        cargo: { type: 'string' },
        calibration: { type: 'boolean' },
        'list-scanners': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage();
  if (values['list-scanners']) return listScanners();
  if (!values.out) usage('--out is required');
  const count = Number(values.count);
  const seed = Number(values.seed);
  const start = Number(values.start);
  const scannerSeed = Number(values['scanner-seed']);
  if (!Number.isInteger(count) || count < 1) usage('--count must be a positive integer');
  if (!Number.isInteger(seed)) usage('--seed must be an integer');
  if (!Number.isInteger(start) || start < 0) usage('--start must be a non-negative integer');
  if (!Number.isSafeInteger(scannerSeed) || scannerSeed < 0) usage('--scanner-seed must be a non-negative integer');
  if (values.source !== undefined && values.source !== 'linac' && values.source !== 'tube') usage('--source must be linac or tube');
  if (!(SCENARIOS as readonly string[]).includes(values.scenario!)) usage(`unknown scenario ${values.scenario}`);
  const dose = values.dose === undefined ? undefined : Number(values.dose);
  if (dose !== undefined && !(dose > 0)) usage('--dose must be > 0');
  const fog = values.fog === undefined ? undefined : Number(values.fog);
  if (fog !== undefined && !(fog >= 0 && fog <= 0.5)) usage('--fog must be in 0..0.5');
  const conv = values.conveyance as ConveyanceType | undefined;
  if (conv !== undefined && !['container', 'truck', 'pallet', 'parcel'].includes(conv)) usage('bad --conveyance');
  const cargo = values.cargo as CargoMode | undefined;
  if (cargo !== undefined && !(CARGO_MODES as readonly string[]).includes(cargo)) usage(`--cargo must be ${CARGO_MODES.join(' or ')}`);
  const source = values.source as 'linac' | 'tube' | undefined;
  const scanner = values.scanner !== undefined ? selectScanner(values.scanner, scannerSeed, source) : undefined;

  if (values.calibration) {
    if (!scanner) usage('--calibration needs --scanner');
    const t0 = performance.now();
    const cal = simulateCalibration(scanner, seed);
    const dir = path.join(values.out, cal.calibration.calibrationId);
    await writeCalibrationPackage(dir, cal);
    process.stderr.write(
      `wrote calibration package ${path.resolve(dir)} for ${scanner.serial} (${scanner.family}): ${cal.width}×${cal.height}, ` +
        `${cal.calibration.regions.length} regions, ${((performance.now() - t0) / 1000).toFixed(2)} s\n`,
    );
    return;
  }

  const times: number[] = [];
  const tAll = performance.now();
  for (let k = 0; k < count; k++) {
    const t0 = performance.now();
    const scan = simulateScan({
      seed,
      index: start + k,
      scenario: values.scenario!,
      ...(scanner ? { scanner } : { source: source ?? 'linac' }),
      ...(values.lane !== undefined ? { laneId: values.lane } : {}),
      ...(dose !== undefined ? { dose } : {}),
      ...(fog !== undefined ? { fog } : {}),
      ...(conv !== undefined ? { conveyance: conv } : {}),
      ...(cargo !== undefined ? { cargo } : {}),
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
    `done: ${count} package(s) in ${path.resolve(values.out)}${scanner ? ` from ${scanner.serial} (${scanner.family})` : ''}; ` +
      `mean generation ${mean.toFixed(0)} ms/scan (excluding TIFF writing); total ${((performance.now() - tAll) / 1000).toFixed(1)} s\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`simulate failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
