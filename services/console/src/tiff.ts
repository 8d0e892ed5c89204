/**
 * Fetches a scan's stored 16-bit TIFF (GET /v1/scans/:id/image?energy=…&format=tiff, the file
 * unchanged: deflate with a horizontal predictor, as sharp writes it) and decodes it in the
 * browser with geotiff.js on the main thread (no worker pool: the CSP allows only 'self').
 */
import { fromArrayBuffer } from 'geotiff';
import { ApiError } from './api.ts';

export interface Raster {
  width: number;
  height: number;
  data: Uint16Array;
}

export async function fetchTiff(scanId: string, energy: 'high' | 'low'): Promise<Raster> {
  const res = await fetch(`/v1/scans/${encodeURIComponent(scanId)}/image?energy=${energy}&format=tiff`, { credentials: 'same-origin' });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string; message?: string } | null;
    throw new ApiError(res.status, body?.error ?? String(res.status), body?.message ?? `image ${energy}: ${res.status}`, body);
  }
  const tiff = await fromArrayBuffer(await res.arrayBuffer());
  const image = await tiff.getImage();
  const rasters = await image.readRasters({ samples: [0] });
  const band = (rasters as unknown as ArrayLike<number>[])[0]!;
  const data = band instanceof Uint16Array ? band : Uint16Array.from(band);
  return { width: image.getWidth(), height: image.getHeight(), data };
}
