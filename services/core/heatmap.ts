/**
 * A model's per-class heat map as it is kept beside the detections of one (scan, model version):
 * the score map at the model's output grid, quantised to 8 bits and deflate-compressed, with the
 * geometry that places each cell on the scan image. Defined once here for the worker (which
 * makes it), the store (which keeps it) and the API (which serves it); the console repeats the
 * encoding name (services/console/src/vocab.ts, checked by tests/console/vocab.test.ts).
 *
 * Geometry: cell (cx, cy) covers scan pixels x ∈ [cx·cellWidthPx, (cx+1)·cellWidthPx),
 * y ∈ [cy·cellHeightPx, (cy+1)·cellHeightPx) — the model's output stride × the scan pixels per
 * model pixel of the area resampling (workers/src/analysis/preprocess.ts: no flip, no crop, no
 * offset; zero padding only at the right and bottom, which the stored grid leaves out). The last
 * column and row may reach past the image edge by less than one cell.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type { DetectionClass, ModelStamp } from './domain.ts';

/** How `data` is encoded: row-major 8-bit cells (0..255 = score 0..1 of the card's score transform), zlib/deflate. */
export const HEATMAP_ENCODINGS = ['u8-deflate'] as const;
export type HeatmapEncoding = (typeof HEATMAP_ENCODINGS)[number];

/** Score of a quantised cell value (and back): 0..255 ↔ 0..1. */
export const HEATMAP_LEVELS = 255;

export interface HeatmapRecord extends ModelStamp {
  scanId: string;
  class: DetectionClass;
  /** Shadow-mode model: stored like its detections, never the default. */
  shadow: boolean;
  /** Cells per row and rows (the unpadded part of the model's output grid). */
  width: number;
  height: number;
  /** Scan pixels per cell along x and y (stride × original pixels per model pixel). */
  cellWidthPx: number;
  cellHeightPx: number;
  /** The scan image the grid lies on, in pixels. */
  scanWidth: number;
  scanHeight: number;
  /** Highest cell score (0..1, before quantisation). */
  maxScore: number;
  encoding: HeatmapEncoding;
  /** width·height bytes after inflating. */
  data: Buffer;
  createdAt: string;
}

/** Quantises a score map (values 0..1, row stride `mapW`) to a deflated w×h grid of 8-bit cells. */
export function encodeHeatmap(scores: ArrayLike<number>, mapW: number, w: number, h: number): { data: Buffer; maxScore: number } {
  const cells = new Uint8Array(w * h);
  let max = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = scores[y * mapW + x]!;
      const v = Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : 0;
      if (v > max) max = v;
      cells[y * w + x] = Math.round(v * HEATMAP_LEVELS);
    }
  }
  return { data: deflateSync(cells), maxScore: Math.round(max * 1e6) / 1e6 };
}

/** The w·h quantised cells of a stored heat map. */
export function decodeHeatmap(h: Pick<HeatmapRecord, 'data' | 'width' | 'height' | 'encoding'>): Uint8Array {
  const cells = new Uint8Array(inflateSync(h.data));
  if (cells.length !== h.width * h.height) throw new Error(`heat map holds ${cells.length} cells, expected ${h.width}×${h.height}`);
  return cells;
}
