/**
 * Score maps → detections. Each class's sigmoid map is thresholded at the card's candidate
 * score; 8-connected regions become detections with the region's peak as score and its box
 * mapped back to scan pixels. Timber regions also get a species group (softmax of the mean
 * group logits over the region), a density estimate and the density interval the group
 * probabilities support.
 * Thresholds per class then split tier 1 from tier 2. The score maps themselves are kept too
 * (heatmapsFromOutputs), quantised, for the console's heat-map overlay.
 */
import { createHash } from 'node:crypto';
import type { DetectionClass, DetectionRecord } from '#services/core/domain.ts';
import { encodeHeatmap, type HeatmapRecord } from '#services/core/heatmap.ts';
import type { LoadedModel } from '#services/model-registry/card.ts';
import type { TensorData } from '../inference/inference-pool.ts';
import type { ModelInput } from './preprocess.ts';
import { densityFloor, woodAreaDensity } from '#services/core/physics/density-floor.ts';
import type { ScannerResponse } from '#services/core/physics/response.ts';
import type { ConveyanceType } from '#services/core/scan-metadata.ts';

interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  peak: number;
  /** Index of the cell holding the peak score. */
  peakCell: number;
  cells: number[];
}

/** 8-connected components of cells with value ≥ threshold inside the w×h window of a stride-wide map. */
export function regions(map: ArrayLike<number>, mapW: number, w: number, h: number, threshold: number): Region[] {
  const seen = new Uint8Array(mapW * h);
  const out: Region[] = [];
  const stack: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * mapW + x;
      if (seen[i] || !(map[i]! >= threshold)) continue; // NaN never counts
      const r: Region = { x0: x, y0: y, x1: x, y1: y, peak: 0, peakCell: i, cells: [] };
      seen[i] = 1;
      stack.push(i);
      while (stack.length) {
        const c = stack.pop()!;
        const cx = c % mapW;
        const cy = (c - cx) / mapW;
        r.cells.push(c);
        if (map[c]! > r.peak) [r.peak, r.peakCell] = [map[c]!, c];
        if (cx < r.x0) r.x0 = cx;
        if (cx > r.x1) r.x1 = cx;
        if (cy < r.y0) r.y0 = cy;
        if (cy > r.y1) r.y1 = cy;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const nx = cx + dx;
            const ny = cy + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            const n = ny * mapW + nx;
            if (!seen[n] && map[n]! >= threshold) {
              seen[n] = 1;
              stack.push(n);
            }
          }
        }
      }
      out.push(r);
    }
  }
  return out;
}

const logit = (p: number) => Math.log(Math.max(1e-12, p) / Math.max(1e-12, 1 - p));

/**
 * Largest extent (mm, along either axis of the box) an object of a wildlife class can have: a
 * whole tusk is at most about 3 m, a rhino horn well under 1.5 m (simulator: 1–2.5 m tusks,
 * 20–60 cm horns; docs/simulator.md). A region of the score map wider than this is not one object.
 */
export const MAX_OBJECT_EXTENT_MM: Partial<Record<DetectionClass, number>> = { ivory: 3500, rhino_horn: 1500 };
/** Step (logits) by which a too-large region's level is raised until it splits. */
const SPLIT_STEP_LOGITS = 0.5;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The components of `cells` at or above `level` (the rest of the map ignored). */
function subRegions(map: ArrayLike<number>, mapW: number, w: number, h: number, cells: number[], level: number): Region[] {
  const sub = new Float64Array(mapW * h);
  for (const c of cells) sub[c] = map[c]!;
  return regions(sub, mapW, w, h, level);
}

/**
 * Regions at the candidate score, each split at a level `drop` logits below its own peak, so
 * that objects of similar strength packed together (horns side by side, tusk pieces) get a box
 * each instead of one box around the heap. Low tails around a peak are dropped from the box; so
 * is a much weaker object touching a strong one (its cells fall below the level) — a known
 * limit: it is then not reported separately (a watershed split would keep it).
 *
 * A region still wider or taller than `maxCells` cannot be one object of the class: its level is
 * raised SPLIT_STEP_LOGITS at a time until its parts fit (or the level reaches the part's peak).
 * Without this, a model whose ivory score stays moderately high over a whole container (tusks
 * lying in an empty one) gave one box around the container, 2074 × 340 pixels for six tusks.
 */
export function peakRegions(map: ArrayLike<number>, mapW: number, w: number, h: number, candidate: number, drop: number, maxCells = Infinity): Region[] {
  const out: Region[] = [];
  const settle = (region: Region, level: number): void => {
    const tooBig = region.x1 - region.x0 + 1 > maxCells || region.y1 - region.y0 + 1 > maxCells;
    const next = sigmoid(logit(level) + SPLIT_STEP_LOGITS);
    if (!tooBig || next > region.peak) {
      out.push(region);
      return;
    }
    for (const part of subRegions(map, mapW, w, h, region.cells, next)) settle(part, next);
  };
  for (const r of regions(map, mapW, w, h, candidate)) {
    const level = Math.max(candidate, sigmoid(logit(r.peak) - drop));
    // A loop, not push(...spread): a noisy 12000-wide scan can have more regions than the call stack holds arguments.
    for (const region of subRegions(map, mapW, w, h, r.cells, level)) settle(region, level);
  }
  return out;
}

export interface PostprocessContext {
  scanId: string;
  model: LoadedModel;
  input: ModelInput;
  scanWidth: number;
  scanHeight: number;
  spacingMm: { x: number; y: number };
  createdAt: string;
  /** The scanner response the input was converted with, and the conveyance: for the timber density floor. */
  response?: ScannerResponse;
  conveyance?: ConveyanceType;
}

/**
 * The model's score output, checked against the card, and its unpadded w×h window (only that
 * part of the map describes the scan): shared by the detections and the stored heat maps.
 */
function scoreGrid(ctx: PostprocessContext, outputs: Record<string, TensorData>) {
  const { card } = ctx.model;
  const heat = outputs[card.output.heatmap.name];
  if (!heat) throw new Error(`model ${card.id} produced no output "${card.output.heatmap.name}"`);
  const [, k, mh, mw] = heat.dims as [number, number, number, number];
  if (k !== card.classes.length) throw new Error(`model ${card.id}: heatmap has ${k} channels, card lists ${card.classes.length} classes`);
  const stride = card.output.heatmap.stride;
  return { heat, mh, mw, stride, w: Math.min(mw, Math.ceil(ctx.input.width / stride)), h: Math.min(mh, Math.ceil(ctx.input.height / stride)) };
}

/** Below-threshold candidates kept per class when the card does not say (ModelCard.maxCandidatesPerClass). */
export const DEFAULT_MAX_CANDIDATES_PER_CLASS = 10;

/**
 * Every region at or above the class threshold, plus the `maxBelow` strongest below it: chosen
 * before boxes are refined, so the hundreds of weak maxima of a full container cost nothing.
 */
export function keptRegions(regions: Region[], threshold: number, maxBelow: number): Region[] {
  const below = regions.filter((r) => r.peak < threshold).sort((a, b) => b.peak - a.peak).slice(0, Math.max(0, maxBelow));
  return [...regions.filter((r) => r.peak >= threshold), ...below];
}

export function detectionsFromOutputs(ctx: PostprocessContext, outputs: Record<string, TensorData>): DetectionRecord[] {
  const { card } = ctx.model;
  const { heat, mh, mw, stride, w, h } = scoreGrid(ctx, outputs);
  const groupsOut = card.output.timberGroups ? outputs[card.output.timberGroups.name] : undefined;
  const out: DetectionRecord[] = [];

  const toScore = scoreTransform(card.output.heatmap);
  card.classes.forEach((cls: DetectionClass, ci) => {
    const map = toScore(heat.data.subarray(ci * mh * mw, (ci + 1) * mh * mw));
    const maxMm = MAX_OBJECT_EXTENT_MM[cls];
    // A map cell's size in mm, from the scan's own spacing and the resampling factor to model pixels.
    const cellMm = stride * Math.min(ctx.spacingMm.x * ctx.input.factorX, ctx.spacingMm.y * ctx.input.factorY);
    const maxCells = maxMm === undefined || !(cellMm > 0) ? Infinity : Math.ceil(maxMm / cellMm);
    const found = peakRegions(map, mw, w, h, card.candidateScore, card.output.heatmap.peakDropLogits ?? 2.5, maxCells);
    for (const r of keptRegions(found, card.thresholds[cls].score, card.maxCandidatesPerClass ?? DEFAULT_MAX_CANDIDATES_PER_CLASS)) {
      // Box in model-input pixels: the region's cells, or for compact wildlife objects the
      // object's own extent in the attenuation image (cells are 4 model pixels: a cut tusk piece
      // would otherwise get a box up to twice its size).
      const cellBox = { x0: r.x0 * stride, y0: r.y0 * stride, x1: (r.x1 + 1) * stride, y1: (r.y1 + 1) * stride };
      const mb = cls === 'timber' ? cellBox : refineBox(ctx.input, r, stride, mw) ?? cellBox;
      const x = Math.max(0, Math.floor(mb.x0 * ctx.input.factorX));
      const y = Math.max(0, Math.floor(mb.y0 * ctx.input.factorY));
      const x2 = Math.min(ctx.scanWidth, Math.ceil(mb.x1 * ctx.input.factorX));
      const y2 = Math.min(ctx.scanHeight, Math.ceil(mb.y1 * ctx.input.factorY));
      const box = { x, y, width: Math.max(1, x2 - x), height: Math.max(1, y2 - y) };
      let species: string | null = null;
      let cites: DetectionRecord['citesAppendix'] = null;
      let density: number | null = null;
      let interval: [number, number] | null = null;
      let floor: number | null = null;
      if (cls === 'timber' && groupsOut && card.output.timberGroups) {
        const g = timberGroup(groupsOut, r.cells, card.output.timberGroups.groups.length);
        const group = card.output.timberGroups.groups[g.best]!;
        species = group.id;
        cites = group.citesListed ? 'II' : null;
        density = card.output.timberGroups.groups.reduce((s, gr, i) => s + g.probs[i]! * ((gr.densityGcm3[0] + gr.densityGcm3[1]) / 2), 0);
        density = Math.round(density * 1000) / 1000;
        interval = densityInterval(card.output.timberGroups.groups, g.probs);
        // Measured and stored for every timber region the conveyance bounds; whether the rules use
        // it is the card's choice (rules.timberDensityFloor).
        floor = regionDensityFloor(ctx, r, stride, mw);
      }
      // Six decimals: enough to keep strong detections and strong false alarms apart.
      const score = Math.round(r.peak * 1e6) / 1e6;
      const id = 'det_' + createHash('sha256')
        .update([ctx.scanId, card.id, card.version, cls, box.x, box.y, box.width, box.height].join('|'))
        .digest('hex')
        .slice(0, 24);
      out.push({
        id,
        scanId: ctx.scanId,
        modelId: card.id,
        modelVersion: card.version,
        modelSha256: card.sha256,
        class: cls,
        species,
        citesAppendix: cites,
        score,
        box,
        boxMm: {
          x: round1(box.x * ctx.spacingMm.x),
          y: round1(box.y * ctx.spacingMm.y),
          width: round1(box.width * ctx.spacingMm.x),
          height: round1(box.height * ctx.spacingMm.y),
        },
        densityGcm3: density,
        densityIntervalGcm3: interval,
        ...(floor !== null ? { densityFloorGcm3: floor } : {}),
        aboveThreshold: score >= card.thresholds[cls].score,
        shadow: ctx.model.shadow,
        createdAt: ctx.createdAt,
      });
    }
  });
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Each class's score map as a stored heat map: the unpadded w×h window of the output grid (the
 * same window the detections are found in), scores after the card's transform quantised to
 * 8 bits, and the cell size in scan pixels (stride × original pixels per model pixel), so that a
 * cell lands on the scan pixels its detections' boxes are mapped to.
 */
export function heatmapsFromOutputs(ctx: PostprocessContext, outputs: Record<string, TensorData>): HeatmapRecord[] {
  const { card } = ctx.model;
  const { heat, mh, mw, stride, w, h } = scoreGrid(ctx, outputs);
  const toScore = scoreTransform(card.output.heatmap);
  return card.classes.map((cls: DetectionClass, ci) => {
    const { data, maxScore } = encodeHeatmap(toScore(heat.data.subarray(ci * mh * mw, (ci + 1) * mh * mw)), mw, w, h);
    return {
      scanId: ctx.scanId,
      modelId: card.id,
      modelVersion: card.version,
      modelSha256: card.sha256,
      class: cls,
      shadow: ctx.model.shadow,
      width: w,
      height: h,
      cellWidthPx: stride * ctx.input.factorX,
      cellHeightPx: stride * ctx.input.factorY,
      scanWidth: ctx.scanWidth,
      scanHeight: ctx.scanHeight,
      maxScore,
      encoding: 'u8-deflate',
      data,
      createdAt: ctx.createdAt,
    };
  });
}

/** Probability mass the density interval of a timber detection must hold. */
export const DENSITY_INTERVAL_MASS = 0.9;

/**
 * The density band the group probabilities support: groups ordered by density, the shortest
 * run of adjacent groups holding ≥ DENSITY_INTERVAL_MASS of the probability (of equally short
 * runs, the one holding most), as [lowest band start, highest band end] in g/cm³. A confident
 * model gives one group's band; an unsure one a wider band, which the manifest rules can then
 * not use to contradict a declaration.
 */
export function densityInterval(groups: ReadonlyArray<{ densityGcm3: [number, number] }>, probs: ArrayLike<number>): [number, number] | null {
  const order = groups.map((g, i) => ({ band: g.densityGcm3, p: probs[i] ?? 0 })).sort((a, b) => a.band[0] - b.band[0] || a.band[1] - b.band[1]);
  const total = order.reduce((s, g) => s + g.p, 0);
  if (!(total > 0)) return null;
  for (let len = 1; len <= order.length; len++) {
    let best: { from: number; mass: number } | null = null;
    for (let from = 0; from + len <= order.length; from++) {
      let mass = 0;
      for (let i = from; i < from + len; i++) mass += order[i]!.p;
      // Probabilities are summed in floating point; 0.3 + 0.6 must count as 0.9.
      if (mass / total >= DENSITY_INTERVAL_MASS - 1e-9 && (!best || mass > best.mass)) best = { from, mass };
    }
    if (best) {
      const run = order.slice(best.from, best.from + len);
      const r3 = (v: number) => Math.round(v * 1000) / 1000;
      return [r3(run.reduce((m, g) => Math.min(m, g.band[0]), Infinity)), r3(run.reduce((m, g) => Math.max(m, g.band[1]), -Infinity))];
    }
  }
  return null;
}

/** Share of the object's peak contrast over its surroundings at which its edge is drawn. */
const EDGE_LEVEL = 0.3;

/**
 * The extent of the object a region points at, in model-input pixels, from the first energy's
 * attenuation: within the region's cells grown by one cell, the pixels whose attenuation stands
 * above the surroundings (median of the search window's border) by at least EDGE_LEVEL of the
 * object's peak contrast, connected to the region's own cells. Attenuation adds along the ray,
 * so this is the object's projection over whatever cargo lies behind it. Null when the image
 * shows no such excess (the cell box is kept).
 */
export function refineBox(input: ModelInput, r: Region, stride: number, mapW: number): { x0: number; y0: number; x1: number; y1: number } | null {
  const W = input.dims[3];
  const wx0 = Math.max(0, (r.x0 - 1) * stride);
  const wy0 = Math.max(0, (r.y0 - 1) * stride);
  const wx1 = Math.min(input.width, (r.x1 + 2) * stride);
  const wy1 = Math.min(input.height, (r.y1 + 2) * stride);
  const ww = wx1 - wx0;
  const wh = wy1 - wy0;
  if (ww < 3 || wh < 3) return null;
  // The search window, copied out so the region finder can walk it.
  const win = new Float32Array(ww * wh);
  for (let y = 0; y < wh; y++) win.set(input.data.subarray((wy0 + y) * W + wx0, (wy0 + y) * W + wx1), y * ww);
  const border: number[] = [];
  for (let x = 0; x < ww; x++) border.push(win[x]!, win[(wh - 1) * ww + x]!);
  for (let y = 1; y < wh - 1; y++) border.push(win[y * ww]!, win[y * ww + ww - 1]!);
  border.sort((p, q) => p - q);
  const bg = border[border.length >> 1]!;
  // Peak contrast inside the region's own cells.
  const inRegion = new Uint8Array(ww * wh);
  let peak = 0;
  for (const c of r.cells) {
    const cx = c % mapW;
    const cy = (c - cx) / mapW;
    for (let y = Math.max(wy0, cy * stride); y < Math.min(wy1, (cy + 1) * stride); y++) {
      for (let x = Math.max(wx0, cx * stride); x < Math.min(wx1, (cx + 1) * stride); x++) {
        const i = (y - wy0) * ww + (x - wx0);
        inRegion[i] = 1;
        peak = Math.max(peak, win[i]! - bg);
      }
    }
  }
  if (!(peak > 0)) return null;
  // The above-level components of the window that touch the region's own cells.
  const touching = regions(win, ww, ww, wh, bg + EDGE_LEVEL * peak).filter((c) => c.cells.some((i) => inRegion[i]));
  if (touching.length === 0) return null;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const c of touching) {
    x0 = Math.min(x0, c.x0);
    y0 = Math.min(y0, c.y0);
    x1 = Math.max(x1, c.x1);
    y1 = Math.max(y1, c.y1);
  }
  const box = { x0: wx0 + x0, y0: wy0 + y0, x1: wx0 + x1 + 1, y1: wy0 + y1 + 1 };
  // The box must hold the centre of the cell the model scored highest. A denser structure at the
  // edge of the window (a crate wall, a frame beside a low-density horn) can dominate the
  // contrast and pull the box onto itself, away from what the model saw: keep the cell box then.
  const pcx = ((r.peakCell % mapW) + 0.5) * stride;
  const pcy = (Math.floor(r.peakCell / mapW) + 0.5) * stride;
  if (pcx < box.x0 || pcx > box.x1 || pcy < box.y0 || pcy > box.y1) return null;
  return box;
}

/** Map values → scores in [0, 1] as the card says (double precision, so nothing saturates early). */
function scoreTransform(h: { logits?: boolean; temperature?: number }): (m: Float32Array) => ArrayLike<number> {
  if (!h.logits) return (m) => m;
  const t = h.temperature ?? 1;
  return (m) => {
    const out = new Float64Array(m.length);
    for (let i = 0; i < m.length; i++) out[i] = 1 / (1 + Math.exp(-m[i]! / t));
    return out;
  };
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/**
 * The region's group probabilities: the softmax of its cells' mean group logits (a logarithmic
 * opinion pool), logits laid out [1, G, mh, mw] like the heatmap. It used to be the mean of the
 * cells' softmaxes, which lets a few unsure cells at the load's edge (thin wood, other cargo in
 * the ray) spread a confident load over three groups: on 48 misdeclared CITES loads of new
 * training-family units that pool flagged 12, this one 18; on held-out scanner families 21 and 22;
 * 0 of 48 honest loads either way, and the 90 % interval still held the true density of 98–99 %
 * of timber detections (docs/models.md).
 */
function timberGroup(t: TensorData, cells: number[], g: number): { best: number; probs: number[] } {
  const plane = t.dims[2]! * t.dims[3]!;
  const mean = new Array<number>(g).fill(0);
  for (const c of cells) for (let i = 0; i < g; i++) mean[i] = mean[i]! + t.data[i * plane + c]! / cells.length;
  const max = Math.max(...mean);
  const e = mean.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  const probs = e.map((v) => v / sum);
  let best = 0;
  for (let i = 1; i < g; i++) if (probs[i]! > probs[best]!) best = i;
  return { best, probs };
}

/** Median over the region's cells of the cells' mean high-channel attenuation, read as wood across the conveyance (density-floor.ts). */
export function regionDensityFloor(ctx: PostprocessContext, r: Region, stride: number, mapW: number): number | null {
  const att = ctx.input.highAttenuation;
  if (!att || !ctx.response || !ctx.conveyance) return null;
  const W = ctx.input.width;
  const means: number[] = [];
  for (const c of r.cells) {
    const cx = c % mapW;
    const cy = (c - cx) / mapW;
    let s = 0;
    let n = 0;
    for (let y = cy * stride; y < Math.min(ctx.input.height, (cy + 1) * stride); y++)
      for (let x = cx * stride; x < Math.min(W, (cx + 1) * stride); x++) {
        s += att[y * W + x]!;
        n++;
      }
    if (n) means.push(s / n);
  }
  if (!means.length) return null;
  means.sort((a, b) => a - b);
  const median = means[means.length >> 1]!;
  const floor = densityFloor(woodAreaDensity(ctx.response.high, median), ctx.conveyance);
  return floor === null ? null : Math.round(floor * 1000) / 1000;
}
