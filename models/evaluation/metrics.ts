/** Detection metrics over analysed labelled scans. Pure functions; no I/O. */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Localisation IoU of a detection for one truth object, crowd-aware: the better of the IoU with
 * the object itself and the IoU with the union box of all the objects (of the same class) the
 * detection overlaps, provided that set includes this object. Objects packed together (horns
 * among horns, bundled tusk pieces) are often seen as one region; one box around the bundle is
 * a correct localisation of each of them for an inspector (as COCO's "crowd" annotations).
 * A box that matches a neighbour never gives this object credit.
 */
export function localisationIoU(det: Box, object: Box, sameClass: Box[]): number {
  const own = iou(det, object);
  if (own <= 0) return 0;
  const touching = sameClass.filter((o) => iou(det, o) > 0);
  if (touching.length < 2) return own;
  const x = Math.min(...touching.map((o) => o.x));
  const y = Math.min(...touching.map((o) => o.y));
  const x2 = Math.max(...touching.map((o) => o.x + o.width));
  const y2 = Math.max(...touching.map((o) => o.y + o.height));
  return Math.max(own, iou(det, { x, y, width: x2 - x, height: y2 - y }));
}

export interface RocPoint {
  threshold: number;
  tpr: number;
  fpr: number;
}

/** ROC curve from positive and negative scores (every distinct score is a threshold). */
export function roc(pos: number[], neg: number[]): RocPoint[] {
  const ts = [...new Set([...pos, ...neg])].sort((a, b) => b - a);
  const pts: RocPoint[] = [{ threshold: Infinity, tpr: 0, fpr: 0 }];
  for (const t of ts) {
    pts.push({
      threshold: t,
      tpr: pos.length ? pos.filter((v) => v >= t).length / pos.length : 0,
      fpr: neg.length ? neg.filter((v) => v >= t).length / neg.length : 0,
    });
  }
  pts.push({ threshold: -Infinity, tpr: 1, fpr: 1 });
  return pts;
}

/** Area under the ROC curve = P(score of a random positive > random negative), ties count half. */
export function auc(pos: number[], neg: number[]): number {
  if (pos.length === 0 || neg.length === 0) return NaN;
  const sortedNeg = [...neg].sort((a, b) => a - b);
  let s = 0;
  for (const p of pos) {
    let lo = 0;
    let hi = sortedNeg.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (sortedNeg[m]! < p) lo = m + 1;
      else hi = m;
    }
    let eq = 0;
    for (let i = lo; i < sortedNeg.length && sortedNeg[i] === p; i++) eq++;
    s += lo + eq / 2;
  }
  return s / (pos.length * neg.length);
}

export function rate(hits: number, total: number): { rate: number | null; hits: number; total: number } {
  return { rate: total ? hits / total : null, hits, total };
}

/** Wilson 95 % interval, so small counts are not over-read. */
export function wilson(hits: number, total: number): [number, number] | null {
  if (!total) return null;
  const z = 1.96;
  const p = hits / total;
  const d = 1 + (z * z) / total;
  const c = p + (z * z) / (2 * total);
  const r = z * Math.sqrt((p * (1 - p)) / total + (z * z) / (4 * total * total));
  return [Math.max(0, (c - r) / d), Math.min(1, (c + r) / d)];
}
