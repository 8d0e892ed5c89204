/**
 * Training targets at the model's output grid, built from ground truth. Used by the dataset
 * builder only: ground truth never reaches the analysis path.
 */
import type { ScanTruth, TruthObject } from '#adapter/scan-package/types.ts';
import { nearestTimberGroup, type TimberGroup } from '#services/model-registry/card.ts';

export const HEADS = ['ivory', 'rhino_horn', 'timber'] as const;
export const IGNORE_GROUP = 255;

export interface TargetGrid {
  /** Model-input pixels per original pixel is 1/factor; one output cell = stride model pixels. */
  factorX: number;
  factorY: number;
  stride: number;
  /** Output grid size (padded). */
  w: number;
  h: number;
}

export function headOf(o: TruthObject): number {
  if (o.class === 'ivory') return 0;
  if (o.class === 'rhino_horn') return 1;
  // A dense-hardwood look-alike is still wood: the timber head should see it (its density says which band).
  if (o.class === 'timber' || o.class === 'dense_hardwood') return 2;
  return -1;
}

export function groupOf(density: number | undefined, groups: TimberGroup[]): number {
  return density === undefined ? IGNORE_GROUP : nearestTimberGroup(density, groups);
}

/**
 * Coverage of each output cell by each head's objects (0–255), plus the timber group of the
 * dominant timber object per cell (IGNORE_GROUP elsewhere). Masks are full-resolution object
 * masks (the simulator's, or a package's mask files such as `npm run tip` writes: LabelledScan.masks);
 * an object without one (an agency archive with boxes only) is its filled truth box.
 */
export function buildTargets(
  truth: ScanTruth,
  scanW: number,
  scanH: number,
  grid: TargetGrid,
  groups: TimberGroup[],
  masks?: Map<string, Uint8Array>,
): Uint8Array {
  const cellW = grid.factorX * grid.stride;
  const cellH = grid.factorY * grid.stride;
  const plane = grid.w * grid.h;
  const heads = HEADS.length;
  const cover = new Float32Array(heads * plane);
  const groupCover = new Float32Array(plane);
  const group = new Uint8Array(plane).fill(IGNORE_GROUP);
  const cellArea = cellW * cellH;
  for (const o of truth.objects) {
    const head = headOf(o);
    if (head < 0) continue;
    const g = head === 2 ? groupOf(o.densityGcm3, groups) : IGNORE_GROUP;
    const local = new Float32Array(plane);
    const mask = masks?.get(o.id);
    const b = o.boundingBox;
    for (let y = Math.max(0, b.y); y < Math.min(scanH, b.y + b.height); y++) {
      const cy = Math.floor(y / cellH);
      if (cy >= grid.h) continue;
      for (let x = Math.max(0, b.x); x < Math.min(scanW, b.x + b.width); x++) {
        if (mask && !mask[y * scanW + x]) continue;
        const cx = Math.floor(x / cellW);
        if (cx >= grid.w) continue;
        local[cy * grid.w + cx]! += 1 / cellArea;
      }
    }
    for (let i = 0; i < plane; i++) {
      const v = Math.min(1, local[i]!);
      if (v <= 0) continue;
      const k = head * plane + i;
      cover[k] = Math.max(cover[k]!, v);
      if (head === 2 && v > groupCover[i]!) {
        groupCover[i] = v;
        group[i] = g;
      }
    }
  }
  const out = new Uint8Array((heads + 1) * plane);
  for (let i = 0; i < heads * plane; i++) out[i] = Math.round(Math.min(1, cover[i]!) * 255);
  // Group labels only where timber clearly dominates the cell.
  for (let i = 0; i < plane; i++) out[heads * plane + i] = groupCover[i]! >= 0.3 ? group[i]! : IGNORE_GROUP;
  return out;
}
