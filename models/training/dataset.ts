/**
 * Builds training data: model inputs made by the worker's own preprocessing (so training sees
 * exactly what inference sees) and target maps from ground truth.
 *
 *   npm run dataset -- --config models/training/configs/wildlife-timber-fcn.json --split train
 *   npm run dataset -- --config … --split val --packages /archive/labelled   (an agency's own scans)
 *   npm run dataset -- --config … --split train --add-packages /agency/tip  (the simulated split plus those packages)
 *
 * Output: <out>/<split>/shard-<k>.{in.i16,tg.u8,json}. Inputs are stored as int16 = x·2048
 * (x = the card's input representation: scaled basis area densities, which can be slightly
 * negative from noise, or scaled attenuation), targets as uint8 (coverage·255 per head, then the
 * group index).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageScans, simulatedScans } from '../evaluation/labelled-scans.ts';
import { isMain } from '#services/core/is-main.ts';
import { DECOMPOSER_VERSION } from '#services/core/physics/decompose.ts';
import { VARIED_CARGO_REVISION } from '#adapter/simulator/index.ts';
import { buildModelInput } from '#workers/analysis/preprocess.ts';
import { buildTargets } from './targets.ts';
import { cardSkeleton, loadTrainingConfig, type TrainingConfig } from './config.ts';

export interface ShardItem {
  scanId: string;
  c: number;
  H: number;
  W: number;
  h: number;
  w: number;
  inOffset: number;
  tgOffset: number;
  /** Heads with any positive cell, for balanced sampling. */
  positives: string[];
  /**
   * Output-grid centres [cy, cx] of look-alikes and machinery: training samples crops around
   * them on purpose (hard negatives), because they, not empty cargo, are what the model confuses.
   */
  hardNegatives: Array<[number, number]>;
}

/** Truth classes that are not contraband but look like it to a detector (packaging wood: to the timber head). */
export const HARD_NEGATIVE_CLASSES: ReadonlySet<string> = new Set(['cattle_horn', 'bone', 'resin_replica', 'plastic_replica', 'pvc_pipe', 'dense_hardwood', 'machinery', 'packaging_wood']);

/** Stored input value = round(x · INPUT_QUANTUM) as int16 (train.py divides by the same). */
export const INPUT_QUANTUM = 2048;

async function buildShard(cfg: TrainingConfig, split: 'train' | 'val' | 'test', outDir: string, shard: number, shards: number, packages?: string, fileIndex = shard): Promise<number> {
  const card = cardSkeleton(cfg);
  const part = { shard, shards, withMasks: true };
  const source = packages ? packageScans(packages, part) : simulatedScans(cfg.dataset[split], part);
  const inPath = path.join(outDir, `shard-${fileIndex}.in.i16`);
  const tgPath = path.join(outDir, `shard-${fileIndex}.tg.u8`);
  const inFile = await fs.open(inPath, 'w');
  const tgFile = await fs.open(tgPath, 'w');
  const items: ShardItem[] = [];
  let inOffset = 0;
  let tgOffset = 0;
  const t0 = Date.now();
  for await (const scan of source) {
    const input = buildModelInput(card, scan.images, scan.metadata.airValue, scan.metadata.pixelSpacingMm, scan.response);
    const [, c, H, W] = input.dims;
    const stride = cfg.output.stride;
    const grid = { factorX: input.factorX, factorY: input.factorY, stride, w: W / stride, h: H / stride };
    const targets = buildTargets(scan.truth, scan.images.high.width, scan.images.high.height, grid, card.output.timberGroups!.groups, scan.masks);
    const q = new Int16Array(input.data.length);
    for (let i = 0; i < q.length; i++) q[i] = Math.max(-32768, Math.min(32767, Math.round(input.data[i]! * INPUT_QUANTUM)));
    await inFile.write(Buffer.from(q.buffer));
    await tgFile.write(Buffer.from(targets.buffer));
    const plane = grid.w * grid.h;
    const positives = ['ivory', 'rhino_horn', 'timber'].filter((_, k) => targets.subarray(k * plane, (k + 1) * plane).some((v) => v >= 128));
    const cellW = grid.factorX * stride;
    const cellH = grid.factorY * stride;
    const hardNegatives = scan.truth.objects
      .filter((o) => HARD_NEGATIVE_CLASSES.has(o.class))
      .map((o): [number, number] => [
        Math.min(grid.h - 1, Math.floor((o.boundingBox.y + o.boundingBox.height / 2) / cellH)),
        Math.min(grid.w - 1, Math.floor((o.boundingBox.x + o.boundingBox.width / 2) / cellW)),
      ]);
    items.push({ scanId: scan.metadata.scanId, c, H, W, h: grid.h, w: grid.w, inOffset, tgOffset, positives, hardNegatives });
    inOffset += q.byteLength;
    tgOffset += targets.byteLength;
    if (items.length % 25 === 0) {
      process.stderr.write(`[dataset ${split} shard ${shard}/${shards}] ${items.length} scans, ${((Date.now() - t0) / items.length).toFixed(0)} ms/scan\n`);
    }
  }
  await inFile.close();
  await tgFile.close();
  await fs.writeFile(path.join(outDir, `shard-${fileIndex}.json`), JSON.stringify({ items }, null, 0));
  return items.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'models/training/configs/wildlife-timber-fcn.json' },
      split: { type: 'string', default: 'train' },
      out: { type: 'string' },
      packages: { type: 'string' },
      // Fine-tuning on the usual data plus an agency's packages (e.g. threat image projection output,
      // docs/models.md): the split as configured (or --packages) in shards 0..n-1, these in n..2n-1.
      'add-packages': { type: 'string' },
      workers: { type: 'string', default: '2' },
      shard: { type: 'string' },
      'shard-file': { type: 'string' },
    },
  });
  const cfg = await loadTrainingConfig(values.config!);
  const split = values.split as 'train' | 'val' | 'test';
  const outDir = path.resolve(values.out ?? path.join('models/training/.cache', cfg.id, split));
  if (values.shard) {
    const [k, n] = values.shard.split('/').map(Number) as [number, number];
    const count = await buildShard(cfg, split, outDir, k, n, values.packages, values['shard-file'] === undefined ? k : Number(values['shard-file']));
    process.send?.({ count });
    return;
  }
  await fs.rm(outDir, { recursive: true, force: true });
  await fs.mkdir(outDir, { recursive: true });
  const n = Math.max(1, Number(values.workers));
  const t0 = Date.now();
  const extra = values['add-packages'];
  const jobs = [
    ...Array.from({ length: n }, (_, k) => ({ k, file: k, packages: values.packages })),
    ...(extra ? Array.from({ length: n }, (_, k) => ({ k, file: n + k, packages: extra })) : []),
  ];
  const counts = await Promise.all(
    jobs.map(({ k, file, packages }) =>
      new Promise<number>((resolve, reject) => {
        const args = ['--config', values.config!, '--split', split, '--out', outDir, '--shard', `${k}/${n}`, '--shard-file', String(file)];
        if (packages) args.push('--packages', packages);
        const child = fork(new URL(import.meta.url).pathname, args, { execArgv: process.execArgv });
        let count = 0;
        child.on('message', (m: { count: number }) => (count = m.count));
        child.on('exit', (code) => (code === 0 ? resolve(count) : reject(new Error(`shard ${file} exited ${code}`))));
      }),
    ),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  const added = extra ? counts.slice(n).reduce((a, b) => a + b, 0) : 0;
  await fs.writeFile(
    path.join(outDir, 'dataset.json'),
    JSON.stringify({ config: cfg.id, split, shards: jobs.length, scans: total, decomposer: DECOMPOSER_VERSION, source: values.packages ?? 'simulator', ...(values.packages ? {} : { spec: cfg.dataset[split as 'train' | 'val'], cargo: VARIED_CARGO_REVISION }), ...(extra ? { addedPackages: extra, addedScans: added } : {}) }, null, 2),
  );
  console.log(`dataset ${split}: ${total} scans in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${outDir}`);
}

if (isMain(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
