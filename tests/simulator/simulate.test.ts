import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS, simulateScan } from '#adapter/simulator/index.ts';
import { decodeScanImage, readScanPackage } from '#adapter/scan-package/read.ts';
import { writeScanPackage } from '#adapter/scan-package/write.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function sameBytes(a: Uint16Array, b: Uint16Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('simulateScan', () => {
  it('is deterministic by seed and index', () => {
    const a = simulateScan({ seed: 5, index: 2, source: 'tube', conveyance: 'parcel', scenario: 'ivory' });
    const b = simulateScan({ seed: 5, index: 2, source: 'tube', conveyance: 'parcel', scenario: 'ivory' });
    const c = simulateScan({ seed: 6, index: 2, source: 'tube', conveyance: 'parcel', scenario: 'ivory' });
    expect(sameBytes(a.high, b.high) && sameBytes(a.low, b.low)).toBe(true);
    expect(JSON.stringify(a.truth)).toBe(JSON.stringify(b.truth));
    expect(JSON.stringify(a.metadata)).toBe(JSON.stringify(b.metadata));
    expect(sameBytes(a.high, c.high)).toBe(false);
    expect(a.metadata.scanId).toBe('sim-5-000002');
  });

  it('writes byte-identical packages for the same seed; the reader accepts them', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'sim-det-'));
    dirs.push(root);
    const files: Buffer[][] = [];
    for (const run of ['a', 'b']) {
      const s = simulateScan({ seed: 3, index: 0, source: 'linac', scenario: 'ivory' });
      const dir = path.join(root, run, s.metadata.scanId);
      await writeScanPackage(dir, s.metadata, { width: s.width, height: s.height, data: s.high }, { width: s.width, height: s.height, data: s.low }, s.truth);
      files.push(await Promise.all(['scan.json', 'high.tiff', 'low.tiff', 'truth.json'].map((f) => readFile(path.join(dir, f)))));
      const pkg = await readScanPackage(dir);
      expect(pkg.width).toBe(s.width);
      expect(pkg.height).toBe(s.height);
      expect(s.width).toBeGreaterThan(1200); // container
      for (const f of ['high.tiff', 'low.tiff']) {
        const md = await sharp(path.join(dir, f)).metadata();
        expect([md.format, md.channels, md.depth, md.width, md.height]).toEqual(['tiff', 1, 'ushort', s.width, s.height]);
      }
      const img = await decodeScanImage(pkg.imagePaths.high);
      expect(sameBytes(img.data, s.high)).toBe(true);
    }
    for (let i = 0; i < 4; i++) expect(files[0]![i]!.equals(files[1]![i]!)).toBe(true);
  });

  it('produces each scenario with consistent truth, boxes and masks', () => {
    for (const scenario of SCENARIOS) {
      for (const [source, conveyance] of [
        ['tube', 'parcel'],
        ['tube', 'pallet'],
      ] as const) {
        for (let index = 0; index < 3; index++) {
          const s = simulateScan({ seed: 11, index, scenario, source, conveyance, withMasks: true });
          expect(s.high.length).toBe(s.width * s.height);
          expect(s.truth.scenario).toBe(scenario);
          const classes = s.truth.objects.map((o) => o.class);
          if (scenario === 'benign' || scenario === 'timber_honest') expect(classes.some((c) => c === 'ivory' || c === 'rhino_horn')).toBe(false);
          if (scenario === 'ivory') expect(classes).toContain('ivory');
          if (scenario === 'rhino_horn') expect(classes).toContain('rhino_horn');
          if (scenario === 'timber_honest' || scenario === 'benign') expect(s.truth.manifestTruth.honest).toBe(true);
          if (scenario === 'ivory' || scenario === 'rhino_horn' || scenario === 'cites_timber') expect(s.truth.manifestTruth.honest).toBe(false);
          expect(s.metadata.manifest!.declarations.length).toBeGreaterThan(0);
          for (const o of s.truth.objects) {
            const b = o.boundingBox;
            expect(b.x).toBeGreaterThanOrEqual(0);
            expect(b.y).toBeGreaterThanOrEqual(0);
            expect(b.width).toBeGreaterThan(0);
            expect(b.x + b.width).toBeLessThanOrEqual(s.width);
            expect(b.y + b.height).toBeLessThanOrEqual(s.height);
            if (o.class === 'timber') expect(o.species).toBeTruthy();
            // the box is the tight box of the object's mask
            const m = s.masks!.find((k) => k.objectId === o.id)!.mask;
            let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
            for (let p = 0; p < m.length; p++) {
              if (!m[p]) continue;
              const x = p % s.width;
              const y = (p / s.width) | 0;
              x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
            }
            expect({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }).toEqual(b);
          }
        }
      }
    }
  });

  it('contraband attenuates more than air and is denser than wood in the same scan (tube)', () => {
    const s = simulateScan({ seed: 2, index: 0, scenario: 'ivory', source: 'tube', conveyance: 'parcel', withMasks: true });
    const iv = s.truth.objects.find((o) => o.class === 'ivory')!;
    expect(iv.densityGcm3!).toBeGreaterThanOrEqual(1.7);
    expect(iv.densityGcm3!).toBeLessThanOrEqual(2.0);
    const m = s.masks!.find((k) => k.objectId === iv.id)!.mask;
    let min = 65535;
    for (let p = 0; p < m.length; p++) if (m[p]) min = Math.min(min, s.high[p]!);
    expect(min).toBeLessThan(s.metadata.airValue * 0.8);
  });
});
