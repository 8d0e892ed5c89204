/** Small real scan packages for tests (16-bit TIFFs written by the format's own writer). */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ScanMetadata } from '#adapter/scan-package/types.ts';
import { writeScanPackage } from '#adapter/scan-package/write.ts';

export function metadata(scanId: string, over: Partial<ScanMetadata> = {}): ScanMetadata {
  return {
    format: 'xray-scan-package/1',
    scanId,
    laneId: 'lane-1',
    scannedAt: '2026-11-28T08:00:00Z',
    scanner: { vendor: 'test', model: 'fixture', serial: '0' },
    source: { kind: 'linac', highMeV: 6, lowMeV: 4 },
    pixelSpacingMm: { x: 5, y: 5 },
    images: { high: 'high.tiff', low: 'low.tiff' },
    airValue: 60000,
    conveyance: { type: 'container' },
    manifest: { declarations: [{ hsCode: '8479.89', description: 'machinery' }] },
    ...over,
  };
}

export function gradient(width: number, height: number, seed = 1): Uint16Array {
  const a = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) a[y * width + x] = 20000 + ((x * 37 + y * 11 + seed * 101) % 30000);
  return a;
}

export async function writePackage(dir: string, scanId: string, over: Partial<ScanMetadata> = {}, size = { width: 64, height: 32 }, seed = 1): Promise<string> {
  const meta = metadata(scanId, over);
  const img = { ...size, data: gradient(size.width, size.height, seed) };
  await writeScanPackage(dir, meta, img, meta.images.low ? { ...size, data: gradient(size.width, size.height, seed + 1) } : undefined);
  return dir;
}

/** Writes scan.json as given (even invalid), with valid 16-bit images beside it. */
export async function writeRawPackage(dir: string, scanJson: string | object, images: Record<string, Buffer>): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, buf] of Object.entries(images)) await fs.writeFile(path.join(dir, name), buf);
  await fs.writeFile(path.join(dir, 'scan.json'), typeof scanJson === 'string' ? scanJson : JSON.stringify(scanJson));
  return dir;
}

export async function tiff16(width: number, height: number, seed = 1): Promise<Buffer> {
  return sharp(gradient(width, height, seed), { raw: { width, height, channels: 1 } }).toColourspace('grey16').tiff({ compression: 'deflate' }).toBuffer();
}

export async function tiff8(width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.alloc(width * height, 128), { raw: { width, height, channels: 1 } }).toColourspace('b-w').tiff().toBuffer();
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
