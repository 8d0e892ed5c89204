/**
 * Calibration phantoms for virtual scanners: a scan of known step blocks (ANSI N42.46-style test
 * objects: open beam, plastics, water, graphite, aluminium, iron, copper, lead) made with the SAME
 * physics and non-idealities as that scanner's cargo scans, written as a calibration package
 * (docs/calibration-package.md). The system fits each scanner's response from it, which is how
 * models get calibrated, scanner-independent inputs.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CALIBRATION_JSON, CALIBRATION_PACKAGE_FORMAT, type CalibrationMetadata, type CalibrationRegion } from '../calibration-package/types.ts';
import { calibrationMaterial, type CalibrationMaterial } from '#services/core/physics/calibration.ts';
import { SCATTER_WINDOW_MM, scannerImages } from './detector.ts';
import { channelSpectrum, massAttenuation, materialInfo, nominalScanner, type SourceKind } from './physics.ts';
import { Rng } from './prng.ts';
import { Scene } from './raster.ts';
import { SCANNER_RANGES, type VirtualScanner } from './scanners.ts';

/**
 * Candidate blocks per source kind (material, thickness along the beam in mm). A scanner's
 * phantom keeps those whose nominal transmission for the declared source stays at or above
 * MIN_PHANTOM_TRANSMISSION in both channels (thin tube blocks for 120/60 kVp, thicker for 200/100).
 */
export const CALIBRATION_PHANTOMS: Record<SourceKind, ReadonlyArray<{ material: CalibrationMaterial; thicknessMm: number }>> = {
  linac: [
    { material: 'polyethylene', thicknessMm: 50 },
    { material: 'polyethylene', thicknessMm: 150 },
    { material: 'polyethylene', thicknessMm: 300 },
    { material: 'pmma', thicknessMm: 100 },
    { material: 'water', thicknessMm: 100 },
    { material: 'water', thicknessMm: 300 },
    { material: 'graphite', thicknessMm: 100 },
    { material: 'aluminium', thicknessMm: 20 },
    { material: 'aluminium', thicknessMm: 60 },
    { material: 'aluminium', thicknessMm: 150 },
    { material: 'iron', thicknessMm: 10 },
    { material: 'iron', thicknessMm: 40 },
    { material: 'iron', thicknessMm: 100 },
    { material: 'iron', thicknessMm: 160 },
    { material: 'copper', thicknessMm: 20 },
    { material: 'copper', thicknessMm: 60 },
    { material: 'lead', thicknessMm: 10 },
    { material: 'lead', thicknessMm: 40 },
  ],
  tube: [
    { material: 'polyethylene', thicknessMm: 10 },
    { material: 'polyethylene', thicknessMm: 50 },
    { material: 'polyethylene', thicknessMm: 150 },
    { material: 'pmma', thicknessMm: 20 },
    { material: 'water', thicknessMm: 20 },
    { material: 'water', thicknessMm: 80 },
    { material: 'graphite', thicknessMm: 20 },
    { material: 'aluminium', thicknessMm: 2 },
    { material: 'aluminium', thicknessMm: 10 },
    { material: 'aluminium', thicknessMm: 30 },
    { material: 'iron', thicknessMm: 0.5 },
    { material: 'iron', thicknessMm: 2 },
    { material: 'iron', thicknessMm: 6 },
    { material: 'copper', thicknessMm: 0.5 },
    { material: 'copper', thicknessMm: 2 },
    { material: 'lead', thicknessMm: 0.2 },
    { material: 'lead', thicknessMm: 1 },
  ],
};

/** Thinnest nominal transmission a phantom block may have (either channel of the declared source). */
export const MIN_PHANTOM_TRANSMISSION = 1e-2;

/**
 * Phantom geometry per kind, mm: block width along travel (≥ 60), gap between blocks, open beam
 * before the first and after the last block, band height (blocks fill a band), gap between bands
 * and above/below them, number of bands.
 */
const GEOMETRY = {
  linac: { block: 300, gap: 100, leadIn: 400, band: 600, bandGap: 100, bands: 2 },
  tube: { block: 120, gap: 30, leadIn: 150, band: 180, bandGap: 30, bands: 2 },
} as const;

export interface SimulatedCalibration {
  /** calibration.json content. */
  calibration: CalibrationMetadata;
  high: Uint16Array;
  low?: Uint16Array;
  width: number;
  height: number;
}

/** Nominal transmission of a block through a declared source (what the phantom's designer knows). */
function nominalTransmissions(s: VirtualScanner, material: CalibrationMaterial, thicknessMm: number): number[] {
  const m = calibrationMaterial(material);
  if (!m) return [1, 1];
  const phys = nominalScanner(s.declaredSource);
  const gcm2 = materialInfo(m).densityGcm3 * (thicknessMm / 10);
  return [phys.high, phys.low!].map((ch) => {
    const sp = channelSpectrum(s.kind, ch);
    return sp.energiesMeV.reduce((t, e, b) => t + sp.weights[b]! * Math.exp(-massAttenuation(m, e) * gcm2), 0);
  });
}

/** The blocks of a scanner's phantom (candidates of its kind above MIN_PHANTOM_TRANSMISSION). */
export function phantomBlocks(s: VirtualScanner): Array<{ material: CalibrationMaterial; thicknessMm: number }> {
  return CALIBRATION_PHANTOMS[s.kind].filter((b) => Math.min(...nominalTransmissions(s, b.material, b.thicknessMm)) >= MIN_PHANTOM_TRANSMISSION);
}

/**
 * Margin (pixels) kept between a region's box and its block's edge: half the scatter window plus
 * three sigmas of the widest blur the scanner ranges allow, plus afterglow and partial-volume
 * pixels. It depends only on the ranges, not on the scanner's undeclared values.
 */
function marginPx(kind: SourceKind, spacing: number): number {
  return Math.ceil(SCATTER_WINDOW_MM[kind] / 2 / spacing + 3 * SCANNER_RANGES.blurSigmaPx[1] + 2);
}

/**
 * Scans a step-block phantom with a virtual scanner (same spectra, fog, blur, afterglow, line
 * gains, stripes, noise, dark, airValue, spacing and travel direction as its cargo scans).
 * Deterministic in (scanner, seed). Regions are the block interiors, shrunk away from the edges.
 */
export function simulateCalibration(scanner: VirtualScanner, seed: number): SimulatedCalibration {
  const g = GEOMETRY[scanner.kind];
  const { x: dx, y: dy } = scanner.pixelSpacingMm;
  const blocks = phantomBlocks(scanner);
  const perBand = Math.ceil(blocks.length / g.bands);
  const lengthMm = 2 * g.leadIn + perBand * g.block + (perBand - 1) * g.gap;
  const heightMm = g.bands * g.band + (g.bands + 1) * g.bandGap;
  const W = Math.ceil(lengthMm / dx);
  const H = Math.ceil(heightMm / dy);
  const scene = new Scene(W, H, dx, dy, false);
  const mx = marginPx(scanner.kind, dx);
  const my = marginPx(scanner.kind, dy);
  const regions: CalibrationRegion[] = [];
  const inner = (x0: number, x1: number, y0: number, y1: number) => {
    const bx0 = Math.ceil(x0 / dx) + mx;
    const bx1 = Math.floor(x1 / dx) - mx;
    const by0 = Math.ceil(y0 / dy) + my;
    const by1 = Math.floor(y1 / dy) - my;
    if (bx1 - bx0 < 2 || by1 - by0 < 2 || (bx1 - bx0) * (by1 - by0) < 16) throw new Error(`phantom block too small for spacing ${dx}×${dy} mm`);
    return { x: bx0, y: by0, width: bx1 - bx0, height: by1 - by0 };
  };
  // open beam before and after the blocks
  regions.push({ material: 'air', thicknessMm: 0, box: inner(0, g.leadIn, g.bandGap, heightMm - g.bandGap) });
  blocks.forEach((b, i) => {
    const band = Math.floor(i / perBand);
    const k = i % perBand;
    const x0 = g.leadIn + k * (g.block + g.gap);
    const y0 = g.bandGap + band * (g.band + g.bandGap);
    const m = calibrationMaterial(b.material)!;
    scene.box(m, materialInfo(m).densityGcm3, x0, x0 + g.block, y0, y0 + g.band, b.thicknessMm / 10, false);
    regions.push({ material: b.material, thicknessMm: b.thicknessMm, box: inner(x0, x0 + g.block, y0, y0 + g.band) });
  });
  regions.push({ material: 'air', thicknessMm: 0, box: inner(lengthMm - g.leadIn, lengthMm, g.bandGap, heightMm - g.bandGap) });

  const { high, low } = scannerImages(scene.maps, W, H, scanner, new Rng(seed, 0xca1b));
  if (scanner.flipTravel) for (const r of regions) r.box.x = W - r.box.x - r.box.width;

  const day = ((seed % 86_400) + 86_400) % 86_400;
  const calibration: CalibrationMetadata = {
    format: CALIBRATION_PACKAGE_FORMAT,
    calibrationId: `cal-${scanner.serial}-${seed}`,
    // before any simulated scan (those start 2026-01-01), so the profile applies to all of them
    acquiredAt: new Date(Date.UTC(2025, 11, 31) + day * 1000).toISOString(),
    scanner: { vendor: scanner.vendor, model: scanner.model, serial: scanner.serial },
    source: { ...scanner.declaredSource },
    pixelSpacingMm: { ...scanner.pixelSpacingMm },
    airValue: scanner.airValue,
    images: { high: 'high.tiff', low: 'low.tiff' },
    regions,
  };
  return { calibration, high, low, width: W, height: H };
}

/**
 * Writes a calibration package directory: validates calibration.json, writes the images, then
 * calibration.json last via a temp file + rename (a watcher never sees a half-written package).
 */
export async function writeCalibrationPackage(dir: string, c: SimulatedCalibration): Promise<void> {
  // loaded here, not at module load: simulateScan users need neither sharp nor the validator
  const { validateCalibrationMetadata } = await import('../calibration-package/validate.ts');
  const { encodeScanImage } = await import('../scan-package/write.ts');
  const meta = validateCalibrationMetadata(JSON.parse(JSON.stringify(c.calibration)));
  if (!c.low !== !meta.images.low) throw new Error('calibration images and images.low disagree');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, meta.images.high), await encodeScanImage({ width: c.width, height: c.height, data: c.high }));
  if (c.low && meta.images.low) await writeFile(path.join(dir, meta.images.low), await encodeScanImage({ width: c.width, height: c.height, data: c.low }));
  const tmp = path.join(dir, `.${CALIBRATION_JSON}.tmp`);
  await writeFile(tmp, JSON.stringify(c.calibration, null, 2) + '\n');
  await rename(tmp, path.join(dir, CALIBRATION_JSON));
}
