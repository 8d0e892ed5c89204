/**
 * Labelled scans for calibration and evaluation: either simulated on the fly (seeded, so a
 * split is reproducible) or read from a folder of scan packages with truth.json (an agency's
 * own labelled archive). Ground truth is kept beside the scan, never passed to the analysis.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ScanMetadata, ScanTruth } from '#adapter/scan-package/types.ts';
import { fitCalibration } from '#services/core/physics/calibration.ts';
import { measureRegions, type RegionSpec } from '#services/core/physics/measure.ts';
import { nominalResponse, type ScannerResponse } from '#services/core/physics/response.ts';
import type { DecodedImage } from '#workers/analysis/preprocess.ts';

export interface LabelledScan {
  metadata: ScanMetadata;
  images: { high: DecodedImage; low?: DecodedImage };
  truth: ScanTruth;
  /**
   * Full-resolution object masks by object id (1 = object, image frame): the simulator's, or a
   * package's mask files (truth object `"mask"`, e.g. written by `npm run tip`; readObjectMasks).
   * Objects without one are trained as their filled box (models/training/targets.ts).
   */
  masks?: Map<string, Uint8Array>;
  /** The scanner response the analysis uses (its calibration profile, or nominal for the declared source). */
  response: ScannerResponse;
  calibration: 'profile' | 'nominal';
  /** Simulated scanner family (truth side only; the analysis never sees it). */
  scannerFamily?: string;
}

/** A calibration package's content, as the simulator writes it (calibration.json + images). */
export interface CalibrationScan {
  calibration: { source: ScanMetadata['source']; airValue: number; regions: RegionSpec[] };
  high: Uint16Array;
  low?: Uint16Array;
  width: number;
  height: number;
}

/** Fits a calibration scan; null (with the reason on stderr) when the fit is refused. */
export function profileFromCalibrationScan(c: CalibrationScan, label: string): ScannerResponse | null {
  const img = (data: Uint16Array) => ({ width: c.width, height: c.height, data });
  const regions = measureRegions(c.calibration.regions, { high: img(c.high), ...(c.low ? { low: img(c.low) } : {}) }, c.calibration.airValue);
  const fit = fitCalibration(c.calibration.source, regions);
  if (!fit.ok) {
    process.stderr.write(`[calibration ${label}] refused: ${fit.reason}\n`);
    return null;
  }
  return fit.response;
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
  /**
   * Randomised scanners (docs/simulator.md): a pool of `count` virtual scanners drawn from the
   * families (`training`, `held-out`, or explicit family ids) of the split's source kind; scan i
   * uses scanner i % count. Each scanner is calibrated from its own simulated calibration package;
   * a share `nominalFraction` of the scans is analysed with the nominal response instead (as a scanner
   * without a profile would be). Without `scanners`, the project's original single scanner.
   */
  scanners?: { families: 'training' | 'held-out' | string[]; count: number; seed: number; nominalFraction?: number };
}

type Simulator = typeof import('#adapter/simulator/index.ts');

/** The pool's scanners and their fitted responses (null = refused: nominal is used). */
function scannerPoolFor(sim: Simulator, spec: SimulatedSplit): Array<{ scanner: ReturnType<Simulator['drawScanner']>; profile: ScannerResponse | null }> {
  const sc = spec.scanners!;
  const families = sc.families === 'training' ? sim.trainingFamilies(spec.source) : sc.families === 'held-out' ? sim.heldOutFamilies(spec.source) : sc.families;
  return sim.scannerPool(sc.seed, sc.count, [...families]).map((scanner, k) => ({
    scanner,
    profile: profileFromCalibrationScan(sim.simulateCalibration(scanner, sc.seed * 1000 + k), scanner.serial),
  }));
}

export async function* simulatedScans(spec: SimulatedSplit, part: Sharding = { shard: 0, shards: 1 }): AsyncGenerator<LabelledScan> {
  const sim = await import('#adapter/simulator/index.ts');
  const pool = spec.scanners ? scannerPoolFor(sim, spec) : null;
  for (let i = part.shard; i < spec.count; i += part.shards) {
    const dose = spec.doses?.length ? spec.doses[i % spec.doses.length] : undefined;
    const entry = pool ? pool[i % pool.length]! : null;
    const s = sim.simulateScan({
      seed: spec.seed,
      index: i,
      scenario: spec.scenario,
      source: spec.source,
      withMasks: part.withMasks,
      ...(dose ? { dose } : {}),
      ...(entry ? { scanner: entry.scanner } : {}),
    });
    // Deterministic per scan: which scans of a pool go without their profile.
    const nominal = !entry?.profile || ((i * 2654435761) >>> 0) / 2 ** 32 < (spec.scanners?.nominalFraction ?? 0);
    yield {
      masks: s.masks ? new Map(s.masks.map((m) => [m.objectId, m.mask])) : undefined,
      metadata: s.metadata,
      images: { high: { width: s.width, height: s.height, data: s.high }, low: { width: s.width, height: s.height, data: s.low } },
      truth: s.truth,
      response: nominal ? nominalResponse(s.metadata.source) : entry!.profile!,
      calibration: nominal ? 'nominal' : 'profile',
      ...(entry ? { scannerFamily: entry.scanner.family } : {}),
    };
  }
}

/**
 * The object masks a labelled package carries (docs/scan-package.md, truth.json): a truth object's
 * `"mask"` names an 8-bit one-channel PNG inside the package, of the scan's image size, non-zero on
 * the object's pixels. Undefined when no object has one. A mask that cannot be used (outside the
 * package, unreadable, another size or channel count, empty, or reaching outside the object's
 * bounding box, i.e. not registered with it) is an error naming the package and object: training
 * on it would teach the wrong pixels.
 */
export async function readObjectMasks(pkgDir: string, truth: ScanTruth, width: number, height: number): Promise<Map<string, Uint8Array> | undefined> {
  let masks: Map<string, Uint8Array> | undefined;
  for (const o of truth.objects) {
    if (o.mask === undefined) continue;
    const fail = (why: string): never => {
      throw new Error(`package ${pkgDir}: mask of object ${o.id} (${JSON.stringify(o.mask)}): ${why}`);
    };
    if (typeof o.mask !== 'string' || !o.mask || path.isAbsolute(o.mask) || o.mask.includes('\\') || o.mask.split('/').some((s) => s === '..' || s === '')) {
      fail('must be a relative path inside the package');
    }
    const file = path.join(pkgDir, o.mask);
    const { default: sharp } = await import('sharp');
    let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
    let meta: { format?: string; depth?: string; channels?: number };
    try {
      const img = sharp(await fs.readFile(file));
      meta = await img.metadata();
      // (sharp's raw output of a grey PNG is sRGB unless told otherwise)
      decoded = await img.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    } catch (e) {
      return fail(`cannot be read (${(e as Error).message})`);
    }
    if (meta.format !== 'png') fail(`is ${meta.format ?? 'not an image'}, expected PNG`);
    const { depth, channels = 0 } = meta;
    const { data, info } = decoded;
    if (depth !== 'uchar' || channels !== 1 || info.channels !== 1) fail(`must be 8-bit one-channel, is ${depth} with ${channels} channel(s)`);
    if (info.width !== width || info.height !== height) fail(`is ${info.width}×${info.height}, the scan's image ${width}×${height}`);
    const b = o.boundingBox;
    const mask = new Uint8Array(width * height);
    let on = 0;
    let outside = 0;
    for (let q = 0; q < mask.length; q++) {
      if (!data[q]) continue;
      mask[q] = 1;
      on++;
      const x = q % width;
      const y = (q - x) / width;
      if (x < b.x || x >= b.x + b.width || y < b.y || y >= b.y + b.height) outside++;
    }
    if (!on) fail('is empty');
    if (outside) fail(`${outside} of its ${on} pixels lie outside the object's boundingBox`);
    (masks ??= new Map()).set(o.id, mask);
  }
  return masks;
}

/**
 * Scan packages with truth.json in a folder. Calibration packages (calibration.json) in the same
 * folder are fitted first; a scan uses the newest profile of its scanner serial and source kind
 * acquired before it, else the nominal response of its declared source.
 */
export async function* packageScans(dir: string, part: Sharding = { shard: 0, shards: 1 }, opts: { unlabelled?: boolean } = {}): AsyncGenerator<LabelledScan> {
  const { readScanPackage, decodeScanImage } = await import('#adapter/scan-package/read.ts');
  const names = (await fs.readdir(dir)).sort();
  const profiles: Array<{ serial: string; kind: string; acquiredAt: string; response: ScannerResponse }> = [];
  for (const name of names) {
    const file = path.join(dir, name, 'calibration.json');
    let cal: CalibrationScan['calibration'] & { scanner?: { serial?: string }; acquiredAt?: string; images?: { high: string; low?: string } };
    try {
      cal = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch {
      continue;
    }
    const high = await decodeScanImage(path.join(dir, name, cal.images?.high ?? 'high.tiff'));
    const low = cal.images?.low ? await decodeScanImage(path.join(dir, name, cal.images.low)) : undefined;
    const response = profileFromCalibrationScan({ calibration: cal, high: high.data, ...(low ? { low: low.data } : {}), width: high.width, height: high.height }, name);
    if (response && cal.scanner?.serial) profiles.push({ serial: cal.scanner.serial, kind: cal.source.kind, acquiredAt: cal.acquiredAt ?? '', response });
  }
  profiles.sort((a, b) => b.acquiredAt.localeCompare(a.acquiredAt));
  for (let i = part.shard; i < names.length; i += part.shards) {
    const pkgDir = path.join(dir, names[i]!);
    let truth: ScanTruth;
    try {
      truth = JSON.parse(await fs.readFile(path.join(pkgDir, 'truth.json'), 'utf8')) as ScanTruth;
    } catch {
      // Unlabelled: nothing to measure against, unless the caller takes scans as they come (an
      // agency's benign archive has no truth.json); calibration packages are never scans.
      if (!opts.unlabelled || !(await fs.stat(path.join(pkgDir, 'scan.json')).catch(() => null))) continue;
      truth = { format: 'xray-scan-truth/1', scanId: names[i]!, scenario: 'unlabelled', seed: 0, dose: 0, objects: [] } as unknown as ScanTruth;
    }
    const pkg = await readScanPackage(pkgDir);
    const high = await decodeScanImage(pkg.imagePaths.high);
    const low = pkg.imagePaths.low ? await decodeScanImage(pkg.imagePaths.low) : undefined;
    const m = pkg.metadata;
    const profile = profiles.find((p) => p.serial === m.scanner?.serial && p.kind === m.source.kind && p.acquiredAt <= m.scannedAt);
    const masks = await readObjectMasks(pkgDir, truth, high.width, high.height);
    yield {
      ...(masks ? { masks } : {}),
      metadata: m,
      images: { high, low },
      truth,
      response: profile?.response ?? nominalResponse(m.source),
      calibration: profile ? 'profile' : 'nominal',
    };
  }
}
