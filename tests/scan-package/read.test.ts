import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanPackageError, decodeScanImage, readScanPackage, validateScanMetadata } from '#adapter/scan-package/read.ts';
import { writeScanPackage } from '#adapter/scan-package/write.ts';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'scanpkg-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const W = 40;
const H = 20;
function img(w = W, h = H): { width: number; height: number; data: Uint16Array } {
  const data = new Uint16Array(w * h);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 65535;
  return { width: w, height: h, data };
}
function meta(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'xray-scan-package/1',
    scanId: 'lane3-2026-03-01T10.15.00-0001',
    laneId: 'lane-3',
    scannedAt: '2026-03-01T10:15:00Z',
    scanner: { vendor: 'ACME', model: 'M6', serial: 'X1' },
    source: { kind: 'linac', highMeV: 6, lowMeV: 4 },
    pixelSpacingMm: { x: 5, y: 5 },
    images: { high: 'high.tiff', low: 'low.tiff' },
    conveyance: { type: 'container', id: 'MSKU1234565' },
    manifest: { declarations: [{ hsCode: '4403.49', description: 'Logs', species: 'Tectona grandis', quantity: 12, unit: 'm3' }] },
    ...extra,
  };
}
async function pkgDir(): Promise<string> {
  const d = path.join(root, `p${n++}`);
  await mkdir(d, { recursive: true });
  return d;
}
async function tiff16(file: string, w = W, h = H): Promise<void> {
  const i = img(w, h);
  await sharp(i.data, { raw: { width: w, height: h, channels: 1 } }).toColourspace('grey16').tiff({ compression: 'lzw' }).toFile(file);
}
/** A package with raw scan.json text and given image writers. */
async function makeRaw(json: string, images: Record<string, (f: string) => Promise<void>> = { 'high.tiff': (f) => tiff16(f), 'low.tiff': (f) => tiff16(f) }): Promise<string> {
  const d = await pkgDir();
  for (const [name, w] of Object.entries(images)) await w(path.join(d, name));
  await writeFile(path.join(d, 'scan.json'), json);
  return d;
}
async function expectCode(p: Promise<unknown>, code: string, field?: string): Promise<ScanPackageError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ScanPackageError);
    const err = e as ScanPackageError;
    expect(err.code).toBe(code);
    if (field !== undefined) expect(err.field).toBe(field);
    expect(err.message.length).toBeGreaterThan(10);
    return err;
  }
  throw new Error(`expected ScanPackageError ${code}`);
}

describe('readScanPackage accepts valid packages', () => {
  it('dual-energy package written by writeScanPackage', async () => {
    const d = await pkgDir();
    await writeScanPackage(d, meta() as never, img(), img());
    const p = await readScanPackage(d);
    expect(p.width).toBe(W);
    expect(p.height).toBe(H);
    expect(p.metadata.airValue).toBe(65535); // default applied
    expect(p.imagePaths.low).toBe(path.join(d, 'low.tiff'));
    const dec = await decodeScanImage(p.imagePaths.high);
    expect(Array.from(dec.data.slice(0, 5))).toEqual(Array.from(img().data.slice(0, 5)));
  });
  it('single-energy package without a low image (tube source, airValue given)', async () => {
    const m = meta({ source: { kind: 'tube', highKVp: 160 }, images: { high: 'h.tif' }, airValue: 60000 });
    const d = await makeRaw(JSON.stringify(m), { 'h.tif': (f) => tiff16(f) });
    const p = await readScanPackage(d);
    expect(p.imagePaths.low).toBeUndefined();
    expect(p.metadata.airValue).toBe(60000);
  });
});

describe('readScanPackage rejects malformed packages', () => {
  const fieldCases: Array<[string, Record<string, unknown>, string, string]> = [
    ['missing format', { format: undefined }, 'missing_field', 'format'],
    ['wrong format', { format: 'xray-scan-package/2' }, 'unsupported_format', 'format'],
    ['missing scanId', { scanId: undefined }, 'missing_field', 'scanId'],
    ['scanId with slash', { scanId: '../etc' }, 'bad_scan_id', 'scanId'],
    ['scanId too long', { scanId: 'a'.repeat(129) }, 'bad_scan_id', 'scanId'],
    ['missing laneId', { laneId: undefined }, 'missing_field', 'laneId'],
    ['bad scannedAt', { scannedAt: '01/03/2026 10:15' }, 'invalid_field', 'scannedAt'],
    ['scannedAt without offset', { scannedAt: '2026-03-01T10:15:00' }, 'invalid_field', 'scannedAt'],
    ['missing source', { source: undefined }, 'missing_field', 'source'],
    ['bad source kind', { source: { kind: 'laser', highMeV: 6 } }, 'invalid_field', 'source.kind'],
    ['negative energy', { source: { kind: 'linac', highMeV: -6 } }, 'invalid_field', 'source.highMeV'],
    ['missing pixel spacing', { pixelSpacingMm: undefined }, 'missing_field', 'pixelSpacingMm'],
    ['zero pixel spacing', { pixelSpacingMm: { x: 0, y: 5 } }, 'invalid_field', 'pixelSpacingMm.x'],
    ['airValue out of range', { airValue: 70000 }, 'invalid_field', 'airValue'],
    // Plausibility (issue 10): valid in form, made by no scanner; the analysis could not vouch for it.
    ['airValue 1', { airValue: 1 }, 'implausible_value', 'airValue'],
    ['airValue just under 8 bits of range', { airValue: 255 }, 'implausible_value', 'airValue'],
    ['1000 mm pixels', { pixelSpacingMm: { x: 1000, y: 5 } }, 'implausible_value', 'pixelSpacingMm.x'],
    ['1e-9 mm pixels', { pixelSpacingMm: { x: 5, y: 1e-9 } }, 'implausible_value', 'pixelSpacingMm.y'],
    ['bad conveyance', { conveyance: { type: 'ship' } }, 'invalid_field', 'conveyance.type'],
    ['bad hs code', { manifest: { declarations: [{ hsCode: 'ivory', description: 'x' }] } }, 'invalid_field', 'manifest.declarations[0].hsCode'],
    ['image name with slash', { images: { high: 'sub/high.tiff' } }, 'bad_image_name', 'images.high'],
    ['image name with backslash', { images: { high: 'a\\high.tiff' } }, 'bad_image_name', 'images.high'],
    ['image name ..', { images: { high: '..' } }, 'bad_image_name', 'images.high'],
    ['absolute image name', { images: { high: '/etc/passwd' } }, 'bad_image_name', 'images.high'],
    ['missing images.high', { images: { low: 'low.tiff' } }, 'missing_field', 'images.high'],
  ];
  for (const [name, patch, code, field] of fieldCases) {
    it(name, async () => {
      const d = await makeRaw(JSON.stringify(meta(patch)));
      await expectCode(readScanPackage(d), code, field);
    });
  }

  it('accepts the plausible edges: 0.1 and 50 mm pixels, airValue 256', async () => {
    const edge = await readScanPackage(await makeRaw(JSON.stringify(meta({ pixelSpacingMm: { x: 0.1, y: 50 }, airValue: 256 }))));
    expect(edge.metadata).toMatchObject({ pixelSpacingMm: { x: 0.1, y: 50 }, airValue: 256 });
  });
  it('refuses images too small to be a scan (1×1, 15×20)', async () => {
    for (const [w, h] of [
      [1, 1],
      [15, 20],
    ] as const) {
      const d = await makeRaw(JSON.stringify(meta()), { 'high.tiff': (f) => tiff16(f, w, h), 'low.tiff': (f) => tiff16(f, w, h) });
      await expectCode(readScanPackage(d), 'implausible_value', 'images.high');
    }
  });
  it('refuses a scan longer than 100 m or higher than 10 m (pixel count × spacing)', async () => {
    const long = await makeRaw(JSON.stringify(meta({ pixelSpacingMm: { x: 49, y: 5 } })), {
      'high.tiff': (f) => tiff16(f, 2100, 20),
      'low.tiff': (f) => tiff16(f, 2100, 20),
    });
    await expectCode(readScanPackage(long), 'implausible_value', 'pixelSpacingMm');
    const high = await makeRaw(JSON.stringify(meta({ pixelSpacingMm: { x: 5, y: 40 } })), {
      'high.tiff': (f) => tiff16(f, 40, 260),
      'low.tiff': (f) => tiff16(f, 40, 260),
    });
    await expectCode(readScanPackage(high), 'implausible_value', 'pixelSpacingMm');
  });

  it('validateScanMetadata is pure and throws the same errors', () => {
    expect(() => validateScanMetadata(42)).toThrow(ScanPackageError);
    expect(validateScanMetadata(meta()).airValue).toBe(65535);
  });
  it('scan.json that is not JSON', async () => {
    await expectCode(readScanPackage(await makeRaw('{"format": "xray-scan-package/1",')), 'bad_json');
  });
  it('scan.json that is a JSON array', async () => {
    await expectCode(readScanPackage(await makeRaw('[]')), 'bad_json');
  });
  it('missing scan.json', async () => {
    await expectCode(readScanPackage(await pkgDir()), 'scan_json_missing');
  });
  it('missing image file', async () => {
    await expectCode(readScanPackage(await makeRaw(JSON.stringify(meta()), { 'high.tiff': (f) => tiff16(f) })), 'image_missing', 'images.low');
  });
  it('8-bit image', async () => {
    const d = await makeRaw(JSON.stringify(meta()), {
      'high.tiff': (f) => sharp(Buffer.alloc(W * H, 100), { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').tiff().toFile(f).then(() => undefined),
      'low.tiff': (f) => tiff16(f),
    });
    const e = await expectCode(readScanPackage(d), 'image_not_16bit', 'images.high');
    expect(e.message).toMatch(/16-bit/);
  });
  it('RGB image', async () => {
    const d = await makeRaw(JSON.stringify(meta()), {
      'high.tiff': (f) => tiff16(f),
      'low.tiff': (f) => sharp(Buffer.alloc(W * H * 3, 100), { raw: { width: W, height: H, channels: 3 } }).tiff().toFile(f).then(() => undefined),
    });
    await expectCode(readScanPackage(d), 'image_not_single_channel', 'images.low');
  });
  it('PNG instead of TIFF', async () => {
    const d = await makeRaw(JSON.stringify(meta()), {
      'high.tiff': (f) => sharp(img().data, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toFile(f).then(() => undefined),
      'low.tiff': (f) => tiff16(f),
    });
    await expectCode(readScanPackage(d), 'not_tiff', 'images.high');
  });
  it('garbage image bytes', async () => {
    const d = await makeRaw(JSON.stringify(meta()), { 'high.tiff': (f) => writeFile(f, 'not an image'), 'low.tiff': (f) => tiff16(f) });
    await expectCode(readScanPackage(d), 'not_tiff', 'images.high');
  });
  it('images of different sizes', async () => {
    const d = await makeRaw(JSON.stringify(meta()), { 'high.tiff': (f) => tiff16(f), 'low.tiff': (f) => tiff16(f, W + 1, H) });
    await expectCode(readScanPackage(d), 'image_size_mismatch', 'images.low');
  });
});
