/**
 * Labelled scans for calibration and evaluation: either simulated on the fly (seeded, so a
 * split is reproducible) or read from a folder of scan packages with truth.json (an agency's
 * own labelled archive). Ground truth is kept beside the scan, never passed to the analysis.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ScanMetadata, ScanTruth } from '../../scanner-adapter/src/scan-package/types.ts';
import type { DecodedImage } from '../../workers/src/analysis/preprocess.ts';

export interface LabelledScan {
  metadata: ScanMetadata;
  images: { high: DecodedImage; low?: DecodedImage };
  truth: ScanTruth;
  /** Full-resolution object masks by object id (simulator only). */
  masks?: Map<string, Uint8Array>;
}

/** Which items of a split this process takes: items i with i % shards === shard. */
export interface Sharding {
  shard: number;
  shards: number;
  withMasks?: boolean;
}

export interface SimulatedSplit {
  seed: number;
  count: number;
  scenario: string;
  source: 'linac' | 'tube';
  /** Photons per pixel in air, cycled over the scans (scan i gets doses[i % n]); default: the simulator's. */
  doses?: number[];
}

export async function* simulatedScans(spec: SimulatedSplit, part: Sharding = { shard: 0, shards: 1 }): AsyncGenerator<LabelledScan> {
  const { simulateScan } = await import('../../scanner-adapter/src/simulator/index.ts');
  for (let i = part.shard; i < spec.count; i += part.shards) {
    const dose = spec.doses?.length ? spec.doses[i % spec.doses.length] : undefined;
    const s = simulateScan({ seed: spec.seed, index: i, scenario: spec.scenario, source: spec.source, withMasks: part.withMasks, ...(dose ? { dose } : {}) });
    yield {
      masks: s.masks ? new Map(s.masks.map((m) => [m.objectId, m.mask])) : undefined,
      metadata: s.metadata,
      images: { high: { width: s.width, height: s.height, data: s.high }, low: { width: s.width, height: s.height, data: s.low } },
      truth: s.truth,
    };
  }
}

export async function* packageScans(dir: string, part: Sharding = { shard: 0, shards: 1 }): AsyncGenerator<LabelledScan> {
  const { readScanPackage, decodeScanImage } = await import('../../scanner-adapter/src/scan-package/read.ts');
  const names = (await fs.readdir(dir)).sort();
  for (let i = part.shard; i < names.length; i += part.shards) {
    const pkgDir = path.join(dir, names[i]!);
    let truth: ScanTruth;
    try {
      truth = JSON.parse(await fs.readFile(path.join(pkgDir, 'truth.json'), 'utf8')) as ScanTruth;
    } catch {
      continue; // unlabelled package: nothing to measure against
    }
    const pkg = await readScanPackage(pkgDir);
    const high = await decodeScanImage(pkg.imagePaths.high);
    const low = pkg.imagePaths.low ? await decodeScanImage(pkg.imagePaths.low) : undefined;
    yield { metadata: pkg.metadata, images: { high, low }, truth };
  }
}
