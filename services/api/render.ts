/**
 * Display rendering of a stored 16-bit transmission image: transmission → attenuation
 * (−ln(v / airValue)) → window → 8 bits, dense = dark as on an operator console.
 * Works through a 65 536-entry lookup table, so cost is one pass over the pixels.
 */
import { LRUCache } from 'lru-cache';
import sharp from 'sharp';
import { attenuation, decodeGrey16, type Grey16Image } from '../core/imaging.ts';

export type DisplayWindow = { kind: 'auto' } | { kind: 'fixed'; lo: number; hi: number };

/** Client mistakes in a window parameter; statusCode makes the error handler answer 400. */
export class BadWindowError extends Error {
  readonly statusCode = 400;
}

/** Parses "auto" or "lo,hi" (attenuation units). The route schema has already checked the shape. */
export function parseWindow(raw: string): DisplayWindow {
  if (raw === 'auto') return { kind: 'auto' };
  const [lo, hi] = raw.split(',').map(Number);
  if (lo === undefined || hi === undefined || !Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
    throw new BadWindowError(`window "${raw}" must be "auto" or "lo,hi" with lo < hi`);
  }
  return { kind: 'fixed', lo, hi };
}



/** 1st and 99th percentile of attenuation, from a histogram of the raw values. */
export function autoWindow(pixels: Uint16Array, airValue: number): { lo: number; hi: number } {
  const hist = new Uint32Array(65536);
  for (let i = 0; i < pixels.length; i++) hist[pixels[i]!]!++;
  const n = pixels.length;
  // Attenuation falls as the value rises: the 1st value percentile is the 99th attenuation one.
  let cum = 0;
  let vLow = 0;
  let vHigh = 65535;
  let foundLow = false;
  for (let v = 0; v < 65536; v++) {
    cum += hist[v]!;
    if (!foundLow && cum >= 0.01 * n) {
      vLow = v;
      foundLow = true;
    }
    if (cum >= 0.99 * n) {
      vHigh = v;
      break;
    }
  }
  const lo = attenuation(vHigh, airValue);
  let hi = attenuation(vLow, airValue);
  if (!(hi - lo > 1e-6)) hi = lo + 1e-3; // flat image: avoid dividing by zero
  return { lo, hi };
}

export function toDisplay8(img: Grey16Image, airValue: number, window: DisplayWindow): Buffer {
  const { lo, hi } = window.kind === 'auto' ? autoWindow(img.data, airValue) : window;
  const lut = new Uint8Array(65536);
  const span = hi - lo;
  for (let v = 0; v < 65536; v++) {
    const t = Math.min(1, Math.max(0, (attenuation(v, airValue) - lo) / span));
    lut[v] = Math.round(255 * (1 - t));
  }
  const out = Buffer.allocUnsafe(img.data.length);
  for (let i = 0; i < img.data.length; i++) out[i] = lut[img.data[i]!]!;
  return out;
}

export async function renderPng(
  file: Buffer,
  opts: { airValue: number; window: DisplayWindow; maxWidth?: number },
): Promise<Buffer> {
  const img = await decodeGrey16(file, 'stored image');
  const grey = toDisplay8(img, opts.airValue, opts.window);
  let pipeline = sharp(grey, { raw: { width: img.width, height: img.height, channels: 1 } });
  if (opts.maxWidth !== undefined && opts.maxWidth < img.width) pipeline = pipeline.resize({ width: opts.maxWidth });
  return pipeline.png({ compressionLevel: 6 }).toBuffer();
}

/**
 * Rendered PNGs by (image hash, air value, window, width): the stored bytes behind a hash never
 * change, so a rendering can be kept. Bounded by total size, least recently used out first.
 * Concurrent requests for the same rendering share one render.
 */
export class RenderCache {
  private readonly cache: LRUCache<string, Buffer>;
  private readonly pending = new Map<string, Promise<Buffer>>();
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.cache = new LRUCache<string, Buffer>({ maxSize: Math.max(1, maxBytes), sizeCalculation: (b) => Math.max(1, b.length) });
  }

  async get(key: { sha256: string; airValue: number; window: string; maxWidth?: number }, render: () => Promise<Buffer>): Promise<Buffer> {
    const k = `${key.sha256}|${key.airValue}|${key.window}|${key.maxWidth ?? ''}`;
    const hit = this.cache.get(k);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    let p = this.pending.get(k);
    if (!p) {
      p = render().then(
        (png) => {
          if (png.length > 0) this.cache.set(k, png);
          this.pending.delete(k);
          return png;
        },
        (err: unknown) => {
          this.pending.delete(k);
          throw err;
        },
      );
      this.pending.set(k, p);
    }
    return p;
  }
}
